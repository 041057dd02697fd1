/**
 * pnpm bench:lists — issue 11's two store-time targets, against real PostgreSQL and Redis and a
 * local server, through crawlSource (fetch, parse, snapshot or thread reading, store, enqueue):
 *   - a hot-list poll of 50 entries (a new ranking each poll: 50 ranks, the entries that name the
 *     police stored as items), target < 1 s;
 *   - a forum thread of 500 posts (20 pages of 25, one item per post), target < 1 s.
 * Each measured RUNS times on one fresh schema (dropped at the end); prints every run and the median.
 *
 *   npx tsx test/bench/lists.ts [runs]      (pnpm bench:lists)
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { pino } from 'pino';
import { insertSource, sourceInputSchema } from '@yuqing/db';
import { crawlSource } from '@yuqing/crawler';
import { createCrawlDeps } from '../../services/crawler/src/service';
import { createTestEnv } from '../support/test-env';

const RUNS = Math.max(1, Number(process.argv[2] ?? 7) || 7);
const TARGET_MS = 1000;
const POSTS_PER_PAGE = 25;
const PAGES = 20;

let poll = 0;
/** A hot list of 50: every poll a new ranking; one entry in five names the police. */
function hotList(): string {
  poll++;
  const items = Array.from({ length: 50 }, (_, k) => {
    const title = k % 5 === 0 ? `第${poll}轮 某地派出所回应网友质疑 ${k}` : `第${poll}轮 热门话题 ${k}`;
    return `<item><title><![CDATA[${title}]]></title><description><![CDATA[${title} 热度 ${500 - k * 7}万]]></description><link>https://s.example.cn/search?q=${encodeURIComponent(title)}</link></item>`;
  });
  return `<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel><title>热搜</title><link>https://s.example.cn/</link>${items.join('')}</channel></rss>`;
}

/** Page `page` (1-based) of thread `thread`: 25 posts with floors, authors and times, and a 下一页 link. */
function threadPage(thread: number, page: number): string {
  const posts = Array.from({ length: POSTS_PER_PAGE }, (_, k) => {
    const floor = (page - 1) * POSTS_PER_PAGE + k + 1;
    const minute = floor % 60;
    return `<div class="item"><div class="info">第${floor}楼 ${floor === 1 ? '楼主' : '网友'}：用户${floor % 37} 发表于 2026-12-07 ${String(8 + Math.floor(floor / 60)).padStart(2, '0')}:${String(minute).padStart(2, '0')}</div><div class="msg">第${thread}帖第${floor}楼：城南派出所门口的事大家怎么看，等官方通报，视频里民警的处置还算克制。</div><div class="ops"><a href="#r">回复</a></div></div>`;
  });
  const next = page < PAGES ? `<a href="/thread/${thread}?page=${page + 1}">下一页</a>` : '';
  return `<html><head><meta charset="utf-8"><title>帖子${thread} - 示例论坛</title></head><body><h2>帖子${thread}</h2><div class="topic">${posts.join('')}</div><div class="pages">${next}</div></body></html>`;
}

let thread = 0;
const server = http.createServer((req, res) => {
  const u = new URL(req.url ?? '/', 'http://x');
  if (u.pathname === '/hot.xml') return void res.writeHead(200, { 'content-type': 'application/rss+xml; charset=utf-8' }).end(hotList());
  if (u.pathname === '/board') return void res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(`<html><body><ul><li class="t"><a href="/thread/${thread}">帖子${thread}</a></li></ul></body></html>`);
  const m = /^\/thread\/(\d+)$/.exec(u.pathname);
  if (m) return void res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(threadPage(Number(m[1]), Number(u.searchParams.get('page') ?? 1)));
  res.writeHead(404).end();
});
await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

const t = await createTestEnv('benchlists', { CRAWL_HOST_GAP_MS: '0', CRAWL_RESPECT_ROBOTS: 'false', HTTP_TOTAL_TIMEOUT_MS: '10000' });
const crawl = await createCrawlDeps(t.cfg, pino({ level: 'silent' }));
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1] as number;
try {
  const hot = await insertSource(t.db, sourceInputSchema.parse({ name: '热搜', url: `${base}/hot.xml`, hotList: 'national' }));
  const board = await insertSource(t.db, sourceInputSchema.parse({ name: '论坛', kind: 'html', url: `${base}/board`, threads: true, selectors: { item: 'li.t', link: 'a' } }));
  // Warm-up (first connections, prepared plans, the thread reader's first parse).
  await crawlSource(crawl.deps, hot!.id);
  thread++;
  await crawlSource(crawl.deps, board!.id);
  const hotMs: number[] = [];
  const threadMs: number[] = [];
  for (let r = 0; r < RUNS; r++) {
    let s = performance.now();
    const h = await crawlSource(crawl.deps, hot!.id);
    hotMs.push(performance.now() - s);
    thread++; // a new thread on the board: read whole
    s = performance.now();
    const f = await crawlSource(crawl.deps, board!.id);
    threadMs.push(performance.now() - s);
    if (h.outcome !== 'ok' || f.newItems !== POSTS_PER_PAGE * PAGES) throw new Error(`run ${r}: hot ${h.outcome}, thread stored ${f.newItems} posts`);
    console.log(`run ${r + 1}: hot-list poll of 50 entries (${h.newItems} stored as items) ${hotMs.at(-1)!.toFixed(0)} ms; thread of ${f.newItems} posts (${PAGES} pages) ${threadMs.at(-1)!.toFixed(0)} ms`);
  }
  const hm = median(hotMs);
  const tm = median(threadMs);
  console.log(`median: hot-list poll ${hm.toFixed(0)} ms (target < ${TARGET_MS}), thread of ${POSTS_PER_PAGE * PAGES} posts ${tm.toFixed(0)} ms (target < ${TARGET_MS})`);
  process.exitCode = hm < TARGET_MS && tm < TARGET_MS ? 0 : 1;
} finally {
  await crawl.close();
  await t.cleanup();
  server.close();
}
