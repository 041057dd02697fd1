/**
 * The live alert stream of one API process: one Redis subscriber for the process (not one per
 * client), one reader of the event log, and the connected SSE clients.
 *
 * PostgreSQL is the stream: every frame sent is a row of alert_events, read by id. Redis only says
 * "there is something new"; a lost message is made up for by a poll every SSE_POLL_MS. Because
 * ids become visible in commit order (appendAlertEvent), "everything after id N" never skips one.
 *
 * A client goes through two phases. Catching up: it reads its own backlog from PostgreSQL (after
 * its Last-Event-ID), waiting for the socket to drain between frames. Live: the hub reads each new
 * event once and writes it to every live client allowed to see it. The switch is made only when
 * the client has covered everything the hub has already dispatched, so nothing falls between.
 *
 * A stream serves only as long as the credential it connected with is valid: the hub ends it with a
 * final `auth` event when it is revoked, its user disabled, its session ended or run out
 * (stream/reauth.ts).
 *
 * Per-process caches of what alert events change (the alert list, alerts-list-cache.ts) watch the
 * hub rather than subscribing themselves: they are told when the log may have grown (a
 * notification, or a read that found new events) and whether notifications are being received.
 */
import { alertEventsAfter, lastAlertEventId, type AlertEvent, type Pool, type Role } from '@yuqing/db';
import { alertEventsChannel, subscriberOf } from '@yuqing/queue';
import type { FastifyBaseLogger } from 'fastify';
import type { Redis } from 'ioredis';
import type { ServerResponse } from 'node:http';
import { StreamReauth, type StreamCredential } from './reauth';
import { authEndFrame, eventFrame, HEARTBEAT_FRAME, type AuthEndReason } from './sse';

export interface HubOptions {
  db: Pool;
  /** A connection to duplicate for the subscriber (a subscribed connection can do nothing else). */
  redis: Redis;
  prefix: string;
  log: FastifyBaseLogger;
  heartbeatMs: number;
  pollMs: number;
  /** Unread bytes (ours and the socket's) beyond which a client is dropped at its next frame. */
  maxBufferedBytes: number;
  /** Events per read of the log. */
  batchSize?: number;
  /** How often each stream checks its credential without being asked (SSE_REAUTH_MS). */
  reauthMs: number;
}

/** One connected stream. */
interface Client {
  seq: number;
  userId: number;
  userName: string;
  role: Role;
  res: ServerResponse;
  /** What it connected with: the hash, never the secret. */
  credential: StreamCredential;
  /** Every event with an id up to this one has been sent or is not for this client. */
  covered: number;
  live: boolean;
  closed: boolean;
}

/** What the route hands the hub for a new stream, after the response head has been written. */
export interface NewStream {
  res: ServerResponse;
  user: { id: number; name: string; role: Role };
  /** The credential it connected with, as found valid in PostgreSQL since `reauthStamp`, and a session's expiry. */
  credential: StreamCredential;
  expiresAt: Date | null;
  reauthStamp: number;
  /** Send events after this id. */
  after: number;
}

/** A per-process cache of what alert events change, told by the hub (see the module comment). */
export interface AlertChangeWatcher {
  /** The event log may have grown: forget. */
  changed(): void;
  /** Whether notifications are being received; while they are not, the cache must not answer. */
  live(live: boolean): void;
}

/** Live alert stream of one process; see the module comment. */
export class AlertStreamHub {
  private readonly clients = new Set<Client>();
  /** Last event id read from the log and dispatched to live clients. */
  private cursor = 0;
  private seq = 0;
  private started = false;
  /** The cursor is set: reads of the log may run. */
  private ready = false;
  private closing = false;
  private subscriber: Redis | null = null;
  private timers: NodeJS.Timeout[] = [];
  private reading: Promise<void> | null = null;
  private readAgain = false;
  private readonly batchSize: number;
  private readonly watchers = new Set<AlertChangeWatcher>();
  private subscribed = false;
  private readonly reauth: StreamReauth<Client>;

  constructor(private readonly o: HubOptions) {
    this.batchSize = o.batchSize ?? 500;
    this.reauth = new StreamReauth<Client>({ db: o.db, intervalMs: o.reauthMs, log: o.log, end: (c, reason) => this.endForAuth(c, reason) });
  }

  /** Credential checks completed (tests wait on it). */
  get reauthChecks(): number {
    return this.reauth.checks;
  }

  /** Take before looking up the credential of a stream about to be added (NewStream.reauthStamp). */
  reauthStamp(): number {
    return this.reauth.stamp();
  }

  /** A user's credentials changed (null: anybody's may have): their streams check theirs in PostgreSQL. */
  credentialsChanged(userId: number | null): void {
    this.reauth.changed(userId);
  }

  /** Connected clients. */
  get size(): number {
    return this.clients.size;
  }

  /** True while subscribed to the notifications (a subscription confirmed since the last disconnect). */
  get isSubscribed(): boolean {
    return this.subscribed;
  }

  /** Adds a watcher; it is told the current liveness at once. */
  watch(w: AlertChangeWatcher): void {
    this.watchers.add(w);
    w.live(this.subscribed);
  }

  private setSubscribed(subscribed: boolean): void {
    if (this.subscribed === subscribed) return;
    this.subscribed = subscribed;
    for (const w of this.watchers) w.live(subscribed);
  }

  private changed(): void {
    for (const w of this.watchers) w.changed();
  }

  /** True once shutdown has begun: new streams are refused. */
  get isClosing(): boolean {
    return this.closing;
  }

  /** Starts reading at the current end of the log and subscribes to new-event notifications. */
  async start(): Promise<void> {
    if (this.started) return;
    this.started = true;
    this.cursor = await lastAlertEventId(this.o.db);
    this.ready = true;
    // A subscriber must wait out a Redis outage rather than fail: it resubscribes on reconnect,
    // and reads the log once it is back in case it missed a notification meanwhile.
    const sub = subscriberOf(this.o.redis, { maxRetriesPerRequest: null, enableOfflineQueue: true, lazyConnect: false });
    this.subscriber = sub;
    sub.on('error', (err: Error) => this.o.log.warn({ err: err.message }, 'alert stream: redis subscriber error'));
    sub.on('message', () => {
      this.changed();
      this.wake();
    });
    // Watchers trust notifications only from a subscription confirmed since the last disconnect
    // (subscribing again on a reconnect is harmless: Redis counts a connection once per channel).
    sub.on('close', () => this.setSubscribed(false));
    const subscribe = (): void => {
      sub.subscribe(alertEventsChannel(this.o.prefix)).then(
        () => this.setSubscribed(this.subscriber === sub && !this.closing),
        (err: unknown) => this.o.log.warn({ err: err instanceof Error ? err.message : String(err) }, 'alert stream: subscribe failed; polling only'),
      );
    };
    sub.on('ready', () => {
      subscribe();
      this.wake();
    });
    const poll = setInterval(() => this.wake(), this.o.pollMs);
    const beat = setInterval(() => this.heartbeat(), this.o.heartbeatMs);
    // Timers must not keep a process alive that is otherwise done.
    poll.unref();
    beat.unref();
    this.timers.push(poll, beat);
  }

  /** Adds a stream whose head and opening frame are written; it catches up, then goes live. */
  add(s: NewStream): void {
    const c: Client = { seq: ++this.seq, userId: s.user.id, userName: s.user.name, role: s.user.role, res: s.res, credential: s.credential, covered: s.after, live: false, closed: false };
    this.clients.add(c);
    s.res.on('close', () => this.remove(c));
    this.reauth.add(c, s.expiresAt, s.reauthStamp);
    this.o.log.debug({ client: c.seq, user: c.userName, after: c.covered, clients: this.clients.size }, 'alert stream: client connected');
    this.catchUp(c).catch((err: unknown) => {
      this.o.log.error({ err, client: c.seq, user: c.userName }, 'alert stream: catch-up failed; closing the stream');
      this.drop(c);
    });
  }

  /** Reads a client's backlog from the log until it has covered what the hub already dispatched. */
  private async catchUp(c: Client): Promise<void> {
    for (;;) {
      // The head is read first: after the next query (a later snapshot) every event up to it is
      // visible, so a short page means the client has covered up to the head, not just its last row.
      const head = await lastAlertEventId(this.o.db);
      const rows = await alertEventsAfter(this.o.db, c.covered, [c.role], this.batchSize);
      for (const e of rows) {
        if (c.closed) return;
        if (!this.write(c, eventFrame(e))) return;
        c.covered = e.id;
        if (c.res.writableNeedDrain) await this.drained(c);
      }
      if (c.closed) return;
      if (rows.length === this.batchSize) continue;
      c.covered = Math.max(c.covered, head);
      // Synchronous from here: no event can be dispatched between this check and going live.
      if (this.cursor <= c.covered) {
        c.live = true;
        return;
      }
    }
  }

  private drained(c: Client): Promise<void> {
    return new Promise((resolve) => {
      const done = (): void => {
        c.res.off('drain', done);
        c.res.off('close', done);
        resolve();
      };
      c.res.on('drain', done);
      c.res.on('close', done);
    });
  }

  /** Asks for a read of the log; reads run one at a time, and a request during one runs another after it. */
  wake(): void {
    if (this.closing || !this.ready) return;
    if (this.reading) {
      this.readAgain = true;
      return;
    }
    this.reading = (async () => {
      do {
        this.readAgain = false;
        try {
          await this.readNew();
        } catch (err) {
          // The next notification or poll tries again from the same cursor: nothing is lost.
          this.o.log.warn({ err: err instanceof Error ? err.message : String(err) }, 'alert stream: reading new events failed');
          return;
        }
      } while (this.readAgain && !this.closing);
    })().finally(() => {
      this.reading = null;
    });
  }

  private async readNew(): Promise<void> {
    for (;;) {
      const rows = await alertEventsAfter(this.o.db, this.cursor, null, this.batchSize);
      // Also when no notification came (it was lost): the poll found them.
      if (rows.length) this.changed();
      for (const e of rows) this.dispatch(e);
      if (rows.length < this.batchSize || this.closing) return;
    }
  }

  private dispatch(e: AlertEvent): void {
    let frame: string | undefined;
    for (const c of this.clients) {
      if (!c.live || c.closed || e.id <= c.covered) continue;
      c.covered = e.id;
      if (!(e.audienceRoles as readonly string[]).includes(c.role)) continue;
      frame ??= eventFrame(e);
      this.write(c, frame);
    }
    this.cursor = Math.max(this.cursor, e.id);
  }

  private heartbeat(): void {
    for (const c of this.clients) this.write(c, HEARTBEAT_FRAME);
  }

  /**
   * Writes a frame unless the client already has too much unread: then it is dropped, so one
   * stalled reader cannot make the process buffer without bound. It reconnects and resumes by id.
   */
  private write(c: Client, frame: string): boolean {
    if (c.closed) return false;
    // The frame itself is not counted: a single large frame must not drop a client that reads.
    if (c.res.writableLength > this.o.maxBufferedBytes) {
      this.o.log.warn({ client: c.seq, user: c.userName, buffered: c.res.writableLength, limit: this.o.maxBufferedBytes }, 'alert stream: client too slow, closing its stream');
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
    this.o.log.debug({ client: c.seq, user: c.userName, clients: this.clients.size }, 'alert stream: client gone');
  }

  /**
   * Ends every stream and refuses new ones: the first step of shutdown, so that the server's close
   * does not wait on streams that never end. EventSource reconnects to another process and resumes.
   */
  async closeStreams(graceMs = 1000): Promise<void> {
    this.closing = true;
    await Promise.all([...this.clients].map((c) => this.end(c, undefined, graceMs)));
  }

  /**
   * Ends a stream whose credential is no longer valid: a last `auth` event says why (the page shows
   * the login form with its message), and nothing more is sent.
   */
  private endForAuth(c: Client, reason: AuthEndReason): void {
    if (c.closed) return;
    this.o.log.info({ client: c.seq, user: c.userName, reason }, 'alert stream: credential no longer valid; stream closed');
    // A client too far behind to read it is cut like any slow one.
    if (c.res.writableLength > this.o.maxBufferedBytes) this.drop(c);
    else void this.end(c, authEndFrame(reason));
  }

  /** Ends a stream, with a last frame; resolves once its connection is closed. */
  private end(c: Client, lastFrame: string | undefined, graceMs = 1000): Promise<void> {
    return new Promise<void>((resolve) => {
      this.remove(c);
      if (c.res.destroyed) return resolve();
      // A client that reads nothing would keep end() from finishing: cut it after the grace.
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

  /** Stops timers and the subscriber (after closeStreams). */
  async stop(): Promise<void> {
    this.closing = true;
    await this.reauth.stop();
    for (const t of this.timers) clearInterval(t);
    this.timers = [];
    this.subscriber?.disconnect();
    this.subscriber = null;
    this.setSubscribed(false);
    await this.reading?.catch(() => undefined);
  }
}
