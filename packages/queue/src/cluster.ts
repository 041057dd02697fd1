/**
 * Redis Cluster connections (REDIS_CLUSTER_NODES). BullMQ runs on a cluster when every key of a
 * queue hashes to one slot, which a hash-tagged prefix (`{yuqing}`) guarantees: the config refuses
 * a cluster without one. See https://docs.bullmq.io/patterns/redis-cluster.
 */
import { Cluster, type ClusterOptions, type RedisOptions } from 'ioredis';
import type { RedisClusterNode } from '@yuqing/config';

export type { RedisClusterNode } from '@yuqing/config';

/** The node options REDIS_URL gives a cluster: credentials and TLS (a cluster has no database number). */
export function nodeOptionsFromUrl(url: string): RedisOptions {
  const u = new URL(url);
  const out: RedisOptions = {};
  if (u.username) out.username = decodeURIComponent(u.username);
  if (u.password) out.password = decodeURIComponent(u.password);
  if (u.protocol === 'rediss:') out.tls = {};
  return out;
}

/**
 * A Redis Cluster connection with the same role semantics as createRedis: a worker retries forever
 * (`maxRetriesPerRequest: null`, offline queue on: BullMQ requires it of blocking connections), a
 * producer fails fast. `extra` takes the RedisOptions callers pass to createRedis: `lazyConnect`
 * and `retryStrategy` apply to the cluster (the latter as clusterRetryStrategy), the rest to each node.
 */
export function createRedisCluster(nodes: readonly RedisClusterNode[], url: string, role: 'worker' | 'producer', extra: RedisOptions = {}): Cluster {
  if (nodes.length === 0) throw new Error('createRedisCluster: no seed nodes');
  const { lazyConnect, retryStrategy, enableOfflineQueue, enableReadyCheck, ...nodeExtra } = extra;
  const worker = role === 'worker';
  const options: ClusterOptions = {
    // Wait for CLUSTER INFO to say cluster_state:ok before 'ready' (BullMQ waits for 'ready').
    enableReadyCheck: enableReadyCheck ?? true,
    enableOfflineQueue: enableOfflineQueue ?? worker,
    lazyConnect: lazyConnect ?? false,
    // Failover and resharding: follow MOVED/ASK, retry while a slot has no master for a moment.
    maxRedirections: 16,
    retryDelayOnFailover: 200,
    retryDelayOnClusterDown: 200,
    retryDelayOnTryAgain: 200,
    slotsRefreshTimeout: 2000,
    ...(retryStrategy ? { clusterRetryStrategy: (times: number) => retryStrategy(times) ?? null } : {}),
    redisOptions: {
      ...nodeOptionsFromUrl(url),
      maxRetriesPerRequest: worker ? null : 1,
      ...nodeExtra,
    },
  };
  return new Cluster(
    nodes.map((n) => ({ host: n.host, port: n.port })),
    options,
  );
}

/** Options a subscriber connection sets for itself (the stream hub, the invalidation feed). */
export interface SubscriberOptions {
  maxRetriesPerRequest?: number | null;
  enableOfflineQueue?: boolean;
  lazyConnect?: boolean;
  autoResubscribe?: boolean;
}

/**
 * A new connection for SUBSCRIBE, made like `redis` (same server or cluster, same credentials) with
 * the subscriber's own options. `Redis.duplicate(options)` does this for one server; a Cluster's
 * `duplicate` takes seed nodes first and cluster options second, and would silently drop options
 * given the single-server way (the subscriber would keep a producer's fail-fast settings).
 */
export function subscriberOf<R extends { duplicate(...args: never[]): unknown }>(redis: R, options: SubscriberOptions): R {
  const cluster = redis as unknown as { isCluster?: boolean; options?: ClusterOptions; duplicate(nodes?: unknown[], opts?: ClusterOptions): R };
  if (cluster.isCluster) {
    const { maxRetriesPerRequest, autoResubscribe, enableOfflineQueue, lazyConnect } = options;
    return cluster.duplicate([], {
      ...(enableOfflineQueue !== undefined ? { enableOfflineQueue } : {}),
      ...(lazyConnect !== undefined ? { lazyConnect } : {}),
      // Per-node options merged into the cluster's own (credentials and TLS stay).
      redisOptions: {
        ...cluster.options?.redisOptions,
        ...(maxRetriesPerRequest !== undefined ? { maxRetriesPerRequest } : {}),
        ...(autoResubscribe !== undefined ? { autoResubscribe } : {}),
      },
    });
  }
  return (redis as unknown as { duplicate(o: SubscriberOptions): R }).duplicate(options);
}
