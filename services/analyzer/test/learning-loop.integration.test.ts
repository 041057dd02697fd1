/**
 * The learning loop through the real services, against real PostgreSQL and Redis: items pushed
 * through the API are analysed by the running analyzer; an analyst corrects some through the API;
 * once MODEL_RETRAIN_AFTER_CORRECTIONS corrections are in, the analyzer trains a candidate (the
 * real trainStanceModel, k-fold), the gate prefers it to the built-in default, it is activated,
 * the engine threads reload it without a restart, and an item of the last MODEL_REANALYZE_DAYS days
 * is analysed again: its stored police_negative and model version change, and its topic counts it
 * so (revised where it was placed, not counted twice; level history only appended to). Then the API's retrain,
 * list, show and activate (a roll-back), each audited.
 *
 * The threshold is set from the engine itself, not guessed: just above the highest score the
 * default gives these texts and below what a model trained on the corrections gives the item, so
 * the test holds however the engine's rules and the model's weight in them evolve, as long as a
 * model trained on corrections moves the score of a text like the corrected ones toward their label.
 */
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '@yuqing/api';
import { startAnalyzerService, type AnalyzerService } from '@yuqing/analyzer';
import { labelExample, type LabelLine } from '@yuqing/analyzer/learning';
import { getAnalysis } from '@yuqing/db';
import { createAnalyzer, trainStanceModel, type TrainingExample } from '@yuqing/nlp';
import { until } from '../../../test/support/poll';
import { createTestEnv, type TestEnv } from '../../../test/support/test-env';
import { bearer, makeCaller, type Caller } from '../../api/test/auth-fixtures';

const log = pino({ level: 'silent' });
/** The parts of a model's stored gate record the test reads. */
type GateRecord = {
  decision: string;
  current: { source: string; version: number | null; figures: { f1: number } };
  candidate: { f1: number };
  corrections: Record<string, number>;
};

// Two families of police texts the same but for one phrase: the analysts call the first
// police-negative (a local nickname for rough handling) and the second not.
const PLACES = ['东关', '西湖', '南岭', '北塘', '中山', '新华'];
const NEGATIVE = PLACES.map((p, i) => `${p}派出所民警处置邻里纠纷的视频在本地论坛流传，网友称该所“青禾式执法”又来了，这是第${i + 1}回。`);
const NOT_NEGATIVE = PLACES.map((p, i) => `${p}派出所民警处置邻里纠纷的视频在本地论坛流传，网友称该所“石榴式调解”值得推广，这是第${i + 1}回。`);
// Not corrected: analysed again after the activation.
const TARGET = '光明派出所民警处置停车纠纷的视频在本地论坛流传，网友称该所“青禾式执法”又来了。';
// Like the target, but published before the re-analysis window.
const OLD = '长安派出所民警处置停车纠纷的视频在本地论坛流传，网友称该所“青禾式执法”又来了。';

let t: TestEnv;
let app: ReturnType<typeof buildApp>;
let analyzer: AnalyzerService;
let analyst: Caller;
let admin: Caller;
let threshold: number;

/** The threshold that separates the default's scores of these texts from the trained model's score of the target. */
function chooseThreshold(): number {
  const lines: LabelLine[] = [
    ...NEGATIVE.map((text, i) => ({ item_id: i + 1, url: `u${i}`, text, police_negative: true })),
    ...NOT_NEGATIVE.map((text, i) => ({ item_id: 100 + i, url: `v${i}`, text, police_negative: false })),
  ];
  const model = trainStanceModel(lines.map((l) => labelExample(l) as TrainingExample), { createdAt: '2026-01-01T00:00:00.000Z' });
  const plain = createAnalyzer();
  const trained = createAnalyzer({ model });
  const defaults = [...NEGATIVE, ...NOT_NEGATIVE, TARGET, OLD].map((text) => plain.analyze({ id: 'd', text }));
  for (const r of defaults) expect(r.policeRelated).toBe(true);
  const highest = Math.max(...defaults.map((r) => r.policeNegativeScore));
  const target = trained.analyze({ id: 't', text: TARGET }).policeNegativeScore;
  // If this fails, a model trained on the corrections no longer moves a like text's score above the default's.
  expect(target, `trained ${target} vs default ${highest}`).toBeGreaterThan(highest + 0.005);
  return Math.min(0.99, highest + (target - highest) * 0.3);
}

beforeAll(async () => {
  threshold = chooseThreshold();
  t = await createTestEnv('learnloop', {
    ANALYZER_THREADS: '1',
    ANALYZER_BATCH_WAIT_MS: '10',
    POLICE_NEGATIVE_THRESHOLD: String(threshold),
    MODEL_RETRAIN_CRON: 'off',
    MODEL_RETRAIN_AFTER_CORRECTIONS: String(NEGATIVE.length + NOT_NEGATIVE.length),
    MODEL_CV_FOLDS: '2',
    MODEL_MIN_CORRECTIONS: '8',
    MODEL_CHECK_MS: '250',
    MODEL_REANALYZE_DAYS: '7',
    RECONCILE_EVERY_MS: '1000',
  });
  analyst = await makeCaller(t.db, 'analyst-li', 'analyst');
  admin = await makeCaller(t.db, 'admin-wang', 'admin');
  analyzer = await startAnalyzerService(t.cfg, { log });
  app = buildApp({ cfg: t.cfg, db: t.db, redis: t.redis });
  await app.ready();
});
afterAll(async () => {
  await app?.close();
  await analyzer?.close();
  await t?.cleanup();
});

const itemId = async (externalId: string) => (await t.db.query<{ id: number }>('SELECT id FROM items WHERE external_id = $1', [externalId])).rows[0]!.id;
const count = async (sql: string, params: unknown[] = []) => (await t.db.query<{ n: number }>(sql, params)).rows[0]?.n ?? 0;

describe('the learning loop', () => {
  it('corrections → retrain → gate → hot reload → a re-analysed item changes', async () => {
    // Items pushed through the API, analysed by the running analyzer with the built-in default.
    const now = Date.now();
    const items = [
      ...NEGATIVE.map((text, i) => ({ id: `neg-${i}`, text, source: '本地论坛', publishedAt: new Date(now - 3600_000).toISOString() })),
      ...NOT_NEGATIVE.map((text, i) => ({ id: `pos-${i}`, text, source: '本地论坛', publishedAt: new Date(now - 3600_000).toISOString() })),
      { id: 'target', text: TARGET, source: '本地论坛', publishedAt: new Date(now - 2 * 3600_000).toISOString() },
      { id: 'old', text: OLD, source: '本地论坛', publishedAt: new Date(now - 30 * 86_400_000).toISOString() },
    ];
    const push = await app.inject({ method: 'POST', url: '/api/items', headers: bearer(admin.token), payload: items });
    expect(push.statusCode).toBe(200);
    expect(push.json().inserted).toBe(items.length);
    await until(async () => (await count('SELECT count(*)::int AS n FROM story_items')) === items.length, 'every item analysed and placed in a story', 30_000);
    const target = await itemId('target');
    const old = await itemId('old');
    const before = (await getAnalysis(t.db, target))!;
    // The built-in default may carry a model of its own (the shipped one): whatever it is, it is not the one trained here.
    expect(before).toMatchObject({ policeRelated: true, policeNegative: false });
    const oldBefore = (await getAnalysis(t.db, old))!;
    expect(oldBefore.policeNegative).toBe(false);
    expect(analyzer.activeModel()).toBeNull();
    const topicItems = await count('SELECT sum(items)::int AS n FROM topics');
    const levelHistory = (await t.db.query('SELECT * FROM topic_level_changes ORDER BY id')).rows;

    // The analyst's corrections, through the API.
    for (let i = 0; i < NEGATIVE.length; i++) {
      for (const [prefix, policeNegative] of [['neg', true], ['pos', false]] as const) {
        const r = await app.inject({ method: 'PUT', url: `/api/items/${await itemId(`${prefix}-${i}`)}/label`, headers: bearer(analyst.token), payload: { policeNegative, ...(policeNegative ? { policeRelated: true } : {}) } });
        expect(r.statusCode).toBe(200);
      }
    }

    // The count of new corrections starts a training; the gate activates the candidate.
    const active = await until(
      async () => (await t.db.query<{ version: number; model_version: string; trigger: string; metrics: GateRecord }>(`SELECT version, model_version, trigger, metrics FROM models WHERE status = 'active'`)).rows[0],
      'a model trained from the corrections and activated',
      60_000,
    );
    expect(active.trigger).toBe('corrections');
    expect(active.metrics.decision).toBe('activate');
    expect(active.metrics.current).toMatchObject({ source: 'default', version: null });
    expect(active.metrics.corrections).toMatchObject({ total: 12, policeNegative: 12, positives: 6, unseenByCurrent: 12 });
    expect(active.metrics.candidate.f1).toBeGreaterThan(active.metrics.current.figures.f1);

    // Hot reload: the running analyzer switches without a restart…
    await until(async () => analyzer.activeModel() === active.version, 'the analyzer running the new model', 10_000);
    expect(analyzer.modelVersion()).toBe(active.model_version);
    // …and the target, published inside MODEL_REANALYZE_DAYS, is analysed again with it.
    const after = await until(
      async () => {
        const a = await getAnalysis(t.db, target);
        return a?.modelVersion === active.model_version ? a : null;
      },
      'the target re-analysed with the new model',
      30_000,
    );
    expect(after.modelVersion).not.toBe(before.modelVersion);
    expect(after.policeNegative).toBe(true);
    expect(after.policeNegativeScore).toBeGreaterThan(before.policeNegativeScore);
    // The item view shows the new analysis.
    const view = await app.inject({ method: 'GET', url: `/api/items/${target}`, headers: bearer(analyst.token) });
    expect(view.json().item.analysis).toMatchObject({ policeNegative: true, modelVersion: active.model_version });
    await until(async () => (await count('SELECT count(*)::int AS n FROM models WHERE reanalysis_queued_at IS NOT NULL')) === 1, 'the re-analysis recorded on the model');
    expect(await count('SELECT reanalysis_items AS n FROM models WHERE version = $1', [active.version])).toBe(items.length - 1);
    // Outside the window: left as it was.
    expect(await getAnalysis(t.db, old)).toMatchObject({ modelVersion: oldBefore.modelVersion, policeNegative: false, analyzedAt: oldBefore.analyzedAt });
    // Its topic reflects it: the topic stage revised the item where it was placed (what it counts
    // of the item is now the new analysis)…
    await until(async () => (await count('SELECT count(*)::int AS n FROM story_items WHERE item_id = $1 AND counted_police_negative', [target])) === 1, 'the target revised in its topic', 30_000);
    // …without counting it again: one story link per item, the same items in topics, and level
    // history only appended to (a level may rise with the new counts), never rewritten.
    expect(await count('SELECT count(*)::int AS n FROM story_items')).toBe(items.length);
    expect(await count('SELECT count(*)::int AS n FROM story_items WHERE item_id = $1', [target])).toBe(1);
    expect(await count('SELECT sum(items)::int AS n FROM topics')).toBe(topicItems);
    expect((await t.db.query('SELECT * FROM topic_level_changes ORDER BY id')).rows.slice(0, levelHistory.length)).toEqual(levelHistory);
    // The automatic training and activation are in the audit log, by the system.
    const audit = (await t.db.query<{ action: string; actor_name: string }>(`SELECT action, actor_name FROM audit_log WHERE entity = 'model' ORDER BY id`)).rows;
    expect(audit).toEqual([
      { action: 'model.train', actor_name: 'system' },
      { action: 'model.activate', actor_name: 'system' },
    ]);
  });

  it('lists, shows, retrains on request and rolls back through the API, audited', async () => {
    const first = (await app.inject({ method: 'GET', url: '/api/models', headers: bearer(analyst.token) })).json().models;
    expect(first).toHaveLength(1);
    expect(first[0]).toMatchObject({ status: 'active', trigger: 'corrections', triggeredBy: 'system', examples: 12, policeNegativeExamples: 12 });
    expect(first[0].metrics.rule).toMatch(/cross-validation/);
    expect(JSON.stringify(first[0])).not.toMatch(/"weights"/);
    const v1 = first[0].version as number;

    // A training asked for by the analyst: the running model learnt every correction there is, so
    // nothing is left to judge the two on, and the gate keeps it.
    const r = await app.inject({ method: 'POST', url: '/api/models/retrain', headers: bearer(analyst.token), payload: {} });
    expect(r.statusCode).toBe(202);
    const rejected = await until(
      async () => (await app.inject({ method: 'GET', url: '/api/models?status=rejected', headers: bearer(analyst.token) })).json().models[0],
      'the requested training stored',
      60_000,
    );
    expect(rejected).toMatchObject({ trigger: 'manual', triggeredBy: 'analyst-li', status: 'rejected' });
    expect(rejected.decisionReason).toMatch(/可评估的校正不足/);
    const shown = await app.inject({ method: 'GET', url: `/api/models/${rejected.version}`, headers: bearer(analyst.token) });
    expect(shown.json()).toMatchObject({ version: rejected.version, metrics: { decision: 'reject', current: { source: 'active', version: v1 } } });
    expect((await app.inject({ method: 'GET', url: '/api/models/999', headers: bearer(analyst.token) })).statusCode).toBe(404);

    // Only an admin chooses which model runs; the analyst is refused.
    expect((await app.inject({ method: 'POST', url: `/api/models/${rejected.version}/activate`, headers: bearer(analyst.token), payload: {} })).statusCode).toBe(403);
    const over = await app.inject({ method: 'POST', url: `/api/models/${rejected.version}/activate`, headers: bearer(admin.token), payload: { reason: '人工复核后启用' } });
    expect(over.statusCode).toBe(200);
    expect(over.json()).toMatchObject({ changed: true, model: { version: rejected.version, status: 'active', activatedBy: 'admin-wang' }, previous: { version: v1, status: 'retired' } });
    await until(async () => analyzer.activeModel() === rejected.version, 'the analyzer reloading the activated version');
    // Roll back to the first.
    const back = await app.inject({ method: 'POST', url: `/api/models/${v1}/activate`, headers: bearer(admin.token), payload: {} });
    expect(back.json()).toMatchObject({ changed: true, model: { version: v1, status: 'active' } });
    await until(async () => analyzer.activeModel() === v1, 'the analyzer back on the first version');
    expect((await app.inject({ method: 'POST', url: `/api/models/${v1}/activate`, headers: bearer(admin.token), payload: {} })).json().changed).toBe(false);
    expect(await count(`SELECT count(*)::int AS n FROM models WHERE status = 'active'`)).toBe(1);

    const audit = (await t.db.query<{ action: string; actor_name: string; entity_id: string | null }>(`SELECT action, actor_name, entity_id FROM audit_log WHERE entity = 'model' ORDER BY id`)).rows.slice(2);
    expect(audit).toEqual([
      { action: 'model.retrain', actor_name: 'analyst-li', entity_id: null },
      { action: 'model.train', actor_name: 'analyst-li', entity_id: String(rejected.version) },
      { action: 'model.activate', actor_name: 'admin-wang', entity_id: String(rejected.version) },
      { action: 'model.activate', actor_name: 'admin-wang', entity_id: String(v1) },
    ]);
  });
});
