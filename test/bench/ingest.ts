/**
 * pnpm bench:ingest — fetch → parse → store throughput of the real crawler service.
 * A feed server (separate process) serves 200 feeds × 50 items; the crawler (this process,
 * real PostgreSQL and Redis) polls them all; we time until all 10,000 items are stored and
 * sample this process's peak RSS. Runs RUNS times, each on a fresh schema, and prints medians.
 * The feeds live on 8 loopback hosts (127.0.0.1–8) and the per-host gap is 0: with the default 1 s gap
 * the benchmark would measure the gap, not the crawler. One request at a time per host still holds.
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { loadConfig } from '@yuqing/config';
import { createPool, migrate, sourceInputSchema, insertSource } from '@yuqing/db';
import { startCrawlerService } from '@yuqing/crawler';
import { Redis } from 'ioredis';
import { pino } from 'pino';

const FEEDS = 200;
const ITEMS = 50;
const RUNS = Number(process.argv[2] ?? 3);
const HOSTS = 8;

async function startFeedServer(): Promise<{ port: number; stop(): void }> {
  const script = fileURLToPath(new URL('./feed-server.ts', import.meta.url));
  const child = spawn(process.execPath, [...process.execArgv, script, String(FEEDS), String(ITEMS), String(HOSTS)], { stdio: ['ignore', 'pipe', 'inherit'] });
  const port = await new Promise<number>((resolve, reject) => {
    child.stdout.once('data', (d: Buffer) => resolve(Number(d.toString().trim())));
    child.once('exit', (c) => reject(new Error(`feed server exited ${c}`)));
  });
  return { port, stop: () => child.kill() };
}

async function oneRun(port: number): Promise<{ itemsPerSec: number; peakRssMb: number; seconds: number }> {
  const id = randomBytes(4).toString('hex');
  const cfg = loadConfig({
    DATABASE_SCHEMA: `bench_ingest_${id}`,
    QUEUE_PREFIX: `yqbench:${id}`,
    FETCH_ALLOWLIST: '127.0.0.0/8',
    CRAWL_HOST_GAP_MS: '0',
    CRAWL_CONCURRENCY: '32',
    CRAWL_GLOBAL_CONCURRENCY: '64',
    CRAWL_TICK_MS: '100',
    LOG_LEVEL: 'warn',
  });
  const db = createPool({ url: cfg.DATABASE_URL, schema: cfg.DATABASE_SCHEMA, max: 4 });
  await migrate(db, cfg.DATABASE_SCHEMA);
  for (let f = 0; f < FEEDS; f++) {
    await insertSource(db, sourceInputSchema.parse({ name: `源${f}`, url: `http://127.0.0.${(f % HOSTS) + 1}:${port}/feed/${f}.xml`, pollInterval: '1h' }));
  }
  global.gc?.();
  let peak = process.memoryUsage().rss;
  const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 50);
  const started = performance.now();
  const service = await startCrawlerService(cfg, { log: pino({ level: 'warn' }) });
  let stored = 0;
  while (stored < FEEDS * ITEMS) {
    await new Promise((r) => setTimeout(r, 50));
    stored = (await db.query<{ n: number }>('SELECT count(*)::int AS n FROM items')).rows[0]?.n ?? 0;
    if (performance.now() - started > 300_000) throw new Error(`only ${stored} items after 300 s`);
  }
  const seconds = (performance.now() - started) / 1000;
  clearInterval(sampler);
  await service.close();
  await db.query(`DROP SCHEMA ${cfg.DATABASE_SCHEMA} CASCADE`);
  await db.end();
  const redis = new Redis(cfg.REDIS_URL);
  const keys = await redis.keys(`${cfg.QUEUE_PREFIX}:*`);
  if (keys.length) await redis.del(...keys);
  redis.disconnect();
  return { itemsPerSec: (FEEDS * ITEMS) / seconds, peakRssMb: peak / 2 ** 20, seconds };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN;

const server = await startFeedServer();
try {
  const runs = [];
  for (let i = 0; i < RUNS; i++) {
    const r = await oneRun(server.port);
    runs.push(r);
    console.log(`run ${i + 1}: ${FEEDS * ITEMS} items in ${r.seconds.toFixed(2)} s = ${r.itemsPerSec.toFixed(0)} items/s, peak RSS ${r.peakRssMb.toFixed(0)} MB`);
  }
  console.log(
    `bench:ingest median of ${RUNS}: ${median(runs.map((r) => r.itemsPerSec)).toFixed(0)} items/s (target ≥ 3000), peak RSS ${median(runs.map((r) => r.peakRssMb)).toFixed(0)} MB`,
  );
} finally {
  server.stop();
}
