/**
 * GET /api/overview/stream: 态势总览 live (Server-Sent Events), for the leaders' page and the
 * duty-room screen. Each frame is `event: overview` with data `{"overview": …}` — the whole
 * overview, the same as GET /api/overview answers — sent at connect, again shortly after something
 * it shows changed, and at least every minute whatever happened, since new items, incidents and
 * failing sources are announced nowhere.
 *
 * Why the whole overview and not deltas: it is a few kilobytes, the same for every role that may
 * read it, and computed once per process for all the clients (not once per client), so a client
 * needs no resume logic — the last frame is the truth, and a reconnect simply gets a fresh one.
 *
 * What triggers a recompute: an alert event (the alert stream hub already listens to that channel
 * and tells its watchers, so no second subscriber for it) and a topic level or stage change (the
 * topic stage's channel, @yuqing/queue topicLevelChannel). Changes are debounced (a burst of alert
 * events gives one recompute) and reads run one at a time; a change during a read makes another
 * after it.
 *
 * Like the alert stream it lasts only as long as the credential it was opened with: revoked token,
 * disabled user, logged-out or run-out session end it with a last `event: auth` (stream/reauth.ts,
 * stream/sse.ts) — the duty-room screen then exchanges its screen token for a new session
 * (POST /api/auth/screen) and reconnects. Heartbeat comments keep proxies from closing an idle
 * stream; a client that reads nothing is dropped rather than buffered without bound.
 */
import type { Config } from '@yuqing/config';
import { loadOverview, type Overview, type Pool, type Role } from '@yuqing/db';
import { addSseClientSource } from '@yuqing/metrics';
import { topicLevelChannel } from '@yuqing/queue';
import type { FastifyBaseLogger } from 'fastify';
import fp from 'fastify-plugin';
import type { Redis } from 'ioredis';
import type { ServerResponse } from 'node:http';
import { ApiError } from '../errors';
import { openEventStream, verifiedStreamCaller } from '../stream/open';
import { StreamReauth, type StreamCredential } from '../stream/reauth';
import { authEndFrame, HEARTBEAT_FRAME, type AuthEndReason } from '../stream/sse';

/** Who reads the overview: the same roles as GET /api/overview. */
export const OVERVIEW_READERS = ['admin', 'pr', 'analyst', 'leader'] as const satisfies readonly Role[];

/** The frame of one overview. JSON.stringify keeps it on one `data:` line (CR and LF are escaped). */
export function overviewFrame(overview: Overview): string {
  return `event: overview\ndata: ${JSON.stringify({ overview })}\n\n`;
}

export interface OverviewHubOptions {
  db: Pool;
  /** A connection to duplicate for the topic-level subscriber. */
  redis: Redis;
  prefix: string;
  log: FastifyBaseLogger;
  heartbeatMs: number;
  maxBufferedBytes: number;
  reauthMs: number;
  /** A change waits this long for others before the overview is read again (a burst gives one read). */
  debounceMs?: number;
  /** Read again at least this often while anyone is connected (new items are announced nowhere). */
  refreshMs?: number;
  /** After a failed read, try again this soon (the clients keep what they have meanwhile). */
  retryMs?: number;
  /** A new client is sent the last overview if it is younger than this; else one is read for it. */
  freshMs?: number;
  /** Streams one process serves at once; beyond, new ones are refused (503) until some close. */
  maxClients?: number;
  /** Reads the overview (tests give a counting or failing one). */
  load?: (db: Pool) => Promise<Overview>;
  now?: () => number;
}

interface Client {
  seq: number;
  userId: number;
  userName: string;
  role: Role;
  res: ServerResponse;
  credential: StreamCredential;
  closed: boolean;
}

/** What the route hands the hub once the response head and opening frame are written. */
export interface NewOverviewStream {
  res: ServerResponse;
  user: { id: number; name: string; role: Role };
  credential: StreamCredential;
  expiresAt: Date | null;
  reauthStamp: number;
}

/** The overview streams of one process; see the module comment. */
export class OverviewHub {
  private readonly clients = new Set<Client>();
  private seq = 0;
  private started = false;
  private closing = false;
  private subscriber: Redis | null = null;
  private timers: NodeJS.Timeout[] = [];
  private debounce: NodeJS.Timeout | null = null;
  private reading: Promise<void> | null = null;
  private readAgain = false;
  private last: { overview: Overview; frame: string; readAt: number; stale: boolean } | null = null;
  /** When the last read began, and whether it failed: the periodic read's clock. */
  private lastAttemptAt = 0;
  private lastFailed = false;
  private readonly reauth: StreamReauth<Client>;
  private readonly debounceMs: number;
  private readonly refreshMs: number;
  private readonly retryMs: number;
  private readonly freshMs: number;
  private readonly load: (db: Pool) => Promise<Overview>;
  private readonly now: () => number;
  /** Overviews read (tests wait on it). */
  reads = 0;
  /** Changes announced to the hub (tests wait on it). */
  changes = 0;

  constructor(private readonly o: OverviewHubOptions) {
    this.debounceMs = o.debounceMs ?? 1500;
    // Under a minute with the check's second of slack: "at least every minute" holds.
    this.refreshMs = o.refreshMs ?? 55_000;
    this.retryMs = o.retryMs ?? 5_000;
    this.freshMs = o.freshMs ?? 5_000;
    this.load = o.load ?? ((db) => loadOverview(db));
    this.now = o.now ?? Date.now;
    this.reauth = new StreamReauth<Client>({ db: o.db, intervalMs: o.reauthMs, log: o.log, end: (c, reason) => this.endForAuth(c, reason) });
  }

  get size(): number {
    return this.clients.size;
  }

  get isClosing(): boolean {
    return this.closing;
  }

  /** True when a new stream would be refused for the number already open. */
  get isFull(): boolean {
    return this.clients.size >= (this.o.maxClients ?? 200);
  }

  reauthStamp(): number {
    return this.reauth.stamp();
  }

  credentialsChanged(userId: number | null): void {
    this.reauth.changed(userId);
  }

  /** Subscribes to topic level changes and starts the heartbeat and the periodic read. */
  start(): void {
    if (this.started) return;
    this.started = true;
    // Waits out a Redis outage rather than failing; the periodic read covers what is missed meanwhile.
    const sub = this.o.redis.duplicate({ maxRetriesPerRequest: null, enableOfflineQueue: true, lazyConnect: false });
    this.subscriber = sub;
    sub.on('error', (err: Error) => this.o.log.warn({ err: err.message }, 'overview stream: redis subscriber error'));
    sub.on('message', () => this.changed());
    sub.on('ready', () => {
      sub.subscribe(topicLevelChannel(this.o.prefix)).catch((err: unknown) => this.o.log.warn({ err: err instanceof Error ? err.message : String(err) }, 'overview stream: subscribe failed; periodic reads only'));
    });
    const beat = setInterval(() => this.heartbeat(), this.o.heartbeatMs);
    // At least every refreshMs: checked every second (a comparison), so a read prompted by a change
    // postpones the next periodic one; after a failure, sooner.
    const periodic = setInterval(() => {
      if (this.clients.size && this.now() - this.lastAttemptAt >= (this.lastFailed ? this.retryMs : this.refreshMs)) this.read();
    }, Math.min(this.refreshMs, 1_000));
    beat.unref();
    periodic.unref();
    this.timers.push(beat, periodic);
  }

  /**
   * Something the overview shows may have changed: read again after the debounce — if anyone is
   * connected; otherwise the next client is simply not served the remembered one.
   */
  changed(): void {
    this.changes++;
    if (this.last) this.last.stale = true;
    if (this.closing || !this.clients.size || this.debounce) return;
    this.debounce = setTimeout(() => {
      this.debounce = null;
      this.read();
    }, this.debounceMs);
    this.debounce.unref();
  }

  /** Adds a stream: it gets the remembered overview at once if it is fresh, else the next read. */
  add(s: NewOverviewStream): void {
    const c: Client = { seq: ++this.seq, userId: s.user.id, userName: s.user.name, role: s.user.role, res: s.res, credential: s.credential, closed: false };
    this.clients.add(c);
    s.res.on('close', () => this.remove(c));
    this.reauth.add(c, s.expiresAt, s.reauthStamp);
    const last = this.last;
    if (last && !last.stale && this.now() - last.readAt < this.freshMs) this.write(c, last.frame);
    else this.read();
  }

  /** Reads the overview and sends it to every client; one read at a time, another after it if asked meanwhile. */
  read(): void {
    if (this.closing) return;
    if (this.reading) {
      this.readAgain = true;
      return;
    }
    this.reading = (async () => {
      do {
        this.readAgain = false;
        const startedAt = this.now();
        this.lastAttemptAt = startedAt;
        let overview: Overview;
        try {
          overview = await this.load(this.o.db);
        } catch (err) {
          // The clients keep what they have (the page shows its age); the next change or retryMs tries again.
          this.lastFailed = true;
          this.o.log.warn({ err: err instanceof Error ? err.message : String(err) }, 'overview stream: reading the overview failed');
          return;
        }
        this.lastFailed = false;
        this.reads++;
        const frame = overviewFrame(overview);
        this.last = { overview, frame, readAt: startedAt, stale: false };
        for (const c of this.clients) this.write(c, frame);
      } while (this.readAgain && !this.closing);
    })().finally(() => {
      this.reading = null;
    });
  }

  private heartbeat(): void {
    for (const c of this.clients) this.write(c, HEARTBEAT_FRAME);
  }

  /** Writes a frame unless the client already has too much unread: then it is dropped (it reconnects and gets a fresh overview). */
  private write(c: Client, frame: string): boolean {
    if (c.closed) return false;
    if (c.res.writableLength > this.o.maxBufferedBytes) {
      this.o.log.warn({ client: c.seq, user: c.userName, buffered: c.res.writableLength }, 'overview stream: client too slow, closing its stream');
      this.drop(c);
      return false;
    }
    c.res.write(frame);
    return true;
  }

  private drop(c: Client): void {
    this.remove(c);
    c.res.destroy();
  }

  private remove(c: Client): void {
    if (c.closed) return;
    c.closed = true;
    this.clients.delete(c);
    this.reauth.remove(c);
  }

  private endForAuth(c: Client, reason: AuthEndReason): void {
    if (c.closed) return;
    this.o.log.info({ client: c.seq, user: c.userName, reason }, 'overview stream: credential no longer valid; stream closed');
    if (c.res.writableLength > this.o.maxBufferedBytes) this.drop(c);
    else void this.end(c, authEndFrame(reason));
  }

  private end(c: Client, lastFrame: string | undefined, graceMs = 1000): Promise<void> {
    return new Promise<void>((resolve) => {
      this.remove(c);
      if (c.res.destroyed) return resolve();
      const cut = setTimeout(() => {
        c.res.destroy();
        resolve();
      }, graceMs);
      cut.unref();
      c.res.once('close', () => {
        clearTimeout(cut);
        resolve();
      });
      if (lastFrame === undefined) c.res.end();
      else c.res.end(lastFrame);
    });
  }

  /** Ends every stream and refuses new ones (the first step of shutdown). */
  async closeStreams(graceMs = 1000): Promise<void> {
    this.closing = true;
    await Promise.all([...this.clients].map((c) => this.end(c, undefined, graceMs)));
  }

  /** Stops the timers, the credential checks and the subscriber (after closeStreams). */
  async stop(): Promise<void> {
    this.closing = true;
    if (this.debounce) clearTimeout(this.debounce);
    this.debounce = null;
    await this.reauth.stop();
    for (const t of this.timers) clearInterval(t);
    this.timers = [];
    this.subscriber?.disconnect();
    this.subscriber = null;
    await this.reading?.catch(() => undefined);
  }
}

declare module 'fastify' {
  interface FastifyInstance {
    /** The overview streams of this process. */
    overviewStream: OverviewHub;
  }
}

/**
 * The hub, its lifecycle (start when ready; on close end the streams first, then stop) and the
 * route. After the alert stream plugin: alert events reach the hub through its watcher.
 */
export const overviewStreamPlugin = fp<{ cfg: Config; db: Pool; redis: Redis; hub?: Partial<Pick<OverviewHubOptions, 'debounceMs' | 'refreshMs' | 'freshMs' | 'maxClients'>> }>(
  async (app, { cfg, db, redis, hub: tuning }) => {
    const hub = new OverviewHub({
      db,
      redis,
      prefix: cfg.QUEUE_PREFIX,
      log: app.log,
      heartbeatMs: cfg.SSE_HEARTBEAT_MS,
      maxBufferedBytes: cfg.SSE_MAX_BUFFERED_BYTES,
      reauthMs: cfg.SSE_REAUTH_MS,
      ...tuning,
    });
    app.decorate('overviewStream', hub);
    app.onCredentialsChanged((userId) => hub.credentialsChanged(userId));
    // Alert events: the alert stream's own subscription (and its poll, should a message be lost).
    app.alertStream.watch({ changed: () => hub.changed(), live: () => undefined });
    const removeSse = addSseClientSource(() => hub.size);
    app.addHook('onReady', async () => hub.start());
    app.addHook('preClose', async () => hub.closeStreams());
    app.addHook('onClose', async () => {
      removeSse();
      await hub.stop();
    });

    app.get('/api/overview/stream', { config: { roles: OVERVIEW_READERS } }, async (req, reply) => {
      if (hub.isClosing) throw new ApiError(503, 'SHUTTING_DOWN', '服务正在停止，请稍后重连', { 'retry-after': '1' });
      if (hub.isFull) throw new ApiError(503, 'TOO_MANY_STREAMS', '实时连接数已达上限，请稍后再试', { 'retry-after': '30' });
      // A change announced during the lookup makes the hub check the credential again (the stamp).
      const reauthStamp = hub.reauthStamp();
      const { user, credential, expiresAt } = await verifiedStreamCaller(db, req, OVERVIEW_READERS);
      const res = openEventStream(req, reply, cfg.SSE_RETRY_MS, 'overview stream');
      if (!res) return;
      hub.add({ res, user: { id: user.id, name: user.name, role: user.role }, credential, expiresAt, reauthStamp });
      req.log.info({ user: user.name, clients: hub.size }, 'overview stream opened');
    });
  },
  { name: 'yuqing-overview-stream', fastify: '5.x', dependencies: ['yuqing-auth', 'yuqing-alert-stream'] },
);
