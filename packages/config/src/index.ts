/**
 * The one place that reads the environment. Every setting is parsed and validated once, at start;
 * a bad value stops the process with one message listing every bad key, not the first one found.
 */
import { z } from 'zod';

const bool = z
  .enum(['true', 'false', '1', '0', 'yes', 'no'])
  .transform((v) => v === 'true' || v === '1' || v === 'yes');
const int = (min: number, max = Number.MAX_SAFE_INTEGER) => z.coerce.number().int().min(min).max(max);
const list = z.string().transform((v) =>
  v
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean),
);

/** A prefix holding one non-empty Redis Cluster hash tag (`{…}`): all its keys hash to one slot. */
const HASH_TAGGED = /^[A-Za-z0-9:_-]*\{[A-Za-z0-9:_-]+\}[A-Za-z0-9:_-]*$/;

/** One Redis Cluster seed node. */
export interface RedisClusterNode {
  host: string;
  port: number;
}

const clusterNodes = list.pipe(
  z.array(
    z
      .string()
      .regex(/^(\[[0-9A-Fa-f:.]+\]|[^\s:[\]]+):\d{1,5}$/, 'host:port (an IPv6 host in brackets)')
      .transform((v, ctx): RedisClusterNode => {
        const at = v.lastIndexOf(':');
        const port = Number(v.slice(at + 1));
        if (port < 1 || port > 65535) {
          ctx.addIssue({ code: 'custom', message: `"${v}": port out of range` });
          return z.NEVER;
        }
        return { host: v.slice(0, at).replace(/^\[(.*)\]$/, '$1'), port };
      }),
  ),
);

/** True when a queue prefix holds a Redis Cluster hash tag (`{yuqing}`, `yq:{a}`). */
export const isHashTaggedPrefix = (prefix: string): boolean => HASH_TAGGED.test(prefix);

/**
 * The Redis Cluster seed nodes of REDIS_CLUSTER_NODES in `env` (process.env by default); empty:
 * a single Redis at REDIS_URL. createRedis (@yuqing/queue) asks this, so every connection the
 * services make follows the setting without each caller passing it.
 */
export function redisClusterNodes(env: Record<string, string | undefined> = process.env): RedisClusterNode[] {
  const raw = env.REDIS_CLUSTER_NODES;
  if (raw === undefined || raw === '') return [];
  const parsed = clusterNodes.safeParse(raw);
  if (!parsed.success) throw new ConfigError(parsed.error.issues.map((i) => `REDIS_CLUSTER_NODES=${JSON.stringify(raw)}: ${i.message}`));
  return parsed.data;
}

const schema = z.object({
  NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),

  DATABASE_URL: z.string().url().default('postgres://root@127.0.0.1:5432/root'),
  /**
   * A PostgreSQL read replica for the API's heaviest reads (item search and lists, topics and their
   * spread, hot lists, 态势总览 and its stream); unset: everything reads the primary. Writes, and reads
   * that must see a write just made (forms, incidents, alerts, auth), always use DATABASE_URL.
   */
  DATABASE_READ_URL: z.string().url().optional(),
  /** PostgreSQL schema holding yuqing's tables; tests give each run its own. */
  DATABASE_SCHEMA: z.string().regex(/^[a-z_][a-z0-9_]*$/, 'lowercase letters, digits and _ only').default('public'),
  DATABASE_POOL_MAX: int(1, 200).default(10),

  REDIS_URL: z.string().url().default('redis://127.0.0.1:6379'),
  /**
   * Redis Cluster: a comma-separated list of `host:port` seed nodes (any few masters; the rest are
   * discovered). Set, every connection is an ioredis Cluster seeded from these, and REDIS_URL only
   * gives the user, password and TLS (rediss:) of the nodes; QUEUE_PREFIX must then hold a hash tag.
   */
  REDIS_CLUSTER_NODES: clusterNodes.default([]),
  /**
   * Prefix of every BullMQ key and pub/sub channel; tests give each run its own. On a Redis Cluster
   * it must hold a hash tag, e.g. `{yuqing}`, so that every key of a queue (and of the crawler's
   * host gate) lands in one slot: BullMQ's scripts touch several keys at once.
   */
  QUEUE_PREFIX: z
    .string()
    .regex(/^[A-Za-z0-9:_{}-]+$/, 'letters, digits, : _ - and one {hash tag}')
    .refine((v) => !/[{}]/.test(v) || HASH_TAGGED.test(v), 'braces only as one non-empty hash tag, e.g. {yuqing} or yq:{a}')
    .default('yuqing'),

  API_HOST: z.string().default('127.0.0.1'),
  API_PORT: int(0, 65535).default(3000),
  /** How long a login session lasts (absolute, from login). */
  AUTH_SESSION_TTL_MS: int(60_000).default(12 * 3600_000),
  /**
   * Mark the session cookie Secure (sent over HTTPS only). Off by default because intranet
   * deployments often serve plain HTTP, where a Secure cookie would make login impossible.
   */
  AUTH_COOKIE_SECURE: bool.default(false),
  AUTH_COOKIE_NAME: z.string().regex(/^[A-Za-z0-9_-]+$/).default('yuqing_session'),
  /** Failed logins for one name from one address before further attempts get 429, and the window. */
  AUTH_LOGIN_MAX_FAILURES: int(1, 1000).default(5),
  AUTH_LOGIN_WINDOW_MS: int(1000).default(15 * 60_000),
  /**
   * How long an API process remembers who a token or session belongs to (services/api/src/auth-cache.ts).
   * Revocations, disabled users and logouts made through the API or the CLI reach every process at
   * once over Redis; this bounds how long one is missed should that message be lost. 0: no cache.
   */
  AUTH_CACHE_TTL_MS: int(0, 60_000).default(5_000),
  /**
   * How long an API process reuses an alert list response (services/api/src/alerts-list-cache.ts).
   * Every alert change empties the cache at once over Redis; this is the safety net. 0: no cache.
   */
  ALERT_LIST_CACHE_TTL_MS: int(0, 60_000).default(2_000),
  /** Live alert stream (SSE): a comment line this often keeps proxies and the browser from timing out. */
  SSE_HEARTBEAT_MS: int(100, 600_000).default(15_000),
  /** The stream reads new events this often even without a Redis notification (one may be lost). */
  SSE_POLL_MS: int(100, 600_000).default(5_000),
  /** Bytes a client may leave unread before its stream is closed (it reconnects and resumes by id). */
  SSE_MAX_BUFFERED_BYTES: int(4096).default(1024 * 1024),
  /** The reconnect delay the stream asks EventSource to use. */
  SSE_RETRY_MS: int(100, 600_000).default(3_000),
  /**
   * An open stream checks its credential (token or session) against PostgreSQL this often and ends
   * when it is no longer valid (services/api/src/stream/reauth.ts). Revocations, disabled users and
   * logouts end streams at once over Redis, and a session's stream ends at its expiry by a timer;
   * this bounds how long one is missed should that message be lost.
   */
  SSE_REAUTH_MS: int(100, 3_600_000).default(60_000),

  /** How many crawl jobs one crawler process runs at once. */
  CRAWL_CONCURRENCY: int(1, 256).default(8),
  /** Crawl jobs running at once across every crawler process (BullMQ global concurrency). */
  CRAWL_GLOBAL_CONCURRENCY: int(1, 10_000).default(32),
  /** Minimum gap between two requests to one host, in milliseconds. */
  CRAWL_HOST_GAP_MS: int(0, 600_000).default(1000),
  /** How often the scheduler looks for due sources. */
  CRAWL_TICK_MS: int(100, 600_000).default(2000),
  /** A claimed source is handed out again after this long if its crawl never reports back. */
  CRAWL_LEASE_MS: int(1000).default(10 * 60_000),
  /**
   * How long a stopping service lets work in hand finish (a crawl, an analysis batch, a delivery)
   * before it cuts it: cut work is retried by the next worker (BullMQ's stalled-job check), and
   * every store is idempotent, so nothing is half-stored or lost. Keeps a stop under 5 s.
   */
  SHUTDOWN_GRACE_MS: int(0, 60_000).default(3000),
  /**
   * How often each process declares again what it keeps in Redis (job schedulers, global
   * concurrency), so that a Redis that lost its data is whole again within this time.
   */
  REDIS_REDECLARE_MS: int(1000, 3_600_000).default(60_000),
  HTTP_CONNECT_TIMEOUT_MS: int(100).default(10_000),
  HTTP_TOTAL_TIMEOUT_MS: int(100).default(30_000),
  HTTP_MAX_BYTES: int(1024).default(5 * 1024 * 1024),
  HTTP_MAX_REDIRECTS: int(0, 20).default(5),
  HTTP_USER_AGENT: z.string().min(1).default('yuqing-crawler/0.1 (+public opinion monitoring; contact: PR section)'),
  /** Obey robots.txt unless a source says otherwise. */
  CRAWL_RESPECT_ROBOTS: bool.default(true),
  /**
   * Hosts or CIDR ranges the crawler may reach even though they are loopback, private or
   * link-local (an intranet news site, a test server). Everything else private is refused,
   * so a source URL cannot be used to probe the internal network.
   */
  FETCH_ALLOWLIST: list.default([]),
  /**
   * RSSHub instances for sources of kind `rsshub`, comma-separated base URLs tried in order
   * (http://rsshub:1200 in docker-compose). They are the bureau's own components, so their hosts
   * may be private addresses without being listed in FETCH_ALLOWLIST.
   */
  RSSHUB_URL: list
    .pipe(z.array(z.string().url().refine((u) => /^https?:\/\//i.test(u), 'an http(s) URL')))
    .default([]),
  /** RSSHub's ACCESS_KEY when the instances set one (sent as the per-route `code`, never the key itself). */
  RSSHUB_ACCESS_KEY: z.string().min(1).optional(),
  /** A failing RSSHub instance is tried last for this long, then again in its configured place. */
  RSSHUB_RETRY_FAILING_MS: int(1000).default(5 * 60_000),
  /** Consecutive failures after which a source is marked failing. */
  SOURCE_MAX_FAILURES: int(1, 1000).default(5),
  /** Upper bound of the per-source error backoff. */
  SOURCE_MAX_BACKOFF_MS: int(1000).default(6 * 3600_000),

  /** Items still not analysed this long after being stored are enqueued again. */
  RECONCILE_AFTER_MS: int(1000).default(60_000),
  RECONCILE_EVERY_MS: int(1000).default(30_000),
  /** Raw evidence (fetched bytes) is kept this many days; 0 keeps it forever. */
  EVIDENCE_RETENTION_DAYS: int(0).default(365),
  /**
   * Items (with their analyses) are kept at least this many whole months before the current one,
   * then dropped a month partition at a time; 0 (the default) keeps them forever. Rows stored
   * before the upgrade to month partitions (the legacy partition) are not dropped by this.
   */
  ITEM_RETENTION_MONTHS: int(0).default(0),
  /** Hot-list snapshots (every poll's ranks) are kept this long; 0 keeps them forever. Entries stay. */
  HOT_LIST_RETENTION_DAYS: int(0).default(90),

  /** Worker threads running the analysis engine in one analyzer process (0: one per CPU core but one). */
  ANALYZER_THREADS: int(0, 64).default(0),
  /** Analyze jobs one analyzer process holds at once; batches form from these. */
  ANALYZER_CONCURRENCY: int(1, 5000).default(200),
  /** Items analysed and stored per batch, and how long a batch waits to fill. */
  ANALYZER_BATCH_SIZE: int(1, 5000).default(100),
  ANALYZER_BATCH_WAIT_MS: int(0, 10_000).default(20),
  /** Characters of one item that are analysed (a 5 MB text is cut here). */
  ANALYZER_MAX_CHARS: int(100, 5_000_000).default(20_000),
  /** A model trained by `yuqing train`, combined with the lexicon scores when set. */
  ANALYZER_MODEL_FILE: z.string().optional(),
  /** The bureau's jurisdiction gazetteer (JSON list of {name, aliases?, kind}). */
  JURISDICTION_FILE: z.string().optional(),
  /**
   * Police-negative score at or above which an item is flagged (0 < t < 1); unset: the engine's own
   * default (createAnalyzer's, @yuqing/nlp). Lower trades precision for recall (eval:analyze prints the curve).
   */
  POLICE_NEGATIVE_THRESHOLD: z.coerce.number().gt(0).lt(1).optional(),

  /**
   * The learning loop (services/analyzer/src/learning): when the police-negative model is trained
   * again from analysts' corrections. A cron in DIGEST_TIMEZONE, or `off`; a scheduled run with no
   * correction made or changed since the last training trains nothing.
   */
  MODEL_RETRAIN_CRON: z
    .string()
    .trim()
    .refine((v) => v === 'off' || v.split(/\s+/).length >= 5, 'a cron expression (e.g. "30 3 * * *") or off')
    .default('30 3 * * *'),
  /** Train again once this many corrections were made or changed since the last training (0: never by count). */
  MODEL_RETRAIN_AFTER_CORRECTIONS: int(0, 1_000_000).default(50),
  /** Folds of the cross-validation that judges a candidate model on the corrections. */
  MODEL_CV_FOLDS: int(2, 20).default(5),
  /**
   * A candidate can replace the running model only when at least this many police-negative
   * corrections the running model was not trained on (both classes among them) judge the two.
   */
  MODEL_MIN_CORRECTIONS: int(2, 1_000_000).default(30),
  /** When a model is activated, items published in this many days before are analysed again with it (0: none). */
  MODEL_REANALYZE_DAYS: int(0, 365).default(7),
  /**
   * How often an analyzer process checks which model is active (the safety net under the Redis
   * announcement) and counts new corrections.
   */
  MODEL_CHECK_MS: int(100, 3_600_000).default(60_000),

  /** Run a topic-stage candidate in this analyzer process (one process leads at a time). */
  TOPIC_STAGE_ENABLED: bool.default(true),
  /** JSON file overriding the topic stage's thresholds (see the README's warning-level table). */
  TOPIC_CONFIG_FILE: z.string().optional(),

  /**
   * Notification receivers: hosts or CIDR ranges a receiver URL may reach although they are
   * loopback, private or link-local (an intranet relay; tests allow 127.0.0.1). Everything else
   * private is refused, unless an admin set `allow_private` on that one receiver.
   */
  RECEIVER_ALLOWLIST: list.default([]),
  /** Attempts per delivery (the first included) before it is marked dead. */
  DELIVERY_MAX_ATTEMPTS: int(1, 100).default(5),
  /** First retry delay of a failed delivery; each further retry waits twice as long. */
  DELIVERY_BACKOFF_MS: int(1, 3600_000).default(10_000),
  /** Connect timeout and total timeout (headers and body) of one delivery request. */
  DELIVERY_CONNECT_TIMEOUT_MS: int(100).default(5_000),
  DELIVERY_TIMEOUT_MS: int(100).default(15_000),
  /** How often unfinished deliveries are re-enqueued (their job may have been lost with Redis); 0: never. */
  DELIVERY_RECONCILE_MS: int(0).default(60_000),
  /** Deliveries one API process sends at once. */
  DELIVERY_CONCURRENCY: int(1, 256).default(4),

  /** Run the live alerter in this API process (one process leads at a time, PostgreSQL advisory lock). */
  ALERTER_ENABLED: bool.default(true),
  /** Alertmanager's group_wait: how long a new notification group collects alerts before its first batch. */
  ALERT_GROUP_WAIT_MS: int(0).default(30_000),
  /** group_interval: at most one batch per group per this long. */
  ALERT_GROUP_INTERVAL_MS: int(1).default(300_000),
  /** repeat_interval: an unacknowledged firing alert is announced again after this long. */
  ALERT_REPEAT_INTERVAL_MS: int(1).default(4 * 3600_000),
  /** When the system resolves topic alerts: when the topic closes, already when it fades (消散期), or never. */
  ALERT_AUTO_RESOLVE: z.enum(['closed', 'faded', 'never']).default('closed'),
  /** How often the alerter looks for level changes it was not told of (pub/sub is only a hint). */
  ALERTER_POLL_MS: int(50, 600_000).default(5_000),
  /** How often the alerter checks whether a notification batch is due. */
  ALERTER_TICK_MS: int(20, 60_000).default(1_000),
  /** How often a standby API process tries to become the alerter. */
  ALERTER_RETRY_MS: int(50, 600_000).default(3_000),
  /** Receiver ids that hear of source health alerts (admins' receivers); empty: the live stream only. */
  ALERT_SOURCE_HEALTH_RECEIVERS: list.pipe(z.array(z.string().regex(/^[1-9]\d*$/, 'receiver ids').transform(Number))).default([]),

  /**
   * Incidents (危机管理): how long after opening the official response is due, per level —
   * `red=1h,orange=4h,yellow=24h,blue=72h` (units m, h, d). Overdue incidents are flagged, listed
   * in digests and raise an alert.
   */
  INCIDENT_RESPONSE_CLOCKS: z
    .string()
    .default('red=1h,orange=4h,yellow=24h,blue=72h')
    .transform((v, ctx) => {
      const out: Record<string, number> = { red: 3600_000, orange: 4 * 3600_000, yellow: 24 * 3600_000, blue: 72 * 3600_000 };
      for (const part of v.split(',').map((s) => s.trim()).filter(Boolean)) {
        const m = /^(red|orange|yellow|blue)\s*=\s*(\d+(?:\.\d+)?)\s*([mhd])$/.exec(part);
        if (!m) {
          ctx.addIssue({ code: 'custom', message: `"${part}": expected level=number+unit, e.g. red=1h, orange=30m, blue=3d` });
          return z.NEVER;
        }
        out[m[1] as string] = Math.round(Number(m[2]) * { m: 60_000, h: 3600_000, d: 86_400_000 }[m[3] as 'm' | 'h' | 'd']);
      }
      return out as { red: number; orange: number; yellow: number; blue: number };
    }),
  /** How often the alerter looks for incidents whose response is overdue. */
  INCIDENT_OVERDUE_CHECK_MS: int(50, 3600_000).default(60_000),
  /** Receiver ids that hear of overdue incidents; empty: the live stream only. */
  INCIDENT_OVERDUE_RECEIVERS: list.pipe(z.array(z.string().regex(/^[1-9]\d*$/, 'receiver ids').transform(Number))).default([]),

  /** Generate digests on schedule in this API process (BullMQ job schedulers; one run per period across processes). */
  DIGEST_ENABLED: bool.default(true),
  /** The time zone of the digest schedules and of the periods they cover. */
  DIGEST_TIMEZONE: z.string().default('Asia/Shanghai'),
  /** When the daily digest is made (cron, in DIGEST_TIMEZONE); it covers the 24 h before. */
  DIGEST_DAILY_CRON: z.string().default('0 8 * * *'),
  /** When the weekly report (周报) is made; it covers the 7 days before. */
  DIGEST_WEEKLY_CRON: z.string().default('0 8 * * 1'),
  /** Receiver ids a new digest is pushed to (Markdown); empty: stored and listed only. */
  DIGEST_RECEIVERS: list.pipe(z.array(z.string().regex(/^[1-9]\d*$/, 'receiver ids').transform(Number))).default([]),
  /** The address people open the system at (links in pushed digests), e.g. http://10.1.2.3:3000; unset: links are relative. */
  PUBLIC_BASE_URL: z.string().url().optional(),

  /** The reporting unit (呈报/填报单位) printed in every form's header; analysts may change it per form. */
  BUREAU_UNIT_NAME: z.string().trim().min(1).max(100).default('市公安局警察公共关系科'),
  /** Draft the weekly report and the monthly warning record on schedule in this API process (one draft per period across processes). */
  FORMS_ENABLED: bool.default(true),
  /** When the 周报表 draft is made (cron in DIGEST_TIMEZONE); it covers the Monday-to-Monday week before. */
  FORMS_WEEKLY_CRON: z.string().trim().default('0 8 * * 1'),
  /** When the 科学预警记录 draft is made (cron in DIGEST_TIMEZONE); it covers the calendar month before. */
  FORMS_MONTHLY_CRON: z.string().trim().default('0 8 1 * *'),

  /**
   * Bearer token Prometheus presents on the API's GET /metrics (`Authorization: Bearer …`), which
   * also admits admin users; unset: admins only. Long and random: it is compared, not looked up.
   */
  METRICS_TOKEN: z.string().min(24).max(200).regex(/^\S+$/, 'no spaces').optional(),
  /** Port of the crawler's / analyzer's own GET /metrics, bound to 127.0.0.1; 0: no metrics server. */
  METRICS_PORT_CRAWLER: int(0, 65535).default(0),
  METRICS_PORT_ANALYZER: int(0, 65535).default(0),

  /** Where the shared real data lives (tests, evaluations, benchmarks). */
  SHARED_DATA_DIR: z.string().default('../shared/data'),
  /** The directory a pnpm script was started from (pnpm sets it); CLI paths are relative to it. */
  INIT_CWD: z.string().optional(),
});

export type Config = z.infer<typeof schema>;

/** Thrown when the environment is invalid; its message lists every bad key. */
export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

/** Parses an environment (process.env by default) into a typed, frozen config. */
export function loadConfig(env: Record<string, string | undefined> = process.env, overrides: Partial<Config> = {}): Config {
  const known = Object.fromEntries(Object.keys(schema.shape).map((k) => [k, env[k] === '' ? undefined : env[k]]));
  const parsed = schema.safeParse(known);
  if (!parsed.success) {
    throw new ConfigError(parsed.error.issues.map((i) => `${i.path.join('.')}=${JSON.stringify(env[String(i.path[0])])}: ${i.message}`));
  }
  // On a cluster, BullMQ's multi-key scripts fail (CROSSSLOT) unless a queue's keys share a slot.
  if (parsed.data.REDIS_CLUSTER_NODES.length > 0 && !isHashTaggedPrefix(parsed.data.QUEUE_PREFIX)) {
    throw new ConfigError([`QUEUE_PREFIX=${JSON.stringify(parsed.data.QUEUE_PREFIX)}: with REDIS_CLUSTER_NODES set it must hold a hash tag, e.g. {yuqing}`]);
  }
  return Object.freeze({ ...parsed.data, ...overrides });
}

let cached: Config | undefined;
/** The process-wide config, parsed on first use. */
export function config(): Config {
  cached ??= loadConfig();
  return cached;
}
export * from './logger';
