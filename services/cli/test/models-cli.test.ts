/**
 * `yuqing models` through the real CLI against a real test schema and Redis: retrain trains and
 * judges a candidate in the CLI process from the stored corrections, list and show print the
 * stored models with the gate's figures, activate makes a version the running one (announced on
 * Redis, its re-analysis queued), each change audited as `cli:<os user>`; and `yuqing analyze
 * --threshold` moves the operating point without changing the output fields.
 */
import { userInfo } from 'node:os';
import { insertItems, putItemLabel } from '@yuqing/db';
import { createModelQueue, createRedis, modelEventsChannel } from '@yuqing/queue';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { until } from '../../../test/support/poll';
import { runCli } from '../../../test/support/run-cli';
import { createTestEnv, type TestEnv } from '../../../test/support/test-env';

let t: TestEnv;
const cli = (argv: string[], stdin?: string) => runCli(argv, { env: t.env, ...(stdin !== undefined ? { stdin } : {}) });
const actor = `cli:${userInfo().username}`;

const NEGATIVE = ['东关', '西湖', '南岭', '北塘', '中山'].map((p) => `${p}派出所民警当街殴打路人，围观群众愤怒指责暴力执法，要求严查。`);
const NOT_NEGATIVE = ['东关', '西湖', '南岭', '北塘', '中山'].map((p) => `${p}派出所民警走进社区开展防诈骗宣传，居民纷纷点赞。`);

beforeAll(async () => {
  t = await createTestEnv('modelscli', { MODEL_CV_FOLDS: '2', MODEL_MIN_CORRECTIONS: '4', MODEL_REANALYZE_DAYS: '3' });
  const now = new Date();
  let n = 0;
  for (const [texts, policeNegative] of [
    [NEGATIVE, true],
    [NOT_NEGATIVE, false],
  ] as const) {
    for (const text of texts) {
      n++;
      const [row] = await insertItems(t.db, [
        { sourceId: null, url: `https://news.example.com/models/${n}`, urlHash: `models-${n}`, origin: 'crawl', title: null, summary: null, text, author: null, language: 'zh', publishedAt: now, fetchedAt: now },
      ]);
      await putItemLabel(t.db, { itemId: row!.id, policeRelated: null, policeNegative, sentiment: null, note: '', by: null, byName: '分析员' });
    }
  }
});
afterAll(async () => {
  await t.cleanup();
});

describe('yuqing models', () => {
  it('retrain, list, show and activate, audited as cli:<os user>', async () => {
    expect((await cli(['models', 'list'])).stdout).toMatch(/no models yet/);

    // --no-activate: whatever the gate says, nothing becomes active.
    const trained = await cli(['models', 'retrain', '--no-activate', '--json']);
    expect(trained.stderr).toBe('');
    expect(trained.code).toBe(0);
    const r = JSON.parse(trained.stdout) as { version: number; status: string; activated: boolean; reason: string; metrics: { decision: string } & Record<string, unknown> };
    expect(r.activated).toBe(false);
    expect(['candidate', 'rejected']).toContain(r.status);
    expect(r.metrics).toMatchObject({ folds: 2, minCorrections: 4, corrections: { total: 10, policeNegative: 10, positives: 5, unseenByCurrent: 10 }, current: { source: 'default' } });
    expect(r.metrics.decision).toBe(r.status === 'candidate' ? 'activate' : 'reject');

    const list = await cli(['models', 'list']);
    expect(list.code).toBe(0);
    expect(list.stdout).toMatch(new RegExp(`^${r.version}\\t(候选|未通过)\\t.*\\t手动\\t${actor}\\t10 \\(涉警负面 10\\)\\tF1 `, 'm'));
    const shown = await cli(['models', 'show', String(r.version)]);
    expect(shown.stdout).toContain(`模型版本 ${r.version}`);
    expect(shown.stdout).toContain(`结论：${r.reason}`);
    expect(JSON.parse((await cli(['models', 'show', String(r.version), '--json'])).stdout)).toMatchObject({ version: r.version, triggeredBy: actor });

    // Activation: committed, announced on Redis, its re-analysis queued for the analyzers.
    const sub = createRedis(t.cfg.REDIS_URL, 'worker');
    const heard: string[] = [];
    sub.on('message', (_c, m: string) => heard.push(m));
    await sub.subscribe(modelEventsChannel(t.cfg.QUEUE_PREFIX));
    try {
      const act = await cli(['models', 'activate', String(r.version), '--reason', '人工复核']);
      expect(act.stderr).toBe('');
      expect(act.stdout).toMatch(new RegExp(`已启用模型版本 ${r.version}.*近 3 天`));
      await until(async () => heard.length > 0, 'the activation announced');
      expect(JSON.parse(heard[0]!)).toMatchObject({ version: r.version, modelVersion: expect.stringMatching(/^lr1-/) });
    } finally {
      await sub.quit();
    }
    const producer = createRedis(t.cfg.REDIS_URL, 'producer');
    const queue = createModelQueue(producer, t.cfg.QUEUE_PREFIX);
    try {
      const jobs = await queue.getJobs(['waiting', 'delayed', 'prioritized']);
      expect(jobs.map((j) => j.data)).toEqual([expect.objectContaining({ kind: 'reanalyze', version: r.version })]);
    } finally {
      await queue.close();
      producer.disconnect();
    }
    expect((await cli(['models', 'activate', String(r.version)])).stdout).toMatch(/已在运行/);
    expect((await cli(['models', 'list', '--status', 'active', '--json'])).stdout).toContain(`"version":${r.version}`);

    const audit = (await t.db.query<{ action: string; actor_name: string; after: Record<string, unknown> }>(`SELECT action, actor_name, after FROM audit_log WHERE entity = 'model' ORDER BY id`)).rows;
    expect(audit.map((a) => [a.action, a.actor_name])).toEqual([
      ['model.train', actor],
      ['model.activate', actor],
    ]);
    expect(audit[1]!.after).toMatchObject({ activeVersion: r.version, reason: '人工复核' });
  });

  it('refuses what it cannot do, with the usage', async () => {
    expect((await cli(['models', 'activate', '999'])).code).toBe(1);
    expect((await cli(['models', 'show', 'abc'])).code).toBe(2);
    expect((await cli(['models', 'list', '--status', 'maybe'])).code).toBe(2);
    const r = await cli(['models', 'frobnicate']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/usage:/);
  });
});

describe('yuqing analyze --threshold', () => {
  it('moves the operating point and keeps the output fields', async () => {
    const input = `${JSON.stringify({ id: 'a', text: NEGATIVE[0] })}\n`;
    const low = JSON.parse((await cli(['analyze', '--threshold', '0.01'], input)).stdout);
    const high = JSON.parse((await cli(['analyze', '--threshold', '0.999'], input)).stdout);
    expect(Object.keys(low)).toEqual(['id', 'policeRelated', 'policeScore', 'sentiment', 'policeNegative', 'keywords', 'simhash', 'categories', 'places']);
    expect(Object.keys(high)).toEqual(Object.keys(low));
    expect(low.policeNegative).toBe(true);
    expect(high.policeNegative).toBe(false);
    expect((await cli(['analyze', '--threshold', '1.5'], input)).code).toBe(2);
  });
});
