/**
 * The analyzer service against real PostgreSQL and Redis: items stored by the crawler's own store
 * path are analysed by the running service, restarts lose nothing, re-delivered jobs store nothing twice.
 */
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { analyzeJobId, createAnalyzeQueue, createRedis, enqueueAnalysis } from '@yuqing/queue';
import { ingestItems } from '@yuqing/crawler';
import { startAnalyzerService } from '@yuqing/analyzer';
import { getAnalysis } from '@yuqing/db';
import { createTestEnv, type TestEnv } from '../../../test/support/test-env';

const log = pino({ level: 'silent' });
let t: TestEnv;
let producer: ReturnType<typeof createRedis>;
let queue: ReturnType<typeof createAnalyzeQueue>;

beforeAll(async () => {
  t = await createTestEnv('analyzer', { ANALYZER_THREADS: '1', ANALYZER_BATCH_WAIT_MS: '10' });
  producer = createRedis(t.cfg.REDIS_URL, 'producer');
  queue = createAnalyzeQueue(producer, t.cfg.QUEUE_PREFIX);
});
afterAll(async () => {
  await queue.close();
  producer.disconnect();
  await t.cleanup();
});

async function waitFor(cond: () => Promise<boolean>, timeoutMs = 30_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!(await cond())) {
    if (Date.now() > until) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 50));
  }
}
const count = async (sql: string, params: unknown[] = []) => (await t.db.query<{ n: number }>(sql, params)).rows[0]?.n ?? 0;

describe('analyzer service', () => {
  it('analyses every stored item within a second of it being stored', async () => {
    const service = await startAnalyzerService(t.cfg, { log });
    try {
      const texts = [
        '某派出所民警暴力执法，将路人按倒在地，网友愤怒：这还是人民警察吗？',
        '交警冒雨疏导交通，为民警点赞！',
        '今天天气不错，适合出去走走。',
      ];
      const r = await ingestItems({ db: t.db, analyzeQueue: queue, log }, texts.map((text, i) => ({ id: `live-${i}`, text, source: '测试' })), { origin: 'push' });
      expect(r.inserted).toBe(3);
      await waitFor(async () => (await count("SELECT count(*)::int AS n FROM items WHERE external_id LIKE 'live-%' AND analyzed_at IS NOT NULL")) === 3, 10_000);
      // Latency measured from the database's own timestamps (stored → analysed).
      const { rows } = await t.db.query<{ ms: number }>(
        "SELECT (extract(epoch FROM (a.analyzed_at - i.fetched_at)) * 1000)::float8 AS ms FROM items i JOIN item_analysis a ON a.item_id = i.id WHERE i.external_id LIKE 'live-%'",
      );
      expect(rows).toHaveLength(3);
      for (const row of rows) expect(row.ms).toBeLessThan(1000);
      const { rows: ids } = await t.db.query<{ id: number; external_id: string }>("SELECT id, external_id FROM items WHERE external_id LIKE 'live-%' ORDER BY external_id");
      const a0 = await getAnalysis(t.db, ids[0]!.id);
      expect(a0).toMatchObject({ policeRelated: true, sentiment: 'negative', policeNegative: true });
      // The judgement is kept explainable: the cues that fired are stored with it.
      expect(a0?.policeNegativeCues).toContain('violence');
      expect((await getAnalysis(t.db, ids[1]!.id))?.policeNegativeCues).not.toContain('violence');
      expect(a0?.simhash).toMatch(/^[0-9a-f]{16}$/);
      expect(a0?.engineVersion).toBe(service.engineVersion);
      expect((await getAnalysis(t.db, ids[2]!.id))?.policeRelated).toBe(false);
    } finally {
      await service.close();
    }
  });

  it('a restart mid-stream loses nothing, and a re-delivered job stores nothing twice', async () => {
    const n = 400;
    const values = Array.from({ length: n }, (_, i) => ({ id: `bulk-${i}`, text: `第${i}条：民警在${i % 7}号路口处理一起纠纷，现场秩序良好。`, source: '测试' }));
    let service = await startAnalyzerService(t.cfg, { log });
    await ingestItems({ db: t.db, analyzeQueue: queue, log }, values, { origin: 'push' });
    // Stop as soon as part of the stream is analysed.
    await waitFor(async () => (await count("SELECT count(*)::int AS n FROM items WHERE external_id LIKE 'bulk-%' AND analyzed_at IS NOT NULL")) > 0);
    await service.close();
    const partial = await count("SELECT count(*)::int AS n FROM items WHERE external_id LIKE 'bulk-%' AND analyzed_at IS NOT NULL");
    expect(partial).toBeGreaterThan(0);
    service = await startAnalyzerService(t.cfg, { log });
    try {
      await waitFor(async () => (await count("SELECT count(*)::int AS n FROM items WHERE external_id LIKE 'bulk-%' AND analyzed_at IS NOT NULL")) === n);
      // Re-deliver jobs for items already analysed (as after a Redis restore): nothing changes.
      const { rows } = await t.db.query<{ id: number; analyzed_at: Date }>("SELECT i.id, a.analyzed_at FROM items i JOIN item_analysis a ON a.item_id = i.id WHERE external_id LIKE 'bulk-%' ORDER BY i.id LIMIT 20");
      for (const r of rows) await queue.remove(analyzeJobId(r.id));
      await enqueueAnalysis(queue, rows.map((r) => r.id));
      await waitFor(async () => (await queue.getJobCounts('waiting', 'active', 'delayed')).waiting === 0);
      await waitFor(async () => {
        const c = await queue.getJobCounts('active');
        return c.active === 0;
      });
      const after = await t.db.query<{ id: number; analyzed_at: Date }>('SELECT item_id AS id, analyzed_at FROM item_analysis WHERE item_id = ANY($1) ORDER BY item_id', [rows.map((r) => r.id)]);
      expect(after.rows).toEqual(rows);
    } finally {
      await service.close();
    }
    expect(await count("SELECT count(*)::int AS n FROM item_analysis a JOIN items i ON i.id = a.item_id WHERE i.external_id LIKE 'bulk-%'")).toBe(n);
  });
});
