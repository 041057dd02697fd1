/**
 * Cascades warn on reactions, live: the analysis of each repost stores what its own words say about
 * the police (item_analysis.reaction_*), the topic stage reads it back, counts reactions per story
 * and topic, stores the counts, and after a restart continues them — so a neutral report whose
 * reposters are angry at the police turns police-negative (and yellow, with the reason) only once
 * the reactions before and after the restart together reach the minimum.
 */
import type { AnalysisResult } from '@yuqing/nlp';
import { getAnalysis, getTopicDetail, insertItems, listLevelChanges, storeAnalyses, withTransaction, type Pool } from '@yuqing/db';
import { createRedis, createTopicQueue, enqueueTopics } from '@yuqing/queue';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { until } from '../../../test/support/poll';
import { createTestEnv, type TestEnv } from '../../../test/support/test-env';
import { toStored } from '../src/analyze-batch';
import { startTopicStage, type TopicStage } from '../src/topic-stage';

const log = pino({ level: 'silent' });
/** A neutral report: the police named, nothing said against them. */
const ROOT = '【通报】某市公安局城西分局接群众报警后，民警赶到现场将两名发生争执的男子带回派出所调查，目前双方情绪稳定，事件正在进一步处理中。';
const BASE = Date.parse('2025-05-01T02:00:00Z');
const MIN = 60_000;

let t: TestEnv;
let seq = 0;

/** What the analyzer says of the k-th item: the root neutral; reposts with words, two in three of them angry at the police. */
function analysis(k: number, itemId: number): AnalysisResult {
  const angry = k > 0 && k % 3 !== 0;
  return {
    id: String(itemId),
    policeRelated: true,
    policeScore: 0.9,
    sentiment: { label: 'neutral', score: 0 },
    policeNegative: false,
    keywords: ['公安局', '民警', '派出所', '争执', '通报'],
    simhash: '0000000000000000',
    categories: [],
    places: [],
    policeNegativeScore: 0.2,
    language: 'zh',
    jurisdictionHits: [],
    emoticons: [],
    truncated: false,
    modelVersion: null,
    policeNegativeCues: [],
    reaction: k === 0 ? null : angry ? { policeNegative: true, score: 0.8, cues: ['distrust'] } : { policeNegative: false, score: 0.1, cues: [] },
    searchTokens: [],
  };
}

/** Stores the items k = from … to − 1 (k = 0 is the root) with their analyses, as the analyzer would; returns their ids. */
async function items(db: Pool, from: number, to: number): Promise<number[]> {
  const ks = Array.from({ length: to - from }, (_, i) => from + i);
  const rows = await insertItems(
    db,
    ks.map((k) => {
      const url = `https://weibo.example.com/reactions/${process.pid}-${++seq}`;
      return {
        sourceId: null,
        url,
        urlHash: `reactions-${url}`,
        origin: 'crawl' as const,
        title: null,
        summary: null,
        text: k === 0 ? ROOT : `网友评论${k} //转发：${ROOT}`,
        author: `网友${k}`,
        language: 'zh',
        sourceName: '微博',
        publishedAt: new Date(BASE + k * MIN),
        fetchedAt: new Date(),
      };
    }),
  );
  await withTransaction(db, (c) => storeAnalyses(c, rows.map((r, i) => toStored(analysis(ks[i]!, r.id), r.id, 'test'))));
  return rows.map((r) => r.id);
}

const placed = async (db: Pool): Promise<number> => (await db.query<{ n: number }>('SELECT count(*)::int AS n FROM story_items')).rows[0]!.n;

beforeAll(async () => {
  t = await createTestEnv('topicreactions');
});
afterAll(async () => {
  await t?.cleanup();
});

describe('reactions in the live topic stage', () => {
  it('stores each repost’s reaction, counts reactions per story and topic, and keeps the counts across a restart', async () => {
    const producer = createRedis(t.cfg.REDIS_URL, 'producer');
    const topicQueue = createTopicQueue(producer, t.cfg.QUEUE_PREFIX);
    const start = async (): Promise<TopicStage> => {
      const s = startTopicStage({ cfg: t.cfg, db: t.db, log, topicQueue, publisher: producer });
      await until(async () => s.isLeader(), 'topic stage leadership');
      return s;
    };
    const batch = async (from: number, to: number) => {
      const before = await placed(t.db);
      const ids = await items(t.db, from, to);
      await enqueueTopics(topicQueue, ids);
      await until(async () => (await placed(t.db)) === before + ids.length, 'the items placed', 20_000);
      return ids;
    };
    let stage = await start();
    try {
      // The root and 12 reposts: 12 reactions, 8 of them angry — fewer than the minimum of 20.
      const first = await batch(0, 13);
      expect((await getAnalysis(t.db, first[0]!))?.reaction).toBeNull();
      expect((await getAnalysis(t.db, first[1]!))?.reaction).toEqual({ policeNegative: true, score: 0.8, cues: ['distrust'] });
      expect((await getAnalysis(t.db, first[3]!))?.reaction).toEqual({ policeNegative: false, score: expect.closeTo(0.1, 5), cues: [] });
      const story1 = (await t.db.query('SELECT * FROM stories')).rows;
      expect(story1).toHaveLength(1);
      expect(story1[0]).toMatchObject({ items: 13, police_related: 13, root_negative: false, police_negative: false, reactions: 12, reactions_negative: 8 });
      const topic1 = (await t.db.query('SELECT * FROM topics')).rows[0];
      expect(topic1).toMatchObject({ items: 13, police_negative: 0, reactions: 12, reactions_negative: 8, reaction_negative_items: 0, level: 'none' });
      expect(topic1.reaction_score_sum).toBeCloseTo(8 * 0.8 + 4 * 0.1, 4);

      // A restart: the next leader restores the counts from PostgreSQL.
      await stage.close();
      stage = await start();

      // Ten more reposts (7 angry): 22 reactions, 15 angry (0.68 ≥ 0.5) — only with the 12 from before the restart.
      await batch(13, 23);
      const story2 = (await t.db.query('SELECT * FROM stories')).rows;
      expect(story2).toHaveLength(1);
      expect(story2[0]).toMatchObject({ items: 23, root_negative: false, police_negative: true, reactions: 22, reactions_negative: 15 });
      const topic2 = (await t.db.query('SELECT * FROM topics')).rows[0];
      expect(topic2).toMatchObject({ id: topic1.id, items: 23, police_negative: 23, reactions: 22, reactions_negative: 15, reaction_negative_items: 23, level: 'yellow' });
      const yellow = (await listLevelChanges(t.db, topic2.id)).find((c) => c.level === 'yellow');
      expect(yellow?.reason).toContain('转发评论涉警负面占比 0.70 (14/20) ≥ 0.5');
      expect(yellow?.reason).toContain('线索：不信任');
      expect(yellow?.indicators).toMatchObject({ reactions: 20, reactionsNegative: 14, reactionStories: 1 });
      // What GET /api/topics/:id shows.
      const detail = await getTopicDetail(t.db, topic2.id);
      expect(detail?.topic.indicators).toMatchObject({ policeNegative: 23, reactions: 22, reactionsNegative: 15, reactionScore: 0.58, reactionNegativeItems: 23 });
      expect(detail?.stories[0]).toMatchObject({ policeNegative: true, rootNegative: false, reactions: 22, reactionsNegative: 15, reactionScore: 0.58 });
    } finally {
      await stage.close();
      await topicQueue.close();
      producer.disconnect();
    }
  });
});
