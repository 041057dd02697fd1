/**
 * `yuqing models list|show|retrain|activate` — the learning loop's police-negative models from the
 * command line: the same repository, training and gate as the analyzer (@yuqing/analyzer/learning),
 * audited as `cli:<os user>`. `retrain` trains here, in this process (no running analyzer needed);
 * an activation is announced on Redis so the running analyzers reload and re-analyse recent items.
 */
import { parseArgs } from 'node:util';
import type { Config } from '@yuqing/config';
import { retrain } from '@yuqing/analyzer/learning';
import { activateModelAudited, getModel, listModels, MODEL_STATUSES, type ModelStatus, type ModelSummary } from '@yuqing/db';
import { announceModelActivation, createModelQueue, createRedis } from '@yuqing/queue';
import { fmtBeijing } from '../beijing-time';
import { cliActor, cliConfig, withDb } from '../context';
import { CliError, println, type CliIO, type Command } from '../io';

const USAGE = `usage:
  yuqing models list [--status active|candidate|rejected|retired] [--limit 50] [--json]
  yuqing models show VERSION [--json]
  yuqing models retrain [--no-activate] [--json]
  yuqing models activate VERSION [--reason TEXT]
  retrain trains a candidate from the analysts' corrections now (in this process) and lets the
  gate decide; --no-activate keeps a candidate that passes as "candidate". activate makes VERSION
  the model every analyzer runs (a roll-back, or overriding the gate); they reload it without a
  restart and re-analyse the items of the last MODEL_REANALYZE_DAYS days.`;

const STATUS_NAMES: Record<ModelStatus, string> = { active: '运行中', candidate: '候选', rejected: '未通过', retired: '已停用' };
const TRIGGER_NAMES: Record<string, string> = { schedule: '定时', corrections: '校正累计', manual: '手动' };

/** The F1 figures of the gate as one short phrase (list view). */
function gateFigures(m: ModelSummary): string {
  const metrics = (m.metrics ?? {}) as { candidate?: { f1?: number } | null; current?: { figures?: { f1?: number } | null } };
  const c = metrics.candidate?.f1;
  const r = metrics.current?.figures?.f1;
  return typeof c === 'number' && typeof r === 'number' ? `F1 ${c.toFixed(3)} vs ${r.toFixed(3)}` : '-';
}

/**
 * Announces a committed activation; a Redis outage is a warning: the analyzers find the model at
 * their next check (MODEL_CHECK_MS) and queue its re-analysis themselves.
 */
async function announce(cfg: Config, io: CliIO, m: { version: number; modelVersion: string; activatedAt: Date }): Promise<void> {
  // One attempt, bounded: the CLI must not hang on a Redis that is down.
  const redis = createRedis(cfg.REDIS_URL, 'producer', { lazyConnect: true, retryStrategy: () => null, connectTimeout: 3000 });
  redis.on('error', () => undefined); // reported below
  try {
    await redis.connect();
    const queue = createModelQueue(redis, cfg.QUEUE_PREFIX);
    try {
      await announceModelActivation({ redis, queue, prefix: cfg.QUEUE_PREFIX }, m);
    } finally {
      await queue.close();
    }
    await redis.quit();
  } catch (err) {
    redis.disconnect();
    println(io.stderr, `warning: could not notify the running analyzers (${err instanceof Error ? err.message : String(err)}); they switch to version ${m.version} within ${Math.ceil(cfg.MODEL_CHECK_MS / 1000)} s`);
  }
}

const parseVersion = (v: string | undefined): number => {
  if (!v || !/^[1-9]\d{0,9}$/.test(v)) throw new CliError(`a model VERSION (a whole number) is required\n${USAGE}`);
  return Number(v);
};

async function list(argv: string[], io: CliIO): Promise<number> {
  const { values } = parseArgs({ args: argv, strict: true, options: { status: { type: 'string' }, limit: { type: 'string' }, json: { type: 'boolean' } } });
  if (values.status !== undefined && !(MODEL_STATUSES as readonly string[]).includes(values.status)) throw new CliError(`--status must be one of ${MODEL_STATUSES.join(', ')}`);
  const limit = values.limit === undefined ? 50 : Number(values.limit);
  if (!Number.isInteger(limit) || limit < 1 || limit > 1000) throw new CliError('--limit must be a whole number 1…1000');
  const models = await withDb(cliConfig(io), (db) => listModels(db, { limit, ...(values.status ? { status: values.status as ModelStatus } : {}) }));
  if (values.json) {
    println(io.stdout, JSON.stringify(models));
    return 0;
  }
  if (models.length === 0) {
    println(io.stdout, '(no models yet — corrections train one on schedule, or run `yuqing models retrain`)');
    return 0;
  }
  println(io.stdout, ['版本', '状态', '训练时间(北京时间)', '触发', '发起人', '校正', '门槛(候选 vs 当前)', '启用时间'].join('\t'));
  for (const m of models) {
    println(
      io.stdout,
      [m.version, STATUS_NAMES[m.status], fmtBeijing(m.trainedAt), TRIGGER_NAMES[m.trigger] ?? m.trigger, m.triggeredBy, `${m.examples} (涉警负面 ${m.policeNegativeExamples})`, gateFigures(m), fmtBeijing(m.activatedAt)].join('\t'),
    );
  }
  return 0;
}

async function show(argv: string[], io: CliIO): Promise<number> {
  const { values, positionals } = parseArgs({ args: argv, strict: true, allowPositionals: true, options: { json: { type: 'boolean' } } });
  if (positionals.length !== 1) throw new CliError(USAGE);
  const version = parseVersion(positionals[0]);
  const m = await withDb(cliConfig(io), (db) => getModel(db, version));
  if (!m) throw new CliError(`no model version ${version}`, 1);
  if (values.json) {
    println(io.stdout, JSON.stringify(m));
    return 0;
  }
  println(io.stdout, `模型版本 ${m.version}（${m.modelVersion}）：${STATUS_NAMES[m.status]}`);
  println(io.stdout, `训练：${fmtBeijing(m.trainedAt)}，${TRIGGER_NAMES[m.trigger] ?? m.trigger}，发起人 ${m.triggeredBy}；人工校正 ${m.examples} 条（涉警负面 ${m.policeNegativeExamples} 条）`);
  if (m.activatedAt) println(io.stdout, `启用：${fmtBeijing(m.activatedAt)}，${m.activatedBy ?? '-'}${m.reanalysisQueuedAt ? `；重新分析 ${m.reanalysisItems ?? 0} 条（${fmtBeijing(m.reanalysisQueuedAt)}）` : ''}`);
  println(io.stdout, `结论：${m.decisionReason}`);
  println(io.stdout, JSON.stringify(m.metrics, null, 2));
  return 0;
}

async function retrainNow(argv: string[], io: CliIO): Promise<number> {
  const { values } = parseArgs({ args: argv, strict: true, options: { 'no-activate': { type: 'boolean' }, json: { type: 'boolean' } } });
  const cfg = cliConfig(io);
  const actor = cliActor();
  const r = await withDb(cfg, (db) =>
    retrain(
      { cfg, db, announce: (m) => announce(cfg, io, m) },
      { trigger: 'manual', by: actor.actorName, byId: null, requestId: null, activate: values['no-activate'] !== true },
    ),
  );
  const m = r.model;
  if (values.json) {
    println(io.stdout, JSON.stringify({ version: m?.version ?? null, status: m?.status ?? null, activated: r.activated, reason: m?.decisionReason ?? r.skipped ?? null, metrics: m?.metrics ?? null }));
    return 0;
  }
  if (!m) {
    println(io.stdout, `未训练：${r.skipped ?? ''}`);
    return 0;
  }
  println(io.stdout, `模型版本 ${m.version}：${STATUS_NAMES[m.status]}${r.activated ? '（已启用，分析服务将重新加载并重新分析近期条目）' : ''}`);
  println(io.stdout, `结论：${m.decisionReason}`);
  return 0;
}

async function activate(argv: string[], io: CliIO): Promise<number> {
  const { values, positionals } = parseArgs({ args: argv, strict: true, allowPositionals: true, options: { reason: { type: 'string' } } });
  if (positionals.length !== 1) throw new CliError(USAGE);
  const version = parseVersion(positionals[0]);
  const reason = values.reason?.trim();
  if (reason && reason.length > 500) throw new CliError('--reason: at most 500 characters');
  const cfg = cliConfig(io);
  const a = await withDb(cfg, (db) => activateModelAudited(db, version, cliActor(), reason ? { reason } : {}));
  if (!a) throw new CliError(`no model version ${version}`, 1);
  if (!a.changed) {
    println(io.stdout, `模型版本 ${version} 已在运行`);
    return 0;
  }
  await announce(cfg, io, { version: a.model.version, modelVersion: a.model.modelVersion, activatedAt: a.model.activatedAt! });
  println(io.stdout, `已启用模型版本 ${version}${a.previous ? `（停用版本 ${a.previous.version}）` : ''}；分析服务将重新加载并重新分析近 ${cfg.MODEL_REANALYZE_DAYS} 天的条目`);
  return 0;
}

/** Runs `yuqing models`. */
export const run: Command = async (argv, io) => {
  const [sub, ...rest] = argv;
  try {
    switch (sub) {
      case 'list':
        return await list(rest, io);
      case 'show':
        return await show(rest, io);
      case 'retrain':
        return await retrainNow(rest, io);
      case 'activate':
        return await activate(rest, io);
      case '--help':
      case '-h':
      case 'help':
        println(io.stdout, USAGE);
        return 0;
      default:
        throw new CliError(USAGE);
    }
  } catch (err) {
    // parseArgs' own errors (unknown option, missing value) are the user's: show them with the usage.
    if (err instanceof TypeError && 'code' in err && String((err as { code?: unknown }).code).startsWith('ERR_PARSE_ARGS')) throw new CliError(`${err.message}\n${USAGE}`);
    throw err;
  }
};
