/**
 * Hot lists against real PostgreSQL and Redis and a local server serving a list in the shape
 * RSSHub renders: every poll keeps a snapshot; entries that name the police or the jurisdiction
 * become items carrying their list and rank; an entry that drops off is marked left and one that
 * comes back is present again; the API shows the lists and an entry's ranks over time.
 */
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '@yuqing/api';
import { hotListEntryHistory, insertSource, listHotLists, sourceInputSchema } from '@yuqing/db';
import { crawlSource } from '@yuqing/crawler';
import { createCrawlDeps } from '../src/service';
import { createHotListWatch, heatOf, hotListRanks } from '../src/hot-list';
import { ok, startTestServer, type Handler, type TestServer } from '../../../test/support/misbehaving-server';
import { createTestEnv, type TestEnv } from '../../../test/support/test-env';
import { bearer, callerPerRole } from '../../api/test/auth-fixtures';

const log = pino({ level: 'silent' });
let t: TestEnv;
let server: TestServer;
let crawl: Awaited<ReturnType<typeof createCrawlDeps>>;
const routes: Record<string, Handler> = {};

/** A hot list as RSSHub renders one: ranked items, heat in the description, no dates. */
function list(entries: Array<[title: string, heat: string]>): string {
  const items = entries
    .map(([title, heat]) => `<item><title><![CDATA[${title}]]></title><description><![CDATA[${title} 热度 ${heat}]]></description><link>https://s.example.cn/search?q=${encodeURIComponent(title)}</link></item>`)
    .join('\n');
  return `<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel><title><![CDATA[测试热搜榜]]></title><link>https://s.example.cn/top</link><description>RSSHub</description>\n${items}\n</channel></rss>`;
}

beforeAll(async () => {
  server = await startTestServer(routes);
  t = await createTestEnv('hotlist', { HTTP_TOTAL_TIMEOUT_MS: '2000', CRAWL_HOST_GAP_MS: '0', CRAWL_RESPECT_ROBOTS: 'false' });
  crawl = await createCrawlDeps(t.cfg, log);
  // A jurisdiction as a deployment's gazetteer names it.
  crawl.deps.hotListWatch = createHotListWatch([{ name: '城关区', aliases: ['城关'], kind: 'district' }]);
});
afterAll(async () => {
  await crawl?.close();
  await server?.close();
  await t?.cleanup();
});

describe('a hot-list source', () => {
  it('keeps each poll as a snapshot, stores the entries that concern the bureau, and follows entries on and off the list', async () => {
    routes['/hot.xml'] = ok(
      list([
        ['明星官宣结婚', '512万'],
        ['网友质疑某派出所迟迟不立案', '301万'],
        ['城关区一小区停电', '120万'],
        ['冬至吃饺子还是汤圆', '98万'],
        ['提高警惕防范电信诈骗', '50万'],
      ]),
      'application/rss+xml; charset=utf-8',
    );
    const s = await insertSource(t.db, sourceInputSchema.parse({ name: '测试热搜榜', url: `${server.url}/hot.xml`, hotList: 'national', pollInterval: '5m' }));
    const first = await crawlSource(crawl.deps, s!.id);
    expect(first).toMatchObject({ outcome: 'ok', newItems: 2 });
    const items = (await t.db.query('SELECT id, title, extra FROM items WHERE source_id = $1 ORDER BY id', [s!.id])).rows;
    expect(items.map((i) => i.title)).toEqual(['网友质疑某派出所迟迟不立案', '城关区一小区停电']);
    expect(items[0].extra.hotList).toMatchObject({ list: '测试热搜榜', scope: 'national', rank: 2, heat: 3_010_000, matched: { kind: 'police', term: '派出所' } });
    expect(items[1].extra.hotList).toMatchObject({ rank: 3, matched: { kind: 'place', term: '城关区' } });

    let [view] = await listHotLists(t.db);
    expect(view?.entries.map((e) => [e.lastRank, e.title])).toEqual([
      [1, '明星官宣结婚'],
      [2, '网友质疑某派出所迟迟不立案'],
      [3, '城关区一小区停电'],
      [4, '冬至吃饺子还是汤圆'],
      [5, '提高警惕防范电信诈骗'],
    ]);
    expect(view?.entries[1]?.itemId).toBe(Number(items[0].id));
    expect(view?.entries[0]?.itemId).toBeNull();

    // Next poll: the police entry climbs to 1, the wedding drops off, a new entry comes in.
    routes['/hot.xml'] = ok(
      list([
        ['网友质疑某派出所迟迟不立案', '880万'],
        ['冬至吃饺子还是汤圆', '99万'],
        ['城关区一小区停电', '60万'],
        ['新游戏上线', '40万'],
        ['提高警惕防范电信诈骗', '30万'],
      ]),
      'application/rss+xml; charset=utf-8',
    );
    const second = await crawlSource(crawl.deps, s!.id);
    expect(second.newItems).toBe(0); // the two kept entries are the same items
    [view] = await listHotLists(t.db);
    const police = view!.entries.find((e) => e.title === '网友质疑某派出所迟迟不立案')!;
    expect(police).toMatchObject({ bestRank: 1, lastRank: 1, peakHeat: 8_800_000, polls: 2, leftAt: null });
    expect(view!.entries.some((e) => e.title === '明星官宣结婚')).toBe(false);
    const gone = (await t.db.query(`SELECT left_at FROM hot_list_entries WHERE title = '明星官宣结婚'`)).rows[0];
    expect(gone.left_at).not.toBeNull();
    const history = await hotListEntryHistory(t.db, police.id);
    expect(history?.ranks.map((r) => [r.rank, r.heat])).toEqual([
      [2, 3_010_000],
      [1, 8_800_000],
    ]);

    // Third poll: the wedding is back; it is present again, with three polls of history kept.
    routes['/hot.xml'] = ok(list([['明星官宣结婚', '10万']]), 'application/rss+xml; charset=utf-8');
    await crawlSource(crawl.deps, s!.id);
    const back = (await t.db.query(`SELECT left_at, polls, best_rank FROM hot_list_entries WHERE title = '明星官宣结婚'`)).rows[0];
    expect(back).toMatchObject({ left_at: null, polls: 2, best_rank: 1 });
    expect((await t.db.query('SELECT count(*)::int AS n FROM hot_list_snapshots WHERE source_id = $1', [s!.id])).rows[0].n).toBe(3);
    expect((await t.db.query('SELECT count(*)::int AS n FROM hot_list_entries WHERE source_id = $1 AND left_at IS NULL', [s!.id])).rows[0].n).toBe(1);
  });

  it('shows the lists and an entry’s ranks over time through the API, to every reading role', async () => {
    const callers = await callerPerRole(t.db);
    const app = buildApp({ cfg: t.cfg, db: t.db, redis: t.redis });
    try {
      const res = await app.inject({ method: 'GET', url: '/api/hotlists', headers: bearer(callers.leader.token) });
      expect(res.statusCode).toBe(200);
      const lists = res.json().lists as Array<{ name: string; scope: string; entries: Array<{ id: number; title: string }> }>;
      expect(lists[0]).toMatchObject({ name: '测试热搜榜', scope: 'national' });
      const entry = lists[0]!.entries[0]!;
      const hist = await app.inject({ method: 'GET', url: `/api/hotlists/entries/${entry.id}`, headers: bearer(callers.pr.token) });
      expect(hist.statusCode).toBe(200);
      expect(hist.json().ranks.length).toBeGreaterThan(0);
      expect((await app.inject({ method: 'GET', url: '/api/hotlists/entries/999999', headers: bearer(callers.pr.token) })).statusCode).toBe(404);
      expect((await app.inject({ method: 'GET', url: '/api/hotlists/entries/abc', headers: bearer(callers.pr.token) })).statusCode).toBe(400);
      expect((await app.inject({ method: 'GET', url: '/api/hotlists' })).statusCode).toBe(401);
      expect((await app.inject({ method: 'GET', url: '/api/hotlists', headers: bearer(callers.ingest.token) })).statusCode).toBe(403);
    } finally {
      await app.close();
    }
  });
});

describe('reading a list', () => {
  it('finds the heat a list gives, in its usual wordings', () => {
    expect(heatOf('热度 4912345')).toBe(4_912_345);
    expect(heatOf(null, '热搜指数：491万')).toBe(4_910_000);
    expect(heatOf('1,234万热度')).toBe(12_340_000);
    expect(heatOf('2.3亿阅读')).toBe(230_000_000);
    expect(heatOf('356万人在看')).toBe(3_560_000);
    expect(heatOf('第3名 某地民警救人')).toBeNull();
    expect(heatOf(null, '')).toBeNull();
  });

  it('ranks entries in list order, each title once, keyed without tags and punctuation', () => {
    const e = (title: string) => ({ url: `https://x/${encodeURIComponent(title)}`, title, summary: null, text: null, author: null, publishedAt: null });
    const ranks = hotListRanks([e('#某地民警救人#'), e('某地民警救人！'), e('天气'), e('  ')]);
    expect(ranks.map((r) => [r.rank, r.title])).toEqual([
      [1, '#某地民警救人#'],
      [2, '天气'],
    ]);
  });

  it('watches police words and the jurisdiction, not false friends', () => {
    const watch = createHotListWatch([{ name: '城关区', aliases: ['城关', '关'], kind: 'district' }]);
    expect(watch('某地交警雨中指挥')).toEqual({ kind: 'police', term: '交警' });
    expect(watch('公安局回应')).toEqual({ kind: 'police', term: '公安局' });
    expect(watch('城关一小区停电')).toEqual({ kind: 'place', term: '城关' });
    expect(watch('提高警惕防范诈骗')).toBeNull();
    expect(watch('暴雨预警升级')).toBeNull();
    expect(watch('海关查获走私')).toBeNull(); // a one-character alias is never matched alone
  });
});
