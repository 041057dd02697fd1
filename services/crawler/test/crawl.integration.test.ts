/**
 * The crawler against real PostgreSQL and Redis and a local server that misbehaves on purpose.
 * Each poll is driven directly (crawlSource) so every outcome is asserted deterministically;
 * the last block runs the whole service (scheduler + workers) and restarts it.
 */
import { gunzipSync } from 'node:zlib';
import iconv from 'iconv-lite';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getItemEvidence, insertSource, listFetchLog, listHealthEvents, sourceInputSchema, type SourceInput } from '@yuqing/db';
import { analyzeJobId } from '@yuqing/queue';
import { crawlSource, startCrawlerService } from '@yuqing/crawler';
import { createCrawlDeps } from '../src/service';
import { hugeBody, ok, redirect, slowBody, startTestServer, status, type Handler, type TestServer } from '../../../test/support/misbehaving-server';
import { createTestEnv, type TestEnv } from '../../../test/support/test-env';

const log = pino({ level: 'silent' });
let t: TestEnv;
let server: TestServer;
let crawl: Awaited<ReturnType<typeof createCrawlDeps>>;
const routes: Record<string, Handler> = {};

function rss(items: Array<{ title: string; link: string; date?: string; desc?: string }>, encoding = ''): string {
  return `<?xml version="1.0"${encoding ? ` encoding="${encoding}"` : ''}?><rss version="2.0"><channel><title>测试</title><link>http://127.0.0.1/</link>
${items.map((i) => `<item><title>${i.title}</title><link>${i.link}</link>${i.date ? `<pubDate>${i.date}</pubDate>` : ''}<description>${i.desc ?? i.title}</description></item>`).join('\n')}
</channel></rss>`;
}

const article = (title: string, body: string) =>
  `<html><head><meta charset="gbk"><title>${title}_测试新闻网</title></head><body><div class="nav"><a href="/">首页</a> <a href="/a">社会</a></div>
<h1>${title}</h1><div class="info">发布时间：2024-03-05 10:20 来源：测试日报 作者：李明</div>
<div class="article">${body.split('。').filter(Boolean).map((p) => `<p>${p}。</p>`).join('')}</div><div class="footer">版权所有 测试新闻网</div></body></html>`;

async function addSource(input: Partial<SourceInput> & { url: string }) {
  const s = await insertSource(t.db, sourceInputSchema.parse({ name: input.url, ...input }));
  if (!s) throw new Error('duplicate source');
  return s;
}
const itemsOf = async (sourceId: number) =>
  (await t.db.query('SELECT id, url, title, text, author, published_at, evidence_sha256, enqueued_at FROM items WHERE source_id = $1 ORDER BY id', [sourceId])).rows;

beforeAll(async () => {
  server = await startTestServer(routes);
  t = await createTestEnv('crawl', {
    HTTP_TOTAL_TIMEOUT_MS: '1500',
    HTTP_CONNECT_TIMEOUT_MS: '1000',
    CRAWL_HOST_GAP_MS: '20',
    SOURCE_MAX_FAILURES: '3',
    RECONCILE_AFTER_MS: '1000',
    CRAWL_TICK_MS: '200',
  });
  crawl = await createCrawlDeps(t.cfg, log);
  routes['/robots.txt'] = ok('User-agent: *\nDisallow: /private/\n', 'text/plain');
});
afterAll(async () => {
  await crawl?.close();
  await server?.close();
  await t?.cleanup();
});

describe('one poll of a source', () => {
  it('stores every item once, canonicalized, and hands each to analysis', async () => {
    routes['/good.xml'] = ok(
      rss([
        { title: '民警救助落水儿童', link: `${server.url}/news/1.html?utm_source=rss#top`, date: 'Tue, 05 Mar 2024 10:20:00 +0800' },
        { title: '交警提醒雨天慢行', link: `${server.url}/news/2.html`, date: '2024-03-05 11:00' },
        { title: '重复链接', link: `${server.url}/news/2.html?spm=a.b.c` },
      ]),
      'application/rss+xml; charset=utf-8',
      { etag: '"v1"' },
    );
    const s = await addSource({ url: `${server.url}/good.xml` });
    const r = await crawlSource(crawl.deps, s.id);
    expect(r).toMatchObject({ outcome: 'ok', newItems: 2 });
    const items = await itemsOf(s.id);
    expect(items.map((i) => i.url)).toEqual([`${server.url}/news/1.html`, `${server.url}/news/2.html`]);
    expect(items[0].published_at.toISOString()).toBe('2024-03-05T02:20:00.000Z');
    expect(items[1].published_at.toISOString()).toBe('2024-03-05T03:00:00.000Z'); // zone-less read as Shanghai
    for (const i of items) {
      expect(await crawl.deps.analyzeQueue.getJob(analyzeJobId(i.id))).toBeTruthy();
      expect(i.enqueued_at).not.toBeNull();
    }
    // Evidence: the raw feed bytes, compressed, with their hash.
    const ev = await getItemEvidence(t.db, items[0].id);
    expect(gunzipSync(ev!.gz).toString('utf8')).toContain('民警救助落水儿童');

    // Second poll: conditional GET answers 304 and nothing new is stored.
    const again = await crawlSource(crawl.deps, s.id);
    expect(again.outcome).toBe('not_modified');
    expect(server.requests.filter((q) => q.path === '/good.xml').at(-1)?.headers['if-none-match']).toBe('"v1"');
    expect(await itemsOf(s.id)).toHaveLength(2);
  });

  it('decodes GBK without any declaration and a feed with whitespace before <?xml', async () => {
    const gbk = iconv.encode(rss([{ title: '派出所民警调解邻里纠纷', link: `${server.url}/gbk/1.html` }]), 'gbk');
    routes['/gbk.xml'] = (_req, res) => {
      res.writeHead(200, { 'content-type': 'text/xml' }).end(gbk);
    };
    routes['/ws.xml'] = ok(`\n\n  \uFEFF${rss([{ title: '前导空白', link: `${server.url}/ws/1.html` }], 'utf-8')}`, 'application/xml');
    const a = await addSource({ url: `${server.url}/gbk.xml` });
    const b = await addSource({ url: `${server.url}/ws.xml` });
    expect((await crawlSource(crawl.deps, a.id)).outcome).toBe('ok');
    expect((await crawlSource(crawl.deps, b.id)).outcome).toBe('ok');
    expect((await itemsOf(a.id))[0]?.title).toBe('派出所民警调解邻里纠纷');
    expect((await itemsOf(b.id))[0]?.title).toBe('前导空白');
  });

  it('keeps the complete items of a truncated feed', async () => {
    const full = rss(Array.from({ length: 6 }, (_, i) => ({ title: `截断测试${i}`, link: `${server.url}/cut/${i}.html` })));
    routes['/cut.xml'] = ok(full.slice(0, Math.floor(full.length * 0.7)), 'application/rss+xml');
    const s = await addSource({ url: `${server.url}/cut.xml` });
    const r = await crawlSource(crawl.deps, s.id);
    expect(r.outcome).toBe('ok');
    const titles = (await itemsOf(s.id)).map((i) => i.title);
    expect(titles.length).toBeGreaterThanOrEqual(3);
    expect(titles).toEqual(titles.map((_, i) => `截断测试${i}`));
  });

  it('fetches full text for new entries only, with robots.txt respected', async () => {
    routes['/ft.xml'] = ok(
      rss([
        { title: '某地发生一起交通事故', link: `${server.url}/articles/1.html` },
        { title: '被禁止的文章', link: `${server.url}/private/2.html` },
      ]),
      'application/rss+xml',
    );
    const body = '今天上午，某地发生一起交通事故，交警迅速赶到现场处置。事故造成两人受伤，伤者已被送往医院救治。目前事故原因正在进一步调查中。';
    routes['/articles/1.html'] = (_req, res) => {
      res.writeHead(200, { 'content-type': 'text/html' }).end(iconv.encode(article('某地发生一起交通事故', body), 'gbk'));
    };
    routes['/private/2.html'] = ok(article('secret', '不应被抓取的内容。'), 'text/html; charset=utf-8');
    const s = await addSource({ url: `${server.url}/ft.xml`, fullText: true });
    expect((await crawlSource(crawl.deps, s.id)).newItems).toBe(2);
    const [a, b] = await itemsOf(s.id);
    expect(a.text).toContain('伤者已被送往医院救治');
    expect(a.text).not.toContain('版权所有');
    expect(a.author).toBe('李明');
    expect(gunzipSync((await getItemEvidence(t.db, a.id))!.gz).equals(iconv.encode(article('某地发生一起交通事故', body), 'gbk'))).toBe(true);
    // robots.txt disallows /private/: never fetched, the feed's own text is kept.
    expect(server.hits.get('/private/2.html') ?? 0).toBe(0);
    expect(b.title).toBe('被禁止的文章');
    expect(server.hits.get('/robots.txt')).toBe(1);
    // A second poll fetches no article again.
    await crawlSource(crawl.deps, s.id);
    expect(server.hits.get('/articles/1.html')).toBe(1);
  });

  it('reads a list page with selectors', async () => {
    routes['/bbs/'] = ok(
      `<html><body><ul>${['民警执法引发争议', '辅警被指态度粗暴', '路灯坏了没人修']
        .map((title, i) => `<li class="t"><a class="title" href="/bbs/thread-${i}.html">${title}</a><span class="d">2024-03-0${i + 1} 09:0${i}</span></li>`)
        .join('')}</ul></body></html>`,
      'text/html; charset=utf-8',
    );
    const s = await addSource({ url: `${server.url}/bbs/`, kind: 'html', selectors: { item: 'li.t', link: 'a.title', time: '.d' } });
    expect((await crawlSource(crawl.deps, s.id)).newItems).toBe(3);
    const items = await itemsOf(s.id);
    expect(items.map((i) => i.title)).toEqual(['民警执法引发争议', '辅警被指态度粗暴', '路灯坏了没人修']);
    expect(items[2].published_at.toISOString()).toBe('2024-03-03T01:02:00.000Z');
  });
});

describe('misbehaving servers are recorded on the source, and nothing crashes', () => {
  const cases: Array<[string, Handler, string]> = [
    ['/e500.xml', status(500), 'http_error'],
    ['/slow.xml', slowBody(4000, 8), 'timeout'],
    ['/loop-a.xml', redirect('/loop-b.xml'), 'too_many_redirects'],
    ['/notfeed.xml', ok('<html><body>这不是订阅源</body></html>', 'text/html'), 'parse_error'],
    ['/private/feed.xml', ok(rss([]), 'application/rss+xml'), 'robots_denied'],
  ];
  beforeAll(() => {
    routes['/loop-b.xml'] = redirect('/loop-a.xml');
  });

  it.each(cases.map(([path, handler, outcome]) => ({ path, handler, outcome })))('$path → $outcome', async ({ path, handler, outcome }) => {
    routes[path] = handler;
    const s = await addSource({ url: `${server.url}${path}` });
    const r = await crawlSource(crawl.deps, s.id);
    expect(r.outcome).toBe(outcome);
    const [logRow] = await listFetchLog(t.db, s.id);
    expect(logRow?.outcome).toBe(outcome);
    const row = (await t.db.query('SELECT consecutive_errors, last_error, next_poll_at > now() AS later FROM sources WHERE id = $1', [s.id])).rows[0];
    expect(row).toMatchObject({ consecutive_errors: 1, later: true });
    expect(row.last_error).toContain(outcome);
  });

  it('a 50 MiB body is cut at the cap and recorded as truncated', async () => {
    const huge = hugeBody(50 * 1024 * 1024, 'application/rss+xml');
    routes['/huge.xml'] = huge;
    const s = await addSource({ url: `${server.url}/huge.xml` });
    const r = await crawlSource(crawl.deps, s.id);
    expect(r.outcome).toBe('parse_error'); // the cut body is not a feed
    const [logRow] = await listFetchLog(t.db, s.id);
    expect(logRow?.truncated).toBe(true);
    expect(huge.stats.bytesSent).toBeLessThan(50 * 1024 * 1024);
  });

  it('after N failures the source is failing with one health event, and recovery is recorded', async () => {
    let healthy = false;
    routes['/flaky.xml'] = (req, res) => (healthy ? ok(rss([{ title: '恢复', link: `${server.url}/flaky/1.html` }]), 'application/rss+xml')(req, res) : status(503)(req, res));
    const s = await addSource({ url: `${server.url}/flaky.xml` });
    for (let i = 0; i < 4; i++) await crawlSource(crawl.deps, s.id);
    const state = (await t.db.query('SELECT status, consecutive_errors FROM sources WHERE id = $1', [s.id])).rows[0];
    expect(state).toEqual({ status: 'failing', consecutive_errors: 4 });
    expect((await listHealthEvents(t.db, s.id)).map((e) => e.kind)).toEqual(['failing']);
    healthy = true;
    expect((await crawlSource(crawl.deps, s.id)).outcome).toBe('ok');
    expect((await listHealthEvents(t.db, s.id)).map((e) => e.kind)).toEqual(['recovered', 'failing']);
  });

  it('requests to one host never overlap and keep the minimum gap', async () => {
    const spans: Array<[number, number]> = [];
    for (let i = 0; i < 4; i++) {
      routes[`/gap${i}.xml`] = (_req, res) => {
        const start = Date.now();
        setTimeout(() => {
          res.writeHead(200, { 'content-type': 'application/rss+xml' }).end(rss([{ title: `间隔${i}`, link: `${server.url}/gap/${i}.html` }]));
          spans.push([start, Date.now()]);
        }, 30);
      };
    }
    const sources = await Promise.all([0, 1, 2, 3].map((i) => addSource({ url: `${server.url}/gap${i}.xml` })));
    await Promise.all(sources.map((s) => crawlSource(crawl.deps, s.id)));
    spans.sort((a, b) => a[0] - b[0]);
    for (let i = 1; i < spans.length; i++) expect(spans[i]![0] - spans[i - 1]![1]).toBeGreaterThanOrEqual(15);
  });
});

describe('the running service', () => {
  it('schedules due sources, stores each item once, and after a restart fetches nothing twice without need', async () => {
    const feed = rss(Array.from({ length: 5 }, (_, i) => ({ title: `服务测试${i}`, link: `${server.url}/svc/${i}.html` })));
    routes['/svc.xml'] = ok(feed, 'application/rss+xml', { etag: '"svc"' });
    routes['/svc-ft.xml'] = ok(rss([{ title: '全文', link: `${server.url}/articles/svc.html` }]), 'application/rss+xml');
    routes['/articles/svc.html'] = ok(article('全文', '这是一篇用于测试服务重启的文章正文内容，包含足够多的文字。'), 'text/html; charset=gbk');
    await t.db.query('UPDATE sources SET enabled = false'); // earlier tests' sources stay out of the way
    const a = await addSource({ url: `${server.url}/svc.xml`, pollInterval: 10 });
    const b = await addSource({ url: `${server.url}/svc-ft.xml`, pollInterval: 10, fullText: true });
    let service = await startCrawlerService(t.cfg, { log });
    try {
      await waitFor(async () => (await itemsOf(a.id)).length === 5 && (await itemsOf(b.id)).length === 1);
    } finally {
      await service.close();
    }
    const feedHits = server.hits.get('/svc.xml');
    // Restart with the sources due again: the feed answers 304, the article is not fetched again.
    await t.db.query('UPDATE sources SET next_poll_at = now() WHERE id = ANY($1)', [[a.id, b.id]]);
    service = await startCrawlerService(t.cfg, { log });
    try {
      await waitFor(async () => (server.hits.get('/svc.xml') ?? 0) > (feedHits ?? 0));
      await waitFor(async () => (await listFetchLog(t.db, b.id)).length >= 2);
    } finally {
      await service.close();
    }
    expect((await listFetchLog(t.db, a.id))[0]?.outcome).toBe('not_modified');
    expect(server.hits.get('/articles/svc.html')).toBe(1);
    expect(await itemsOf(a.id)).toHaveLength(5);
    expect(await itemsOf(b.id)).toHaveLength(1);
  });
});

async function waitFor(cond: () => Promise<boolean>, timeoutMs = 20_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!(await cond())) {
    if (Date.now() > until) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 100));
  }
}
