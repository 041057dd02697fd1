/**
 * Prometheus metrics (prom-client), one registry per process. Every service counts into the same
 * set of metrics — the ones a process does not use simply stay at zero — and serves them either on
 * the API's GET /metrics or, for the crawler and analyzer (no HTTP server of their own), on a small
 * localhost-only server (metrics-server.ts). Prometheus scrapes each process and sums across
 * instances; nothing is pushed through Redis, so a metric never depends on the system it measures.
 *
 * Values that live elsewhere (queue depths in Redis, live SSE clients) are sampled at scrape time
 * by collectors that their owners register and unregister (addCollector).
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';


/** The exposition format's content type (text/plain; version=0.0.4). */
export const METRICS_CONTENT_TYPE = Registry.PROMETHEUS_CONTENT_TYPE;

/** A job queue as far as sampling needs it (a BullMQ Queue satisfies it). */
export interface SampledQueue {
  readonly name: string;
  getJobCounts(...types: QueueState[]): Promise<Record<string, number>>;
  getJobs(types: Array<'wait'>, start?: number, end?: number, asc?: boolean): Promise<Array<{ timestamp: number } | undefined>>;
}

const QUEUE_STATES = ['waiting', 'prioritized', 'active', 'delayed', 'failed'] as const;
type QueueState = (typeof QUEUE_STATES)[number];

function createMetrics() {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const collectors = new Set<() => Promise<void> | void>();
  const sseSources = new Set<() => number>();

  const m = {
    registry,
    collectors,
    sseSources,
    queueJobs: new Gauge({ name: 'yuqing_queue_jobs', help: 'Jobs in each queue by state, sampled at scrape time', labelNames: ['queue', 'state'] as const, registers: [registry] }),
    queueOldestAge: new Gauge({
      name: 'yuqing_queue_oldest_waiting_age_seconds',
      help: 'Age of the oldest job waiting in each queue (0 when none waits), sampled at scrape time',
      labelNames: ['queue'] as const,
      registers: [registry],
    }),
    queueSampleErrors: new Counter({ name: 'yuqing_queue_sample_errors_total', help: 'Queue samples that failed (Redis unreachable)', labelNames: ['queue'] as const, registers: [registry] }),
    crawlResults: new Counter({ name: 'yuqing_crawl_results_total', help: 'Source polls by outcome (ok, not_modified, http_error, timeout, …)', labelNames: ['outcome'] as const, registers: [registry] }),
    crawlFetchDuration: new Histogram({
      name: 'yuqing_crawl_fetch_duration_seconds',
      help: 'Duration of one source poll (fetch, parse and store), by outcome',
      labelNames: ['outcome'] as const,
      buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
      registers: [registry],
    }),
    crawlNewItems: new Counter({ name: 'yuqing_crawl_new_items_total', help: 'Items stored for the first time by polls', registers: [registry] }),
    analyzedItems: new Counter({ name: 'yuqing_analyzed_items_total', help: 'Items analysed and stored', registers: [registry] }),
    analyzeBatchDuration: new Histogram({
      name: 'yuqing_analyze_batch_duration_seconds',
      help: 'Duration of one analysis micro-batch (load, engine, store)',
      buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers: [registry],
    }),
    topicItemsPlaced: new Counter({ name: 'yuqing_topic_items_placed_total', help: 'Items placed into stories and topics by the topic stage', registers: [registry] }),
    topicLevelChanges: new Counter({ name: 'yuqing_topic_level_changes_total', help: 'Applied topic level changes, by new level', labelNames: ['level'] as const, registers: [registry] }),
    alertLatency: new Histogram({
      name: 'yuqing_alert_latency_seconds',
      help: 'From a topic level change being recorded to its alert events being stored',
      buckets: [0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60, 300],
      registers: [registry],
    }),
    alertEvents: new Counter({ name: 'yuqing_alert_events_total', help: 'Alert events stored, by type', labelNames: ['type'] as const, registers: [registry] }),
    webhookAttempts: new Counter({
      name: 'yuqing_webhook_attempts_total',
      help: 'Webhook delivery attempts by receiver kind, outcome (sent, retry, dead, skipped) and HTTP status (none without a response)',
      labelNames: ['kind', 'outcome', 'status'] as const,
      registers: [registry],
    }),
  };
  new Gauge({
    name: 'yuqing_sse_clients',
    help: 'Live alert stream (SSE) clients connected to this process',
    registers: [registry],
    collect() {
      let n = 0;
      for (const size of sseSources) n += size();
      this.set(n);
    },
  });
  return m;
}

export type ProjectMetrics = ReturnType<typeof createMetrics>;

let instance: ProjectMetrics | undefined;

/** The metrics of this process (created on first use: nothing is registered at import time). */
export function metrics(): ProjectMetrics {
  instance ??= createMetrics();
  return instance;
}

/** Registers a function run before every scrape (to sample gauges); returns its removal. */
export function addCollector(fn: () => Promise<void> | void): () => void {
  const { collectors } = metrics();
  collectors.add(fn);
  return () => void collectors.delete(fn);
}

/** Counts the live SSE clients of a hub (summed over every hub of the process); returns its removal. */
export function addSseClientSource(size: () => number): () => void {
  const { sseSources } = metrics();
  sseSources.add(size);
  return () => void sseSources.delete(size);
}

/** Samples depth by state and oldest waiting age of each queue into the queue gauges. */
export async function sampleQueues(queues: readonly SampledQueue[], now: () => number = Date.now): Promise<void> {
  const m = metrics();
  await Promise.all(
    queues.map(async (q) => {
      try {
        const [counts, oldest] = await Promise.all([q.getJobCounts(...QUEUE_STATES), q.getJobs(['wait'], 0, 0, true)]);
        for (const state of QUEUE_STATES) m.queueJobs.set({ queue: q.name, state }, counts[state] ?? 0);
        const first = oldest[0];
        m.queueOldestAge.set({ queue: q.name }, first ? Math.max(0, (now() - first.timestamp) / 1000) : 0);
      } catch {
        // Redis down: drop the stale values rather than report them as current.
        for (const state of QUEUE_STATES) m.queueJobs.remove({ queue: q.name, state });
        m.queueOldestAge.remove({ queue: q.name });
        m.queueSampleErrors.inc({ queue: q.name });
      }
    }),
  );
}

/** Runs the collectors, then renders the registry in the Prometheus text format. */
export async function renderMetrics(): Promise<string> {
  const m = metrics();
  await Promise.all([...m.collectors].map(async (c) => c()));
  return m.registry.metrics();
}
