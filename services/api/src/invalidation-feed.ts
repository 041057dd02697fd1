/**
 * A Redis subscription that tells a per-process cache to forget (the credential cache, auth-cache.ts;
 * the alert list cache listens to the live stream's subscription instead, stream/hub.ts). The auth
 * feed also tells open alert streams to check their credential (plugins/auth.ts, stream/reauth.ts).
 *
 * A cache may only answer while the feed is live — subscribed, so that no message can be missed.
 * When the subscriber's connection drops the feed goes dead at once (the cache stops answering and
 * is emptied); when it is back it subscribes again and only then goes live, so whatever changed
 * meanwhile is read from PostgreSQL. The caches' short TTLs bound the harm of a message lost in
 * some other way.
 */
import type { FastifyBaseLogger } from 'fastify';
import { subscriberOf } from '@yuqing/queue';
import type { Redis } from 'ioredis';

export interface InvalidationFeedOptions {
  /** A connection to duplicate for the subscriber (a subscribed connection can do nothing else). */
  redis: Redis;
  channel: string;
  /** What the feed is for, in log lines. */
  name: string;
  log: FastifyBaseLogger;
  onMessage(message: string): void;
  /** Called on every change of liveness; the cache empties itself on both. */
  onLive(live: boolean): void;
}

/** One subscriber connection for one channel; see the module comment. */
export class InvalidationFeed {
  private sub: Redis | null = null;
  private live = false;
  private stopped = false;
  private firstLive: (() => void) | null = null;

  constructor(private readonly o: InvalidationFeedOptions) {}

  /** True while subscribed. */
  get isLive(): boolean {
    return this.live;
  }

  /**
   * Connects and subscribes; resolves once subscribed or after `waitMs` (Redis may be down: the
   * process starts anyway, its caches staying unused until the feed is live).
   */
  async start(waitMs = 1000): Promise<void> {
    if (this.sub || this.stopped) return;
    // Waits out a Redis outage rather than failing; no automatic resubscription, because going live
    // again must follow a subscription we have seen confirmed (subscribe()).
    const sub = subscriberOf(this.o.redis, { maxRetriesPerRequest: null, enableOfflineQueue: true, lazyConnect: false, autoResubscribe: false });
    this.sub = sub;
    sub.on('error', (err: Error) => this.o.log.warn({ err: err.message, feed: this.o.name }, 'cache invalidation: redis subscriber error'));
    sub.on('message', (channel: string, message: string) => {
      if (channel === this.o.channel) this.o.onMessage(message);
    });
    sub.on('close', () => this.setLive(false));
    sub.on('ready', () => void this.subscribe(sub));
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, waitMs);
      timer.unref();
      this.firstLive = () => {
        clearTimeout(timer);
        resolve();
      };
      if (this.live) this.firstLive();
    });
    this.firstLive = null;
  }

  private async subscribe(sub: Redis): Promise<void> {
    try {
      await sub.subscribe(this.o.channel);
      if (this.sub === sub && !this.stopped) this.setLive(true);
    } catch (err) {
      this.o.log.warn({ err: err instanceof Error ? err.message : String(err), feed: this.o.name }, 'cache invalidation: subscribe failed; cache unused until it succeeds');
    }
  }

  private setLive(live: boolean): void {
    if (this.live === live) return;
    this.live = live;
    this.o.onLive(live);
    if (live) this.firstLive?.();
    else if (!this.stopped) this.o.log.warn({ feed: this.o.name }, 'cache invalidation: subscriber disconnected; cache unused until it is back');
  }

  /** Stops the subscriber; the cache is unused from here on. */
  stop(): void {
    this.stopped = true;
    this.setLive(false);
    this.sub?.disconnect();
    this.sub = null;
  }
}
