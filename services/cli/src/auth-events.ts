/**
 * Tells the running API processes that a user's credentials changed (a token revoked, the user
 * disabled or enabled), so that they drop what they cached about that user at once instead of at
 * the end of their short cache lifetime (services/api/src/auth-cache.ts). Call after the commit.
 */
import type { Config } from '@yuqing/config';
import { createRedis, publishAuthChange } from '@yuqing/queue';
import { println, type CliIO } from './io';

/** Publishes the change; a Redis outage is reported as a warning (the change itself is committed). */
export async function announceAuthChange(cfg: Config, userId: number, io: CliIO): Promise<void> {
  // One attempt, bounded: the CLI must not hang on a Redis that is down.
  const redis = createRedis(cfg.REDIS_URL, 'producer', { lazyConnect: true, retryStrategy: () => null, connectTimeout: 3000 });
  redis.on('error', () => undefined); // reported below
  try {
    await redis.connect();
    await publishAuthChange(redis, cfg.QUEUE_PREFIX, userId);
    await redis.quit();
  } catch (err) {
    redis.disconnect();
    const seconds = Math.ceil(cfg.AUTH_CACHE_TTL_MS / 1000);
    println(io.stderr, `warning: could not notify the running API processes (${err instanceof Error ? err.message : String(err)}); they apply the change within ${seconds} s`);
  }
}
