/**
 * The read API and push ingestion against real PostgreSQL and Redis: pushing is idempotent and
 * bounded; every item filter narrows; keyword search matches whole segmented words; a topic's
 * detail brings its series, stories and level history.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '@yuqing/api';
import { createAnalyzer } from '@yuqing/nlp';
import { createAnalyzeQueue } from '@yuqing/queue';
import type { FastifyInstance } from 'fastify';
import { createTestEnv, type TestEnv } from '../../../test/support/test-env';
import { bearer, makeCaller, type Caller } from './auth-fixtures';
import { seedAnalysis, seedItem, seedTopic } from './read-fixtures';

let t: TestEnv;
let app: FastifyInstance;
let ingest: Caller;
let reader: Caller;

beforeAll(async () => {
  t = await createTestEnv('apiread');
  ingest = await makeCaller(t.db, 'partner-crawler', 'ingest');
  reader = await makeCaller(t.db, 'reader', 'analyst');
  app = buildApp({ cfg: t.cfg, db: t.db, redis: t.redis });
  await app.ready();
});
afterAll(async () => {
  await app.close();
  await t.cleanup();
});

const get = async (url: string) => {
  const res = await app.inject({ method: 'GET', url, headers: bearer(reader.token) });
  expect(res.statusCode, res.body).toBe(200);
  return res.json();
};
const ids = (body: { items: Array<{ id: number }> }): number[] => body.items.map((i) => i.id);

describe('POST /api/items', () => {
  const batch = [
    { url: 'https://partner.example.com/a/1?utm_source=x', title: '某地派出所通报', text: '民警到场处置', publishedAt: '2025-03-01 10:00' },
    { title: '没有 url 也没有 id' },
    { id: 42, source: '合作方', text: '网友发帖称民警态度恶劣', likesFromPartner: 7 },
  ];

  it('stores valid items once, lists the invalid ones and the unknown fields, and hands new items to analysis', async () => {
    const res = await app.inject({ method: 'POST', url: '/api/items', headers: bearer(ingest.token), payload: batch });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toEqual({
      received: 3,
      inserted: 2,
      duplicates: 0,
      invalid: [{ index: 1, error: expect.stringContaining('url or an id') }],
      unknownFields: [{ index: 2, fields: ['likesFromPartner'] }],
    });
    const { rows } = await t.db.query<{ url: string; extra: unknown; enqueued: boolean }>(
      `SELECT url, extra, enqueued_at IS NOT NULL AS enqueued FROM items WHERE origin = 'push' ORDER BY id`,
    );
    expect(rows).toEqual([
      { url: 'https://partner.example.com/a/1', extra: null, enqueued: true },
      { url: expect.stringMatching(/^urn:yuqing:/), extra: { likesFromPartner: 7 }, enqueued: true },
    ]);
    const queue = createAnalyzeQueue(t.redis, t.cfg.QUEUE_PREFIX);
    expect(await queue.count()).toBe(2);
    await queue.close();
  });

  it('is idempotent: the same push again inserts nothing ({"items": [...]} accepted too)', async () => {
    const res = await app.inject({ method: 'POST', url: '/api/items', headers: bearer(ingest.token), payload: { items: batch } });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toMatchObject({ received: 3, inserted: 0, duplicates: 2 });
    const { rows } = await t.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM items WHERE origin = 'push'`);
    expect(rows[0]?.n).toBe(2);
  });

  it('refuses more than 1,000 items with 413 and stores none of them', async () => {
    const many = Array.from({ length: 1001 }, (_, i) => ({ url: `https://partner.example.com/many/${i}`, title: `条目 ${i}` }));
    const res = await app.inject({ method: 'POST', url: '/api/items', headers: bearer(ingest.token), payload: many });
    expect(res.statusCode).toBe(413);
    expect(res.json()).toEqual({ error: { code: 'TOO_MANY_ITEMS', message: expect.stringContaining('1000') } });
    const { rows } = await t.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM items WHERE url LIKE 'https://partner.example.com/many/%'`);
    expect(rows[0]?.n).toBe(0);
    // Exactly 1,000 is allowed.
    const ok = await app.inject({ method: 'POST', url: '/api/items', headers: bearer(ingest.token), payload: many.slice(0, 1000) });
    expect(ok.statusCode, ok.body).toBe(200);
    expect(ok.json()).toMatchObject({ received: 1000, inserted: 1000 });
  });

  it('answers a body that is not a list with 400', async () => {
    const res = await app.inject({ method: 'POST', url: '/api/items', headers: bearer(ingest.token), payload: { item: 1 } });
    expect(res.statusCode).toBe(400);
    expect(res.json().error.code).toBe('VALIDATION_FAILED');
  });
});

describe('GET /api/items', () => {
  // Seeded in a window of their own (2020), so pushed items above never get in the way.
  const base = Date.parse('2020-06-01T00:00:00Z');
  const at = (h: number) => new Date(base + h * 3_600_000);
  const window = `from=${at(0).toISOString()}&to=${at(100).toISOString()}`;
  const seeded: Record<string, number> = {};
  let sourceId = 0;
  const analyzer = createAnalyzer();

  beforeAll(async () => {
    const src = await t.db.query<{ id: number }>(`INSERT INTO sources (name, kind, url) VALUES ('人民网社会', 'rss', 'https://rss.example.com/society') RETURNING id`);
    sourceId = src.rows[0]!.id;
    const specs = [
      { key: 'violent', title: '派出所民警暴力执法引发热议', text: '网友发布视频称某派出所民警暴力执法，引发热议。', h: 1, src: true,
        a: { policeRelated: true, policeNegative: true, policeNegativeCues: ['violence', 'rumour'], sentiment: 'negative' as const, categories: ['执法'], places: ['江城区'] } },
      { key: 'alarm', title: '新款报警器上市销售', text: '多款家用报警器今日上市销售。', h: 2, src: false, sourceName: '商业网',
        a: { categories: ['其他'], places: ['河西区'] } },
      { key: 'report', title: '市民报警后民警赶到', text: '市民报警后民警迅速赶到现场，群众点赞。', h: 3, src: true,
        a: { policeRelated: true, sentiment: 'positive' as const, categories: ['执法'], places: ['江城区'] } },
      { key: 'old', title: '旧稿：民警暴力执法', text: '迁移前分析的条目，没有检索索引。', h: 4, src: false, sourceName: '论坛', a: {} },
      { key: 'unanalysed', title: '刚抓取的条目', text: '尚未分析。', h: 5, src: false, sourceName: '论坛', a: null },
    ];
    for (const s of specs) {
      const id = await seedItem(t.db, {
        title: s.title,
        text: s.text,
        publishedAt: at(s.h),
        sourceId: s.src ? sourceId : null,
        sourceName: s.sourceName ?? null,
      });
      seeded[s.key] = id;
      if (s.a) {
        const r = analyzer.analyze({ id: String(id), title: s.title, text: s.text });
        await seedAnalysis(t.db, id, { ...s.a, searchTokens: r.searchTokens });
      }
    }
    // Analysed before migration 009: no search entry.
    await t.db.query('UPDATE item_analysis SET search = NULL WHERE item_id = $1', [seeded.old]);
  });

  it('lists newest first with each item’s analysis, null until analysed', async () => {
    const body = await get(`/api/items?${window}`);
    expect(ids(body)).toEqual([seeded.unanalysed, seeded.old, seeded.report, seeded.alarm, seeded.violent]);
    expect(body.items[0].analysis).toBeNull();
    expect(body.items[4]).toMatchObject({ title: '派出所民警暴力执法引发热议', source: '人民网社会', sourceId, analysis: { policeNegative: true, sentiment: 'negative', policeNegativeCues: ['violence', 'rumour'] } });
    // Which cues fired is part of every analysis; an item with none has an empty list.
    expect(body.items[2].analysis.policeNegativeCues).toEqual([]);
    expect(body.items[4].analysis).not.toHaveProperty('search');
  });

  it('each filter narrows the result', async () => {
    expect(ids(await get(`/api/items?from=${at(2).toISOString()}&to=${at(3).toISOString()}`))).toEqual([seeded.report, seeded.alarm]);
    expect(ids(await get(`/api/items?${window}&source=${sourceId}`))).toEqual([seeded.report, seeded.violent]);
    expect(ids(await get(`/api/items?${window}&source=${encodeURIComponent('人民网社会')}`))).toEqual([seeded.report, seeded.violent]);
    expect(ids(await get(`/api/items?${window}&source=${encodeURIComponent('论坛')}`))).toEqual([seeded.unanalysed, seeded.old]);
    expect(ids(await get(`/api/items?${window}&policeRelated=true`))).toEqual([seeded.report, seeded.violent]);
    expect(ids(await get(`/api/items?${window}&policeRelated=false`))).toEqual([seeded.old, seeded.alarm]);
    expect(ids(await get(`/api/items?${window}&policeNegative=true`))).toEqual([seeded.violent]);
    expect(ids(await get(`/api/items?${window}&sentiment=positive`))).toEqual([seeded.report]);
    expect(ids(await get(`/api/items?${window}&category=${encodeURIComponent('执法')}`))).toEqual([seeded.report, seeded.violent]);
    expect(ids(await get(`/api/items?${window}&place=${encodeURIComponent('河西区')}`))).toEqual([seeded.alarm]);
    expect(ids(await get(`/api/items?${window}&place=${encodeURIComponent('江城区')}&sentiment=negative`))).toEqual([seeded.violent]);
  });

  it('pages with a cursor, newest first, without gaps or repeats', async () => {
    const first = await get(`/api/items?${window}&limit=2`);
    expect(ids(first)).toEqual([seeded.unanalysed, seeded.old]);
    const second = await get(`/api/items?${window}&limit=2&cursor=${first.nextCursor}`);
    expect(ids(second)).toEqual([seeded.report, seeded.alarm]);
    const third = await get(`/api/items?${window}&limit=2&cursor=${second.nextCursor}`);
    expect(ids(third)).toEqual([seeded.violent]);
    expect(third.nextCursor).toBeNull();
  });

  it('keyword search finds a word inside a longer sentence, and not a false friend', async () => {
    const q = (s: string) => get(`/api/items?${window}&q=${encodeURIComponent(s)}`).then(ids);
    // 暴力执法 inside "派出所民警暴力执法引发热议"; the pre-migration row matches by substring.
    expect(await q('暴力执法')).toEqual([seeded.old, seeded.violent]);
    // 报警 is a word of "市民报警后民警赶到" but not of 报警器 (kept whole by the dictionary).
    expect(await q('报警')).toEqual([seeded.report]);
    // A phrase is segmented like the items: every word must occur.
    expect(await q('民警赶到')).toEqual([seeded.report]);
    expect(await q('民警 报警器')).toEqual([]);
    expect(await q('派出所')).toEqual([seeded.violent]);
  });

  it('filters by topic', async () => {
    const topic = await seedTopic(t.db);
    const body = await get(`/api/items?topicId=${topic.topicId}`);
    expect(ids(body).sort()).toEqual([...topic.itemIds].sort());
  });

  it('rejects a bad filter with 400', async () => {
    const res = await app.inject({ method: 'GET', url: '/api/items?sentiment=angry', headers: bearer(reader.token) });
    expect(res.statusCode).toBe(400);
    const res2 = await app.inject({ method: 'GET', url: '/api/items?cursor=abc', headers: bearer(reader.token) });
    expect(res2.statusCode).toBe(400);
  });
});

describe('topics and stories', () => {
  it('lists topics by last activity with status and minimum level filters', async () => {
    const recent = await seedTopic(t.db, { level: 'orange', lastAt: new Date('2030-01-02T00:00:00Z') });
    const older = await seedTopic(t.db, { level: 'blue', lastAt: new Date('2030-01-01T00:00:00Z') });
    const closed = await seedTopic(t.db, { level: 'red', status: 'closed', lastAt: new Date('2029-12-31T00:00:00Z') });
    const merged = await seedTopic(t.db, { level: 'red', status: 'merged', lastAt: new Date('2030-01-03T00:00:00Z') });
    const since = 'since=2029-12-30T00:00:00Z';
    const tids = (b: { topics: Array<{ id: number }> }) => b.topics.map((x) => x.id);
    expect(tids(await get(`/api/topics?${since}`))).toEqual([recent.topicId, older.topicId, closed.topicId]);
    expect(tids(await get(`/api/topics?${since}&status=all`))).toEqual([merged.topicId, recent.topicId, older.topicId, closed.topicId]);
    expect(tids(await get(`/api/topics?${since}&status=open`))).toEqual([recent.topicId, older.topicId]);
    expect(tids(await get(`/api/topics?${since}&level=yellow`))).toEqual([recent.topicId, closed.topicId]);
    const page = await get(`/api/topics?${since}&limit=1`);
    expect(tids(await get(`/api/topics?${since}&limit=1&cursor=${page.nextCursor}`))).toEqual([older.topicId]);
  });

  it('a topic’s detail has its keywords, indicators, stage, level, series, stories and level history', async () => {
    const seeded = await seedTopic(t.db);
    const body = await get(`/api/topics/${seeded.topicId}`);
    expect(body.topic).toMatchObject({
      id: seeded.topicId,
      title: '民警执法视频',
      keywords: ['民警', '执法', '视频'],
      stage: '扩散期',
      level: 'yellow',
      indicators: { items: 3, stories: 2, policeNegative: 2, reach: 12.5, sources: ['微博', '新闻网'], places: { 某市: 2 } },
    });
    expect(body.topic).not.toHaveProperty('state');
    expect(body.series).toEqual([
      { bucketStart: '2025-03-01T08:00:00.000Z', items: 1 },
      { bucketStart: '2025-03-01T08:10:00.000Z', items: 1 },
      { bucketStart: '2025-03-01T08:20:00.000Z', items: 1 },
    ]);
    expect(body.stories).toHaveLength(2);
    expect(body.stories[0]).toMatchObject({
      id: seeded.storyIds[0],
      firstItemId: seeded.itemIds[0],
      firstAt: '2025-03-01T08:00:00.000Z',
      firstSource: '微博',
      firstAuthor: '首发网友',
      items: 2,
      amplifiers: [{ source: '微博', weight: 3.2, followers: 100000 }],
    });
    expect(body.levelHistory.map((c: { previous: string; level: string; reason: string }) => [c.previous, c.level, c.reason])).toEqual([
      ['none', 'blue', '涉警负面 2 条'],
      ['blue', 'yellow', '10 分钟内增长 2.5 倍'],
    ]);
    expect(body.levelHistory[1].indicators).toEqual({ items: 3, growth: 2.5 });
  });

  it('a story comes with its items in event-time order', async () => {
    const seeded = await seedTopic(t.db);
    const body = await get(`/api/stories/${seeded.storyIds[0]}`);
    expect(body.story).toMatchObject({ id: seeded.storyIds[0], topicId: seeded.topicId, firstAuthor: '首发网友' });
    expect(ids(body)).toEqual([seeded.itemIds[0], seeded.itemIds[1]]);
  });

  it('answers an unknown topic or story with 404', async () => {
    for (const url of ['/api/topics/999999', '/api/stories/999999']) {
      const res = await app.inject({ method: 'GET', url, headers: bearer(reader.token) });
      expect(res.statusCode).toBe(404);
    }
  });
});
