/** Starts the API: connections, the app, listen; and closes them in order on shutdown. */
import { createLogger, type Config } from '@yuqing/config';
import { assertSchemaCurrent, createPool } from '@yuqing/db';
import { createRedis } from '@yuqing/queue';
import { startAlerting } from './alerting';
import { buildApp } from './app';
import { startDigests, type DigestSchedule } from './digests';

/**
 * Listens on API_HOST:API_PORT; refuses to start on an outdated schema. Starts the background
 * alerting work beside the app (delivery worker, alerter candidate) and, with DIGEST_ENABLED, the
 * digest schedule and its worker: buildApp itself runs no loops.
 */
export async function startApiServer(cfg: Config): Promise<{ url: string; close(): Promise<void> }> {
  const log = createLogger('api', cfg.LOG_LEVEL);
  const db = createPool({ url: cfg.DATABASE_URL, schema: cfg.DATABASE_SCHEMA, max: cfg.DATABASE_POOL_MAX, applicationName: 'yuqing-api' });
  try {
    await assertSchemaCurrent(db, cfg.DATABASE_SCHEMA);
  } catch (err) {
    await db.end();
    throw err;
  }
  // The replica has the primary's schema (streaming replication), so no schema check of its own.
  const readDb = cfg.DATABASE_READ_URL
    ? createPool({ url: cfg.DATABASE_READ_URL, schema: cfg.DATABASE_SCHEMA, max: cfg.DATABASE_POOL_MAX, applicationName: 'yuqing-api-read' })
    : undefined;
  const redis = createRedis(cfg.REDIS_URL, 'producer');
  redis.on('error', (err) => log.warn({ err: err.message }, 'redis error'));
  const app = buildApp({ cfg, db, redis, ...(readDb ? { readDb } : {}) }, { logger: log });
  let address: string;
  try {
    address = await app.listen({ host: cfg.API_HOST, port: cfg.API_PORT });
  } catch (err) {
    await app.close();
    redis.disconnect();
    await db.end();
    await readDb?.end();
    throw err;
  }
  const alerting = await startAlerting(cfg, { db, log });
  let digests: DigestSchedule | null = null;
  if (cfg.DIGEST_ENABLED) {
    try {
      digests = await startDigests(cfg, { db, log: log.child({ part: 'digest' }) });
    } catch (err) {
      await alerting.close();
      await app.close();
      redis.disconnect();
      await db.end();
      await readDb?.end();
      throw err;
    }
  }
  return {
    url: address,
    async close() {
      // No new digests or notifications first; the runs and sends in flight finish.
      await digests?.close();
      await alerting.close();
      // app.close() ends the live alert streams first (the stream plugin's preClose hook), so the
      // server's close does not wait on connections that never end; then the hub's subscriber stops.
      await app.close();
      redis.disconnect();
      await db.end();
      await readDb?.end();
    },
  };
}
