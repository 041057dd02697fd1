/** Pushed/ingested items and the reconciler, against real PostgreSQL and Redis. */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { analyzeJobId, createAnalyzeQueue, createRedis } from '@yuqing/queue';
import { ingestItems, reconcileOnce } from '@yuqing/crawler';
import { runCli } from '../../../test/support/run-cli';
import { createTestEnv, type TestEnv } from '../../../test/support/test-env';

const log = pino({ level: 'silent' });
let t: TestEnv;
let producer: ReturnType<typeof createRedis>;
let queue: ReturnType<typeof createAnalyzeQueue>;

beforeAll(async () => {
  t = await createTestEnv('ingest');
  producer = createRedis(t.cfg.REDIS_URL, 'producer');
  queue = createAnalyzeQueue(producer, t.cfg.QUEUE_PREFIX);
});
afterAll(async () => {
  await queue.close();
  producer.disconnect();
  await t.cleanup();
});

const rows = async (where = 'true', params: unknown[] = []) =>
  (await t.db.query(`SELECT * FROM items WHERE ${where} ORDER BY id`, params)).rows;

describe('ingestItems', () => {
  it('stores valid items, reports bad ones by index, keeps unknown fields, and is idempotent', async () => {
    const batch = [
      { id: 'w1', text: '某地民警暴力执法视频引发热议', publishedAt: '2024-03-05 10:20', source: '微博', author: { name: '网友甲', followers: 1200, verified: false }, metrics: { reposts: 30 }, mood: 'angry' },
      { url: 'https://news.example.cn/a/1.html?utm_medium=x', title: '警方通报', text: '警方通报称已介入调查。', publishedAt: '2024-03-05T12:00:00+08:00' },
      { text: '没有身份的条目' },
      { id: 'w2', text: '' },
      { id: 'w3', text: '时间不对', publishedAt: 'yesterday-ish' },
      'not an object',
      { id: 'w4', text: '转发', parentId: 'w1', source: '微博', publishedAt: '2030-01-01 00:00' },
    ];
    const now = new Date('2024-03-06T00:00:00Z');
    const r = await ingestItems({ db: t.db, analyzeQueue: queue, log }, batch, { origin: 'ingest', now, indexBase: 1 });
    expect(r.inserted).toBe(3);
    expect(r.invalid.map((i) => i.index)).toEqual([3, 4, 5, 6]);
    expect(r.invalid[0]?.error).toContain('url or an id');
    expect(r.invalid[2]?.error).toContain('publishedAt');
    expect(r.unknownFields).toEqual([{ index: 1, fields: ['mood'] }]);

    const stored = await rows("origin = 'ingest'");
    const w1 = stored.find((x) => x.external_id === 'w1');
    expect(w1).toMatchObject({ author: '网友甲', author_info: { name: '网友甲', followers: 1200, verified: false }, metrics: { reposts: 30 }, extra: { mood: 'angry' }, source_name: '微博', language: 'zh' });
    expect(w1.published_at.toISOString()).toBe('2024-03-05T02:20:00.000Z');
    expect(stored.find((x) => x.title === '警方通报')?.url).toBe('https://news.example.cn/a/1.html');
    const w4 = stored.find((x) => x.external_id === 'w4');
    expect(w4.parent_url_hash).toBe(w1.url_hash);
    expect(w4.published_at.toISOString()).toBe(now.toISOString()); // a future time is clamped to the fetch time
    for (const x of stored) expect(await queue.getJob(analyzeJobId(x.id))).toBeTruthy();

    const again = await ingestItems({ db: t.db, analyzeQueue: queue, log }, batch, { origin: 'ingest', now });
    expect(again).toMatchObject({ inserted: 0, duplicates: 3 });
  });
});

describe('reconciler', () => {
  it('items stored while Redis is unreachable are enqueued later; nothing is lost', async () => {
    // A producer pointed at a port where no Redis listens fails fast, as during an outage.
    const dead = createRedis('redis://127.0.0.1:1', 'producer', { retryStrategy: () => null });
    dead.on('error', () => undefined);
    const deadQueue = createAnalyzeQueue(dead, t.cfg.QUEUE_PREFIX);
    deadQueue.on('error', () => undefined);
    const r = await ingestItems({ db: t.db, analyzeQueue: deadQueue, log }, [{ id: 'outage-1', text: '断线期间的条目' }], { origin: 'push' });
    expect(r.inserted).toBe(1);
    await deadQueue.close().catch(() => undefined);
    dead.disconnect();
    const [item] = await rows("external_id = 'outage-1'");
    expect(item.enqueued_at).toBeNull();
    expect(await queue.getJob(analyzeJobId(item.id))).toBeUndefined();

    const n = await reconcileOnce({ db: t.db, analyzeQueue: queue, log }, 60_000);
    expect(n).toBeGreaterThanOrEqual(1);
    expect(await queue.getJob(analyzeJobId(item.id))).toBeTruthy();
    expect((await rows('id = $1', [item.id]))[0].enqueued_at).not.toBeNull();
    // Enqueued recently and job still there: the next pass leaves it alone.
    expect(await reconcileOnce({ db: t.db, analyzeQueue: queue, log }, 60_000)).toBe(0);
  });

  it('a job lost with a Redis restart is re-enqueued once the item is stale; analysed items never are', async () => {
    const [item] = await rows("external_id = 'w1'");
    await queue.remove(analyzeJobId(item.id)); // as if Redis lost it
    await t.db.query("UPDATE items SET enqueued_at = now() - interval '10 minutes' WHERE id = $1", [item.id]);
    await t.db.query("UPDATE items SET analyzed_at = now(), enqueued_at = now() - interval '10 minutes' WHERE external_id = 'w4'");
    await reconcileOnce({ db: t.db, analyzeQueue: queue, log }, 60_000);
    expect(await queue.getJob(analyzeJobId(item.id))).toBeTruthy();
    const [w4] = await rows("external_id = 'w4'");
    expect((await queue.getJob(analyzeJobId(w4.id)))?.timestamp ?? 0).toBeLessThan(w4.analyzed_at.getTime());
  });
});

describe('yuqing ingest FILE', () => {
  it('streams a JSONL file, reports malformed and invalid lines by number, and stores the rest', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'yuqing-ingest-'));
    const lines = [
      JSON.stringify({ id: 'f1', text: '第一条', source: 'other-crawler' }),
      '{"id": "f2", "text": "坏的 JSON',
      '',
      JSON.stringify({ id: 'f3', title: '只有标题', source: 'other-crawler' }),
      JSON.stringify({ id: 'f4' }),
    ];
    writeFileSync(join(dir, 'items.jsonl'), lines.join('\n'));
    const r = await runCli(['ingest', 'items.jsonl'], { env: t.env, cwd: dir });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('line 2: not valid JSON');
    expect(r.stderr).toContain('line 5:');
    expect(JSON.parse(r.stdout)).toMatchObject({ lines: 5, inserted: 2, invalid: 2 });
    const again = await runCli(['ingest', 'items.jsonl'], { env: t.env, cwd: dir });
    expect(JSON.parse(again.stdout)).toMatchObject({ inserted: 0, duplicates: 2 });
    expect((await runCli(['ingest', 'missing.jsonl'], { env: t.env, cwd: dir })).stderr).toContain('no such file');
  });
});
