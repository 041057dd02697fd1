/**
 * The queue contract: names, typed payloads, idempotent job ids, and factories. Nothing here
 * creates a connection or a queue at import time; callers create them and close them.
 */
import { Queue, type ConnectionOptions, type QueueOptions } from 'bullmq';
import { Redis, type RedisOptions } from 'ioredis';
import { z } from 'zod';
import { redisClusterNodes, type RedisClusterNode } from '@yuqing/config';
import { createRedisCluster } from './cluster';

export const QUEUE_NAMES = { crawl: 'crawl', analyze: 'analyze', topics: 'topics' } as const;

/** A crawl job: poll one source. The claim time makes the job id unique per claim. */
export const crawlPayload = z.object({ sourceId: z.number().int().positive(), claimedAt: z.string() });
export type CrawlPayload = z.infer<typeof crawlPayload>;

/**
 * An analyze job: analyse one stored item. With `reanalyze` (the version of the model just
 * activated), an item analysed before is analysed again with the active model and its analysis
 * replaced (services/analyzer/src/reanalyze-batch.ts); without it, analysed items are skipped.
 */
export const analyzePayload = z.object({ itemId: z.number().int().positive(), reanalyze: z.number().int().positive().optional() });
export type AnalyzePayload = z.infer<typeof analyzePayload>;

/**
 * A topic-stage job: place one analysed item into stories and topics; with `revise`, revise an item
 * placed before whose analysis was replaced (a re-analysis with a new model): its story's and
 * topic's counts follow the new analysis (services/analyzer/src/topic-stage.ts).
 */
export const topicPayload = z.object({ itemId: z.number().int().positive(), revise: z.literal(true).optional() });
export type TopicPayload = z.infer<typeof topicPayload>;

// BullMQ refuses integer-looking custom ids and ':' is its key separator: use `kind-n`.
/** Job id of an item's analysis: one job per item, so re-enqueueing is a no-op while it waits. */
export const analyzeJobId = (itemId: number): string => `item-${itemId}`;
/**
 * Job id of an item's re-analysis after an activation (model version and activation time): one per
 * item and activation, apart from the item's first analysis (whose finished job keeps its id for a while).
 */
export const reanalyzeJobId = (itemId: number, version: number, activatedAt: Date): string => `item-${itemId}-v${version}-${activatedAt.getTime()}`;
/** Job id of one claim of a source: a claim is queued at most once. */
export const crawlJobId = (sourceId: number, claimedAt: Date): string => `src-${sourceId}-${claimedAt.getTime()}`;

/**
 * A Redis connection. Workers block on Redis and must retry forever (`maxRetriesPerRequest: null`);
 * producers should fail fast so a Redis outage surfaces as an error we can fall back from
 * (the reconciler re-enqueues from PostgreSQL) instead of a request hanging.
 *
 * With REDIS_CLUSTER_NODES set (or `clusterNodes` given) the connection is an ioredis Cluster
 * seeded from those nodes (./cluster.ts), REDIS_URL giving only credentials and TLS. It is typed
 * `Redis` so that every caller keeps compiling: a Cluster has the same command methods (BullMQ,
 * publish, subscribe, defineCommand, multi on one slot), but not the same `duplicate(options)`
 * (Cluster's takes seed nodes first and ignores an options object passed alone) nor `options`.
 * Code that needs either should call createRedis again rather than duplicate().
 */
export function createRedis(url: string, role: 'worker' | 'producer', extra: RedisOptions = {}, clusterNodes: readonly RedisClusterNode[] = redisClusterNodes()): Redis {
  if (clusterNodes.length > 0) return createRedisCluster(clusterNodes, url, role, extra) as unknown as Redis;
  return new Redis(url, {
    maxRetriesPerRequest: role === 'worker' ? null : 1,
    enableOfflineQueue: role === 'worker',
    lazyConnect: false,
    ...extra,
  });
}

/** Common queue options: our prefix and bounded history of finished jobs. */
export function queueOptions(connection: ConnectionOptions, prefix: string): QueueOptions {
  return {
    connection,
    prefix,
    defaultJobOptions: {
      // Keep finished jobs for a while: their ids then dedupe a late duplicate enqueue.
      removeOnComplete: { age: 3600, count: 10_000 },
      removeOnFail: { age: 7 * 86400, count: 10_000 },
    },
  };
}

/** The crawl queue (producer side). */
export function createCrawlQueue(connection: ConnectionOptions, prefix: string): Queue<CrawlPayload> {
  return new Queue<CrawlPayload>(QUEUE_NAMES.crawl, queueOptions(connection, prefix));
}

/** The analyze queue (producer side). */
export function createAnalyzeQueue(connection: ConnectionOptions, prefix: string): Queue<AnalyzePayload> {
  return new Queue<AnalyzePayload>(QUEUE_NAMES.analyze, {
    ...queueOptions(connection, prefix),
    defaultJobOptions: {
      ...queueOptions(connection, prefix).defaultJobOptions,
      attempts: 5,
      backoff: { type: 'exponential', delay: 2000 },
    },
  });
}

/**
 * The topic-stage queue (producer side). Retried with backoff like analysis: a batch that could not
 * be stored (PostgreSQL restarting) fails its jobs, and a job failed for good keeps its id in the
 * failed set, so the reconciler's re-enqueue under the same id would be a no-op and the items would
 * never be placed (found by the fault suite's PostgreSQL restart).
 */
export function createTopicQueue(connection: ConnectionOptions, prefix: string): Queue<TopicPayload> {
  return new Queue<TopicPayload>(QUEUE_NAMES.topics, {
    ...queueOptions(connection, prefix),
    defaultJobOptions: {
      ...queueOptions(connection, prefix).defaultJobOptions,
      attempts: 5,
      backoff: { type: 'exponential', delay: 2000 },
    },
  });
}

/** Hands analysed items to the topic stage (idempotent by job id). */
export async function enqueueTopics(queue: Queue<TopicPayload>, itemIds: number[]): Promise<void> {
  if (itemIds.length === 0) return;
  await queue.addBulk(itemIds.map((itemId) => ({ name: 'topic', data: { itemId }, opts: { jobId: analyzeJobId(itemId) } })));
}

/**
 * Job id of an item's revision in the topic stage: one per stored analysis (the time it was
 * stored), apart from the item's placement job. A revision is idempotent anyway (the stage counts
 * the difference to what it counted), so the id only spares duplicate work.
 */
export const topicRevisionJobId = (itemId: number, analyzedAt: Date): string => `revise-${itemId}-${analyzedAt.getTime()}`;

/** Hands re-analysed items to the topic stage to revise (idempotent by job id). */
export async function enqueueTopicRevisions(queue: Queue<TopicPayload>, items: Array<{ itemId: number; analyzedAt: Date }>): Promise<void> {
  if (items.length === 0) return;
  await queue.addBulk(items.map(({ itemId, analyzedAt }) => ({ name: 'revise', data: { itemId, revise: true as const }, opts: { jobId: topicRevisionJobId(itemId, analyzedAt) } })));
}

/** Adds analysis jobs for stored items (idempotent by job id). */
export async function enqueueAnalysis(queue: Queue<AnalyzePayload>, itemIds: number[]): Promise<void> {
  if (itemIds.length === 0) return;
  await queue.addBulk(itemIds.map((itemId) => ({ name: 'analyze', data: { itemId }, opts: { jobId: analyzeJobId(itemId) } })));
}

/** Adds re-analysis jobs for analysed items after the activation of model `version` (idempotent by job id). */
export async function enqueueReanalysis(queue: Queue<AnalyzePayload>, itemIds: number[], version: number, activatedAt: Date): Promise<void> {
  if (itemIds.length === 0) return;
  await queue.addBulk(itemIds.map((itemId) => ({ name: 'reanalyze', data: { itemId, reanalyze: version }, opts: { jobId: reanalyzeJobId(itemId, version, activatedAt) } })));
}

/** Redis pub/sub channel on which the topic stage announces each stored level change. */
export const topicLevelChannel = (prefix: string): string => `${prefix}:events:topic-level`;

/**
 * The message published on topicLevelChannel: a level change (`kind` absent or 'level', the id a
 * topic_level_changes row) or a stage change (`kind` 'stage', the id a topic_stage_changes row, the
 * level unchanged). Both tables share one id sequence; readers take the message as a hint and read
 * the rows after their cursor.
 */
export const topicLevelMessage = z.object({
  id: z.number().int(),
  topicId: z.number().int(),
  level: z.enum(['none', 'blue', 'yellow', 'orange', 'red']),
  previous: z.enum(['none', 'blue', 'yellow', 'orange', 'red']),
  at: z.string(),
  kind: z.enum(['level', 'stage']).optional(),
  stage: z.string().optional(),
  closed: z.boolean().optional(),
});
export type TopicLevelMessage = z.infer<typeof topicLevelMessage>;

// --- Notification deliveries (services/api/src/receivers) ---

/** Name of the queue of notification deliveries (one job per `deliveries` row). */
export const DELIVER_QUEUE_NAME = 'deliver' as const;

/** A deliver job: send one stored delivery (the row holds the receiver and the notification). */
export const deliverPayload = z.object({ deliveryId: z.number().int().positive() });
export type DeliverPayload = z.infer<typeof deliverPayload>;

/** Job id of a delivery: one job per row, so enqueueing the same delivery again is a no-op. */
export const deliverJobId = (deliveryId: number): string => `dlv-${deliveryId}`;

/** Retry settings of the deliver queue. */
export interface DeliverRetryOptions {
  /** Attempts per delivery, the first included. */
  attempts: number;
  /** First retry delay; exponential (delay × 2^(n−1)). */
  backoffMs: number;
}

/** The deliver queue (producer side), retrying with exponential backoff. */
export function createDeliverQueue(connection: ConnectionOptions, prefix: string, retry: DeliverRetryOptions): Queue<DeliverPayload> {
  const base = queueOptions(connection, prefix);
  return new Queue<DeliverPayload>(DELIVER_QUEUE_NAME, {
    ...base,
    defaultJobOptions: { ...base.defaultJobOptions, attempts: retry.attempts, backoff: { type: 'exponential', delay: retry.backoffMs } },
  });
}

// --- Alert event stream (services/api/src/stream) ---

/**
 * Redis pub/sub channel announcing each committed alert event. The message is the event id, a
 * hint only: API processes read the events from PostgreSQL, so a lost message delays, never loses.
 */
export const alertEventsChannel = (prefix: string): string => `${prefix}:events:alert`;

/** Announces committed alert events (call after the transaction that appended them commits). */
export async function publishAlertEvents(redis: Pick<Redis, 'publish'>, prefix: string, eventIds: readonly number[]): Promise<void> {
  const last = eventIds.length ? Math.max(...eventIds) : undefined;
  if (last !== undefined) await redis.publish(alertEventsChannel(prefix), String(last));
}

// --- Credential changes (services/api/src/auth-cache.ts) ---

/**
 * Redis pub/sub channel announcing a committed change to who may sign in — a token revoked, a user
 * disabled, enabled or given another role, a session logged out: every API process drops what it
 * cached about that user.
 */
export const authEventsChannel = (prefix: string): string => `${prefix}:events:auth`;

/** The message on authEventsChannel: the user whose credentials changed (never a secret or its hash). */
export const authEventMessage = z.object({ userId: z.number().int().positive() });
export type AuthEventMessage = z.infer<typeof authEventMessage>;

/** Announces a committed change to a user's credentials (call after the transaction commits). */
export async function publishAuthChange(redis: Pick<Redis, 'publish'>, prefix: string, userId: number): Promise<void> {
  await redis.publish(authEventsChannel(prefix), JSON.stringify({ userId } satisfies AuthEventMessage));
}

// --- Digests (services/api/src/digests) ---

/** Name of the queue whose job schedulers make the daily and weekly digests. */
export const DIGEST_QUEUE_NAME = 'digest' as const;

/**
 * A digest job: make the digest of this kind for the period ending at the job's scheduled time —
 * or at `fireTime` (epoch ms) for a run queued to catch up a missed one.
 */
export const digestPayload = z.object({ kind: z.enum(['daily', 'weekly']), fireTime: z.number().int().positive().optional() });
export type DigestPayload = z.infer<typeof digestPayload>;

/** Id of the job scheduler of a digest kind (one per kind: upserting it again replaces it). */
export const digestSchedulerId = (kind: DigestPayload['kind']): string => `digest-${kind}`;

// --- The learning loop (services/analyzer/src/learning) ---

/** Name of the queue of model jobs: trainings (scheduled, after corrections, on request) and re-analyses after an activation. */
export const MODEL_QUEUE_NAME = 'model' as const;

/** What started a training. */
export const MODEL_TRIGGERS = ['schedule', 'corrections', 'manual'] as const;
export type ModelTrigger = (typeof MODEL_TRIGGERS)[number];

/**
 * A model job: `retrain` trains a candidate from the corrections and lets the gate decide
 * (`activate: false` keeps a candidate that passes as `candidate` instead of activating it);
 * `reanalyze` queues the re-analysis of recent items after model `version` was activated at `activatedAt` (ms).
 */
export const modelJobPayload = z.discriminatedUnion('kind', [
  z.object({
    kind: z.literal('retrain'),
    trigger: z.enum(MODEL_TRIGGERS),
    /** Who asked: a user's name, 'system', or 'cli:<os user>'. */
    by: z.string().min(1).max(200),
    byId: z.number().int().positive().nullable().optional(),
    requestId: z.string().max(200).nullable().optional(),
    activate: z.boolean().optional(),
  }),
  z.object({ kind: z.literal('reanalyze'), version: z.number().int().positive(), activatedAt: z.number().int().positive() }),
]);
export type ModelJobPayload = z.infer<typeof modelJobPayload>;

/** Id of the job scheduler of scheduled trainings (one: upserting it again replaces it). */
export const MODEL_RETRAIN_SCHEDULER_ID = 'model-retrain';

/** The model queue (producer side): a failed training or re-analysis is tried once more. */
export function createModelQueue(connection: ConnectionOptions, prefix: string): Queue<ModelJobPayload> {
  const base = queueOptions(connection, prefix);
  return new Queue<ModelJobPayload>(MODEL_QUEUE_NAME, {
    ...base,
    defaultJobOptions: { ...base.defaultJobOptions, attempts: 2, backoff: { type: 'exponential', delay: 30_000 } },
  });
}

/** Job id of the re-analysis after one activation: queued once per activation, whoever notices it. */
export const reanalyzeAfterActivationJobId = (version: number, activatedAt: Date): string => `reanalyze-v${version}-${activatedAt.getTime()}`;

/**
 * Redis pub/sub channel announcing that another model became active: analyzer processes reload
 * their engine threads. A hint only: they also check the models table every MODEL_CHECK_MS.
 */
export const modelEventsChannel = (prefix: string): string => `${prefix}:events:model`;

/** The message on modelEventsChannel. */
export const modelEventMessage = z.object({ version: z.number().int().positive(), modelVersion: z.string(), activatedAt: z.number().int() });
export type ModelEventMessage = z.infer<typeof modelEventMessage>;

/**
 * After a model activation has committed: announce it (engine threads reload) and queue the
 * re-analysis of recent items (one job per activation). The re-analysis job also serves as a
 * second announcement: the worker that takes it makes sure its own engine runs the new model.
 */
export async function announceModelActivation(
  deps: { redis: Pick<Redis, 'publish'>; queue: Queue<ModelJobPayload>; prefix: string },
  m: { version: number; modelVersion: string; activatedAt: Date },
): Promise<void> {
  await deps.redis.publish(modelEventsChannel(deps.prefix), JSON.stringify({ version: m.version, modelVersion: m.modelVersion, activatedAt: m.activatedAt.getTime() } satisfies ModelEventMessage));
  await deps.queue.add('reanalyze', { kind: 'reanalyze', version: m.version, activatedAt: m.activatedAt.getTime() }, { jobId: reanalyzeAfterActivationJobId(m.version, m.activatedAt) });
}
export { settleWithin } from './deadline';
export { keepDeclared } from './redeclare';
export { createRedisCluster, nodeOptionsFromUrl, subscriberOf, type RedisClusterNode, type SubscriberOptions } from './cluster';
