/**
 * The learning loop inside an analyzer process: the `model` queue's worker (trainings and the
 * re-analysis after an activation), its job scheduler (MODEL_RETRAIN_CRON, in DIGEST_TIMEZONE),
 * and a periodic check (MODEL_CHECK_MS) that queues a training once MODEL_RETRAIN_AFTER_CORRECTIONS
 * corrections were made since the last one, and the re-analysis of an activation whose job was lost.
 *
 * Every analyzer process runs it; the queue's global concurrency of 1 makes trainings take turns
 * across processes, and job ids make the checks of several processes queue one job.
 */
import type { Config, Logger } from '@yuqing/config';
import { countCorrectionsSince, getActiveModelRef, lastTrainingAt, type Pool } from '@yuqing/db';
import {
  announceModelActivation,
  createModelQueue,
  createRedis,
  MODEL_QUEUE_NAME,
  MODEL_RETRAIN_SCHEDULER_ID,
  modelJobPayload,
  reanalyzeAfterActivationJobId,
  type AnalyzePayload,
  type ModelJobPayload,
} from '@yuqing/queue';
import { defaultRepeatStrategy, Worker, type Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { queueReanalysis } from './reanalysis';
import { retrain, type RetrainDeps } from './retrain';

export interface LearningLoop {
  readonly modelQueue: Queue<ModelJobPayload>;
  /** Runs the periodic check now (tests; the timer runs it every MODEL_CHECK_MS). */
  check(): Promise<void>;
  close(): Promise<void>;
}

export interface LearningLoopDeps {
  cfg: Config;
  db: Pool;
  log: Logger;
  /** The process's producer connection (publishing, adding jobs). */
  producer: Redis;
  analyzeQueue: Queue<AnalyzePayload>;
  /** Replaces the thread that trains (tests). */
  evaluate?: RetrainDeps['evaluate'];
}

/** Throws, in words an administrator understands, when MODEL_RETRAIN_CRON cannot work. */
export function assertRetrainScheduleValid(cfg: Pick<Config, 'MODEL_RETRAIN_CRON' | 'DIGEST_TIMEZONE'>): void {
  if (cfg.MODEL_RETRAIN_CRON === 'off') return;
  let next: number | undefined;
  try {
    next = defaultRepeatStrategy(Date.now(), { pattern: cfg.MODEL_RETRAIN_CRON, tz: cfg.DIGEST_TIMEZONE });
  } catch {
    next = undefined;
  }
  if (next === undefined || !Number.isFinite(next)) throw new Error(`MODEL_RETRAIN_CRON 无效（cron 表达式，例如 "30 3 * * *"，或 off）: ${cfg.MODEL_RETRAIN_CRON}`);
}

/** Declares the schedule (or removes it when off), starts the worker and the periodic check. */
export async function startLearningLoop(deps: LearningLoopDeps): Promise<LearningLoop> {
  const { cfg, db, log, producer } = deps;
  assertRetrainScheduleValid(cfg);
  const modelQueue = createModelQueue(producer, cfg.QUEUE_PREFIX);
  const connection = createRedis(cfg.REDIS_URL, 'worker');
  connection.on('error', (err) => log.warn({ err: err.message }, 'redis (model worker) error'));
  let worker: Worker<ModelJobPayload> | null = null;
  // Declared in code, at start and again on every check (Redis may have lost it: keepDeclared in
  // @yuqing/queue says why): a schedule switched off is removed.
  async function declareSchedule(): Promise<void> {
    if (cfg.MODEL_RETRAIN_CRON === 'off') await modelQueue.removeJobScheduler(MODEL_RETRAIN_SCHEDULER_ID);
    else {
      await modelQueue.upsertJobScheduler(
        MODEL_RETRAIN_SCHEDULER_ID,
        { pattern: cfg.MODEL_RETRAIN_CRON, tz: cfg.DIGEST_TIMEZONE },
        { name: 'retrain', data: { kind: 'retrain', trigger: 'schedule', by: 'system' } },
      );
    }
    // One training at a time across every analyzer process.
    await modelQueue.setGlobalConcurrency(1);
  }
  try {
    await modelQueue.waitUntilReady();
    await declareSchedule();
    const retrainDeps: RetrainDeps = {
      cfg,
      db,
      log,
      announce: (m) => announceModelActivation({ redis: producer, queue: modelQueue, prefix: cfg.QUEUE_PREFIX }, m),
      ...(deps.evaluate ? { evaluate: deps.evaluate } : {}),
    };
    worker = new Worker<ModelJobPayload>(
      MODEL_QUEUE_NAME,
      async (job) => {
        const p = modelJobPayload.parse(job.data);
        if (p.kind === 'reanalyze') {
          const queued = await queueReanalysis({ cfg, db, analyzeQueue: deps.analyzeQueue }, p.version, new Date(p.activatedAt));
          if (queued !== null) log.info({ version: p.version, items: queued, days: cfg.MODEL_REANALYZE_DAYS }, 're-analysis after a model activation queued');
          return { queued };
        }
        const r = await retrain(retrainDeps, {
          trigger: p.trigger,
          by: p.by,
          byId: p.byId ?? null,
          requestId: p.requestId ?? null,
          ...(p.activate !== undefined ? { activate: p.activate } : {}),
          // A person asking trains even with nothing new; the schedule and the counter do not.
          onlyIfNew: p.trigger !== 'manual',
        });
        if (r.skipped) log.info({ trigger: p.trigger, why: r.skipped }, 'model training skipped');
        return { version: r.model?.version ?? null, status: r.model?.status ?? null, activated: r.activated, skipped: r.skipped ?? null };
      },
      { connection, prefix: cfg.QUEUE_PREFIX, concurrency: 1 },
    );
    worker.on('error', (err) => log.error({ err: err.message }, 'model worker error'));
    worker.on('failed', (job, err) => log.warn({ jobId: job?.id, attempt: job?.attemptsMade, err: err.message }, 'model job failed'));
    // Ready before anything can close it (see service.ts).
    await worker.waitUntilReady();
  } catch (err) {
    await worker?.close().catch(() => undefined);
    await modelQueue.close().catch(() => undefined);
    connection.disconnect();
    throw err;
  }

  const check = async (): Promise<void> => {
    await declareSchedule();
    if (cfg.MODEL_RETRAIN_AFTER_CORRECTIONS > 0) {
      const since = await lastTrainingAt(db);
      const n = await countCorrectionsSince(db, since);
      if (n >= cfg.MODEL_RETRAIN_AFTER_CORRECTIONS) {
        // One job per "last training" across processes: the training it starts moves `since` on.
        await modelQueue.add('retrain', { kind: 'retrain', trigger: 'corrections', by: 'system' }, { jobId: `retrain-corrections-${since?.getTime() ?? 0}` });
      }
    }
    const active = await getActiveModelRef(db);
    if (active && !active.reanalysisQueuedAt) {
      await modelQueue.add(
        'reanalyze',
        { kind: 'reanalyze', version: active.version, activatedAt: active.activatedAt.getTime() },
        { jobId: reanalyzeAfterActivationJobId(active.version, active.activatedAt) },
      );
    }
  };
  let checking: Promise<void> = Promise.resolve();
  const timer = setInterval(() => {
    checking = check().catch((err: unknown) => log.warn({ err: err instanceof Error ? err.message : String(err) }, 'learning loop check failed'));
  }, cfg.MODEL_CHECK_MS);
  timer.unref();

  const running = worker;
  return {
    modelQueue,
    check,
    async close() {
      clearInterval(timer);
      await checking;
      await running.close();
      await modelQueue.close();
      await connection.quit().catch(() => undefined);
    },
  };
}
