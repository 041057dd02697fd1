/**
 * Open topics reflect a new model, live, against real PostgreSQL and Redis: a topic is built from
 * items analysed one way; the items are re-analysed (reanalyzeBatch, as after a model activation)
 * with results that flip police-negative; the re-analysis hands them to the topic stage, which
 * keeps each in its story and topic, stores the topic's new counts and appends a level change that
 * says the re-analysis led to it — the rows before it left as they were. A second re-analysis that
 * lowers the share, after a restart of the stage, changes the counts but not the level (automatic
 * levels only rise while a topic is live), and a re-delivered job changes nothing.
 */
import type { AnalysisResult, AnalyzeInput } from '@yuqing/nlp';
import { insertItems, listLevelChanges, storeAnalyses, withTransaction, type Pool } from '@yuqing/db';
import { createRedis, createTopicQueue, enqueueTopicRevisions, enqueueTopics, type TopicPayload } from '@yuqing/queue';
import type { Queue } from 'bullmq';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { until } from '../../../test/support/poll';
import { createTestEnv, type TestEnv } from '../../../test/support/test-env';
import { toStored } from '../src/analyze-batch';
import { reanalyzeBatch } from '../src/reanalyze-batch';
import { startTopicStage, type TopicStage } from '../src/topic-stage';

const log = pino({ level: 'silent' });
const BASE = Date.parse('2025-06-01T02:00:00Z');
const MIN = 60_000;
const KEYWORDS = ['派出所', '民警', '执法', '视频', '通报'];
/** Ten separate reports on one subject: each its own story's root, all in one topic. */
const PLACES = ['东关', '西湖', '南岭', '北塘', '中山', '新华', '光明', '长安', '白云', '青山'];
const EVENTS = ['处置停车纠纷', '调解邻里争吵', '查处无证摊贩', '盘查夜归青年', '劝离聚集人群', '查扣超载货车', '处置醉酒闹事', '排查出租屋', '检查网吧', '护送走失老人'];
const TEXTS = PLACES.map((p, k) => `${p}派出所民警${EVENTS[k]}的视频在网上流传，现场${k + 2}名群众围观，${p}分局第${k * 13 + 5}号通报称正在核实。`);

let t: TestEnv;

/** An analysis of item `id` as the stage reads it: police-related, negative and police-negative or not. */
function analysis(id: number, policeNegative: boolean, modelVersion: string | null, reaction: AnalysisResult['reaction'] = null): AnalysisResult {
  return {
    id: String(id),
    policeRelated: true,
    policeScore: 0.9,
    sentiment: policeNegative ? { label: 'negative', score: -0.6 } : { label: 'neutral', score: 0 },
    policeNegative,
    keywords: KEYWORDS,
    simhash: '0000000000000000',
    categories: [],
    places: [],
    policeNegativeScore: policeNegative ? 0.8 : 0.2,
    language: 'zh',
    jurisdictionHits: [],
    emoticons: [],
    truncated: false,
    modelVersion,
    policeNegativeCues: [],
    reaction,
    searchTokens: [],
  };
}

/** Stores the ten reports, the first `negative` of them police-negative, as a first analysis would. */
async function store(db: Pool, negative: number): Promise<number[]> {
  const rows = await insertItems(
    db,
    TEXTS.map((text, k) => ({
      sourceId: null,
      url: `https://news.example.com/revise/${process.pid}-${k}`,
      urlHash: `revise-${process.pid}-${k}`,
      origin: 'crawl' as const,
      title: null,
      summary: null,
      text,
      author: null,
      language: 'zh',
      sourceName: '本地新闻',
      publishedAt: new Date(BASE + k * MIN),
      fetchedAt: new Date(),
    })),
  );
  await withTransaction(db, (c) => storeAnalyses(c, rows.map((r, k) => toStored(analysis(r.id, k < negative, null), r.id, 'test'))));
  return rows.map((r) => r.id);
}

/** An engine standing in for the analyzer's threads after an activation: `negative(id)` says which items the new model calls police-negative. */
function engineOf(modelVersion: string, negative: (id: number) => boolean) {
  return {
    engineVersion: 'test',
    analyze: async (inputs: AnalyzeInput[]) => inputs.map((i) => analysis(Number(i.id), negative(Number(i.id)), modelVersion)),
  };
}

const row = async (db: Pool, sql: string, params: unknown[] = []) => (await db.query(sql, params)).rows[0];

beforeAll(async () => {
  t = await createTestEnv('topicrevise');
});
afterAll(async () => {
  await t?.cleanup();
});

describe('re-analysed items revise their topic', () => {
  it('counts follow the new analysis; a level may rise (appended, saying why); old rows stay; nothing moves or counts twice', async () => {
    const producer = createRedis(t.cfg.REDIS_URL, 'producer');
    const topicQueue: Queue<TopicPayload> = createTopicQueue(producer, t.cfg.QUEUE_PREFIX);
    const start = async (): Promise<TopicStage> => {
      const s = startTopicStage({ cfg: t.cfg, db: t.db, log, topicQueue, publisher: producer });
      await until(async () => s.isLeader(), 'topic stage leadership');
      return s;
    };
    const reanalyze = (modelVersion: string, negative: (id: number) => boolean, ids: number[]) =>
      reanalyzeBatch({ db: t.db, engine: engineOf(modelVersion, negative), ensureCurrentModel: async () => undefined, topicQueue, log }, ids);
    let stage = await start();
    try {
      // Two of the ten police-negative: blue (含涉警负面条目), never yellow.
      const ids = await store(t.db, 2);
      await enqueueTopics(topicQueue, ids);
      await until(async () => (await row(t.db, 'SELECT count(*)::int AS n FROM story_items')).n === 10, 'the items placed', 20_000);
      const links = (await t.db.query('SELECT item_id, story_id, topic_id FROM story_items ORDER BY item_id')).rows;
      expect(new Set(links.map((l) => l.story_id)).size).toBe(10);
      expect(new Set(links.map((l) => l.topic_id)).size).toBe(1);
      const topicId = Number(links[0].topic_id);
      const topicRow = () => row(t.db, 'SELECT items, stories, police_related, police_negative, negative, level, auto_level FROM topics WHERE id = $1', [topicId]);
      expect(await topicRow()).toMatchObject({ items: 10, stories: 10, police_related: 10, police_negative: 2, negative: 2, level: 'blue' });
      // What was counted of each item is stored beside its link.
      expect(await row(t.db, 'SELECT counted_police_negative, counted_negative, counted_police_related FROM story_items WHERE item_id = $1', [ids[0]])).toEqual({
        counted_police_negative: true,
        counted_negative: true,
        counted_police_related: true,
      });
      const history = await t.db.query('SELECT * FROM topic_level_changes WHERE topic_id = $1 ORDER BY id', [topicId]);
      expect(history.rows.map((r) => [r.previous, r.level])).toEqual([['none', 'blue']]);

      // A new model calls eight of the ten police-negative.
      const eight = new Set(ids.slice(0, 8));
      expect(await reanalyze('stance-v2', (id) => eight.has(id), ids)).toEqual(ids.map(() => 'stored'));
      await until(async () => (await topicRow()).police_negative === 8, 'the topic revised', 20_000);
      expect(await topicRow()).toMatchObject({ items: 10, stories: 10, police_related: 10, police_negative: 8, negative: 8, level: 'yellow', auto_level: 'yellow' });
      expect((await t.db.query('SELECT count(*)::int AS n FROM stories WHERE root_negative AND police_negative')).rows[0].n).toBe(8);
      // Nothing moved or was counted twice.
      expect((await t.db.query('SELECT item_id, story_id, topic_id FROM story_items ORDER BY item_id')).rows).toEqual(links);
      expect((await t.db.query('SELECT count(*)::int AS n FROM story_items WHERE counted_police_negative')).rows[0].n).toBe(8);
      // One level change appended, saying the re-analysis led to it; the row before it unchanged.
      const after = await t.db.query('SELECT * FROM topic_level_changes WHERE topic_id = $1 ORDER BY id', [topicId]);
      expect(after.rows).toHaveLength(2);
      expect(after.rows[0]).toEqual(history.rows[0]);
      expect(after.rows[1]).toMatchObject({ previous: 'blue', level: 'yellow', automatic: true, applied: true });
      expect(after.rows[1].reason).toMatch(/^blue → yellow: 重新分析（模型 stance-v2）后：涉警占比 1 ≥ 0.5；涉警负面占比 0.80 ≥ 0.5；条数 10 ≥ 8；偏离基线 /);
      expect(after.rows[1].indicators).toMatchObject({ policeNegativeItems: 8, policeNegativeShare: 0.8 });
      // In event time: the stage's clock (the latest publication), not the wall clock.
      expect(after.rows[1].at.getTime()).toBe(BASE + 9 * MIN);

      // The same job again (a re-delivery): the analysis stays, nothing is queued, nothing changes;
      // a duplicate revision job changes nothing either.
      const jobs = async () => (await topicQueue.getJobCounts('completed', 'waiting', 'active', 'delayed')) as Record<string, number>;
      // Placements and the six items whose counted values changed (two were police-negative already).
      const done = await until(async () => ((await jobs()).completed === 10 + 6 ? 10 + 6 : null), 'the revisions done');
      expect(await reanalyze('stance-v2', (id) => eight.has(id), ids)).toEqual(ids.map(() => 'skipped'));
      expect(await jobs()).toMatchObject({ completed: done, waiting: 0, active: 0, delayed: 0 });
      await enqueueTopicRevisions(topicQueue, ids.map((itemId) => ({ itemId, analyzedAt: new Date(1) })));
      await until(async () => (await jobs()).completed === done + 10, 'the duplicate revisions done', 20_000);
      expect(await topicRow()).toMatchObject({ police_negative: 8, negative: 8, level: 'yellow' });
      expect((await listLevelChanges(t.db, topicId)).length).toBe(2);

      // After a restart, a third model calls none of them police-negative: the counts follow, the
      // level stays while the topic is live (it drops when the topic closes), no row is added.
      await stage.close();
      stage = await start();
      expect(await reanalyze('stance-v3', () => false, ids)).toEqual(ids.map(() => 'stored'));
      await until(async () => (await topicRow()).police_negative === 0, 'the topic revised again', 20_000);
      expect(await topicRow()).toMatchObject({ items: 10, police_negative: 0, negative: 0, level: 'yellow', auto_level: 'yellow' });
      const last = await t.db.query('SELECT * FROM topic_level_changes WHERE topic_id = $1 ORDER BY id', [topicId]);
      expect(last.rows).toEqual(after.rows);
      expect((await t.db.query('SELECT count(*)::int AS n FROM story_items WHERE counted_police_negative')).rows[0].n).toBe(0);
    } finally {
      await stage.close();
      await topicQueue.close();
      producer.disconnect();
    }
  });

  it('reactions re-analysed as angry turn a neutral-root cascade police-negative, with its stored reaction counts', async () => {
    const producer = createRedis(t.cfg.REDIS_URL, 'producer');
    const topicQueue: Queue<TopicPayload> = createTopicQueue(producer, t.cfg.QUEUE_PREFIX);
    const stage = startTopicStage({ cfg: t.cfg, db: t.db, log, topicQueue, publisher: producer });
    try {
      await until(async () => stage.isLeader(), 'topic stage leadership');
      const root = '【通报】某市公安局城西分局接群众报警后，民警赶到现场将两名发生争执的男子带回派出所调查，目前双方情绪稳定。';
      const at = BASE + 2 * 3600_000;
      const rows = await insertItems(
        t.db,
        Array.from({ length: 21 }, (_, k) => ({
          sourceId: null,
          url: `https://weibo.example.com/revise/${process.pid}-${k}`,
          urlHash: `revise-cascade-${process.pid}-${k}`,
          origin: 'crawl' as const,
          title: null,
          summary: null,
          text: k === 0 ? root : `网友评论${k} //转发：${root}`,
          author: null,
          language: 'zh',
          sourceName: '微博',
          publishedAt: new Date(at + k * MIN),
          fetchedAt: new Date(),
        })),
      );
      const ids = rows.map((r) => r.id);
      const calm = { policeNegative: false, score: 0.1, cues: [] };
      const angry = { policeNegative: true, score: 0.8, cues: ['distrust', 'coverup'] };
      const cascade = (id: number, k: number, r: AnalysisResult['reaction'], model: string | null) => ({ ...analysis(id, false, model, k === 0 ? null : r), keywords: ['公安局', '分局', '争执', '报警', '带回'] });
      await withTransaction(t.db, (c) => storeAnalyses(c, ids.map((id, k) => toStored(cascade(id, k, calm, null), id, 'test'))));
      await enqueueTopics(topicQueue, ids);
      const topicOf = async () => (await t.db.query('SELECT DISTINCT topic_id FROM story_items WHERE item_id = ANY($1::bigint[])', [ids])).rows.map((r) => Number(r.topic_id));
      await until(async () => (await t.db.query('SELECT count(*)::int AS n FROM story_items WHERE item_id = ANY($1::bigint[])', [ids])).rows[0].n === 21, 'the cascade placed', 20_000);
      const [topicId] = await topicOf();
      const topicRow = () => row(t.db, 'SELECT items, police_negative, reactions, reactions_negative, reaction_negative_items, level FROM topics WHERE id = $1', [topicId]);
      expect(await topicRow()).toMatchObject({ items: 21, police_negative: 0, reactions: 20, reactions_negative: 0, level: 'none' });

      // The new model reads three in four reposters' words as angry at the police.
      const engine = {
        engineVersion: 'test',
        analyze: async (inputs: AnalyzeInput[]) => inputs.map((i) => {
          const k = ids.indexOf(Number(i.id));
          return cascade(Number(i.id), k, k % 4 === 0 ? calm : angry, 'stance-v4');
        }),
      };
      await reanalyzeBatch({ db: t.db, engine, ensureCurrentModel: async () => undefined, topicQueue, log }, ids);
      await until(async () => (await topicRow()).reactions_negative === 15, 'the cascade revised', 20_000);
      expect(await topicRow()).toMatchObject({ items: 21, police_negative: 21, reactions: 20, reactions_negative: 15, reaction_negative_items: 21, level: 'yellow' });
      expect(await row(t.db, 'SELECT root_negative, police_negative, reactions, reactions_negative FROM stories WHERE topic_id = $1', [topicId])).toEqual({
        root_negative: false,
        police_negative: true,
        reactions: 20,
        reactions_negative: 15,
      });
      expect(await row(t.db, 'SELECT counted_reaction_police_negative, counted_reaction_cues FROM story_items WHERE item_id = $1', [ids[1]])).toEqual({
        counted_reaction_police_negative: true,
        counted_reaction_cues: ['distrust', 'coverup'],
      });
      const yellow = (await listLevelChanges(t.db, topicId!)).at(-1)!;
      expect(yellow.reason).toContain('重新分析（模型 stance-v4）后');
      expect(yellow.reason).toContain('转发评论涉警负面占比 0.75 (15/20) ≥ 0.5');
    } finally {
      await stage.close();
      await topicQueue.close();
      producer.disconnect();
    }
  });
});
