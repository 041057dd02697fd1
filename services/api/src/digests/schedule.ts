/**
 * Scheduled digests: a BullMQ queue `digest` with one job scheduler per kind (cron + time zone,
 * from DIGEST_DAILY_CRON / DIGEST_WEEKLY_CRON / DIGEST_TIMEZONE) and a worker that makes the
 * digest of the period ending at the job's *scheduled* time — not the worker's clock, so a run
 * that starts late (the API was down at 08:00) still covers the right period — then pushes its
 * Markdown to DIGEST_RECEIVERS through the delivery queue.
 *
 * Every API process with DIGEST_ENABLED upserts the same schedulers (same ids: idempotent) and
 * runs a worker; BullMQ hands each fire time's job (id `repeat:<scheduler>:<ms>`) to one worker,
 * and the digests table's UNIQUE (kind, period) keeps even a duplicate run from storing twice.
 * Deliveries are keyed by digest and receiver, so a retried job never sends twice either.
 */
import type { Config, Logger } from '@yuqing/config';
import { findDigestByPeriod, type Pool, type StoredDigest } from '@yuqing/db';
import { digestHtmlLink, KIND_NAMES, levelRank, type Digest, type WarningLevel } from '@yuqing/digest';
import { createRedis, keepDeclared, DIGEST_QUEUE_NAME, digestPayload, digestSchedulerId, queueOptions, type DigestPayload } from '@yuqing/queue';
import { Queue, Worker, type ConnectionOptions, type Job } from 'bullmq';
import { createDeliveryQueue, enqueueNotification, UnknownReceiverError, type NotifierDeps } from '../receivers';
import { generateDigest, type GeneratedDigest } from './generate';
import { assertScheduleValid, lastFireTime, scheduledPeriod, type ScheduledKind } from './period';

type DigestSettings = Pick<Config, 'DIGEST_TIMEZONE' | 'DIGEST_DAILY_CRON' | 'DIGEST_WEEKLY_CRON' | 'DIGEST_RECEIVERS' | 'PUBLIC_BASE_URL'>;

/** The digest queue (producer side). */
export function createDigestQueue(connection: ConnectionOptions, prefix: string): Queue<DigestPayload> {
  return new Queue<DigestPayload>(DIGEST_QUEUE_NAME, queueOptions(connection, prefix));
}

/** Creates or replaces the daily and weekly job schedulers (same ids every time: idempotent). */
export async function upsertDigestSchedulers(queue: Queue<DigestPayload>, cfg: Pick<Config, 'DIGEST_TIMEZONE' | 'DIGEST_DAILY_CRON' | 'DIGEST_WEEKLY_CRON'>): Promise<void> {
  assertScheduleValid(cfg);
  const patterns: Record<ScheduledKind, string> = { daily: cfg.DIGEST_DAILY_CRON, weekly: cfg.DIGEST_WEEKLY_CRON };
  for (const kind of ['daily', 'weekly'] as const) {
    await queue.upsertJobScheduler(
      digestSchedulerId(kind),
      { pattern: patterns[kind], tz: cfg.DIGEST_TIMEZONE },
      {
        name: `digest-${kind}`,
        data: { kind },
        opts: {
          // A failed run (database briefly away) is tried again; the stored row makes a retry harmless.
          ...JOB_RETRIES,
          removeOnComplete: { age: 90 * 86_400, count: 1000 },
          removeOnFail: { age: 90 * 86_400, count: 1000 },
        },
      },
    );
  }
}

/**
 * The fire time a digest job stands for: a catch-up job's own `fireTime`, else the scheduler's
 * scheduled timestamp (opts.prevMillis, also the end of its id).
 */
export function fireTimeOf(job: Pick<Job<DigestPayload>, 'id' | 'opts' | 'data'>): Date {
  if (typeof job.data?.fireTime === 'number') return new Date(job.data.fireTime);
  const scheduled = job.opts.prevMillis;
  if (typeof scheduled === 'number' && Number.isFinite(scheduled)) return new Date(scheduled);
  const m = /:(\d{10,})$/.exec(job.id ?? '');
  if (m) return new Date(Number(m[1]));
  throw new Error(`digest job ${job.id ?? '?'} carries no scheduled time`);
}

const JOB_RETRIES = { attempts: 5, backoff: { type: 'exponential', delay: 60_000 } } as const;

/**
 * Queues, for its own fire time, the latest scheduled run of each kind whose digest is not stored:
 * a run missed while no API process was up *and* Redis lost the scheduler's waiting job (it keeps
 * nothing on disk here), so the leader still finds the morning's digest. Called at start; one job
 * per kind and fire time across processes (its id), and a run that did happen stores nothing twice.
 */
export async function catchUpDigests(
  queue: Queue<DigestPayload>,
  db: Pool,
  cfg: Pick<Config, 'DIGEST_TIMEZONE' | 'DIGEST_DAILY_CRON' | 'DIGEST_WEEKLY_CRON'>,
  now: Date = new Date(),
): Promise<Array<{ kind: ScheduledKind; fireTime: Date }>> {
  const patterns: Record<ScheduledKind, string> = { daily: cfg.DIGEST_DAILY_CRON, weekly: cfg.DIGEST_WEEKLY_CRON };
  const queued: Array<{ kind: ScheduledKind; fireTime: Date }> = [];
  for (const kind of ['daily', 'weekly'] as const) {
    const fireTime = lastFireTime(patterns[kind], cfg.DIGEST_TIMEZONE, now);
    if (!fireTime) continue;
    const { from, to } = scheduledPeriod(kind, fireTime, cfg.DIGEST_TIMEZONE);
    if (await findDigestByPeriod(db, kind, from, to)) continue;
    await queue.add(`digest-${kind}`, { kind, fireTime: fireTime.getTime() }, { jobId: `catchup-${kind}-${fireTime.getTime()}`, ...JOB_RETRIES });
    queued.push({ kind, fireTime });
  }
  return queued;
}

/** The level a digest message is coloured with: the highest level of a warning that opened, escalated or came back. */
function messageLevel(d: Digest): WarningLevel {
  let top: WarningLevel = 'blue';
  for (const r of d.warnings.byLevel) if (r.opened + r.escalated + r.reopened > 0 && levelRank(r.level) > levelRank(top)) top = r.level;
  return top;
}

/** The absolute address of a stored digest's page, when PUBLIC_BASE_URL is set. */
export function digestPageUrl(baseUrl: string | undefined, id: number): string | undefined {
  return digestHtmlLink({ ...(baseUrl ? { baseUrl } : {}), digestId: id }) ?? undefined;
}

/**
 * Queues the digest's Markdown for each receiver (once per digest and receiver). Unknown receivers
 * are logged and skipped. `edition` tells a regenerated digest (same id, new content, pushed on
 * request) from the scheduled one, so its push is not taken for a repeat of the first.
 */
export async function pushDigest(
  notifier: NotifierDeps,
  receivers: readonly number[],
  g: Pick<GeneratedDigest, 'digest' | 'stored'>,
  baseUrl?: string,
  edition?: string,
): Promise<number> {
  let queued = 0;
  const link = digestPageUrl(baseUrl, g.stored.id);
  for (const receiverId of receivers) {
    try {
      await enqueueNotification(
        notifier,
        receiverId,
        {
          kind: 'digest',
          title: g.digest.title,
          level: messageLevel(g.digest),
          levelLabel: KIND_NAMES[g.digest.kind],
          summary: g.digest.period.label,
          heat: 0,
          at: new Date(g.digest.generatedAt).toISOString(),
          markdown: g.stored.markdown,
          ...(link ? { link } : {}),
        },
        edition ? `digest:${g.stored.id}:${edition}:receiver:${receiverId}` : `digest:${g.stored.id}:receiver:${receiverId}`,
      );
      queued++;
    } catch (err) {
      if (!(err instanceof UnknownReceiverError)) throw err;
      notifier.log?.warn({ receiverId }, 'DIGEST_RECEIVERS names a receiver that does not exist; skipped');
    }
  }
  return queued;
}

export interface ScheduledRunDeps {
  cfg: DigestSettings;
  db: Pool;
  notifier: NotifierDeps;
  log?: Logger;
  /** The generation time; default the clock (tests pass their own). */
  now?: () => Date;
}

/** One scheduled run: the digest of the period ending at `fireTime`, stored once, pushed once. */
export async function runScheduledDigest(deps: ScheduledRunDeps, kind: ScheduledKind, fireTime: Date): Promise<{ digest: StoredDigest; created: boolean }> {
  const { from, to } = scheduledPeriod(kind, fireTime, deps.cfg.DIGEST_TIMEZONE);
  const g = await generateDigest(deps.db, {
    kind,
    from,
    to,
    now: deps.now?.() ?? new Date(),
    by: 'system',
    timeZone: deps.cfg.DIGEST_TIMEZONE,
    baseUrl: deps.cfg.PUBLIC_BASE_URL,
    replace: false,
  });
  // Also when the row existed: a run that stored it may have died before queueing; dedup keys make this safe.
  await pushDigest(deps.notifier, deps.cfg.DIGEST_RECEIVERS, g, deps.cfg.PUBLIC_BASE_URL);
  deps.log?.info({ kind, digestId: g.stored.id, created: g.created, from: from.toISOString(), to: to.toISOString() }, g.created ? 'digest generated' : 'digest already stored');
  return { digest: g.stored, created: g.created };
}

/** The running schedule: schedulers upserted, a worker, and what close() stops. */
export interface DigestSchedule {
  queue: Queue<DigestPayload>;
  worker: Worker<DigestPayload>;
  close(): Promise<void>;
}

/** Upserts the schedulers and starts the worker (one job at a time). */
export async function startDigests(cfg: Config, deps: { db: Pool; log: Logger }): Promise<DigestSchedule> {
  const { db, log } = deps;
  const producer = createRedis(cfg.REDIS_URL, 'producer');
  producer.on('error', (err) => log.warn({ err: err.message }, 'redis (digest producer) error'));
  const queue = createDigestQueue(producer, cfg.QUEUE_PREFIX);
  const deliverQueue = createDeliveryQueue(cfg, producer);
  const connection = createRedis(cfg.REDIS_URL, 'worker');
  connection.on('error', (err) => log.warn({ err: err.message }, 'redis (digest worker) error'));
  let worker: Worker<DigestPayload> | null = null;
  try {
    await upsertDigestSchedulers(queue, cfg);
    const missed = await catchUpDigests(queue, db, cfg);
    if (missed.length) log.info({ missed: missed.map((m) => `${m.kind}@${m.fireTime.toISOString()}`) }, 'queued digests missed while no API process ran');
    const notifier: NotifierDeps = { db, queue: deliverQueue, log };
    worker = new Worker<DigestPayload>(
      DIGEST_QUEUE_NAME,
      async (job) => {
        const { kind } = digestPayload.parse(job.data);
        const r = await runScheduledDigest({ cfg, db, notifier, log }, kind, fireTimeOf(job));
        return { digestId: r.digest.id, created: r.created };
      },
      { connection, prefix: cfg.QUEUE_PREFIX, concurrency: 1 },
    );
    worker.on('error', (err) => log.error({ err: err.message }, 'digest worker error'));
    worker.on('failed', (job, err) => log.warn({ jobId: job?.id, attempt: job?.attemptsMade, err: err.message }, 'digest run failed'));
    // Ready before anything can close it (see the analyzer's service.ts).
    await worker.waitUntilReady();
  } catch (err) {
    await queue.close();
    await deliverQueue.close();
    producer.disconnect();
    connection.disconnect();
    throw err;
  }
  const running = worker;
  const redeclare = keepDeclared(
    async () => {
      await upsertDigestSchedulers(queue, cfg);
      await catchUpDigests(queue, db, cfg);
    },
    cfg.REDIS_REDECLARE_MS,
    (err) => log.warn({ err: err instanceof Error ? err.message : String(err) }, 'could not declare the digest schedules again'),
  );
  return {
    queue,
    worker: running,
    async close() {
      await redeclare.stop();
      await running.close();
      await queue.close();
      await deliverQueue.close();
      producer.disconnect();
      connection.disconnect();
    },
  };
}
