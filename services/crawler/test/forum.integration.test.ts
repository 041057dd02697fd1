/**
 * Forum boards against real PostgreSQL and Redis and a local BBS written for the test (invented
 * posts): the board lists threads; each thread is read page by page into one item per post with the
 * post's own author and Beijing time; the first post is the root and the replies point at it; a
 * thread read again resumes on its last page and stores only what is new; a thread that cannot be
 * fetched is recorded without failing the board.
 */
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { insertSource, sourceInputSchema } from '@yuqing/db';
import { crawlSource } from '@yuqing/crawler';
import { createCrawlDeps } from '../src/service';
import { nextPageUrl } from '../src/forum';
import { urlHash } from '../src/parse/url';
import { ok, startTestServer, status, type Handler, type TestServer } from '../../../test/support/misbehaving-server';
import { createTestEnv, type TestEnv } from '../../../test/support/test-env';

const log = pino({ level: 'silent' });
let t: TestEnv;
let server: TestServer;
let crawl: Awaited<ReturnType<typeof createCrawlDeps>>;
const routes: Record<string, Handler> = {};
const HTML = 'text/html; charset=utf-8';

interface Post {
  floor: number;
  name: string;
  time: string;
  body: string;
}

/** A page of a plain BBS thread (floors, 楼主/网友, 发表于 in a header line), with a 下一页 link when `next`. */
function threadPage(title: string, posts: Post[], next: string | null): string {
  const items = posts
    .map((p) => `<div class="item"><div class="info">第${p.floor}楼 ${p.floor === 1 ? '楼主' : '网友'}：${p.name} 发表于 ${p.time}</div><div class="msg">${p.body}</div><div class="ops"><a href="#r">回复</a> | <a href="#q">引用</a></div></div>`)
    .join('\n');
  return `<html><head><meta charset="utf-8"><title>${title} - 示例论坛</title></head><body><div class="top"><a href="/">示例论坛</a> | <a href="/login">登录</a></div>
<h2>${title}</h2><div class="topic">${items}</div>${next ? `<div class="pages"><a href="${next}">下一页</a></div>` : ''}<div class="foot">示例论坛 版权所有</div></body></html>`;
}

const post = (floor: number, name: string, minute: number, body: string): Post => ({ floor, name, time: `2026-12-07 10:${String(minute).padStart(2, '0')}`, body });
const A1 = [
  post(1, '城南居民', 1, '昨晚城南派出所门口发生争执，有人拍了视频，民警处置是否得当大家怎么看？现场好多人围观，说法不一。'),
  post(2, '路人甲', 3, '视频我看了，民警一开始还挺克制的。'),
  post(3, '老张', 5, '等官方通报吧，别急着下结论。'),
];
const A2 = [post(4, '路人乙', 8, '派出所说今天会出情况说明。'), post(5, '城南居民', 9, '好的，等通报。')];

beforeAll(async () => {
  server = await startTestServer(routes);
  t = await createTestEnv('forum', { HTTP_TOTAL_TIMEOUT_MS: '2000', CRAWL_HOST_GAP_MS: '0', CRAWL_RESPECT_ROBOTS: 'false' });
  crawl = await createCrawlDeps(t.cfg, log);
  routes['/board'] = ok(
    `<html><body><ul class="threads"><li class="thread"><a href="/thread/a">城南派出所门口争执视频</a></li><li class="thread"><a href="/thread/gone">已删除的帖子</a></li><li class="thread"><a href="/thread/b">小区停车问题</a></li></ul></body></html>`,
    HTML,
  );
  routes['/thread/a'] = ok(threadPage('城南派出所门口争执视频', A1, '/thread/a?page=2'), HTML);
  routes['/thread/gone'] = status(404, 'not found');
  routes['/thread/b'] = ok(threadPage('小区停车问题', [post(1, '车主', 20, '小区地面车位又涨价了，物业没有公示。'), post(2, '邻居', 21, '同问')], null), HTML);
});
afterAll(async () => {
  await crawl?.close();
  await server?.close();
  await t?.cleanup();
});

const itemsOf = async (sourceId: number) =>
  (await t.db.query('SELECT url, url_hash, parent_url_hash, title, text, author, published_at, extra FROM items WHERE source_id = $1 ORDER BY published_at, id', [sourceId])).rows;

describe('a forum board', () => {
  it('stores one item per post, replies pointing at the thread’s first post, across the thread’s pages', async () => {
    // Page 2 of thread A answers at the same path with ?page=2 (routes ignore the query): serve by query.
    routes['/thread/a'] = (req, res) => {
      const page2 = (req.url ?? '').includes('page=2');
      res.writeHead(200, { 'content-type': HTML }).end(threadPage('城南派出所门口争执视频', page2 ? A2 : A1, page2 ? null : '/thread/a?page=2'));
    };
    const s = await insertSource(t.db, sourceInputSchema.parse({ name: '示例论坛', kind: 'html', url: `${server.url}/board`, threads: true, selectors: { item: 'li.thread', link: 'a' } }));
    const r = await crawlSource(crawl.deps, s!.id);
    expect(r).toMatchObject({ outcome: 'ok', newItems: 7 });
    const items = await itemsOf(s!.id);
    const a = items.filter((i) => i.url.startsWith(`${server.url}/thread/a`));
    expect(a.map((i) => i.author)).toEqual(['城南居民', '路人甲', '老张', '路人乙', '城南居民']);
    const root = a[0];
    expect(root.url).toBe(`${server.url}/thread/a`);
    expect(root.title).toBe('城南派出所门口争执视频');
    expect(root.parent_url_hash).toBeNull();
    expect(root.published_at.toISOString()).toBe('2026-12-07T02:01:00.000Z'); // 10:01 Beijing time
    for (const reply of a.slice(1)) {
      expect(reply.parent_url_hash).toBe(root.url_hash);
      expect(reply.url).toMatch(/\/thread\/a#post-\d$/);
      expect(reply.title).toBeNull();
    }
    expect(a[3].text).toBe('派出所说今天会出情况说明。');
    expect(a[3].extra.thread).toEqual({ url: `${server.url}/thread/a`, floor: 4 });
    // The thread that could not be fetched is recorded, and did not stop thread B.
    expect(items.filter((i) => i.url.startsWith(`${server.url}/thread/b`))).toHaveLength(2);
    const gone = (await t.db.query(`SELECT posts, last_error FROM forum_threads WHERE url = $1`, [`${server.url}/thread/gone`])).rows[0];
    expect(gone.posts).toBe(0);
    expect(gone.last_error).toContain('404');
    const ta = (await t.db.query(`SELECT posts, pages, last_page_url FROM forum_threads WHERE url_hash = $1`, [urlHash(`${server.url}/thread/a`)])).rows[0];
    expect(ta).toMatchObject({ posts: 5, pages: 2, last_page_url: `${server.url}/thread/a?page=2` });

    // Within READ_AGAIN_MS nothing is read again.
    const hitsBefore = server.hits.get('/thread/a');
    expect((await crawlSource(crawl.deps, s!.id)).newItems).toBe(0);
    expect(server.hits.get('/thread/a')).toBe(hitsBefore);

    // Later, with two new replies on page 2: the reading resumes there and stores only them.
    A2.push(post(6, '热心网友', 30, '通报出来了，双方都有责任。'), post(7, '老张', 31, '那就好。'));
    await t.db.query(`UPDATE forum_threads SET last_fetched_at = now() - interval '1 hour'`);
    const again = await crawlSource(crawl.deps, s!.id);
    expect(again.newItems).toBe(2);
    expect(server.requests.filter((q) => q.path === '/thread/a').length - (hitsBefore ?? 0)).toBe(1); // page 2 only
    const after = (await itemsOf(s!.id)).filter((i) => i.url.startsWith(`${server.url}/thread/a`));
    expect(after.map((i) => i.author)).toEqual(['城南居民', '路人甲', '老张', '路人乙', '城南居民', '热心网友', '老张']);
    expect(after.slice(1).every((i) => i.parent_url_hash === root.url_hash)).toBe(true);
    expect((await t.db.query(`SELECT posts FROM forum_threads WHERE url_hash = $1`, [urlHash(`${server.url}/thread/a`)])).rows[0].posts).toBe(7);
  });

  it('finds the next page of a thread by rel=next or its words, never the page itself', () => {
    expect(nextPageUrl('<a rel="next" href="?pn=2">2</a>', 'https://t.example.cn/p/1')).toBe('https://t.example.cn/p/1?pn=2');
    expect(nextPageUrl('<div><a href="/p/1?pn=3">下一页</a></div>', 'https://t.example.cn/p/1?pn=2')).toBe('https://t.example.cn/p/1?pn=3');
    expect(nextPageUrl('<a href="/p/1">下一页</a>', 'https://t.example.cn/p/1')).toBeNull();
    expect(nextPageUrl('<a href="javascript:void(0)">下一页</a>', 'https://t.example.cn/p/1')).toBeNull();
    expect(nextPageUrl('<a href="/p/2">上一页</a>', 'https://t.example.cn/p/1')).toBeNull();
  });
});
