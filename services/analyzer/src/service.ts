/**
 * The analyzer service: consumes the analyze queue, batches jobs, runs the engine in worker
 * threads, stores results. Run as many analyzer processes as the CPU allows.
 *
 * The engine threads run the active model of the learning loop (else ANALYZER_MODEL_FILE, else the
 * built-in default) and switch to a newly activated one without a restart (model-reload.ts);
 * re-analysis jobs after an activation take their own batches (reanalyze-batch.ts); the learning
 * loop's worker and schedule run here too (learning/loop.ts).
 */
import { createLogger, type Config, type Logger } from '@yuqing/config';
import { assertSchemaCurrent, createPool } from '@yuqing/db';
import { QUEUE_NAMES, analyzePayload, createAnalyzeQueue, createRedis, createTopicQueue, settleWithin, type AnalyzePayload } from '@yuqing/queue';
import { Worker } from 'bullmq';
import { startMetricsServerIfEnabled } from '@yuqing/metrics';
import { analyzeBatch, type BatchOutcome } from './analyze-batch';
import { createBatcher } from './batcher';
import { createEnginePool } from './engine-pool';
import { assertRetrainScheduleValid, startLearningLoop, type LearningLoop, type LearningLoopDeps } from './learning/loop';
import { startModelReloader, type ModelReloader } from './model-reload';
import { runningModel } from './model-source';
import { reanalyzeBatch } from './reanalyze-batch';
import { startTopicStage, type TopicStage } from './topic-stage';
import { readFileSync } from 'node:fs';
import type { TopicConfig } from '@yuqing/topics';

export interface AnalyzerService {
  close(): Promise<void>;
  readonly engineVersion: string;
  /** The topic-stage candidate of this process (null when disabled). */
  topicStage(): TopicStage | null;
  /** Where this process serves GET /metrics (METRICS_PORT_ANALYZER; null when 0). */
  readonly metricsUrl: string | null;
  /** The modelVersion the engine threads run now (null: the built-in default). */
  modelVersion(): string | null;
  /** The models-table version the engine threads run (null: ANALYZER_MODEL_FILE or the built-in default). */
  activeModel(): number | null;
  /** The learning loop of this process. */
  learning(): LearningLoop;
}

/** Starts the analyzer; refuses to run on an outdated schema. */
export async function startAnalyzerService(cfg: Config, opts: { log?: Logger; evaluate?: LearningLoopDeps['evaluate'] } = {}): Promise<AnalyzerService> {
  const log = opts.log ?? createLogger('analyzer', cfg.LOG_LEVEL);
  assertRetrainScheduleValid(cfg);
  const db = createPool({ url: cfg.DATABASE_URL, schema: cfg.DATABASE_SCHEMA, max: cfg.DATABASE_POOL_MAX, applicationName: 'yuqing-analyzer' });
  try {
    await assertSchemaCurrent(db, cfg.DATABASE_SCHEMA);
  } catch (err) {
    await db.end();
    throw err;
  }
  const start = await runningModel(db, cfg.ANALYZER_MODEL_FILE).catch(async (err: unknown) => {
    await db.end();
    throw err;
  });
  const engine = await createEnginePool(cfg.ANALYZER_THREADS, {
    maxChars: cfg.ANALYZER_MAX_CHARS,
    model: start.model,
    jurisdictionFile: cfg.JURISDICTION_FILE,
    policeNegativeThreshold: cfg.POLICE_NEGATIVE_THRESHOLD,
  }).catch(async (err: unknown) => {
    await db.end();
    throw err;
  });
  let reloader: ModelReloader;
  try {
    reloader = await startModelReloader({ cfg, db, log, engine, initialVersion: start.version });
  } catch (err) {
    await engine.close();
    await db.end();
    throw err;
  }
  const producer = createRedis(cfg.REDIS_URL, 'producer');
  producer.on('error', (err) => log.warn({ err: err.message }, 'redis (producer) error'));
  const workerConnection = createRedis(cfg.REDIS_URL, 'worker');
  const topicQueue = createTopicQueue(producer, cfg.QUEUE_PREFIX);
  await topicQueue.waitUntilReady();
  const batcher = createBatcher<number, BatchOutcome>((ids) => analyzeBatch({ db, engine, topicQueue, log }, ids), {
    maxSize: cfg.ANALYZER_BATCH_SIZE,
    maxWaitMs: cfg.ANALYZER_BATCH_WAIT_MS,
  });
  // Re-analyses after an activation form their own batches: they replace stored analyses.
  const reanalyzer = createBatcher<number, BatchOutcome>((ids) => reanalyzeBatch({ db, engine, ensureCurrentModel: () => reloader.refresh(), topicQueue, log }, ids), {
    maxSize: cfg.ANALYZER_BATCH_SIZE,
    maxWaitMs: cfg.ANALYZER_BATCH_WAIT_MS,
  });
  const worker = new Worker<AnalyzePayload, BatchOutcome>(
    QUEUE_NAMES.analyze,
    async (job) => {
      const p = analyzePayload.parse(job.data);
      return p.reanalyze !== undefined ? reanalyzer.submit(p.itemId) : batcher.submit(p.itemId);
    },
    { connection: workerConnection, prefix: cfg.QUEUE_PREFIX, concurrency: cfg.ANALYZER_CONCURRENCY },
  );
  worker.on('error', (err) => log.error({ err: err.message }, 'analyze worker error'));
  worker.on('failed', (job, err) => log.warn({ jobId: job?.id, err: err.message }, 'analyze job failed (will retry)'));
  // Ready before anything can close it: a worker closed while its connection still initialises
  // rejects that initialisation after its listeners are gone (an unhandled 'Connection is closed').
  await worker.waitUntilReady();
  // The activation's re-analysis jobs go to the analyze queue through this producer.
  const analyzeQueue = createAnalyzeQueue(producer, cfg.QUEUE_PREFIX);
  const learning = await startLearningLoop({ cfg, db, log, producer, analyzeQueue, ...(opts.evaluate ? { evaluate: opts.evaluate } : {}) });
  let topicStage: TopicStage | null = null;
  if (cfg.TOPIC_STAGE_ENABLED) {
    let overrides: Partial<TopicConfig> = {};
    if (cfg.TOPIC_CONFIG_FILE) overrides = JSON.parse(readFileSync(cfg.TOPIC_CONFIG_FILE, 'utf8')) as Partial<TopicConfig>;
    topicStage = startTopicStage({ cfg, db, log, topicQueue, publisher: producer, overrides });
  }
  const metricsServer = await startMetricsServerIfEnabled(cfg.METRICS_PORT_ANALYZER, log);
  log.info({ engine: engine.engineVersion, model: engine.modelVersion, modelSource: start.source, modelRow: start.version, concurrency: cfg.ANALYZER_CONCURRENCY, metrics: metricsServer?.url }, 'analyzer started');

  let shutdown: Promise<void> | undefined;
  return {
    engineVersion: engine.engineVersion,
    metricsUrl: metricsServer?.url ?? null,
    topicStage: () => topicStage,
    modelVersion: () => engine.modelVersion,
    activeModel: () => reloader.version,
    learning: () => learning,
    // Idempotent: a second close (tests, signal handlers) waits for the first instead of closing
    // connections twice, which would surface as unhandled 'Connection is closed' rejections.
    close() {
      shutdown ??= (async () => {
        await topicStage?.close();
        await learning.close();
        // Stop taking jobs, finish the batches in hand, then release everything.
        const stopping = worker.close();
        await Promise.all([batcher.drain(), reanalyzer.drain()]);
        // Jobs still active after the grace are left to BullMQ's stalled-job check (another
        // analyzer takes them); analysis stores are idempotent (one row per item and engine).
        if (!(await settleWithin(stopping, cfg.SHUTDOWN_GRACE_MS))) {
          log.warn({ graceMs: cfg.SHUTDOWN_GRACE_MS }, 'analysis jobs still running at shutdown: left to be retried');
          await settleWithin(worker.close(true), 1000);
        }
        await reloader.close();
        await engine.close();
        await topicQueue.close();
        await analyzeQueue.close();
        // quit, not disconnect: commands still in flight get their replies instead of being
        // rejected with "Connection is closed" after everything else has stopped listening.
        await Promise.all([producer.quit().catch(() => undefined), workerConnection.quit().catch(() => undefined)]);
        await metricsServer?.close();
        await db.end();
      })();
      return shutdown;
    },
  };
}
