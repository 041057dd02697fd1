/**
 * The crawler service: the due-source ticker, the crawl workers and the reconciler, in one
 * process. Run as many of these processes as you like against one PostgreSQL and Redis.
 */
import { readFileSync } from 'node:fs';
import { createLogger, type Config, type Logger } from '@yuqing/config';
import { assertSchemaCurrent, createPool, dropExpiredMonths, ensureMonthPartitions } from '@yuqing/db';
import { QUEUE_NAMES, createAnalyzeQueue, createCrawlQueue, createRedis, crawlPayload, keepDeclared, settleWithin, type CrawlPayload } from '@yuqing/queue';
import { Worker, type Queue } from 'bullmq';
import { startMetricsServerIfEnabled } from '@yuqing/metrics';
import { crawlSource, type CrawlDeps } from './crawl-source';
import { parseJurisdiction } from '@yuqing/nlp/jurisdiction';
import { fetchUrl } from './fetch/http';
import { crawlFetchSetup } from './fetch/setup';
import { createHotListWatch } from './hot-list';
import { RobotsCache } from './fetch/robots';
import { createHostGate } from './host-gate';
import { pruneExpiredEvidence, pruneExpiredHotListSnapshots, reconcileOnce } from './reconciler';
import { every, scheduleDueSources } from './scheduler';

const PARTITION_MAINTENANCE_MS = 3600_000;

export interface CrawlerService {
  close(): Promise<void>;
  deps: CrawlDeps;
  /** Where this process serves GET /metrics (METRICS_PORT_CRAWLER; null when 0). */
  metricsUrl: string | null;
}

/**
 * Builds everything one crawl needs (pool, Redis, queues, HTTP agent, robots cache, host gate)
 * without starting any loop; tests and benchmarks call crawlSource with it directly.
 */
export async function createCrawlDeps(
  cfg: Config,
  log: Logger,
): Promise<{ deps: CrawlDeps; crawlQueue: Queue<CrawlPayload>; close(): Promise<void>; cut(): Promise<void> }> {
  const db = createPool({ url: cfg.DATABASE_URL, schema: cfg.DATABASE_SCHEMA, max: cfg.DATABASE_POOL_MAX, applicationName: 'yuqing-crawler' });
  try {
    await assertSchemaCurrent(db, cfg.DATABASE_SCHEMA);
  } catch (err) {
    await db.end();
    throw err;
  }
  const producer = createRedis(cfg.REDIS_URL, 'producer');
  const gateRedis = createRedis(cfg.REDIS_URL, 'worker');
  producer.on('error', (err) => log.warn({ err: err.message }, 'redis (producer) error'));
  gateRedis.on('error', (err) => log.warn({ err: err.message }, 'redis (gate) error'));
  const crawlQueue = createCrawlQueue(producer, cfg.QUEUE_PREFIX);
  const analyzeQueue = createAnalyzeQueue(producer, cfg.QUEUE_PREFIX);

  const http = crawlFetchSetup(cfg);
  const fetchOptions = http.fetchOptions;
  const gate = createHostGate(gateRedis, { prefix: `${cfg.QUEUE_PREFIX}:gate`, defaultGapMs: cfg.CRAWL_HOST_GAP_MS, leaseMs: cfg.HTTP_TOTAL_TIMEOUT_MS * 2 });
  const robots = new RobotsCache({
    fetch: (url: string) => gate.run(new URL(url).host, () => fetchUrl(url, { ...fetchOptions, maxBytes: 512 * 1024 })),
  });
  // Hot-list entries naming a place of the jurisdiction are kept too, not only those naming the police.
  const jurisdiction = cfg.JURISDICTION_FILE ? parseJurisdiction(JSON.parse(readFileSync(cfg.JURISDICTION_FILE, 'utf8'))) : [];
  const stopping = new AbortController();
  const deps: CrawlDeps = { db, cfg, log, gate, robots, fetchOptions, analyzeQueue, hotListWatch: createHotListWatch(jurisdiction), stopping: stopping.signal };
  return {
    deps,
    crawlQueue,
    /** Cuts the fetches in flight (a stop that cannot wait for them); their crawls are not held against their sources. */
    async cut() {
      stopping.abort();
      await http.destroy();
    },
    async close() {
      await crawlQueue.close();
      await analyzeQueue.close();
      await http.close();
      await Promise.all([producer.quit().catch(() => undefined), gateRedis.quit().catch(() => undefined)]);
      await db.end();
    },
  };
}

/** Starts the crawler; refuses to run on an outdated schema. */
export async function startCrawlerService(cfg: Config, opts: { log?: Logger } = {}): Promise<CrawlerService> {
  const log = opts.log ?? createLogger('crawler', cfg.LOG_LEVEL);
  const { deps, crawlQueue, close: closeDeps, cut } = await createCrawlDeps(cfg, log);
  const { db } = deps;
  const workerConnection = createRedis(cfg.REDIS_URL, 'worker');
  const declareConcurrency = () => crawlQueue.setGlobalConcurrency(cfg.CRAWL_GLOBAL_CONCURRENCY);
  await declareConcurrency().catch((err: unknown) => log.warn({ err }, 'could not set global concurrency'));
  // Again and again: a Redis that lost its data would otherwise let crawls run unlimited.
  const concurrency = keepDeclared(declareConcurrency, cfg.REDIS_REDECLARE_MS, (err) => log.warn({ err }, 'could not set global concurrency'));

  const worker = new Worker<CrawlPayload>(
    QUEUE_NAMES.crawl,
    async (job) => {
      const { sourceId } = crawlPayload.parse(job.data);
      const report = await crawlSource(deps, sourceId);
      log.debug(report, 'crawled');
      return report;
    },
    { connection: workerConnection, prefix: cfg.QUEUE_PREFIX, concurrency: cfg.CRAWL_CONCURRENCY },
  );
  worker.on('error', (err) => log.error({ err: err.message }, 'crawl worker error'));
  worker.on('failed', (job, err) => log.error({ jobId: job?.id, err: err.message }, 'crawl job failed'));
  // Ready before anything can close it: a worker closed while its connection still initialises
  // rejects that initialisation after its listeners are gone (an unhandled 'Connection is closed').
  await worker.waitUntilReady();

  const ticker = every(cfg.CRAWL_TICK_MS, () => scheduleDueSources({ db, crawlQueue, log, leaseMs: cfg.CRAWL_LEASE_MS }), log, 'scheduler tick');
  const reconciler = every(
    cfg.RECONCILE_EVERY_MS,
    async () => {
      await reconcileOnce(deps, cfg.RECONCILE_AFTER_MS);
      await pruneExpiredEvidence(deps, cfg.EVIDENCE_RETENTION_DAYS);
      await pruneExpiredHotListSnapshots(deps, cfg.HOT_LIST_RETENTION_DAYS);
    },
    log,
    'reconciler',
  );
  // Month partitions: next months made ahead, expired months dropped (partitions.ts). Hourly is
  // plenty: partitions exist two months ahead, and the id block moves within the hour a month starts.
  const partitions = every(
    PARTITION_MAINTENANCE_MS,
    async () => {
      const made = await ensureMonthPartitions(db);
      const dropped = await dropExpiredMonths(db, { evidenceDays: cfg.EVIDENCE_RETENTION_DAYS, itemMonths: cfg.ITEM_RETENTION_MONTHS });
      if (made || dropped.evidence.length || dropped.items.length) log.info({ made, dropped }, 'month partitions maintained');
    },
    log,
    'partition maintenance',
  );
  const metricsServer = await startMetricsServerIfEnabled(cfg.METRICS_PORT_CRAWLER, log);
  log.info({ concurrency: cfg.CRAWL_CONCURRENCY, hostGapMs: cfg.CRAWL_HOST_GAP_MS, metrics: metricsServer?.url }, 'crawler started');

  let shutdown: Promise<void> | undefined;
  return {
    deps,
    metricsUrl: metricsServer?.url ?? null,
    // Idempotent: a second close (tests, signal handlers) waits for the first instead of closing
    // connections twice, which would surface as unhandled 'Connection is closed' rejections.
    close() {
      shutdown ??= (async () => {
        await ticker.stop();
        await reconciler.stop();
        await partitions.stop();
        await concurrency.stop();
        // Let running crawls finish for SHUTDOWN_GRACE_MS, then cut them: a fetch may take up to
        // HTTP_TOTAL_TIMEOUT_MS (30 s), far longer than a service manager waits. A cut crawl's job
        // is not completed, so BullMQ hands it to the next worker; its items are stored once
        // whichever crawl stores them (url_hash).
        if (!(await settleWithin(worker.close(), cfg.SHUTDOWN_GRACE_MS))) {
          log.warn({ graceMs: cfg.SHUTDOWN_GRACE_MS }, 'crawls still running at shutdown: cut (they are retried)');
          await cut();
          await settleWithin(worker.close(true), 1000);
        }
        await workerConnection.quit().catch(() => undefined);
        await metricsServer?.close();
        await closeDeps();
      })();
      return shutdown;
    },
  };
}
