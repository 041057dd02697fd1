/**
 * The live topic stage records a topic's stage changes in topic_stage_changes, in the batch's
 * transaction: a burst of reposts (发生期 → 扩散期), then single reposts hours later (消散期). The
 * fade is recorded once — not again on later batches that find the topic still fading, nor after a
 * restart — carries the topic's unchanged level, and is announced on the level channel.
 */
import { insertItems, listStageChanges, storeAnalyses, withTransaction, type Pool } from '@yuqing/db';
import { createRedis, createTopicQueue, enqueueTopics, topicLevelChannel } from '@yuqing/queue';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { until } from '../../../test/support/poll';
import { createTestEnv, type TestEnv } from '../../../test/support/test-env';
import { startTopicStage, type TopicStage } from '../src/topic-stage';

const log = pino({ level: 'silent' });
const ORIGINAL = '【扩散】某市公安局城北派出所民警在菜市场暴力执法，将一名摆摊老人按倒在地，围观群众拍下视频后被民警要求删除，网友质疑执法过当。';
const COMMENTS = ['太过分了', '必须严查', '要个说法', '心寒', '求真相', '谁来管管', '执法者违法', '转发'];
const BASE = Date.parse('2025-04-01T02:00:00Z');
const MIN = 60_000;

let t: TestEnv;
let seq = 0;

/** Stores reposts of ORIGINAL published at `times` with a police-negative analysis; returns their ids. */
async function reposts(db: Pool, times: number[]): Promise<number[]> {
  const rows = await insertItems(
    db,
    times.map((at) => {
      const n = ++seq;
      const url = `https://weibo.example.com/fade/${process.pid}-${n}`;
      return {
        sourceId: null,
        url,
        urlHash: `fade-${url}`,
        origin: 'crawl' as const,
        title: null,
        summary: null,
        text: n === 1 ? ORIGINAL : `${COMMENTS[n % COMMENTS.length]} //转发：${ORIGINAL}`,
        author: `网友${n}`,
        language: 'zh',
        sourceName: '微博',
        publishedAt: new Date(at),
        fetchedAt: new Date(),
      };
    }),
  );
  await withTransaction(db, (c) =>
    storeAnalyses(
      c,
      rows.map((r) => ({
        itemId: r.id,
        engineVersion: 'test',
        modelVersion: null,
        policeRelated: true,
        policeScore: 0.9,
        sentiment: 'negative' as const,
        sentimentScore: -0.8,
        policeNegative: true,
        policeNegativeScore: 0.9,
        keywords: ['民警', '暴力执法', '老人', '派出所'],
        simhash: '0000000000000000',
        categories: ['执法争议'],
        places: [],
        jurisdictionHits: [],
        language: 'zh',
      })),
    ),
  );
  return rows.map((r) => r.id);
}

const placed = async (db: Pool): Promise<number> => (await db.query<{ n: number }>('SELECT count(*)::int AS n FROM story_items')).rows[0]!.n;
const theTopic = async (db: Pool) => (await db.query<{ id: number; stage: string; level: string }>('SELECT id, stage, level FROM topics')).rows;

beforeAll(async () => {
  t = await createTestEnv('topicfade');
});
afterAll(async () => {
  await t?.cleanup();
});

describe('topic stage changes', () => {
  it('a topic reaching 消散期 records the change once, with its level, across batches and a restart', async () => {
    const producer = createRedis(t.cfg.REDIS_URL, 'producer');
    const topicQueue = createTopicQueue(producer, t.cfg.QUEUE_PREFIX);
    const sub = t.redis.duplicate();
    const announced: Array<Record<string, unknown>> = [];
    await sub.subscribe(topicLevelChannel(t.cfg.QUEUE_PREFIX));
    sub.on('message', (_c, m: string) => announced.push(JSON.parse(m) as Record<string, unknown>));
    const start = async (): Promise<TopicStage> => {
      const s = startTopicStage({ cfg: t.cfg, db: t.db, log, topicQueue, publisher: producer });
      await until(async () => s.isLeader(), 'topic stage leadership');
      return s;
    };
    /** One batch: the items at `times`, placed before the next batch starts. */
    const batch = async (times: number[]) => {
      const before = await placed(t.db);
      await enqueueTopics(topicQueue, await reposts(t.db, times));
      await until(async () => (await placed(t.db)) === before + times.length, 'the items placed', 20_000);
    };
    let stage = await start();
    try {
      // A burst: 12 reposts within 12 minutes.
      await batch(Array.from({ length: 12 }, (_, i) => BASE + i * MIN));
      const topics = await theTopic(t.db);
      expect(topics).toHaveLength(1);
      const topicId = topics[0]!.id;
      expect(topics[0]!.stage).not.toBe('消散期');
      expect((await listStageChanges(t.db, topicId)).some((c) => c.stage === '消散期')).toBe(false);

      // Three hours later, one repost: the hourly rate is far below the peak.
      await batch([BASE + 180 * MIN]);
      const [faded] = await theTopic(t.db);
      expect(faded!.stage).toBe('消散期');
      // 13 police-negative reposts carry a level (the other topic-stage test sees yellow at 14)
      expect(faded!.level).not.toBe('none');
      const fades = (await listStageChanges(t.db, topicId)).filter((c) => c.stage === '消散期');
      expect(fades).toHaveLength(1);
      expect(fades[0]).toMatchObject({ closed: false, reason: '话题进入消散期', level: faded!.level });
      expect(['扩散期', '高潮期']).toContain(fades[0]!.previous);
      const msg = await until(async () => announced.find((m) => m.kind === 'stage' && m.stage === '消散期'), 'the fade announced');
      expect(msg).toMatchObject({ id: fades[0]!.id, topicId, level: faded!.level, previous: faded!.level });

      // Still fading on the next batch, and after a restart: nothing new.
      await batch([BASE + 190 * MIN]);
      await stage.close();
      stage = await start();
      await batch([BASE + 200 * MIN]);
      expect((await theTopic(t.db))[0]!.stage).toBe('消散期');
      const all = await listStageChanges(t.db, topicId);
      expect(all.filter((c) => c.stage === '消散期')).toEqual(fades);
      // The history is a chain: each row starts where the one before ended.
      expect(all[0]!.previous).toBeNull();
      for (let k = 1; k < all.length; k++) expect(all[k]!.previous).toBe(all[k - 1]!.stage);
    } finally {
      await stage.close();
      await sub.quit();
      await topicQueue.close();
      producer.disconnect();
    }
  });
});
