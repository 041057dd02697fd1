/**
 * Scheduled drafts of the forms filed on a cadence, by the digest scheduler's rules
 * (services/api/src/digests/schedule.ts): a BullMQ queue `forms` with one job scheduler per kind
 * (cron + DIGEST_TIMEZONE) — the 周报表 (FORMS_WEEKLY_CRON, default Monday 08:00) for the Monday-to-
 * Monday week before the fire time, the 科学预警记录 (FORMS_MONTHLY_CRON, default the 1st at 08:00)
 * for the calendar month before it. The period follows the job's *scheduled* time, not the worker's
 * clock, so a run that starts late still drafts its own period.
 *
 * Every API process with FORMS_ENABLED upserts the same schedulers (same ids) and runs a worker;
 * BullMQ hands each fire time's job to one worker, and the forms table's unique index makes even a
 * duplicate run (another process, a retry, the catch-up) find FORM_EXISTS and do nothing. At start,
 * the latest run of each kind whose form is missing is queued for its own fire time (a run missed
 * while no API process was up and Redis lost the waiting job). The schedule's drafts are made by
 * 'system' and not audited, as the scheduled digests are not.
 */
import type { Config, Logger } from '@yuqing/config';
import { createForm, findForm, FormError, lastFullPeriod, type FormPeriod, type FormRecord, type PeriodUnit, type Pool } from '@yuqing/db';
import { isValidTimeZone } from '@yuqing/digest';
import { createRedis, keepDeclared, queueOptions } from '@yuqing/queue';
import { Queue, Worker, type ConnectionOptions, type Job } from 'bullmq';
import { z } from 'zod';
import { lastFireTime, nextFireTime } from '../digests/period';

/** Name of the queue whose job schedulers draft the periodic forms. */
export const FORMS_QUEUE_NAME = 'forms';

export const SCHEDULED_FORM_KINDS = ['weekly-report', 'warning-record'] as const;
export type ScheduledFormKind = (typeof SCHEDULED_FORM_KINDS)[number];

/** A forms job: draft this kind for the period before the job's scheduled time (or `fireTime`, a catch-up's). */
export const formsPayload = z.object({ kind: z.enum(SCHEDULED_FORM_KINDS), fireTime: z.number().int().positive().optional() });
export type FormsPayload = z.infer<typeof formsPayload>;

/** Id of a kind's job scheduler (upserting it again replaces it). */
export const formsSchedulerId = (kind: ScheduledFormKind): string => `forms-${kind}`;

type ScheduleSettings = Pick<Config, 'DIGEST_TIMEZONE' | 'FORMS_WEEKLY_CRON' | 'FORMS_MONTHLY_CRON'>;

const UNIT: Record<ScheduledFormKind, PeriodUnit> = { 'weekly-report': 'week', 'warning-record': 'month' };
const patternOf = (kind: ScheduledFormKind, cfg: ScheduleSettings): string => (kind === 'weekly-report' ? cfg.FORMS_WEEKLY_CRON : cfg.FORMS_MONTHLY_CRON);
/** How far back the catch-up looks for a missed run: a little more than the kind's cadence. */
const LOOKBACK_DAYS: Record<ScheduledFormKind, number> = { 'weekly-report': 8, 'warning-record': 32 };

/** The period a scheduled draft of `kind` fired at `fireTime` covers: the last full week / month before it. */
export function scheduledFormPeriod(kind: ScheduledFormKind, fireTime: Date, timeZone: string): FormPeriod {
  return lastFullPeriod(UNIT[kind], fireTime, timeZone);
}

/** Throws (in words an administrator understands) when a schedule setting cannot work. */
export function assertFormsScheduleValid(cfg: ScheduleSettings): void {
  if (!isValidTimeZone(cfg.DIGEST_TIMEZONE)) throw new Error(`DIGEST_TIMEZONE 无效（不是 IANA 时区名）: ${cfg.DIGEST_TIMEZONE}`);
  for (const [name, pattern] of [
    ['FORMS_WEEKLY_CRON', cfg.FORMS_WEEKLY_CRON],
    ['FORMS_MONTHLY_CRON', cfg.FORMS_MONTHLY_CRON],
  ] as const) {
    if (!nextFireTime(pattern, cfg.DIGEST_TIMEZONE, new Date())) throw new Error(`${name} 无效（cron 表达式，例如 "0 8 * * 1"）: ${pattern}`);
  }
}

/** The forms queue (producer side). */
export function createFormsQueue(connection: ConnectionOptions, prefix: string): Queue<FormsPayload> {
  return new Queue<FormsPayload>(FORMS_QUEUE_NAME, queueOptions(connection, prefix));
}

// A failed run (database briefly away) is tried again; the unique index makes a retry harmless.
const JOB_RETRIES = { attempts: 5, backoff: { type: 'exponential', delay: 60_000 } } as const;

/** Creates or replaces the job schedulers of both kinds (same ids every time: idempotent). */
export async function upsertFormSchedulers(queue: Queue<FormsPayload>, cfg: ScheduleSettings): Promise<void> {
  assertFormsScheduleValid(cfg);
  for (const kind of SCHEDULED_FORM_KINDS) {
    await queue.upsertJobScheduler(
      formsSchedulerId(kind),
      { pattern: patternOf(kind, cfg), tz: cfg.DIGEST_TIMEZONE },
      { name: `forms-${kind}`, data: { kind }, opts: { ...JOB_RETRIES, removeOnComplete: { age: 400 * 86_400, count: 1000 }, removeOnFail: { age: 400 * 86_400, count: 1000 } } },
    );
  }
}

/** The fire time a job stands for: a catch-up's own `fireTime`, else the scheduler's scheduled timestamp. */
export function formsFireTimeOf(job: Pick<Job<FormsPayload>, 'id' | 'opts' | 'data'>): Date {
  if (typeof job.data?.fireTime === 'number') return new Date(job.data.fireTime);
  const scheduled = job.opts.prevMillis;
  if (typeof scheduled === 'number' && Number.isFinite(scheduled)) return new Date(scheduled);
  const m = /:(\d{10,})$/.exec(job.id ?? '');
  if (m) return new Date(Number(m[1]));
  throw new Error(`forms job ${job.id ?? '?'} carries no scheduled time`);
}

/**
 * Queues, for its own fire time, the latest scheduled run of each kind whose form is not stored.
 * One job per kind and fire time across processes (its id); a run that did happen stores nothing twice.
 */
export async function catchUpForms(queue: Queue<FormsPayload>, db: Pool, cfg: ScheduleSettings, now: Date = new Date()): Promise<Array<{ kind: ScheduledFormKind; fireTime: Date }>> {
  const queued: Array<{ kind: ScheduledFormKind; fireTime: Date }> = [];
  for (const kind of SCHEDULED_FORM_KINDS) {
    const fireTime = lastFireTime(patternOf(kind, cfg), cfg.DIGEST_TIMEZONE, now, LOOKBACK_DAYS[kind]);
    if (!fireTime) continue;
    if (await findForm(db, kind, { period: scheduledFormPeriod(kind, fireTime, cfg.DIGEST_TIMEZONE) })) continue;
    await queue.add(`forms-${kind}`, { kind, fireTime: fireTime.getTime() }, { jobId: `catchup-${kind}-${fireTime.getTime()}`, ...JOB_RETRIES });
    queued.push({ kind, fireTime });
  }
  return queued;
}

export interface ScheduledFormDeps {
  cfg: ScheduleSettings & Pick<Config, 'BUREAU_UNIT_NAME'>;
  db: Pool;
  log?: Logger;
  /** The generation time; default the clock. */
  now?: () => Date;
}

/** One scheduled run: the draft of the period before `fireTime`, made once. */
export async function runScheduledForm(deps: ScheduledFormDeps, kind: ScheduledFormKind, fireTime: Date): Promise<{ form: FormRecord; created: boolean }> {
  const tz = deps.cfg.DIGEST_TIMEZONE;
  const period = scheduledFormPeriod(kind, fireTime, tz);
  try {
    const r = await createForm(
      deps.db,
      { kind, target: { period }, unitName: deps.cfg.BUREAU_UNIT_NAME, timeZone: tz, now: deps.now?.() ?? new Date(), note: '定时生成' },
      { actorId: null, actorName: 'system', displayName: '系统' },
      { audit: false },
    );
    deps.log?.info({ kind, formId: r.form.id, from: period.from.toISOString(), to: period.to.toISOString() }, 'form draft generated');
    return { form: r.form, created: true };
  } catch (err) {
    if (!(err instanceof FormError) || err.code !== 'FORM_EXISTS') throw err;
    const form = await findForm(deps.db, kind, { period });
    if (!form) throw err;
    deps.log?.info({ kind, formId: form.id }, 'form of the period already exists');
    return { form, created: false };
  }
}

/** The running schedule: schedulers upserted, a worker, and what close() stops. */
export interface FormsSchedule {
  queue: Queue<FormsPayload>;
  worker: Worker<FormsPayload>;
  close(): Promise<void>;
}

/** Upserts the schedulers, queues missed runs and starts the worker (one job at a time). */
export async function startFormsSchedule(cfg: Config, deps: { db: Pool; log: Logger }): Promise<FormsSchedule> {
  const { db, log } = deps;
  const producer = createRedis(cfg.REDIS_URL, 'producer');
  producer.on('error', (err) => log.warn({ err: err.message }, 'redis (forms producer) error'));
  const queue = createFormsQueue(producer, cfg.QUEUE_PREFIX);
  const connection = createRedis(cfg.REDIS_URL, 'worker');
  connection.on('error', (err) => log.warn({ err: err.message }, 'redis (forms worker) error'));
  let worker: Worker<FormsPayload> | null = null;
  try {
    await upsertFormSchedulers(queue, cfg);
    const missed = await catchUpForms(queue, db, cfg);
    if (missed.length) log.info({ missed: missed.map((m) => `${m.kind}@${m.fireTime.toISOString()}`) }, 'queued form drafts missed while no API process ran');
    worker = new Worker<FormsPayload>(
      FORMS_QUEUE_NAME,
      async (job) => {
        const { kind } = formsPayload.parse(job.data);
        const r = await runScheduledForm({ cfg, db, log }, kind, formsFireTimeOf(job));
        return { formId: r.form.id, created: r.created };
      },
      { connection, prefix: cfg.QUEUE_PREFIX, concurrency: 1 },
    );
    worker.on('error', (err) => log.error({ err: err.message }, 'forms worker error'));
    worker.on('failed', (job, err) => log.warn({ jobId: job?.id, attempt: job?.attemptsMade, err: err.message }, 'form draft run failed'));
    await worker.waitUntilReady();
  } catch (err) {
    await worker?.close().catch(() => undefined);
    await queue.close();
    producer.disconnect();
    connection.disconnect();
    throw err;
  }
  const running = worker;
  const redeclare = keepDeclared(
    async () => {
      await upsertFormSchedulers(queue, cfg);
      await catchUpForms(queue, db, cfg);
    },
    cfg.REDIS_REDECLARE_MS,
    (err) => log.warn({ err: err instanceof Error ? err.message : String(err) }, 'could not declare the form schedules again'),
  );
  return {
    queue,
    worker: running,
    async close() {
      await redeclare.stop();
      await running.close();
      await queue.close();
      producer.disconnect();
      connection.disconnect();
    },
  };
}
