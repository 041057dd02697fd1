/**
 * Hot reload of the analysis model, in parts: the engine pool switches its threads to another
 * model while a batch sent before the switch finishes with the old one; the reloader follows the
 * models table when told over Redis, and by its periodic check when the message never comes.
 */
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEnginePool } from '@yuqing/analyzer';
import { activateModelAudited, insertModel } from '@yuqing/db';
import { train, type ModelJson } from '@yuqing/nlp';
import { modelEventsChannel } from '@yuqing/queue';
import { startModelReloader } from '../src/model-reload';
import { until } from '../../../test/support/poll';
import { createTestEnv, type TestEnv } from '../../../test/support/test-env';

const log = pino({ level: 'silent' });
let t: TestEnv;

/** A small model (a few examples, 2^12 features): quick to train, loads like any other. */
function tinyModel(seed: number): ModelJson {
  const examples = [
    { tokens: ['民警', '殴打', '群众'], police_negative: true },
    { tokens: ['民警', '帮助', '群众'], police_negative: false },
    { tokens: ['警察', '打人', String(seed)], police_negative: true },
    { tokens: ['警察', '救人', String(seed)], police_negative: false },
  ];
  return train(examples, { bits: 12, epochs: 2, seed, createdAt: '2026-01-01T00:00:00.000Z' });
}

beforeAll(async () => {
  t = await createTestEnv('modelreload', { MODEL_CHECK_MS: '200' });
});
afterAll(async () => {
  await t.cleanup();
});

describe('engine pool', () => {
  it('reloads every thread; a batch sent before the reload finishes with the old model', async () => {
    const a = tinyModel(1);
    const b = tinyModel(2);
    expect(a.modelVersion).not.toBe(b.modelVersion);
    const pool = await createEnginePool(2, { maxChars: 20_000, model: a });
    try {
      expect(pool.modelVersion).toBe(a.modelVersion);
      const inputs = Array.from({ length: 40 }, (_, i) => ({ id: String(i), text: `第${i}条：某派出所民警殴打群众，网友愤怒。` }));
      // Sent first: both threads take this batch before the reload message.
      const inFlight = pool.analyze(inputs);
      const reloaded = pool.reload(b);
      const after = pool.analyze(inputs);
      expect((await inFlight).every((r) => r.modelVersion === a.modelVersion)).toBe(true);
      expect(await reloaded).toBe(b.modelVersion);
      expect((await after).every((r) => r.modelVersion === b.modelVersion)).toBe(true);
      expect(pool.modelVersion).toBe(b.modelVersion);
      // null: back to the engine's built-in default.
      await pool.reload(null);
      const plain = await pool.analyze(inputs.slice(0, 2));
      expect(plain[0]!.modelVersion).not.toBe(b.modelVersion);
    } finally {
      await pool.close();
    }
  });
});

describe('model reloader', () => {
  it('follows the active model: at once when announced, by its periodic check when not', async () => {
    const loaded: Array<string | null> = [];
    const engine = {
      reload: async (m: unknown) => {
        const v = (m as ModelJson | null)?.modelVersion ?? null;
        loaded.push(v);
        return v;
      },
    };
    const store = async (m: ModelJson) =>
      insertModel(t.db, { modelVersion: m.modelVersion, model: m, trainedAt: new Date(), examples: 0, trainedOn: [], metrics: {}, decisionReason: '', trigger: 'manual', triggeredBy: 'test', triggeredById: null, status: 'candidate' });
    const m1 = await store(tinyModel(3));
    const m2 = await store(tinyModel(4));
    const actor = { actorId: null, actorName: 'test', requestId: null };

    // Periodic check only (nothing is published): within a few MODEL_CHECK_MS.
    const quiet = await startModelReloader({ cfg: t.cfg, db: t.db, log, engine, initialVersion: null });
    try {
      await activateModelAudited(t.db, m1.version, actor);
      await until(async () => quiet.version === m1.version, 'the periodic check finding the activation', 5000);
      expect(loaded).toEqual([m1.modelVersion]);
    } finally {
      await quiet.close();
    }

    // With a long check interval, only the announcement can make it reload in time.
    loaded.length = 0;
    const told = await startModelReloader({ cfg: { ...t.cfg, MODEL_CHECK_MS: 3_600_000 }, db: t.db, log, engine, initialVersion: m1.version });
    try {
      await new Promise((r) => setTimeout(r, 200));
      await activateModelAudited(t.db, m2.version, actor);
      await t.redis.publish(modelEventsChannel(t.cfg.QUEUE_PREFIX), JSON.stringify({ version: m2.version, modelVersion: m2.modelVersion, activatedAt: Date.now() }));
      await until(async () => told.version === m2.version, 'the announced activation loaded', 5000);
      expect(loaded).toEqual([m2.modelVersion]);
    } finally {
      await told.close();
    }
  });
});
