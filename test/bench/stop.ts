/**
 * pnpm bench:stop [RUNS] — how long a clean stop takes under load (issue 14: < 5 s): the crawler
 * and the analyzer run as real processes (`yuqing crawler`, `yuqing analyzer`) on 200 local feeds ×
 * 50 items; once items are flowing (≥ 1,500 stored), both get SIGTERM and we time until each process
 * has exited. Afterwards: no item stored twice, and every stored item is whole (title and text).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { loadConfig } from '@yuqing/config';
import { createPool, insertSource, migrate, sourceInputSchema } from '@yuqing/db';
import { Redis } from 'ioredis';

const FEEDS = 200;
const ITEMS = 50;
const HOSTS = 8;
const RUNS = Number(process.argv[2] ?? 3);
const ROOT = fileURLToPath(new URL('../../', import.meta.url));

function startFeedServer(): Promise<{ port: number; stop(): void }> {
  const script = fileURLToPath(new URL('./feed-server.ts', import.meta.url));
  const child = spawn(process.execPath, [...process.execArgv, script, String(FEEDS), String(ITEMS), String(HOSTS)], { stdio: ['ignore', 'pipe', 'inherit'] });
  return new Promise((resolve, reject) => {
    child.stdout.once('data', (d: Buffer) => resolve({ port: Number(d.toString().trim()), stop: () => child.kill() }));
    child.once('exit', (c) => reject(new Error(`feed server exited ${c}`)));
  });
}

/** Seconds from SIGTERM until the process has exited. */
function stopTimed(child: ChildProcess): Promise<number> {
  return new Promise((resolve) => {
    const started = performance.now();
    child.once('exit', () => resolve((performance.now() - started) / 1000));
    child.kill('SIGTERM');
  });
}

async function oneRun(port: number): Promise<{ crawler: number; analyzer: number; stored: number; duplicates: number; broken: number }> {
  const id = randomBytes(4).toString('hex');
  const env = {
    DATABASE_SCHEMA: `bench_stop_${id}`,
    QUEUE_PREFIX: `yqstop:${id}`,
    FETCH_ALLOWLIST: '127.0.0.0/8',
    CRAWL_HOST_GAP_MS: '0',
    CRAWL_CONCURRENCY: '32',
    CRAWL_TICK_MS: '100',
    LOG_LEVEL: 'warn',
  };
  const cfg = loadConfig(env);
  const db = createPool({ url: cfg.DATABASE_URL, schema: cfg.DATABASE_SCHEMA, max: 2 });
  await migrate(db, cfg.DATABASE_SCHEMA);
  for (let f = 0; f < FEEDS; f++) {
    await insertSource(db, sourceInputSchema.parse({ name: `源${f}`, url: `http://127.0.0.${(f % HOSTS) + 1}:${port}/feed/${f}.xml`, pollInterval: '1h' }));
  }
  // eslint-disable-next-line no-restricted-properties -- the child processes' environment, not a setting read here
  const childEnv = { ...process.env, ...env };
  const start = (service: string) => spawn(process.execPath, ['--import', 'tsx', 'services/cli/src/main.ts', service], { cwd: ROOT, env: childEnv, stdio: ['ignore', 'ignore', 'inherit'] });
  const analyzer = start('analyzer');
  const crawler = start('crawler');
  const count = async () => (await db.query<{ n: number }>('SELECT count(*)::int AS n FROM items')).rows[0]?.n ?? 0;
  const began = performance.now();
  while ((await count()) < 1500) {
    if (performance.now() - began > 120_000) throw new Error('items never started flowing');
    await new Promise((r) => setTimeout(r, 50));
  }
  const [c, a] = await Promise.all([stopTimed(crawler), stopTimed(analyzer)]);
  const stored = await count();
  const duplicates = (await db.query<{ n: number }>('SELECT count(*)::int AS n FROM (SELECT url_hash FROM items GROUP BY url_hash HAVING count(*) > 1) d')).rows[0]?.n ?? 0;
  const broken = (await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM items WHERE title IS NULL OR text = ''`)).rows[0]?.n ?? 0;
  await db.query(`DROP SCHEMA ${cfg.DATABASE_SCHEMA} CASCADE`);
  await db.end();
  const redis = new Redis(cfg.REDIS_URL);
  const keys = await redis.keys(`${cfg.QUEUE_PREFIX}:*`);
  if (keys.length) await redis.del(...keys);
  redis.disconnect();
  return { crawler: c, analyzer: a, stored, duplicates, broken };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN;
const server = await startFeedServer();
try {
  const runs = [];
  for (let i = 0; i < RUNS; i++) {
    const r = await oneRun(server.port);
    runs.push(r);
    console.log(`run ${i + 1}: SIGTERM with ${r.stored} items stored — crawler exited in ${r.crawler.toFixed(2)} s, analyzer in ${r.analyzer.toFixed(2)} s; duplicates ${r.duplicates}, incomplete items ${r.broken}`);
  }
  console.log(`bench:stop median of ${RUNS}: crawler ${median(runs.map((r) => r.crawler)).toFixed(2)} s, analyzer ${median(runs.map((r) => r.analyzer)).toFixed(2)} s (target < 5 s each)`);
} finally {
  server.stop();
}
