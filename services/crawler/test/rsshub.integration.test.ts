/**
 * Sources of kind `rsshub` against real PostgreSQL and Redis and local servers standing in for
 * RSSHub instances (serving saved samples in the shape RSSHub renders): the route is resolved
 * against RSSHUB_URL in order, a dead instance is skipped and remembered, the access code is
 * RSSHub's md5(path + key), and a route no instance serves fails the source with every reason.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { insertSource, listFetchLog, listRsshubInstances, sourceInputSchema, type SourceInput } from '@yuqing/db';
import { crawlSource } from '@yuqing/crawler';
import { createCrawlDeps } from '../src/service';
import { instanceOrder, rsshubFeedUrl } from '../src/rsshub';
import { ok, startTestServer, status, type Handler, type TestServer } from '../../../test/support/misbehaving-server';
import { createTestEnv, type TestEnv } from '../../../test/support/test-env';

const log = pino({ level: 'silent' });
const sample = (name: string) => readFileSync(new URL(`./fixtures/rsshub/${name}`, import.meta.url), 'utf8');
const RSS = 'application/rss+xml; charset=utf-8';
const KEY = 'test-access-key';

let t: TestEnv;
let dead: TestServer; // closed before the tests: connections to it are refused
let live: TestServer;
let keyed: TestServer;
let crawl: Awaited<ReturnType<typeof createCrawlDeps>>;
const liveRoutes: Record<string, Handler> = {};
const keyedRoutes: Record<string, Handler> = {};

async function addRsshub(input: Partial<SourceInput> & { route: string }) {
  const s = await insertSource(t.db, sourceInputSchema.parse({ name: input.route, kind: 'rsshub', ...input }));
  if (!s) throw new Error('duplicate source');
  return s;
}
const itemsOf = async (sourceId: number) => (await t.db.query('SELECT url, title, text, author, published_at FROM items WHERE source_id = $1 ORDER BY id', [sourceId])).rows;

/**
 * An RSSHub access-control check as lib/middleware/access-control.ts does it, hashing the path as
 * the instance's framework sees it: decoded, or as sent (percent-encoded).
 */
function requireCode(handler: Handler, pathForm: 'decoded' | 'encoded'): Handler {
  return (req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    const path = pathForm === 'decoded' ? decodeURIComponent(url.pathname) : url.pathname;
    const want = createHash('md5').update(path + KEY).digest('hex');
    if (url.searchParams.get('key') !== KEY && url.searchParams.get('code') !== want) {
      res.writeHead(403, { 'content-type': 'text/plain' }).end('Authentication failed. Access denied.');
      return;
    }
    return handler(req, res);
  };
}

beforeAll(async () => {
  dead = await startTestServer({});
  await dead.close();
  live = await startTestServer(liveRoutes);
  keyed = await startTestServer(keyedRoutes);
  t = await createTestEnv('rsshub', {
    HTTP_TOTAL_TIMEOUT_MS: '1500',
    HTTP_CONNECT_TIMEOUT_MS: '1000',
    CRAWL_RESPECT_ROBOTS: 'true',
    RSSHUB_URL: `${dead.url},${live.url}/`,
    RSSHUB_RETRY_FAILING_MS: '600000',
  });
  crawl = await createCrawlDeps(t.cfg, log);
  // RSSHub's own robots.txt forbids everything: the crawler must not ask it for its own component.
  liveRoutes['/robots.txt'] = ok('User-agent: *\nDisallow: /\n', 'text/plain');
});
afterAll(async () => {
  await crawl?.close();
  await live?.close();
  await keyed?.close();
  await t?.cleanup();
});

describe('rsshub sources', () => {
  it('skips an instance that refuses connections, stores the route from the next, and remembers which is failing', async () => {
    liveRoutes['/weibo/search/hot'] = ok(sample('weibo-search-hot.xml'), RSS);
    const s = await addRsshub({ name: '微博热搜榜', route: '/weibo/search/hot', pollInterval: '5m' });
    expect(s.url).toBe('rsshub:/weibo/search/hot');
    const r = await crawlSource(crawl.deps, s.id);
    expect(r).toMatchObject({ outcome: 'ok', newItems: 3 });
    const items = await itemsOf(s.id);
    expect(items.map((i) => i.title)).toEqual(['某地民警雨夜背老人过河', '冬至吃饺子还是汤圆', '网友质疑某派出所迟迟不立案']);
    expect(items[0].url).toMatch(/^https:\/\/m\.weibo\.cn\/search\?containerid=/);
    expect(live.hits.get('/robots.txt') ?? 0).toBe(0);

    const health = new Map((await listRsshubInstances(t.db)).map((h) => [h.baseUrl, h]));
    expect(health.get(dead.url)).toMatchObject({ status: 'failing', failures: 1, consecutiveErrors: 1 });
    expect(health.get(dead.url)?.lastError).toBeTruthy();
    expect(health.get(`${live.url}/`)).toMatchObject({ status: 'ok', failures: 0 });

    // The failing instance now goes last: the next poll asks the live one first and never the dead one.
    const before = (await listRsshubInstances(t.db)).find((h) => h.baseUrl === dead.url)?.requests;
    expect((await crawlSource(crawl.deps, s.id)).outcome).toBe('ok');
    expect((await listRsshubInstances(t.db)).find((h) => h.baseUrl === dead.url)?.requests).toBe(before);
  });

  it('keeps the post author and time RSSHub gives for a keyword route, with a Chinese keyword in the path', async () => {
    const route = `/weibo/keyword/${encodeURIComponent('警方通报')}`;
    liveRoutes[route] = ok(sample('weibo-keyword.xml'), RSS);
    const s = await addRsshub({ route });
    expect((await crawlSource(crawl.deps, s.id)).newItems).toBe(2);
    const items = await itemsOf(s.id);
    expect(items.map((i) => i.author)).toEqual(['某区公安分局', '路过的网友甲']);
    expect(items[1].published_at.toISOString()).toBe('2026-12-07T07:55:00.000Z');
    expect(items[1].text).toContain('监控为什么刚好坏了');
  });

  it('fails the source naming every instance when none serves the route; a route error does not mark the instance failing', async () => {
    liveRoutes['/zhihu/hot'] = status(503, 'ConfigNotFoundError: Zhihu RSS is disabled due to the lack of ZHIHU_COOKIES');
    const s = await addRsshub({ route: '/zhihu/hot' });
    const r = await crawlSource(crawl.deps, s.id);
    expect(r.outcome).toBe('http_error');
    expect(r.error).toContain(dead.url);
    expect(r.error).toContain(live.url);
    expect(r.error).toContain('503');
    const row = (await t.db.query('SELECT consecutive_errors, last_error FROM sources WHERE id = $1', [s.id])).rows[0];
    expect(row.consecutive_errors).toBe(1);
    expect(row.last_error).toContain('/zhihu/hot');
    expect((await listFetchLog(t.db, s.id)).at(0)?.outcome).toBe('http_error');
    expect((await listRsshubInstances(t.db)).find((h) => h.baseUrl === `${live.url}/`)?.status).toBe('ok');
  });

  it('sends RSSHub access code md5(path + key), never the key itself', async () => {
    const keyedEnv = await createTestEnv('rsshub_key', { RSSHUB_URL: keyed.url, RSSHUB_ACCESS_KEY: KEY });
    const keyedCrawl = await createCrawlDeps(keyedEnv.cfg, log);
    try {
      const route = `/weibo/keyword/${encodeURIComponent('警方通报')}`;
      keyedRoutes[route] = requireCode(ok(sample('weibo-keyword.xml'), RSS), 'encoded');
      const s = await insertSource(keyedEnv.db, sourceInputSchema.parse({ name: 'keyed', route, kind: 'rsshub' }));
      expect((await crawlSource(keyedCrawl.deps, s!.id)).outcome).toBe('ok');
      const asked = keyed.requests.filter((q) => q.path === route);
      expect(asked).toHaveLength(1);
      expect(JSON.stringify(asked)).not.toContain(KEY);

      // An older instance that hashes the decoded path: the first code is refused, the second taken.
      const route2 = `/weibo/keyword/${encodeURIComponent('派出所')}`;
      keyedRoutes[route2] = requireCode(ok(sample('weibo-keyword.xml'), RSS), 'decoded');
      const s2 = await insertSource(keyedEnv.db, sourceInputSchema.parse({ name: 'keyed2', route: route2, kind: 'rsshub' }));
      expect((await crawlSource(keyedCrawl.deps, s2!.id)).outcome).toBe('ok');
      expect(keyed.requests.filter((q) => q.path === route2)).toHaveLength(2);
      expect((await listRsshubInstances(keyedEnv.db))[0]).toMatchObject({ status: 'ok', failures: 0 });

      // A wrong key: RSSHub answers 403, which is the instance's problem (every route would fail).
      const wrong = await createTestEnv('rsshub_badkey', { RSSHUB_URL: keyed.url, RSSHUB_ACCESS_KEY: 'not-the-key' });
      const wrongCrawl = await createCrawlDeps(wrong.cfg, log);
      try {
        const w = await insertSource(wrong.db, sourceInputSchema.parse({ name: 'wrong', route, kind: 'rsshub' }));
        expect((await crawlSource(wrongCrawl.deps, w!.id)).outcome).toBe('http_error');
        expect((await listRsshubInstances(wrong.db))[0]).toMatchObject({ baseUrl: keyed.url, status: 'failing' });
      } finally {
        await wrongCrawl.close();
        await wrong.cleanup();
      }
    } finally {
      await keyedCrawl.close();
      await keyedEnv.cleanup();
    }
  });

  it('says what to configure when no instance is set', async () => {
    const bare = await createTestEnv('rsshub_none', {});
    const bareCrawl = await createCrawlDeps(bare.cfg, log);
    try {
      const s = await insertSource(bare.db, sourceInputSchema.parse({ name: 'x', route: '/baidu/top/realtime', kind: 'rsshub' }));
      const r = await crawlSource(bareCrawl.deps, s!.id);
      expect(r.outcome).toBe('network_error');
      expect(r.error).toContain('RSSHUB_URL');
    } finally {
      await bareCrawl.close();
      await bare.cleanup();
    }
  });
});

describe('rsshub helpers', () => {
  it('joins base and route once, with or without a trailing slash, and keeps the route query', () => {
    expect(rsshubFeedUrl('http://rsshub:1200/', '/weibo/search/hot')).toBe('http://rsshub:1200/weibo/search/hot');
    expect(rsshubFeedUrl('http://h/sub', '/a/b?limit=20')).toBe('http://h/sub/a/b?limit=20');
    const withCode = new URL(rsshubFeedUrl('http://h', '/a/%E8%AD%A6?limit=2', 'k'));
    expect(withCode.searchParams.get('limit')).toBe('2');
    expect(withCode.searchParams.get('code')).toBe(createHash('md5').update('/a/%E8%AD%A6k').digest('hex'));
  });

  it('orders failing instances last only while they cool down', () => {
    const now = Date.parse('2026-12-07T08:00:00Z');
    const failing = (baseUrl: string, agoMs: number) => ({ baseUrl, status: 'failing' as const, requests: 1, failures: 1, consecutiveErrors: 1, lastSuccessAt: null, lastError: 'x', lastErrorAt: new Date(now - agoMs) });
    expect(instanceOrder(['a', 'b', 'c'], [failing('a', 1000)], now, 60_000)).toEqual(['b', 'c', 'a']);
    expect(instanceOrder(['a', 'b', 'c'], [failing('a', 120_000)], now, 60_000)).toEqual(['a', 'b', 'c']);
  });

  it('refuses routes that are not routes', () => {
    for (const route of ['weibo/search/hot', '/weibo/user/{uid}', '//evil.example/x', '/a/../admin', '/a b']) {
      expect(sourceInputSchema.safeParse({ name: 'x', kind: 'rsshub', route }).success, route).toBe(false);
    }
    expect(sourceInputSchema.safeParse({ name: 'x', kind: 'rss', route: '/a' }).success).toBe(false);
    expect(sourceInputSchema.safeParse({ name: 'x', kind: 'rsshub', route: '/a', fullText: true }).success).toBe(false);
    expect(sourceInputSchema.parse({ name: 'x', kind: 'rsshub', url: 'rsshub:/a/b' }).url).toBe('rsshub:/a/b');
  });
});
