/**
 * Who a credential belongs to, remembered for a few seconds per process, so that a busy client does
 * not cost a PostgreSQL lookup per request (the auth plugin, plugins/auth.ts).
 *
 * What keeps it safe:
 * - Keys are the SHA-256 of the secret (as stored in the database), never the secret.
 * - Only successful lookups are kept: a flood of bad tokens cannot grow it, and the size is bounded
 *   all the same (the oldest entry goes first).
 * - An entry lives at most `ttlMs` (a few seconds), and never past its session's expiry, so an
 *   expired session is refused at its expiry exactly.
 * - Every change to who may sign in — a token revoked, a user disabled, enabled or given another
 *   role, a session logged out — is announced after its commit on `authEventsChannel` (by the API
 *   routes and the CLI); every API process then forgets that user's entries at once. The TTL bounds
 *   the harm should a message be lost; while the subscription is down the cache is not used at all
 *   (invalidation-feed.ts).
 * - A lookup that an invalidation overtook (it read the database before the change committed and
 *   came back after the message) is not stored: stamp() before, store() compares.
 */
import type { User } from '@yuqing/db';
import { FencedCache } from './fenced-cache';

/** How a caller proved who they are. */
export type CredentialKind = 'token' | 'session';

export interface CredentialCacheOptions {
  /** How long an entry is used; 0 turns the cache off. */
  ttlMs: number;
  maxEntries?: number;
  now?: () => number;
}

/** Enough for every token and session of a large deployment; ~0.5 kB each. */
const DEFAULT_MAX_ENTRIES = 10_000;

const keyOf = (kind: CredentialKind, hash: string): string => (kind === 'token' ? `t:${hash}` : `s:${hash}`);

/** The credential cache of one process; see the module comment. */
export class CredentialCache {
  private readonly cache: FencedCache<User>;

  constructor(o: CredentialCacheOptions) {
    this.cache = new FencedCache<User>({ ttlMs: o.ttlMs, maxEntries: o.maxEntries ?? DEFAULT_MAX_ENTRIES, ...(o.now ? { now: o.now } : {}) });
  }

  /** Entries held (some may have run out). */
  get size(): number {
    return this.cache.size;
  }

  /** Whether the cache answers: only while its invalidation feed is subscribed. */
  get isLive(): boolean {
    return this.cache.isLive;
  }

  /** Invalidations received or made (tests wait on it). */
  get invalidations(): number {
    return this.cache.invalidations;
  }

  /** The user of a credential by the hash of its secret, if known and still fresh. */
  get(kind: CredentialKind, hash: string): User | null {
    return this.cache.get(keyOf(kind, hash));
  }

  /** Take before a database lookup whose answer is to be stored. */
  stamp(): number {
    return this.cache.stamp();
  }

  /**
   * Remembers a successful lookup made since `stamp`, unless an invalidation came in between;
   * `expiresAt` is the session's expiry (tokens have none), which the entry never outlives.
   */
  store(kind: CredentialKind, hash: string, user: User, stamp: number, expiresAt: Date | null = null): void {
    // Frozen: many requests share the object.
    this.cache.store(keyOf(kind, hash), Object.freeze({ ...user }), stamp, expiresAt ? expiresAt.getTime() : Infinity);
  }

  /** Forgets every credential of a user (a token revoked, the user disabled or changed, a logout). */
  invalidateUser(userId: number): void {
    this.cache.invalidate((user) => user.id === userId);
  }

  /** Forgets everything. */
  clear(): void {
    this.cache.invalidate();
  }

  /** Set by the invalidation feed (invalidation-feed.ts): the cache is used only while it is subscribed, and starts empty. */
  setLive(live: boolean): void {
    this.cache.setLive(live);
  }
}
