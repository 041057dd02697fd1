/**
 * The analyzer service: consumes the analyze queue, batches jobs, runs the engine in worker
 * threads, stores results. Run as many analyzer processes as the CPU allows.
 */
import { createLogger, type Config, type Logger } from '@yuqing/config';
import { assertSchemaCurrent, createPool } from '@yuqing/db';
import { QUEUE_NAMES, analyzePayload, createRedis, createTopicQueue, type AnalyzePayload } from '@yuqing/queue';
import { Worker } from 'bullmq';
import { startMetricsServerIfEnabled } from '@yuqing/metrics';
import { analyzeBatch, type BatchOutcome } from './analyze-batch';
import { createBatcher } from './batcher';
import { createEnginePool } from './engine-pool';
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
}

/** Starts the analyzer; refuses to run on an outdated schema. */
export async function startAnalyzerService(cfg: Config, opts: { log?: Logger } = {}): Promise<AnalyzerService> {
  const log = opts.log ?? createLogger('analyzer', cfg.LOG_LEVEL);
  const db = createPool({ url: cfg.DATABASE_URL, schema: cfg.DATABASE_SCHEMA, max: cfg.DATABASE_POOL_MAX, applicationName: 'yuqing-analyzer' });
  try {
    await assertSchemaCurrent(db, cfg.DATABASE_SCHEMA);
  } catch (err) {
    await db.end();
    throw err;
  }
  const engine = await createEnginePool(cfg.ANALYZER_THREADS, {
    maxChars: cfg.ANALYZER_MAX_CHARS,
    modelFile: cfg.ANALYZER_MODEL_FILE,
    jurisdictionFile: cfg.JURISDICTION_FILE,
  }).catch(async (err: unknown) => {
    await db.end();
    throw err;
  });
  const producer = createRedis(cfg.REDIS_URL, 'producer');
  producer.on('error', (err) => log.warn({ err: err.message }, 'redis (producer) error'));
  const workerConnection = createRedis(cfg.REDIS_URL, 'worker');
  const topicQueue = createTopicQueue(producer, cfg.QUEUE_PREFIX);
  await topicQueue.waitUntilReady();
  const batcher = createBatcher<number, BatchOutcome>((ids) => analyzeBatch({ db, engine, topicQueue, log }, ids), {
    maxSize: cfg.ANALYZER_BATCH_SIZE,
    maxWaitMs: cfg.ANALYZER_BATCH_WAIT_MS,
  });
  const worker = new Worker<AnalyzePayload, BatchOutcome>(
    QUEUE_NAMES.analyze,
    async (job) => batcher.submit(analyzePayload.parse(job.data).itemId),
    { connection: workerConnection, prefix: cfg.QUEUE_PREFIX, concurrency: cfg.ANALYZER_CONCURRENCY },
  );
  worker.on('error', (err) => log.error({ err: err.message }, 'analyze worker error'));
  worker.on('failed', (job, err) => log.warn({ jobId: job?.id, err: err.message }, 'analyze job failed (will retry)'));
  // Ready before anything can close it: a worker closed while its connection still initialises
  // rejects that initialisation after its listeners are gone (an unhandled 'Connection is closed').
  await worker.waitUntilReady();
  let topicStage: TopicStage | null = null;
  if (cfg.TOPIC_STAGE_ENABLED) {
    let overrides: Partial<TopicConfig> = {};
    if (cfg.TOPIC_CONFIG_FILE) overrides = JSON.parse(readFileSync(cfg.TOPIC_CONFIG_FILE, 'utf8')) as Partial<TopicConfig>;
    topicStage = startTopicStage({ cfg, db, log, topicQueue, publisher: producer, overrides });
  }
  const metricsServer = await startMetricsServerIfEnabled(cfg.METRICS_PORT_ANALYZER, log);
  log.info({ engine: engine.engineVersion, model: engine.modelVersion, concurrency: cfg.ANALYZER_CONCURRENCY, metrics: metricsServer?.url }, 'analyzer started');

  let shutdown: Promise<void> | undefined;
  return {
    engineVersion: engine.engineVersion,
    metricsUrl: metricsServer?.url ?? null,
    topicStage: () => topicStage,
    // Idempotent: a second close (tests, signal handlers) waits for the first instead of closing
    // connections twice, which would surface as unhandled 'Connection is closed' rejections.
    close() {
      shutdown ??= (async () => {
        await topicStage?.close();
        // Stop taking jobs, finish the batches in hand, then release everything.
        const stopping = worker.close();
        await batcher.drain();
        await Promise.race([stopping, new Promise((r) => setTimeout(r, 30_000))]);
        await engine.close();
        await topicQueue.close();
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
