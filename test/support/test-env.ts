/**
 * Each test file owns its data: a PostgreSQL schema and a Redis key prefix of its own, created
 * here and dropped at the end, so the suite can run twice in a row and files can run in parallel.
 */
import { randomBytes } from 'node:crypto';
import { loadConfig, type Config } from '@yuqing/config';
import { createPool, migrate, type Pool } from '@yuqing/db';
import { Redis } from 'ioredis';
import { deleteKeysWithPrefix } from './redis-keys';

export interface TestEnv {
  cfg: Config;
  /** The environment to hand to a child process or a CLI call so it uses this test's data. */
  env: Record<string, string>;
  db: Pool;
  redis: Redis;
  cleanup(): Promise<void>;
}

/** Creates a fresh schema (migrated) and prefix; `overrides` are extra environment settings. */
export async function createTestEnv(name: string, overrides: Record<string, string> = {}): Promise<TestEnv> {
  const id = `${name.replace(/[^a-z0-9]/gi, '').toLowerCase().slice(0, 20)}_${randomBytes(4).toString('hex')}`;
  const env: Record<string, string> = {
    DATABASE_SCHEMA: `t_${id}`,
    QUEUE_PREFIX: `yqt:${id}`,
    LOG_LEVEL: 'silent',
    FETCH_ALLOWLIST: '127.0.0.1,localhost,::1',
    ...overrides,
  };
  const cfg = loadConfig(env);
  const db = createPool({ url: cfg.DATABASE_URL, schema: cfg.DATABASE_SCHEMA, max: 5 });
  await migrate(db, cfg.DATABASE_SCHEMA);
  const redis = new Redis(cfg.REDIS_URL, { maxRetriesPerRequest: null });
  return {
    cfg,
    env,
    db,
    redis,
    async cleanup() {
      await db.query(`DROP SCHEMA IF EXISTS ${cfg.DATABASE_SCHEMA} CASCADE`).catch(() => undefined);
      await db.end();
      await deleteKeysWithPrefix(redis, cfg.QUEUE_PREFIX);
      redis.disconnect();
    },
  };
}
