/**
 * pnpm bench:ingest — fetch → parse → store throughput of the real crawler service, against what
 * a user would otherwise run on the same feeds in the same run: Debian's newsboat (`newsboat -x
 * reload`, 32 reload threads, its SQLite cache, process start included), when it is installed.
 * A feed server (separate process) serves 200 feeds × 50 items; the crawler (this process,
 * real PostgreSQL and Redis) polls them all; we time until all 10,000 items are stored and
 * sample this process's peak RSS. Runs RUNS times, each on a fresh schema, and prints medians.
 * The feeds live on 8 loopback hosts (127.0.0.1–8) and the per-host gap is 0: with the default 1 s gap
 * the benchmark would measure the gap, not the crawler. One request at a time per host still holds.
 */
import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
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
  const cpuBefore = process.cpuUsage();
  const service = await startCrawlerService(cfg, { log: pino({ level: 'warn' }) });
  const startedIn = (performance.now() - started) / 1000;
  let stored = 0;
  let firstAt = 0;
  while (stored < FEEDS * ITEMS) {
    await new Promise((r) => setTimeout(r, 20));
    stored = (await db.query<{ n: number }>('SELECT count(*)::int AS n FROM items')).rows[0]?.n ?? 0;
    if (stored > 0 && !firstAt) firstAt = (performance.now() - started) / 1000;
    if (performance.now() - started > 300_000) throw new Error(`only ${stored} items after 300 s`);
  }
  const seconds = (performance.now() - started) / 1000;
  const cpu = process.cpuUsage(cpuBefore);
  console.log(
    `  service started in ${startedIn.toFixed(2)} s, first items stored at ${firstAt.toFixed(2)} s, all at ${seconds.toFixed(2)} s; crawler process CPU ${((cpu.user + cpu.system) / 1e6).toFixed(2)} s`,
  );
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

/** newsboat storing the same feeds: seconds for `newsboat -x reload` with a fresh cache, or null when it is not installed. */
function newsboatRun(port: number): number | null {
  if (spawnSync('newsboat', ['-v'], { stdio: 'ignore' }).status !== 0) return null;
  const dir = mkdtempSync(path.join(tmpdir(), 'yq-newsboat-'));
  try {
    const urls = Array.from({ length: FEEDS }, (_, f) => `http://127.0.0.${(f % HOSTS) + 1}:${port}/feed/${f}.xml`).join('\n');
    writeFileSync(path.join(dir, 'urls'), `${urls}\n`);
    writeFileSync(path.join(dir, 'config'), 'reload-threads 32\nshow-read-feeds yes\n');
    const started = performance.now();
    // newsboat's own files in the temporary directory, not the user's (HOME/XDG); the rest of the environment as is.
    // eslint-disable-next-line no-restricted-properties -- passed through to a child process, not read as a setting
    const env = { ...process.env, HOME: dir, XDG_CONFIG_HOME: dir, XDG_DATA_HOME: dir };
    const r = spawnSync('newsboat', ['-x', 'reload', '-u', path.join(dir, 'urls'), '-C', path.join(dir, 'config'), '-c', path.join(dir, 'cache.db')], {
      env,
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    const seconds = (performance.now() - started) / 1000;
    if (r.status !== 0) throw new Error(`newsboat failed: ${r.stderr.toString().slice(0, 500)}`);
    return seconds;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN;

const server = await startFeedServer();
try {
  const runs = [];
  const newsboat: number[] = [];
  // Alternating, so both see the same machine load.
  for (let i = 0; i < RUNS; i++) {
    const r = await oneRun(server.port);
    runs.push(r);
    const nb = newsboatRun(server.port);
    if (nb !== null) newsboat.push(FEEDS * ITEMS / nb);
    console.log(
      `run ${i + 1}: yuqing ${FEEDS * ITEMS} items in ${r.seconds.toFixed(2)} s = ${r.itemsPerSec.toFixed(0)} items/s, peak RSS ${r.peakRssMb.toFixed(0)} MB` +
        (nb !== null ? `; newsboat ${nb.toFixed(2)} s = ${(FEEDS * ITEMS / nb).toFixed(0)} items/s` : ''),
    );
  }
  const ours = median(runs.map((r) => r.itemsPerSec));
  console.log(`bench:ingest median of ${RUNS}: ${ours.toFixed(0)} items/s, peak RSS ${median(runs.map((r) => r.peakRssMb)).toFixed(0)} MB`);
  if (newsboat.length) {
    const theirs = median(newsboat);
    console.log(`newsboat (-x reload, 32 threads, SQLite cache) median: ${theirs.toFixed(0)} items/s → ratio yuqing/newsboat ${(ours / theirs).toFixed(2)} (target ≥ 1.5)`);
  } else {
    console.log('newsboat is not installed (apt-get install newsboat): no comparison this run');
  }
} finally {
  server.stop();
}
