/**
 * Fault: FLUSHALL on the private Redis while every process keeps running and keeps its
 * connections — unlike a restart, nothing reconnects, nothing is told. Every queue, job id, lock,
 * lease, host-gate key and queue setting is gone at once. The first flush lands while analysis jobs
 * are waiting in the analyze queue (queued, not yet analysed), the second while the topic stage
 * holds jobs (its batch in hand). PostgreSQL holds everything: every item the feeds served is
 * stored once and analysed once, every level change alerted once and delivered once, no process
 * crashed, and every process stops cleanly.
 */
import { Redis } from 'ioredis';
import { afterEach, describe, expect, it } from 'vitest';
import { expectAlertedOnce, expectStoredAndAnalysedOnce, expectTopicCountsRight, install, waitAllAnalysed, waitAllStored, waitWarningDelivered } from './support/case';
import { PrivateRedis, Rig, waitFor } from './support/procs';
import { expectCleanStop } from './support/stop';

let rig: Rig | undefined;
let redisClient: Redis | undefined;
afterEach(async () => {
  redisClient?.disconnect();
  redisClient = undefined;
  await rig?.cleanup();
  rig = undefined;
});

// Atomically: when none of the lists KEYS is empty, FLUSHALL, returning the first list's length,
// how many keys there were and the first list's entries (job ids); else nothing. Run on the
// private server only.
const FLUSH_WHEN_LISTED = `
for _, k in ipairs(KEYS) do
  if redis.call('LLEN', k) == 0 then return {0, 0} end
end
local n = redis.call('LLEN', KEYS[1])
local ids = redis.call('LRANGE', KEYS[1], 0, -1)
local keys = redis.call('DBSIZE')
redis.call('FLUSHALL')
return {n, keys, unpack(ids)}`;

interface Flush {
  listed: number;
  keys: number;
  jobIds: string[];
}

/** Polls until every one of `lists` holds jobs, then flushes everything in the same step (the first list's jobs reported). */
async function flushWhenListed(redis: Redis, lists: string[], what: string, timeoutMs: number): Promise<Flush> {
  return waitFor(
    async () => {
      const [listed, keys, ...jobIds] = (await redis.eval(FLUSH_WHEN_LISTED, lists.length, ...lists)) as [number, number, ...string[]];
      return listed > 0 ? { listed, keys, jobIds } : null;
    },
    what,
    timeoutMs,
    5,
  );
}

const itemIds = (jobIds: string[]): number[] => jobIds.map((j) => Number(/^item-(\d+)$/.exec(j)?.[1])).filter((n) => Number.isInteger(n) && n > 0);

describe('Redis flushed under load', () => {
  it('FLUSHALL with analysis jobs waiting, and again with the topic stage holding jobs: stored once, analysed once, alerted and delivered once', async () => {
    rig = new Rig();
    const redis = await PrivateRedis.start(rig);
    // 150 extra items at once and at most 20 analysis jobs taken at a time: the analyze queue has a
    // backlog waiting (not taken by any worker) when the first flush comes. Speed 3: the stream
    // lasts ~38 s, time enough for the three processes to start on a busy machine.
    const inst = await install(rig, 'flush', { redisUrl: redis.url, speed: 3, extraNews: 150, env: {
        ANALYZER_BATCH_SIZE: '20',
        ANALYZER_CONCURRENCY: '20',
        // What the processes declare in Redis at start must come back after a flush (keepDeclared).
        DIGEST_ENABLED: 'true',
        FORMS_ENABLED: 'true',
        MODEL_RETRAIN_CRON: '30 3 * * *',
        MODEL_CHECK_MS: '2000',
        REDIS_REDECLARE_MS: '2000',
      },
    });
    const prefix = inst.env.QUEUE_PREFIX!;
    redisClient = new Redis(redis.url, { maxRetriesPerRequest: 1 });
    const procs = [rig.service('crawler', 'crawler', inst.env), rig.service('analyzer', 'analyzer', inst.env), rig.service('api', 'api', inst.env)];

    // Flush 1: analysis under way (jobs taken by the analyzer) with a backlog waiting behind it.
    const first = await flushWhenListed(redisClient, [`${prefix}:analyze:wait`, `${prefix}:analyze:active`], 'analysis jobs active and waiting in the analyze queue', 90_000);
    expect(inst.feed.complete(), 'the feeds still publishing at the first flush').toBe(false);
    const lost = itemIds(first.jobIds);
    expect(lost.length).toBe(first.listed);
    const [unanalysed] = (await inst.db.query<{ n: string }>('SELECT count(*) AS n FROM items WHERE id = ANY($1::bigint[]) AND analyzed_at IS NULL', [lost])).rows;
    console.log(`[faults] flush 1: ${first.keys} keys gone, ${first.listed} analysis jobs waiting (${unanalysed!.n} of their items still unanalysed just after)`);
    expect(Number(unanalysed!.n), 'items whose waiting jobs were flushed, not analysed yet').toBeGreaterThan(0);

    // Flush 2: the topic stage's leader holding jobs (taken, its batch not yet finished).
    const second = await flushWhenListed(redisClient, [`${prefix}:topics:active`], 'topic-stage jobs held by the leader', 90_000);
    console.log(`[faults] flush 2: ${second.keys} keys gone, ${second.listed} topic jobs in hand; feeds complete: ${inst.feed.complete()}`);
    expect(second.listed).toBeGreaterThan(0);
    await new Promise((r) => setTimeout(r, 3000));
    for (const p of procs) expect(p.running, `${p.name} survived the flushes; log:\n${p.log().slice(-3000)}`).toBe(true);

    await waitAllStored(inst, 120_000);
    await waitAllAnalysed(inst, 90_000);
    await waitWarningDelivered(inst, 60_000);
    await new Promise((r) => setTimeout(r, 3000)); // anything that would repeat has its chance
    for (const p of procs) {
      expect(p.running, `${p.name} still running (no crash) after the flushes; log:\n${p.log().slice(-3000)}`).toBe(true);
      // Errors from BullMQ about the vanished jobs are expected (logged); nothing fatal, nothing unhandled.
      expect(p.log(), `${p.name} logged nothing fatal or unhandled`).not.toMatch(/"level":60|unhandled|uncaught/i);
    }
    // The processes use the flushed server again (queues rebuilt in it), not a dead connection.
    expect(await redisClient.exists(`${prefix}:analyze:meta`, `${prefix}:analyze:id`, `${prefix}:analyze:completed`)).toBeGreaterThan(0);
    // The schedules (digests, form drafts, model retraining) and the crawl queue's global
    // concurrency were declared again: without that, digests and drafts stop until a restart.
    const declared = await Promise.all(
      [`${prefix}:digest:repeat`, `${prefix}:forms:repeat`, `${prefix}:model:repeat`].map(async (k) => [k, await redisClient!.exists(k)] as const),
    );
    expect(declared.filter(([, n]) => n === 0).map(([k]) => k), 'schedules missing after the flush').toEqual([]);
    expect(await redisClient.hget(`${prefix}:crawl:meta`, 'concurrency')).not.toBeNull();
    await expectStoredAndAnalysedOnce(inst);
    await expectTopicCountsRight(inst);
    await expectAlertedOnce(inst);
    await expectCleanStop(procs);
  });
});
