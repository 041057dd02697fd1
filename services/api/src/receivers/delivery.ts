/**
 * Delivery of notifications to receivers: a `deliveries` row per (receiver, notification), made
 * once per dedup key, and a BullMQ job per row (job id = delivery id) that a worker sends with
 * timeouts, retries with exponential backoff, and marks `dead` after the last attempt. The row is
 * the truth; the job is only a reminder to work on it, so a job lost with Redis is re-derived by
 * requeueStaleDeliveries, and a duplicate job finds the row already `sent` and does nothing.
 */
import { createLogger, type Config, type Logger } from '@yuqing/config';
import { createAddressPolicy, type AddressPolicy } from '@yuqing/net';
import {
  getDelivery,
  getReceiverForDelivery,
  insertDelivery,
  listStaleDeliveryIds,
  markDeliveryFailed,
  markDeliverySent,
  type Delivery,
  type Queryable,
  type ReceiverKind,
} from '@yuqing/db';
import { createDeliverQueue, createRedis, DELIVER_QUEUE_NAME, deliverJobId, deliverPayload, settleWithin, type DeliverPayload } from '@yuqing/queue';
import { UnrecoverableError, Worker, type ConnectionOptions, type Job, type Queue } from 'bullmq';
import { RECEIVER_FORMATS } from './formats';
import { postJson, PostError } from './http';
import { notificationSchema, type Notification, type NotificationInput } from './notification';

/** What enqueueing needs: the database and the deliver queue (producer side). */
export interface NotifierDeps {
  db: Queryable;
  queue: Queue<DeliverPayload>;
  log?: Logger;
}

/** The deliver queue with the configured retry policy (DELIVERY_MAX_ATTEMPTS, DELIVERY_BACKOFF_MS). */
export function createDeliveryQueue(cfg: Config, connection: ConnectionOptions): Queue<DeliverPayload> {
  return createDeliverQueue(connection, cfg.QUEUE_PREFIX, { attempts: cfg.DELIVERY_MAX_ATTEMPTS, backoffMs: cfg.DELIVERY_BACKOFF_MS });
}

/** Thrown by enqueueNotification for a receiver id that does not exist. */
export class UnknownReceiverError extends Error {
  readonly code = 'ERR_YUQING_UNKNOWN_RECEIVER';
  constructor(readonly receiverId: number) {
    super(`receiver ${receiverId} does not exist`);
    this.name = 'UnknownReceiverError';
  }
}

/** The outcome of enqueueNotification. */
export interface EnqueueResult {
  delivery: Delivery;
  /** False when a delivery with this dedup key already existed (nothing new is sent). */
  created: boolean;
  /** False when Redis could not take the job; the row stays pending and the reconciler queues it later. */
  queued: boolean;
}

/**
 * Records a notification for a receiver and queues its delivery. Idempotent by `dedupKey`
 * (for example `alert-event:<id>:receiver:<id>`): a second call returns the first delivery and
 * sends nothing more. Throws a ZodError for an invalid notification, UnknownReceiverError for an
 * unknown receiver.
 */
export async function enqueueNotification(
  deps: NotifierDeps,
  receiverId: number,
  notification: NotificationInput,
  dedupKey: string,
): Promise<EnqueueResult> {
  const payload = notificationSchema.parse(notification);
  let result: { delivery: Delivery; created: boolean };
  try {
    result = await insertDelivery(deps.db, { receiverId, dedupKey, payload });
  } catch (err) {
    if ((err as { code?: unknown }).code === '23503') throw new UnknownReceiverError(receiverId);
    throw err;
  }
  const { delivery } = result;
  if (delivery.status === 'sent' || delivery.status === 'dead') return { ...result, queued: false };
  // Also for an existing unfinished delivery: its job may be gone; the job id makes this a no-op if not.
  const queued = await addDeliveryJob(deps.queue, delivery.id).then(
    () => true,
    (err: unknown) => {
      deps.log?.warn({ err: (err as Error).message, deliveryId: delivery.id }, 'could not queue delivery; the reconciler will');
      return false;
    },
  );
  return { ...result, queued };
}

function addDeliveryJob(queue: Queue<DeliverPayload>, deliveryId: number): Promise<unknown> {
  return queue.add('deliver', { deliveryId }, { jobId: deliverJobId(deliveryId) });
}

/** Queues again every pending/failed delivery untouched for `olderThanMs` (no-op for those whose job still exists). */
export async function requeueStaleDeliveries(deps: NotifierDeps, olderThanMs: number): Promise<number> {
  const ids = await listStaleDeliveryIds(deps.db, olderThanMs);
  if (ids.length === 0) return 0;
  await deps.queue.addBulk(ids.map((deliveryId) => ({ name: 'deliver', data: { deliveryId }, opts: { jobId: deliverJobId(deliveryId) } })));
  return ids.length;
}

/** What one attempt ended with (for logs and metrics). */
export type AttemptOutcome = 'sent' | 'retry' | 'dead' | 'skipped';

/** What the delivery worker needs besides the config. */
export interface DeliveryWorkerDeps {
  db: Queryable;
  log?: Logger;
  /** Called after every attempt, e.g. to count webhook outcomes in metrics. */
  onAttempt?: (e: { deliveryId: number; kind: ReceiverKind | null; outcome: AttemptOutcome; httpStatus: number | null; durationMs: number }) => void;
}

/** A running delivery worker. */
export interface DeliveryWorker {
  worker: Worker<DeliverPayload>;
  close(): Promise<void>;
}

interface AttemptContext {
  db: Queryable;
  cfg: Config;
  policy: AddressPolicy;
  onAttempt: NonNullable<DeliveryWorkerDeps['onAttempt']>;
}

// An admin set allow_private on the receiver: its address is theirs to choose.
const ALLOW_ALL: AddressPolicy = { check: () => true };

const BLOCKED_HINT = '如确为内网中转地址，请管理员为该接收端设置 allow_private，或将其主机加入 RECEIVER_ALLOWLIST';

function isRetryableStatus(status: number): boolean {
  return status >= 500 || status === 429 || status === 408;
}

/** One attempt at one delivery: sends it, records the outcome, throws to make BullMQ retry (or not). */
async function attempt(ctx: AttemptContext, job: Job<DeliverPayload>): Promise<{ outcome: AttemptOutcome; httpStatus?: number }> {
  const started = Date.now();
  const { deliveryId } = deliverPayload.parse(job.data);
  const delivery = await getDelivery(ctx.db, deliveryId);
  // Gone (its receiver was deleted) or already finished: a duplicate job changes nothing.
  if (!delivery || delivery.status === 'sent' || delivery.status === 'dead') {
    ctx.onAttempt({ deliveryId, kind: null, outcome: 'skipped', httpStatus: null, durationMs: Date.now() - started });
    return { outcome: 'skipped' };
  }
  const receiver = await getReceiverForDelivery(ctx.db, delivery.receiverId);
  const lastAttempt = job.attemptsMade + 1 >= (job.opts.attempts ?? 1);

  const fail = async (error: string, o: { permanent: boolean; httpStatus?: number }): Promise<never> => {
    const dead = o.permanent || lastAttempt;
    await markDeliveryFailed(ctx.db, deliveryId, { dead, error, httpStatus: o.httpStatus ?? null });
    ctx.onAttempt({ deliveryId, kind: receiver?.kind ?? null, outcome: dead ? 'dead' : 'retry', httpStatus: o.httpStatus ?? null, durationMs: Date.now() - started });
    throw o.permanent ? new UnrecoverableError(error) : new Error(error);
  };

  if (!receiver) return fail('接收端不存在 (receiver not found)', { permanent: true });
  if (!receiver.enabled) return fail('接收端已停用 (receiver disabled)', { permanent: true });
  const parsed = notificationSchema.safeParse(delivery.payload);
  if (!parsed.success) return fail(`通知内容无效 (invalid notification): ${parsed.error.issues[0]?.message ?? ''}`, { permanent: true });

  const sent = await sendToReceiver(receiver, parsed.data, deliveryId, { cfg: ctx.cfg, policy: ctx.policy });
  if (!sent.ok) return fail(sent.error, { permanent: sent.permanent, ...(sent.httpStatus !== undefined ? { httpStatus: sent.httpStatus } : {}) });
  await markDeliverySent(ctx.db, deliveryId, sent.httpStatus);
  ctx.onAttempt({ deliveryId, kind: receiver.kind, outcome: 'sent', httpStatus: sent.httpStatus, durationMs: Date.now() - started });
  return { outcome: 'sent', httpStatus: sent.httpStatus };
}

/** What one send to a receiver came to: sent (the vendor accepted it), or why not and whether trying again may help. */
export type SendResult = { ok: true; httpStatus: number } | { ok: false; error: string; permanent: boolean; httpStatus?: number };

/**
 * One POST of a notification to a receiver: formatted and signed for its kind, sent under the
 * address policy (unless an admin allowed the receiver's private address), the vendor's answer
 * judged. Errors name the host only: the URL's path and query carry the robot's token.
 */
export async function sendToReceiver(
  receiver: { kind: ReceiverKind; url: string; secret: string | null; allowPrivate: boolean },
  notification: Notification,
  deliveryId: number,
  opts: { cfg: Config; policy: AddressPolicy },
): Promise<SendResult> {
  const format = RECEIVER_FORMATS[receiver.kind];
  let request;
  try {
    request = format.build({ url: receiver.url, secret: receiver.secret, notification, deliveryId, now: new Date() });
  } catch (err) {
    return { ok: false, error: `无法生成消息 (cannot format): ${(err as Error).message}`, permanent: true };
  }
  const host = new URL(request.url).host;
  let res;
  try {
    res = await postJson(request.url, request.headers, request.body, {
      policy: receiver.allowPrivate ? ALLOW_ALL : opts.policy,
      connectTimeoutMs: opts.cfg.DELIVERY_CONNECT_TIMEOUT_MS,
      totalTimeoutMs: opts.cfg.DELIVERY_TIMEOUT_MS,
    });
  } catch (err) {
    if (!(err instanceof PostError)) throw err;
    if (err.code === 'blocked_address') return { ok: false, error: `地址被拒绝（SSRF 防护，未发送）：${err.message}。${BLOCKED_HINT}`, permanent: true };
    return { ok: false, error: `${err.code}: ${err.message} (${host})`, permanent: !err.retryable };
  }
  if (res.status >= 200 && res.status <= 299) {
    const verdict = format.check(res.body);
    // Vendors answer 200 with an error code (bad signature, rate limit, keyword missing): retry, it may pass later.
    return verdict.ok ? { ok: true, httpStatus: res.status } : { ok: false, error: verdict.error, permanent: false, httpStatus: res.status };
  }
  const text = `HTTP ${res.status} (${host})${res.body ? `: ${res.body.slice(0, 300)}` : ''}`;
  if (res.status >= 300 && res.status <= 399) return { ok: false, error: `${text}；不跟随重定向，请改用最终地址`, permanent: true, httpStatus: res.status };
  return { ok: false, error: text, permanent: !isRetryableStatus(res.status), httpStatus: res.status };
}

/**
 * Starts a worker on the deliver queue (DELIVERY_CONCURRENCY at once) and, unless
 * DELIVERY_RECONCILE_MS is 0, a timer re-queueing unfinished deliveries whose job was lost.
 */
export async function startDeliveryWorker(cfg: Config, deps: DeliveryWorkerDeps): Promise<DeliveryWorker> {
  const log = deps.log ?? createLogger('deliver', cfg.LOG_LEVEL);
  const ctx: AttemptContext = {
    db: deps.db,
    cfg,
    policy: createAddressPolicy(cfg.RECEIVER_ALLOWLIST),
    onAttempt: deps.onAttempt ?? (() => undefined),
  };
  const connection = createRedis(cfg.REDIS_URL, 'worker');
  connection.on('error', (err) => log.warn({ err: err.message }, 'redis (deliver worker) error'));
  const worker = new Worker<DeliverPayload>(DELIVER_QUEUE_NAME, (job) => attempt(ctx, job), {
    connection,
    prefix: cfg.QUEUE_PREFIX,
    concurrency: cfg.DELIVERY_CONCURRENCY,
  });
  worker.on('error', (err) => log.error({ err: err.message }, 'deliver worker error'));
  worker.on('failed', (job, err) => log.warn({ jobId: job?.id, attempt: job?.attemptsMade, err: err.message }, 'delivery attempt failed'));
  // Ready before anything can close it: a worker closed while its connection still initialises
  // rejects that initialisation after its listeners are gone (an unhandled 'Connection is closed').
  await worker.waitUntilReady();

  let producer: ReturnType<typeof createRedis> | null = null;
  let queue: Queue<DeliverPayload> | null = null;
  let timer: NodeJS.Timeout | null = null;
  let running: Promise<unknown> = Promise.resolve();
  if (cfg.DELIVERY_RECONCILE_MS > 0) {
    producer = createRedis(cfg.REDIS_URL, 'producer');
    producer.on('error', (err) => log.warn({ err: err.message }, 'redis (deliver reconciler) error'));
    const q = createDeliveryQueue(cfg, producer);
    queue = q;
    timer = setInterval(() => {
      running = requeueStaleDeliveries({ db: deps.db, queue: q, log }, cfg.DELIVERY_RECONCILE_MS)
        .then((n) => n > 0 && log.info({ n }, 're-queued unfinished deliveries'))
        .catch((err: unknown) => log.warn({ err: (err as Error).message }, 'delivery reconciler failed'));
    }, cfg.DELIVERY_RECONCILE_MS);
    timer.unref();
  }

  return {
    worker,
    async close() {
      if (timer) clearInterval(timer);
      await running;
      // A running attempt may take DELIVERY_TIMEOUT_MS (15 s): wait SHUTDOWN_GRACE_MS, then leave
      // it to BullMQ's stalled-job check (the delivery's dedup key keeps a retry from sending twice
      // once the first attempt was recorded as sent).
      if (!(await settleWithin(worker.close(), cfg.SHUTDOWN_GRACE_MS))) await settleWithin(worker.close(true), 1000);
      await queue?.close();
      producer?.disconnect();
      connection.disconnect();
    },
  };
}
