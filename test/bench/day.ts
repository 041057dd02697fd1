/**
 * pnpm bench:day [--items N] [--grow-to N] [--keep] — "a province's day" (issue 14): N items
 * (default 1,000,000) pushed through the live system, then the item table grown to --grow-to rows
 * (default 10,000,000; 0 skips) and keyword search measured at both sizes.
 *
 * The system: `yuqing api`, `yuqing analyzer` (it runs the topic stage: TOPIC_STAGE_ENABLED is on
 * by default, and the one analyzer leads it) and `yuqing crawler` (no sources; its reconciler and
 * month-partition upkeep run as in production), each its own process started with the real CLI
 * (`node --import tsx services/cli/src/main.ts <service>`), on a fresh PostgreSQL schema and Redis
 * prefix of this run. The bench pushes items through the authenticated push API (POST /api/items
 * with an `ingest` user's API token, made in the bench schema as the tests make theirs), several
 * concurrent pushers of 500-item batches, as other crawlers would. The default alert rule of `yuqing
 * up` is seeded so the alerter (in the API process) acts on warnings as an installation would.
 *
 * Texts (../shared/data, evaluation-only data: read there, never copied): the replay stream
 * events/replay-dev.jsonl.gz (113 real Weibo police cascades with every repost, and as background
 * the 10,000 THUCNews headlines of events/thucnews-titles-dev.tsv, which is read too and adds only
 * titles the stream lacks), the Weibo comments of sentiment/osm-weibo-train.jsonl and the posts and
 * headlines of police/dev.jsonl and dev2.jsonl: ~61,000 distinct real texts. Reposts keep their real
 * parent links (events/ced-police-cascades-dev.jsonl.gz gives each repost's parent: another repost
 * or the original), pushed as `parentId`, so a repost stays a repost. N items take the corpus about
 * N / 61,000 times ("rounds"): round r's item `x` is `x~r` and its parent `p~r`, so every item is new
 * to the database while texts stay real (the same text in two rounds is the same story, as the
 * same news reposted later in a day is). The stream repeats 9 of its ids (the same repost twice in the
 * data): those reach the API twice per round and are counted as duplicates, as a crawler's would be.
 *
 * The clock. The topic stage works in event time only: its clock is the largest publishedAt seen,
 * and every window (10-minute buckets, hourly rates and baselines, 48 h to close a topic) is measured
 * on items' publication times, never on now(). What keeps it honest is the push path: a publishedAt
 * in the future is replaced by the time of storing (publicationTime, crawler/text/time.ts). So the
 * simulated day is the 24 hours before the bench starts: every item's publishedAt lies in it, all in
 * the past, and items are pushed in publishedAt order, so the published times advance ~24 h over
 * the run, the stage's clock with them, and its windows see a day's rates whatever the wall-clock
 * speed. Within the day each round places each unit (a cascade, or a single headline or post) at a
 * random start; a cascade keeps its real repost times for its first 6 hours (where warnings must
 * fire) and its long tail (real cascades run for weeks; median 28 days) is squeezed, log-scaled,
 * into the next 6 hours, so each cascade lies within the day.
 *
 * Pace: pushers pause while more than --max-backlog (50,000) items wait in the analyze and topic
 * queues together: a province's crawlers push all day at the system's pace, and an unbounded push
 * would measure Redis holding the whole day instead. --max-backlog 0 pushes unthrottled.
 *
 * Printed: items/s end to end (first push → every item analysed and placed by the topic stage;
 * counted in PostgreSQL: items, item_analysis, story_items), the waiting counts of the analyze and
 * topics queues over time (BullMQ getJobCounts), each process's RSS from /proc/<pid>/status (first
 * sample after warm-up — 10 % of the items placed — against the last and the largest; beside it the
 * V8 heap in use, read from the process's own GET /metrics, to tell a leak from a lazy GC), the warnings
 * (topic_level_changes by level) and alerts raised, and GET /api/items?q= keyword latency (200
 * sequential and 200 concurrent requests over 派出所, 民警, 交警, 通报, 警察; p50/p99; and 5 each of two
 * real but rare words, 协警 and 执法记录仪, the search for a name or a place) at N rows.
 * Then the crawler and analyzer are stopped (their reconcilers would take the copies for new work)
 * and the table grown by SQL to --grow-to rows: the stored items and their item_analysis rows copied
 * in chunks of 500,000 (INSERT … SELECT, ids from the items id sequence, a fresh url and url_hash per
 * copy, and copy k published k days earlier, so 10 M rows are ten days of such a province), then
 * ANALYZE, and search measured again; sizes of items and item_analysis (all partitions) at the end.
 * Both searches run after ANALYZE of the two tables (autovacuum would have done it on a production
 * server; it is off on some development servers: the server's autovacuum and memory settings are
 * printed first). Also printed: the day's row churn per table (inserts, updates, dead row versions).
 *
 * Cleanup, also on failure and Ctrl-C: the processes are stopped (SIGTERM, then SIGKILL), the
 * bench's own database sessions ended, its schema dropped (kept with --keep) and its Redis keys
 * deleted. The processes' stderr goes to /tmp/yuqing-bench-day-<id>-<service>.log (first lines shown).
 *
 * Other options: --pushers 4, --batch 500, --sample-ms 5000, --print-ms 30000, --seed 1.
 * Small while developing: `pnpm bench:day --items 20000 --grow-to 100000`.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream, existsSync, readFileSync, statfsSync, type WriteStream } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { loadavg } from 'node:os';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { createGunzip } from 'node:zlib';
import { ruleSchema } from '@yuqing/alerting';
import { loadConfig } from '@yuqing/config';
import { createPool, insertAlertRule, insertApiToken, insertUser, migrate, newApiToken, tsqueryOf, type Pool } from '@yuqing/db';
import { createAnalyzeQueue, createRedis, createTopicQueue } from '@yuqing/queue';
import pg from 'pg';
import { searchTerms } from '../../services/api/src/search-terms';
import { sharedPath } from '../shared-data';
import { mulberry32 } from '../support/random';
import { deleteKeysWithPrefix } from '../support/redis-keys';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const HOUR = 3600_000;
const DAY = 24 * HOUR;
/** A cascade's real repost times are kept this long after its original; the rest of its tail is squeezed into as long again. */
const KEPT_SPAN = 6 * HOUR;
const KEYWORDS = ['派出所', '民警', '交警', '通报', '警察'];
/** Real but rare words of the corpus (协警 in 5 of its ~61,000 texts, 执法记录仪 in 2): what a search for a name or a place is like. */
const RARE_KEYWORDS = ['协警', '执法记录仪'];
const COPY_CHUNK = 500_000;
/** The table is not grown when the disk would be left with less than this. */
const DISK_RESERVE = 10 * 2 ** 30;

const { values: args } = parseArgs({
  options: {
    items: { type: 'string', default: '1000000' },
    'grow-to': { type: 'string', default: '10000000' },
    keep: { type: 'boolean', default: false },
    pushers: { type: 'string', default: '4' },
    batch: { type: 'string', default: '500' },
    'max-backlog': { type: 'string', default: '50000' },
    'sample-ms': { type: 'string', default: '5000' },
    'print-ms': { type: 'string', default: '30000' },
    seed: { type: 'string', default: '1' },
  },
  strict: true,
});
const positive = (name: string, v: string, min = 1): number => {
  const n = Number(v);
  if (!Number.isInteger(n) || n < min) throw new Error(`--${name} wants an integer ≥ ${min}, got ${v}`);
  return n;
};
const N = positive('items', args.items);
const GROW_TO = positive('grow-to', args['grow-to'], 0);
const PUSHERS = positive('pushers', args.pushers);
const BATCH = positive('batch', args.batch);
const MAX_BACKLOG = positive('max-backlog', args['max-backlog'], 0);
const SAMPLE_MS = positive('sample-ms', args['sample-ms'], 200);
const PRINT_MS = positive('print-ms', args['print-ms'], 200);
const SEED = positive('seed', args.seed, 0);

const fmt = (n: number): string => Math.round(n).toLocaleString('en-US');
const mb = (bytes: number): string => `${fmt(bytes / 2 ** 20)} MB`;
const gb = (bytes: number): string => `${(bytes / 2 ** 30).toFixed(2)} GB`;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const load = (): string => loadavg().map((l) => l.toFixed(2)).join(', ');
const percentile = (xs: number[], p: number): number => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((xs.length * p) / 100))] ?? NaN;


// ---------------------------------------------------------------- the corpus

interface BaseItem {
  id: string;
  source: string;
  text: string;
  title?: string;
  /** Index of the parent in the corpus; -1: none. */
  parent: number;
  metrics?: unknown;
  author?: unknown;
}
/** A cascade (original first, reposts in time order) or one single item, with simulated offsets from its start. */
interface Unit {
  items: number[];
  offsets: number[];
}

async function gzLines(path: string, each: (o: Record<string, unknown>) => void): Promise<void> {
  const lines = createInterface({ input: createReadStream(path).pipe(createGunzip()), crlfDelay: Infinity });
  for await (const line of lines) if (line.trim()) each(JSON.parse(line) as Record<string, unknown>);
}

function jsonlFile(path: string): Array<Record<string, unknown>> {
  return readFileSync(path, 'utf8')
    .split('\n')
    .filter((l) => l.trim())
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}

/** A cascade's offset from its original, real for KEPT_SPAN, then the tail squeezed (log) into KEPT_SPAN more. */
function squeeze(offset: number, span: number): number {
  if (offset <= KEPT_SPAN || span <= KEPT_SPAN) return offset;
  return KEPT_SPAN + (KEPT_SPAN * Math.log1p((offset - KEPT_SPAN) / KEPT_SPAN)) / Math.log1p((span - KEPT_SPAN) / KEPT_SPAN);
}

async function loadCorpus(): Promise<{ corpus: BaseItem[]; units: Unit[]; counts: Record<string, number> }> {
  const corpus: BaseItem[] = [];
  const texts = new Set<string>();
  const counts: Record<string, number> = {};
  const add = (b: BaseItem, from: string): number => {
    texts.add(b.text);
    counts[from] = (counts[from] ?? 0) + 1;
    return corpus.push(b) - 1;
  };
  // Each repost's parent in the real cascade (a repost of a repost, or '' for the original).
  const parentMid = new Map<string, string>();
  await gzLines(sharedPath('events', 'ced-police-cascades-dev.jsonl.gz'), (o) => {
    for (const r of o.reposts as Array<{ mid: string; parent: string }>) parentMid.set(`${String(o.id)}/${r.mid}`, r.parent);
  });
  const cascades = new Map<string, Array<{ index: number; at: number }>>();
  const indexOf = new Map<string, number>();
  const singles: number[] = [];
  await gzLines(sharedPath('events', 'replay-dev.jsonl.gz'), (o) => {
    const id = String(o.id);
    const index = add(
      {
        id,
        source: String(o.source ?? 'weibo'),
        text: String(o.text),
        ...(typeof o.title === 'string' ? { title: o.title } : {}),
        parent: -1,
        ...(o.metrics ? { metrics: o.metrics } : {}),
        ...(o.author ? { author: o.author } : {}),
      },
      'replay stream',
    );
    indexOf.set(id, index);
    const slash = id.indexOf('/');
    const cascade = id.slice(0, slash);
    if (cascade === 'bg') singles.push(index);
    else {
      const list = cascades.get(cascade) ?? [];
      list.push({ index, at: Date.parse(String(o.publishedAt)) });
      cascades.set(cascade, list);
    }
  });
  let links = 0;
  for (const [cascade, list] of cascades) {
    const original = indexOf.get(`${cascade}/o`);
    for (const { index } of list) {
      const b = corpus[index]!;
      if (index === original) continue;
      const p = parentMid.get(b.id);
      const parent = (p ? indexOf.get(`${cascade}/${p}`) : undefined) ?? original;
      if (parent !== undefined) {
        b.parent = parent;
        links++;
      }
    }
  }
  counts['repost parent links'] = links;
  for (const line of readFileSync(sharedPath('events', 'thucnews-titles-dev.tsv'), 'utf8').split('\n')) {
    const title = line.split('\t')[0]?.trim();
    if (title && !texts.has(title)) singles.push(add({ id: `thuc/${singles.length}`, source: 'news', text: title, title, parent: -1 }, 'THUCNews (not in the stream)'));
  }
  for (const o of jsonlFile(sharedPath('sentiment', 'osm-weibo-train.jsonl'))) {
    const text = String(o.text ?? '').trim();
    if (text && !texts.has(text)) singles.push(add({ id: String(o.id), source: 'weibo', text, parent: -1 }, 'osm-weibo'));
  }
  for (const file of ['dev.jsonl', 'dev2.jsonl']) {
    for (const o of jsonlFile(sharedPath('police', file))) {
      const text = String(o.text ?? '').trim();
      // Weibo posts and comments of the set come from osm; the rest are headlines and news posts.
      // dev.jsonl and dev2.jsonl share some ids (with other texts): the file names the item.
      if (text && !texts.has(text)) singles.push(add({ id: `police/${file}/${String(o.id)}`, source: o.source === 'osm' ? 'weibo' : 'news', text, parent: -1 }, `police/${file}`));
    }
  }
  const units: Unit[] = singles.map((i) => ({ items: [i], offsets: [0] }));
  for (const [cascade, list] of cascades) {
    const original = indexOf.get(`${cascade}/o`);
    const t0 = original !== undefined ? list.find((x) => x.index === original)!.at : Math.min(...list.map((x) => x.at));
    // Parents before their reposts at equal times: the original first, then by time.
    list.sort((a, b) => (a.index === original ? -1 : b.index === original ? 1 : a.at - b.at || a.index - b.index));
    const span = Math.max(...list.map((x) => x.at - t0));
    units.push({ items: list.map((x) => x.index), offsets: list.map((x) => squeeze(Math.max(0, x.at - t0), span)) });
  }
  return { corpus, units, counts };
}

/** The day: N items as (corpus index, round, offset in the day), ordered by offset. */
function schedule(units: Unit[], n: number, rand: () => number): { base: Int32Array; round: Int32Array; at: Float64Array; rounds: number } {
  const base = new Int32Array(n);
  const round = new Int32Array(n);
  const at = new Float64Array(n);
  let k = 0;
  let r = 0;
  while (k < n) {
    // Each round places every unit once, in a fresh order, so a partial last round is a random subset.
    const order = units.map((_, i) => i);
    for (let i = order.length - 1; i > 0; i--) {
      const j = Math.floor(rand() * (i + 1));
      [order[i], order[j]] = [order[j]!, order[i]!];
    }
    for (const u of order) {
      const unit = units[u]!;
      const span = unit.offsets[unit.offsets.length - 1]!;
      const start = rand() * (DAY - 1 - span);
      // A cascade cut by the end of N loses its latest reposts only (parents come first).
      for (let i = 0; i < unit.items.length && k < n; i++, k++) {
        base[k] = unit.items[i]!;
        round[k] = r;
        at[k] = start + unit.offsets[i]!;
      }
      if (k >= n) break;
    }
    r++;
  }
  const order = Uint32Array.from({ length: n }, (_, i) => i).sort((a, b) => at[a]! - at[b]! || a - b);
  return { base: Int32Array.from(order, (i) => base[i]!), round: Int32Array.from(order, (i) => round[i]!), at: Float64Array.from(order, (i) => at[i]!), rounds: r };
}

// ---------------------------------------------------------------- the system

interface Service {
  name: string;
  child: ChildProcess;
  exited: boolean;
  log: WriteStream;
  logPath: string;
  lines: number;
}

/** A port free now on 127.0.0.1 (for the crawler's and analyzer's own GET /metrics). */
async function freePort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const { port } = srv.address() as AddressInfo;
  await new Promise((r) => srv.close(r));
  return port;
}

const id = randomBytes(4).toString('hex');
const metricsToken = randomBytes(24).toString('hex');
const metricsPorts = { analyzer: await freePort(), crawler: await freePort() };
// Each process's GET /metrics (prom-client's default metrics) gives its V8 heap beside the RSS read from /proc.
const env = {
  DATABASE_SCHEMA: `bench_day_${id}`,
  QUEUE_PREFIX: `yqday:${id}`,
  LOG_LEVEL: 'warn',
  API_PORT: '0',
  METRICS_TOKEN: metricsToken,
  METRICS_PORT_ANALYZER: String(metricsPorts.analyzer),
  METRICS_PORT_CRAWLER: String(metricsPorts.crawler),
};
const cfg = loadConfig(env);
const services: Service[] = [];
let db: Pool | null = null;
let stopping = false;
const timers: NodeJS.Timeout[] = [];

function startService(name: 'api' | 'analyzer' | 'crawler'): Service {
  // eslint-disable-next-line no-restricted-properties -- the child processes' environment, not a setting read here
  const childEnv = { ...process.env, ...env };
  const child = spawn(process.execPath, ['--import', 'tsx', 'services/cli/src/main.ts', name], { cwd: ROOT, env: childEnv, stdio: ['ignore', 'pipe', 'pipe'] });
  const logPath = `/tmp/yuqing-bench-day-${id}-${name}.log`;
  const s: Service = { name, child, exited: false, log: createWriteStream(logPath), logPath, lines: 0 };
  const onLines = (chunk: Buffer) => {
    s.log.write(chunk);
    for (const line of chunk.toString().split('\n')) {
      if (!line.trim()) continue;
      s.lines++;
      if (s.lines <= 5) console.error(`  [${name}] ${line.slice(0, 400)}`);
      else if (s.lines === 6) console.error(`  [${name}] … more in ${logPath}`);
    }
  };
  child.stderr!.on('data', onLines);
  child.stdout!.on('data', (c: Buffer) => s.log.write(c));
  child.on('exit', (code, signal) => {
    s.exited = true;
    if (!stopping) console.error(`  [${name}] exited unexpectedly (code ${code}, signal ${signal}); see ${logPath}`);
  });
  services.push(s);
  return s;
}

/** The API's address, from the line `yuqing api` prints when listening (API_PORT=0: a free port). */
function apiUrl(s: Service): Promise<string> {
  return new Promise((resolve, reject) => {
    let buf = '';
    const onData = (c: Buffer) => {
      buf += c.toString();
      const m = /API listening on (\S+)/.exec(buf);
      if (m) {
        s.child.stdout!.off('data', onData);
        resolve(m[1]!);
      }
    };
    s.child.stdout!.on('data', onData);
    s.child.once('exit', () => reject(new Error(`yuqing api exited before listening; see ${s.logPath}`)));
  });
}

function rssOf(pid: number | undefined): number {
  if (pid === undefined) return NaN;
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) * 1024 : NaN;
  } catch {
    return NaN;
  }
}

/** V8 heap in use (bytes) of a service, from its GET /metrics; NaN when it cannot be read. */
async function heapOf(name: string, api: string): Promise<number> {
  const url = name === 'api' ? `${api}/metrics` : `http://127.0.0.1:${metricsPorts[name as 'analyzer' | 'crawler']}/metrics`;
  try {
    const res = await fetch(url, { headers: { authorization: `Bearer ${metricsToken}` }, signal: AbortSignal.timeout(5000) });
    const m = /^nodejs_heap_size_used_bytes (\S+)$/m.exec(await res.text());
    return m ? Number(m[1]) : NaN;
  } catch {
    return NaN;
  }
}

async function stopService(s: Service): Promise<void> {
  if (s.exited) return;
  const exited = new Promise<void>((r) => s.child.once('exit', () => r()));
  s.child.kill('SIGTERM');
  const killer = setTimeout(() => s.child.kill('SIGKILL'), 10_000);
  await exited;
  clearTimeout(killer);
}

let cleaning: Promise<void> | null = null;
/** Stops everything this run started and removes its data; safe to call twice and after a failure anywhere. */
function cleanup(): Promise<void> {
  cleaning ??= (async () => {
    stopping = true;
    for (const t of timers) clearInterval(t);
    await Promise.all(services.map((s) => stopService(s).catch(() => undefined)));
    for (const s of services) s.log.end();
    // A copy statement may still run in one of our sessions (Ctrl-C mid-grow): end our sessions, never others'.
    const admin = new pg.Client({ connectionString: cfg.DATABASE_URL });
    try {
      await admin.connect();
      await admin.query('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = $1 AND pid <> pg_backend_pid()', [`bench-day-${id}`]);
      if (args.keep) console.log(`--keep: schema ${cfg.DATABASE_SCHEMA} kept (DROP SCHEMA ${cfg.DATABASE_SCHEMA} CASCADE when done)`);
      else await admin.query(`DROP SCHEMA IF EXISTS ${cfg.DATABASE_SCHEMA} CASCADE`);
    } catch (err) {
      console.error(`cleanup: could not drop schema ${cfg.DATABASE_SCHEMA}: ${String(err)}`);
    } finally {
      await admin.end().catch(() => undefined);
    }
    await db?.end().catch(() => undefined);
    const redis = createRedis(cfg.REDIS_URL, 'producer', { enableOfflineQueue: true });
    try {
      await deleteKeysWithPrefix(redis, cfg.QUEUE_PREFIX);
    } catch (err) {
      console.error(`cleanup: could not delete Redis keys ${cfg.QUEUE_PREFIX}:*: ${String(err)}`);
    } finally {
      redis.disconnect();
    }
  })();
  return cleaning;
}

let interrupted = 0;
for (const sig of ['SIGINT', 'SIGTERM'] as const) {
  process.on(sig, () => {
    if (++interrupted > 1) process.exit(130);
    console.error(`\n${sig}: stopping the processes and removing the bench's data…`);
    void cleanup().finally(() => process.exit(130));
  });
}

// ---------------------------------------------------------------- measuring

interface Sample {
  t: number;
  items: number;
  analysed: number;
  placed: number;
  analyzeWaiting: number;
  analyzeActive: number;
  topicsWaiting: number;
  topicsActive: number;
  /** The topic stage's event-time clock (ms), 0 before its first batch. */
  stageClock: number;
  rss: Record<string, number>;
  heap: Record<string, number>;
  load1: number;
}

async function counts(pool: Pool): Promise<{ items: number; analysed: number; placed: number; stageClock: number }> {
  const { rows } = await pool.query<{ items: number; analysed: number; placed: number; clock: Date | null }>(
    `SELECT (SELECT count(*) FROM items)::int AS items, (SELECT count(*) FROM item_analysis)::int AS analysed,
            (SELECT count(*) FROM story_items)::int AS placed, (SELECT clock FROM topic_stage_state) AS clock`,
  );
  const r = rows[0]!;
  return { items: r.items, analysed: r.analysed, placed: r.placed, stageClock: r.clock?.getTime() ?? 0 };
}

/** Sum of every partition's table, index and TOAST bytes (pg_total_relation_size of a partitioned parent is 0). */
async function relationBytes(pool: Pool, table: string): Promise<number> {
  const { rows } = await pool.query<{ b: string | null }>('SELECT sum(pg_total_relation_size(relid))::text AS b FROM pg_partition_tree($1::regclass)', [table]);
  return Number(rows[0]?.b ?? 0);
}

async function freeDisk(pool: Pool): Promise<number> {
  let dir = '/';
  try {
    dir = (await pool.query<{ d: string }>('SELECT current_setting($1) AS d', ['data_directory'])).rows[0]?.d ?? '/';
  } catch {
    // not allowed to read it: the root file system
  }
  try {
    const s = statfsSync(dir);
    return s.bavail * s.bsize;
  } catch {
    const s = statfsSync('/');
    return s.bavail * s.bsize;
  }
}

interface SearchFigures {
  sequential: number[];
  concurrent: number[];
  errors: number;
  wallConcurrent: number;
}

async function searchBench(api: string, token: string, label: string, pool: Pool): Promise<void> {
  const one = async (q: string): Promise<number> => {
    const started = performance.now();
    const res = await fetch(`${api}/api/items?q=${encodeURIComponent(q)}`, { headers: { authorization: `Bearer ${token}` } });
    const body = (await res.json()) as { items?: unknown[] };
    if (res.status !== 200 || !Array.isArray(body.items)) throw new Error(`GET /api/items?q=${q}: ${res.status} ${JSON.stringify(body).slice(0, 300)}`);
    return performance.now() - started;
  };
  // Warm-up (not counted): the API loads its segmentation dictionary on the first search.
  for (let i = 0; i < 20; i++) await one(KEYWORDS[i % KEYWORDS.length]!);
  const f: SearchFigures = { sequential: [], concurrent: [], errors: 0, wallConcurrent: 0 };
  const byKeyword = new Map<string, number[]>(KEYWORDS.map((k) => [k, []]));
  for (let i = 0; i < 200; i++) {
    try {
      const k = KEYWORDS[i % KEYWORDS.length]!;
      const ms = await one(k);
      f.sequential.push(ms);
      byKeyword.get(k)!.push(ms);
    } catch (err) {
      f.errors++;
      if (f.errors === 1) console.error(String(err));
    }
  }
  const CONC = 8;
  const wall = performance.now();
  await Promise.all(
    Array.from({ length: CONC }, async (_, c) => {
      for (let i = 0; i < 25; i++) {
        try {
          f.concurrent.push(await one(KEYWORDS[(c + i) % KEYWORDS.length]!));
        } catch (err) {
          f.errors++;
          if (f.errors === 1) console.error(String(err));
        }
      }
    }),
  );
  f.wallConcurrent = performance.now() - wall;
  const rare: string[] = [];
  for (const k of RARE_KEYWORDS) {
    const xs: number[] = [];
    for (let i = 0; i < 5; i++) xs.push(await one(k));
    rare.push(`${k} p50 ${percentile(xs, 50).toFixed(0)} / max ${Math.max(...xs).toFixed(0)} ms`);
  }
  // Rows matching each keyword, segmented as the API segments a query.
  const matches: string[] = [];
  for (const k of [...KEYWORDS, ...RARE_KEYWORDS]) {
    const { rows } = await pool.query<{ n: number }>('SELECT count(*)::int AS n FROM item_analysis WHERE search @@ $1::tsquery', [tsqueryOf(await searchTerms(k))]);
    matches.push(`${k} ${fmt(rows[0]?.n ?? 0)}`);
  }
  const line = (xs: number[]) => `p50 ${percentile(xs, 50).toFixed(1)} ms, p99 ${percentile(xs, 99).toFixed(1)} ms, max ${Math.max(...xs).toFixed(1)} ms`;
  console.log(`search at ${label} (GET /api/items?q=, first page of 50, keywords ${KEYWORDS.join(' ')}; load ${load()}):`);
  console.log(`  200 sequential: ${line(f.sequential)}`);
  console.log(`    by keyword (40 each): ${[...byKeyword].map(([k, xs]) => `${k} p50 ${percentile(xs, 50).toFixed(0)} / p99 ${percentile(xs, 99).toFixed(0)} ms`).join('; ')}`);
  console.log(`  200 by ${CONC} concurrent clients: ${line(f.concurrent)}; ${(f.concurrent.length / (f.wallConcurrent / 1000)).toFixed(0)} req/s`);
  console.log(`  rare keywords, 5 sequential each: ${rare.join('; ')}`);
  console.log(`  errors ${f.errors}; rows matching each keyword: ${matches.join(', ')}`);
}

// ---------------------------------------------------------------- growing the table

const ITEM_COLUMNS = [
  'source_id',
  'url',
  'url_hash',
  'origin',
  'external_id',
  'parent_url_hash',
  'title',
  'summary',
  'text',
  'author',
  'author_info',
  'metrics',
  'language',
  'source_name',
  'published_at',
  'fetched_at',
  'evidence_sha256',
  'extra',
  'analyzed_at',
  'enqueued_at',
  'topic_enqueued_at',
];

async function columnsOf(pool: Pool, table: string): Promise<string[]> {
  const { rows } = await pool.query<{ c: string }>(
    `SELECT column_name AS c FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = $1 ORDER BY ordinal_position`,
    [table],
  );
  return rows.map((r) => r.c);
}

/**
 * Copies the stored items (ids ≤ lastOriginal) with their analyses until `target` rows: copy k of an
 * item gets the next id of items_id_seq, url `<url>#copy<k>` and its sha256 as url_hash, and is
 * published and fetched k days earlier. One statement per chunk: both tables, one id mapping.
 */
async function grow(pool: Pool, target: number): Promise<void> {
  const { rows: r0 } = await pool.query<{ n: number; first: string; last: string }>('SELECT count(*)::int AS n, min(id)::text AS first, max(id)::text AS last FROM items');
  const stored = r0[0]!.n;
  const lastOriginal = r0[0]!.last;
  if (target <= stored || stored === 0) return;
  // Every column is copied (a column added by a later migration too); the few that must differ are set here.
  const analysisCols = (await columnsOf(pool, 'item_analysis')).filter((c) => c !== 'item_id');
  const itemCols = await columnsOf(pool, 'items');
  const unknown = itemCols.filter((c) => c !== 'id' && !ITEM_COLUMNS.includes(c));
  const copied = [...ITEM_COLUMNS.filter((c) => itemCols.includes(c)), ...unknown];
  const expr = (c: string): string => {
    if (c === 'url') return `i.url || $3::text`;
    if (c === 'url_hash') return `encode(sha256(convert_to(i.url || $3::text, 'UTF8')), 'hex')`;
    if (c === 'published_at' || c === 'fetched_at') return `i.${c} - make_interval(days => $4::int)`;
    return `i.${c}`;
  };
  const sql = `WITH src AS MATERIALIZED (
      SELECT old_id, nextval('items_id_seq') AS new_id FROM (
        SELECT id AS old_id FROM items WHERE id > $1::bigint AND id <= ${lastOriginal} ORDER BY id LIMIT $2
      ) o
    ), ins AS (
      INSERT INTO items (id, ${copied.join(', ')})
      SELECT s.new_id, ${copied.map(expr).join(', ')} FROM src s JOIN items i ON i.id = s.old_id
      RETURNING 1
    ), done AS (
      INSERT INTO item_analysis (item_id, ${analysisCols.join(', ')})
      SELECT s.new_id, ${analysisCols.map((c) => `a.${c}`).join(', ')} FROM src s JOIN item_analysis a ON a.item_id = s.old_id
      RETURNING 1
    )
    SELECT (SELECT count(*) FROM ins)::int AS items, (SELECT count(*) FROM done)::int AS analyses, (SELECT max(old_id) FROM src)::text AS last`;
  let total = stored;
  const started = performance.now();
  for (let copy = 1; total < target; copy++) {
    let after = '0';
    while (total < target) {
      const free = await freeDisk(pool);
      if (free < DISK_RESERVE) throw new Error(`only ${gb(free)} free on the database's disk: growth stopped at ${fmt(total)} rows`);
      const t = performance.now();
      const { rows } = await pool.query<{ items: number; analyses: number; last: string | null }>(sql, [after, Math.min(COPY_CHUNK, target - total), `#copy${copy}`, copy]);
      const r = rows[0]!;
      if (!r.items || r.last === null) break;
      total += r.items;
      after = r.last;
      console.log(
        `  copy ${copy}: +${fmt(r.items)} items, +${fmt(r.analyses)} analyses in ${((performance.now() - t) / 1000).toFixed(1)} s → ${fmt(total)} rows (${((performance.now() - started) / 60_000).toFixed(1)} min; ${gb(free)} free; load ${load()})`,
      );
    }
  }
  const t = performance.now();
  await pool.query('ANALYZE items');
  await pool.query('ANALYZE item_analysis');
  console.log(`  ANALYZE items, item_analysis: ${((performance.now() - t) / 1000).toFixed(1)} s`);
}

// ---------------------------------------------------------------- the run

async function main(): Promise<number> {
  for (const f of [['events', 'replay-dev.jsonl.gz'], ['events', 'ced-police-cascades-dev.jsonl.gz'], ['events', 'thucnews-titles-dev.tsv'], ['sentiment', 'osm-weibo-train.jsonl'], ['police', 'dev.jsonl'], ['police', 'dev2.jsonl']]) {
    if (!existsSync(sharedPath(...f))) {
      console.error(`bench:day needs ${sharedPath(...f)} (../shared/data); not found`);
      return 2;
    }
  }
  console.log(`bench:day — ${fmt(N)} items through the live system, then search at ${GROW_TO > N ? fmt(GROW_TO) : 'no grown'} rows; schema ${cfg.DATABASE_SCHEMA}, prefix ${cfg.QUEUE_PREFIX}`);
  console.log(`load average at start: ${load()} (2-core machine shared with other work)`);

  const { corpus, units, counts: from } = await loadCorpus();
  const plan = schedule(units, N, mulberry32(SEED));
  console.log(
    `corpus: ${fmt(corpus.length)} distinct real texts (${Object.entries(from).map(([k, v]) => `${k} ${fmt(v)}`).join(', ')}); ` +
      `${fmt(units.length)} units; the day takes ${plan.rounds} round(s) of them`,
  );
  const T0 = Date.now() - DAY;
  const simHour = (ms: number): string => {
    const h = Math.max(0, (ms - T0) / HOUR);
    return `${String(Math.floor(h)).padStart(2, '0')}:${String(Math.floor((h % 1) * 60)).padStart(2, '0')}`;
  };
  const itemAt = (k: number): Record<string, unknown> => {
    const b = corpus[plan.base[k]!]!;
    const r = plan.round[k]!;
    const o: Record<string, unknown> = { id: `${b.id}~${r}`, source: b.source, text: b.text, publishedAt: new Date(T0 + plan.at[k]!).toISOString() };
    if (b.title) o.title = b.title;
    if (b.parent >= 0) o.parentId = `${corpus[b.parent]!.id}~${r}`;
    if (b.metrics) o.metrics = b.metrics;
    if (b.author) o.author = b.author;
    return o;
  };

  // The schema, the pushing crawler's token, a reader's token, the default alert rule.
  db = createPool({ url: cfg.DATABASE_URL, schema: cfg.DATABASE_SCHEMA, max: 4, applicationName: `bench-day-${id}` });
  await migrate(db, cfg.DATABASE_SCHEMA);
  const token = async (name: string, role: 'ingest' | 'analyst'): Promise<string> => {
    const user = await insertUser(db!, { name, displayName: name, role, passwordHash: null });
    const t = newApiToken();
    await insertApiToken(db!, { userId: user!.id, name: `${name} token`, hash: t.hash, prefix: t.prefix });
    return t.token;
  };
  const pushToken = await token('bench-crawler', 'ingest');
  const readToken = await token('bench-analyst', 'analyst');
  await insertAlertRule(db, { spec: ruleSchema.parse({ name: '涉警负面预警（黄色及以上）' }) });
  const settings = await db.query<{ name: string; value: string }>(
    `SELECT name, current_setting(name) AS value FROM pg_settings WHERE name IN ('server_version', 'autovacuum', 'shared_buffers', 'work_mem', 'max_wal_size', 'synchronous_commit') ORDER BY name`,
  );
  console.log(`PostgreSQL: ${settings.rows.map((r) => `${r.name} ${r.value}`).join(', ')}`);

  const apiService = startService('api');
  const api = await apiUrl(apiService);
  startService('analyzer');
  startService('crawler');
  const producer = createRedis(cfg.REDIS_URL, 'producer');
  const analyzeQueue = createAnalyzeQueue(producer, cfg.QUEUE_PREFIX);
  const topicQueue = createTopicQueue(producer, cfg.QUEUE_PREFIX);
  try {
    // Ready when the analyzer consumes analysis and leads the topic stage (its worker on the topics queue).
    const readySince = performance.now();
    while ((await analyzeQueue.getWorkersCount()) < 1 || (await topicQueue.getWorkersCount()) < 1) {
      if (services.some((s) => s.exited)) throw new Error('a service exited while starting');
      if (performance.now() - readySince > 120_000) throw new Error('the analyzer did not start within 120 s');
      await sleep(250);
    }
    console.log(`services up in ${((performance.now() - readySince) / 1000).toFixed(1)} s: API ${api}, pids api ${services[0]!.child.pid}, analyzer ${services[1]!.child.pid}, crawler ${services[2]!.child.pid}`);

    // Sampling: counts, queues, RSS, load.
    const samples: Sample[] = [];
    let inFlight = 0;
    const t0 = performance.now();
    let sampling = false;
    const sample = async (): Promise<Sample | null> => {
      if (sampling) return null;
      sampling = true;
      try {
        const [c, a, q, heaps] = await Promise.all([
          counts(db!),
          analyzeQueue.getJobCounts('waiting', 'active', 'delayed'),
          topicQueue.getJobCounts('waiting', 'active', 'delayed'),
          Promise.all(services.map(async (sv) => [sv.name, await heapOf(sv.name, api)] as const)),
        ]);
        const s: Sample = {
          t: performance.now() - t0,
          ...c,
          analyzeWaiting: (a.waiting ?? 0) + (a.delayed ?? 0),
          analyzeActive: a.active ?? 0,
          topicsWaiting: (q.waiting ?? 0) + (q.delayed ?? 0),
          topicsActive: q.active ?? 0,
          rss: Object.fromEntries(services.map((sv) => [sv.name, rssOf(sv.child.pid)])),
          heap: Object.fromEntries(heaps),
          load1: loadavg()[0]!,
        };
        samples.push(s);
        return s;
      } finally {
        sampling = false;
      }
    };
    const describe = (s: Sample): string =>
      `  ${String(Math.round(s.t / 1000)).padStart(5)} s  items ${fmt(s.items).padStart(9)}  analysed ${fmt(s.analysed).padStart(9)}  placed ${fmt(s.placed).padStart(9)}` +
      `  | waiting analyze ${fmt(s.analyzeWaiting).padStart(6)} topics ${fmt(s.topicsWaiting).padStart(6)}  | stage clock ${s.stageClock ? simHour(s.stageClock) : '--:--'}` +
      `  | RSS/heap ${services.map((sv) => `${sv.name} ${fmt(s.rss[sv.name]! / 2 ** 20)}/${fmt(s.heap[sv.name]! / 2 ** 20)}`).join(' ')} MB  | load ${s.load1.toFixed(1)}`;
    let lastPrint = -Infinity;
    timers.push(
      setInterval(() => {
        sample()
          .then((s) => {
            if (s && s.t - lastPrint >= PRINT_MS) {
              lastPrint = s.t;
              console.log(describe(s));
            }
          })
          .catch((err: unknown) => console.error(`sample failed: ${String(err)}`));
      }, SAMPLE_MS),
    );
    // Back-pressure reading, more often than the samples.
    timers.push(
      setInterval(() => {
        Promise.all([analyzeQueue.getJobCounts('waiting', 'delayed'), topicQueue.getJobCounts('waiting', 'delayed')])
          .then(([a, q]) => (inFlight = (a.waiting ?? 0) + (a.delayed ?? 0) + (q.waiting ?? 0) + (q.delayed ?? 0)))
          .catch(() => undefined);
      }, 500),
    );

    // Push.
    console.log(`pushing: ${PUSHERS} pushers × ${BATCH}-item batches, pausing while > ${MAX_BACKLOG ? fmt(MAX_BACKLOG) : '∞'} items wait in the queues; sim day ${new Date(T0).toISOString()} → ${new Date(T0 + DAY).toISOString()}`);
    console.log('  time      stored / analysed / placed (PostgreSQL)              | queues (waiting)               | topic stage event time | RSS / V8 heap used | load');
    const push = { inserted: 0, duplicates: 0, invalid: 0, requests: 0, throttledMs: 0, latencies: [] as number[], firstInvalid: '' };
    let next = 0;
    const pushStarted = performance.now();
    await Promise.all(
      Array.from({ length: PUSHERS }, async () => {
        while (next < N) {
          if (stopping) throw new Error('stopped');
          if (services.some((s) => s.exited)) throw new Error('a service exited during the push');
          if (MAX_BACKLOG && inFlight > MAX_BACKLOG) {
            const w = performance.now();
            await sleep(200);
            push.throttledMs += performance.now() - w;
            continue;
          }
          const from = next;
          next = Math.min(N, next + BATCH);
          const body: Array<Record<string, unknown>> = [];
          for (let k = from; k < next; k++) body.push(itemAt(k));
          const started = performance.now();
          const res = await fetch(`${api}/api/items`, { method: 'POST', headers: { authorization: `Bearer ${pushToken}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
          const text = await res.text();
          push.latencies.push(performance.now() - started);
          push.requests++;
          if (res.status !== 200) throw new Error(`POST /api/items (${body.length} items): ${res.status} ${text.slice(0, 500)}`);
          const r = JSON.parse(text) as { inserted: number; duplicates: number; invalid: Array<{ index: number; error: string }> };
          push.inserted += r.inserted;
          push.duplicates += r.duplicates;
          push.invalid += r.invalid.length;
          if (r.invalid.length && !push.firstInvalid) push.firstInvalid = JSON.stringify({ item: body[r.invalid[0]!.index], error: r.invalid[0]!.error }).slice(0, 500);
        }
      }),
    );
    const pushSeconds = (performance.now() - pushStarted) / 1000;
    console.log(
      `push done: ${fmt(N)} items in ${fmt(push.requests)} requests, ${pushSeconds.toFixed(1)} s (${fmt(N / pushSeconds)} items/s offered; paused ${(push.throttledMs / 1000 / PUSHERS).toFixed(0)} s per pusher for back-pressure); ` +
        `inserted ${fmt(push.inserted)}, duplicates ${fmt(push.duplicates)}, invalid ${fmt(push.invalid)}; POST latency p50 ${percentile(push.latencies, 50).toFixed(0)} ms, p99 ${percentile(push.latencies, 99).toFixed(0)} ms`,
    );
    if (push.firstInvalid) console.log(`  first invalid: ${push.firstInvalid}`);

    // Until every stored item is analysed and placed (or nothing moves for 3 minutes).
    let analysedAt = NaN;
    let lastProgress = performance.now();
    let lastPlaced = -1;
    let c = await counts(db);
    while (c.placed < c.items) {
      if (services.some((s) => s.exited)) throw new Error('a service exited while the pipeline drained');
      if (Number.isNaN(analysedAt) && c.analysed >= c.items) analysedAt = performance.now();
      if (c.placed !== lastPlaced) {
        lastPlaced = c.placed;
        lastProgress = performance.now();
      } else if (performance.now() - lastProgress > 180_000) {
        console.log(`STALLED: ${fmt(c.placed)} of ${fmt(c.items)} items placed, nothing for 180 s`);
        break;
      }
      await sleep(2000);
      c = await counts(db);
    }
    const doneAt = performance.now();
    if (Number.isNaN(analysedAt)) analysedAt = doneAt;
    for (const t of timers.splice(0)) clearInterval(t);
    while (sampling) await sleep(50);
    const last = await sample();
    if (last) console.log(describe(last));
    const e2e = (doneAt - pushStarted) / 1000;
    console.log('');
    console.log(`END TO END: ${fmt(c.placed)} of ${fmt(c.items)} stored items analysed and placed in ${e2e.toFixed(1)} s = ${fmt(c.placed / e2e)} items/s (first push → last placement); all analysed after ${((analysedAt - pushStarted) / 1000).toFixed(1)} s`);
    const within = samples.filter((s) => s.placed >= 0.1 * N && s.placed <= 0.9 * N);
    if (within.length >= 2) {
      const a = within[0]!;
      const b = within[within.length - 1]!;
      console.log(`  steady state (10 %–90 % placed): ${fmt((b.placed - a.placed) / ((b.t - a.t) / 1000))} items/s placed, ${fmt((b.analysed - a.analysed) / ((b.t - a.t) / 1000))} items/s analysed`);
    }

    // Queue lag over time: every sample is in `samples`; printed condensed (about 20 rows).
    const step = Math.max(1, Math.ceil(samples.length / 20));
    console.log(`queue lag (waiting jobs; ${samples.length} samples every ${SAMPLE_MS / 1000} s, every ${step}. shown):`);
    for (let i = 0; i < samples.length; i += step) {
      const s = samples[i]!;
      console.log(`  ${String(Math.round(s.t / 1000)).padStart(5)} s  analyze ${fmt(s.analyzeWaiting).padStart(7)} (+${s.analyzeActive} active)  topics ${fmt(s.topicsWaiting).padStart(7)} (+${s.topicsActive} active)  placed ${fmt(s.placed).padStart(9)}  stage clock ${s.stageClock ? simHour(s.stageClock) : '--:--'}`);
    }
    const maxOf = (f: (s: Sample) => number) => Math.max(...samples.map(f));
    console.log(`  max waiting: analyze ${fmt(maxOf((s) => s.analyzeWaiting))}, topics ${fmt(maxOf((s) => s.topicsWaiting))}`);

    // RSS after warm-up: flat or not.
    const warm = samples.findIndex((s) => s.placed >= 0.1 * N);
    const after = warm >= 0 ? samples.slice(warm) : [];
    if (after.length) {
      console.log(`RSS after warm-up (from ${Math.round(after[0]!.t / 1000)} s, ${fmt(after[0]!.placed)} items placed, to ${fmt(after[after.length - 1]!.placed)}; ${after.length} samples; /proc/<pid>/status VmRSS; V8 heap used from the process's GET /metrics):`);
      const spread = (xs: number[]): string => {
        const first = xs[0]!;
        const lastX = xs[xs.length - 1]!;
        return `first ${mb(first)}, last ${mb(lastX)}, max ${mb(Math.max(...xs))} (last − first ${lastX >= first ? '+' : ''}${mb(lastX - first)})`;
      };
      for (const sv of services) {
        const rss = after.map((s) => s.rss[sv.name]!).filter((x) => Number.isFinite(x));
        const heap = after.map((s) => s.heap[sv.name]!).filter((x) => Number.isFinite(x));
        if (rss.length) console.log(`  ${sv.name.padEnd(8)} RSS  ${spread(rss)}`);
        if (heap.length) {
          // Heap in use counts garbage until the next major GC; the lowest reading of each quarter is close to what is live.
          const q = Math.ceil(heap.length / 4);
          const lows = [0, 1, 2, 3].map((k) => heap.slice(k * q, (k + 1) * q)).filter((xs) => xs.length).map((xs) => fmt(Math.min(...xs) / 2 ** 20));
          console.log(`  ${''.padEnd(8)} heap ${spread(heap)}; lowest in each quarter ${lows.join(' → ')} MB`);
        }
      }
    } else console.log('RSS after warm-up: no sample after warm-up (run too short)');

    // Warnings and alerts.
    const levels = await db.query<{ level: string; n: number; topics: number }>(
      `SELECT level, count(*)::int AS n, count(DISTINCT topic_id)::int AS topics FROM topic_level_changes WHERE applied GROUP BY level ORDER BY array_position(ARRAY['blue','yellow','orange','red','none'], level)`,
    );
    const topicRows = await db.query<{ topics: number; open: number; stories: number }>(
      `SELECT (SELECT count(*) FROM topics WHERE status <> 'merged')::int AS topics, (SELECT count(*) FROM topics WHERE status = 'open')::int AS open, (SELECT count(*) FROM stories)::int AS stories`,
    );
    const finalLevels = await db.query<{ level: string; n: number }>(`SELECT level, count(*)::int AS n FROM topics WHERE status <> 'merged' AND level <> 'none' GROUP BY level ORDER BY array_position(ARRAY['blue','yellow','orange','red'], level)`);
    const alerts = await db.query<{ level: string; n: number }>(`SELECT level, count(*)::int AS n FROM alerts WHERE kind = 'topic' GROUP BY level ORDER BY array_position(ARRAY['blue','yellow','orange','red'], level)`);
    const t = topicRows.rows[0]!;
    console.log(`topics: ${fmt(t.topics)} (${fmt(t.open)} open), stories ${fmt(t.stories)}`);
    console.log(`warnings raised (topic_level_changes, applied): ${levels.rows.map((r) => `${r.level} ${fmt(r.n)} (${fmt(r.topics)} topics)`).join(', ') || 'none'}`);
    console.log(`topics by level at the end of the day: ${finalLevels.rows.map((r) => `${r.level} ${fmt(r.n)}`).join(', ') || 'none'}; alerts (default rule: police-negative, yellow+): ${alerts.rows.map((r) => `${r.level} ${fmt(r.n)}`).join(', ') || 'none'}`);

    // What the day cost PostgreSQL in row versions: every update writes a whole new row (dead ones wait for vacuum).
    const churn = await db.query<{ t: string; ins: string; upd: string; hot: string; dead: string; bytes: string }>(
      `SELECT regexp_replace(relname, '_(p\\d{4}_\\d{2}|legacy)$', '') AS t, sum(n_tup_ins)::text AS ins, sum(n_tup_upd)::text AS upd,
              sum(n_tup_hot_upd)::text AS hot, sum(n_dead_tup)::text AS dead, sum(pg_total_relation_size(relid))::text AS bytes
       FROM pg_stat_user_tables WHERE schemaname = current_schema()
       GROUP BY 1 HAVING sum(n_tup_upd) > 0 OR sum(pg_total_relation_size(relid)) > 10 * 2 ^ 20 ORDER BY sum(pg_total_relation_size(relid)) DESC LIMIT 8`,
    );
    console.log('PostgreSQL row churn of the day (pg_stat_user_tables, partitions summed):');
    for (const r of churn.rows) {
      console.log(`  ${r.t.padEnd(16)} inserted ${fmt(Number(r.ins)).padStart(10)}, updated ${fmt(Number(r.upd)).padStart(10)} (HOT ${fmt(Number(r.hot))}), dead now ${fmt(Number(r.dead)).padStart(10)}, size ${mb(Number(r.bytes))}`);
    }

    // Search at N rows, on fresh planner statistics: what autovacuum gives a production server within
    // minutes (it is off on some development servers, this one's setting is printed above).
    console.log('');
    const analyzeStarted = performance.now();
    await db.query('ANALYZE items');
    await db.query('ANALYZE item_analysis');
    console.log(`ANALYZE items, item_analysis: ${((performance.now() - analyzeStarted) / 1000).toFixed(1)} s`);
    await searchBench(api, readToken, `${fmt(c.items)} rows`, db);

    // Grow and search again.
    if (GROW_TO > c.items) {
      const itemsBytes = await relationBytes(db, 'items');
      const analysisBytes = await relationBytes(db, 'item_analysis');
      const perRow = (itemsBytes + analysisBytes) / Math.max(1, c.items);
      const need = perRow * (GROW_TO - c.items) * 1.2;
      const free = await freeDisk(db);
      console.log('');
      console.log(`growing to ${fmt(GROW_TO)} rows: ${fmt(perRow)} bytes per item now (items ${gb(itemsBytes)} + item_analysis ${gb(analysisBytes)}), ~${gb(need)} needed, ${gb(free)} free`);
      if (free - need < DISK_RESERVE) {
        console.log(`NOT GROWN: it would leave less than ${gb(DISK_RESERVE)} free`);
      } else {
        // The crawler's and analyzer's reconcilers would take the copies (analysed, never placed) for new work.
        console.log('  stopping the crawler and the analyzer (the API keeps serving)');
        stopping = true;
        await Promise.all(services.filter((s) => s.name !== 'api').map(stopService));
        stopping = false;
        const started = performance.now();
        await grow(db, GROW_TO);
        const rows = (await db.query<{ n: number }>('SELECT count(*)::int AS n FROM items')).rows[0]!.n;
        console.log(`  grown to ${fmt(rows)} rows in ${((performance.now() - started) / 60_000).toFixed(1)} min`);
        console.log('');
        await searchBench(api, readToken, `${fmt(rows)} rows`, db);
      }
    }
    const itemsBytes = await relationBytes(db, 'items');
    const analysisBytes = await relationBytes(db, 'item_analysis');
    console.log(`sizes (all partitions, indexes and TOAST): items ${gb(itemsBytes)}, item_analysis ${gb(analysisBytes)}; ${gb(await freeDisk(db))} free on the database's disk; load ${load()}`);
    for (const sv of services) if (sv.lines) console.log(`${sv.name}: ${sv.lines} log lines at warn or above (${sv.logPath})`);
    return c.placed === c.items && push.invalid === 0 ? 0 : 1;
  } finally {
    await analyzeQueue.close().catch(() => undefined);
    await topicQueue.close().catch(() => undefined);
    producer.disconnect();
  }
}

let code = 1;
try {
  code = await main();
} catch (err) {
  // After Ctrl-C the run's own stopping makes main fail: not worth a stack.
  if (!interrupted) console.error(err instanceof Error ? (err.stack ?? err.message) : String(err));
  code = 1;
} finally {
  await cleanup();
}
process.exit(code);
