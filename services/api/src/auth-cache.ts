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

/** How a caller proved who they are. */
export type CredentialKind = 'token' | 'session';

interface Entry {
  user: User;
  /** Epoch ms after which the entry is not used. */
  until: number;
}

export interface CredentialCacheOptions {
  /** How long an entry is used; 0 turns the cache off. */
  ttlMs: number;
  maxEntries?: number;
  now?: () => number;
}

/** Enough for every token and session of a large deployment; ~0.5 kB each. */
const DEFAULT_MAX_ENTRIES = 10_000;

/** The credential cache of one process; see the module comment. */
export class CredentialCache {
  private readonly entries = new Map<string, Entry>();
  private readonly ttlMs: number;
  private readonly maxEntries: number;
  private readonly now: () => number;
  private generation = 0;
  private live = false;
  /** Invalidations received or made (tests wait on it). */
  invalidations = 0;

  constructor(o: CredentialCacheOptions) {
    this.ttlMs = o.ttlMs;
    this.maxEntries = o.maxEntries ?? DEFAULT_MAX_ENTRIES;
    this.now = o.now ?? Date.now;
  }

  /** Entries held (some may have run out). */
  get size(): number {
    return this.entries.size;
  }

  /** Whether the cache answers: only while its invalidation feed is subscribed. */
  get isLive(): boolean {
    return this.live;
  }

  /** The user of a credential by the hash of its secret, if known and still fresh. */
  get(kind: CredentialKind, hash: string): User | null {
    if (!this.live) return null;
    const key = kind === 'token' ? `t:${hash}` : `s:${hash}`;
    const e = this.entries.get(key);
    if (!e) return null;
    if (this.now() >= e.until) {
      this.entries.delete(key);
      return null;
    }
    return e.user;
  }

  /** Take before a database lookup whose answer is to be stored. */
  stamp(): number {
    return this.generation;
  }

  /**
   * Remembers a successful lookup made since `stamp`, unless an invalidation came in between;
   * `expiresAt` is the session's expiry (tokens have none).
   */
  store(kind: CredentialKind, hash: string, user: User, stamp: number, expiresAt: Date | null = null): void {
    if (!this.live || this.ttlMs <= 0 || stamp !== this.generation) return;
    const now = this.now();
    const until = Math.min(now + this.ttlMs, expiresAt ? expiresAt.getTime() : Infinity);
    if (until <= now) return;
    const key = kind === 'token' ? `t:${hash}` : `s:${hash}`;
    this.entries.delete(key);
    // Map order is insertion order: the first key is the oldest entry, the first to run out.
    while (this.entries.size >= this.maxEntries) {
      const oldest = this.entries.keys().next();
      if (oldest.done) break;
      this.entries.delete(oldest.value);
    }
    // Frozen: many requests share the object.
    this.entries.set(key, { user: Object.freeze({ ...user }), until });
  }

  /** Forgets every credential of a user (a token revoked, the user disabled or changed, a logout). */
  invalidateUser(userId: number): void {
    this.generation++;
    this.invalidations++;
    for (const [key, e] of this.entries) if (e.user.id === userId) this.entries.delete(key);
  }

  /** Forgets everything. */
  clear(): void {
    this.generation++;
    this.invalidations++;
    this.entries.clear();
  }

  /** Set by the invalidation feed (invalidation-feed.ts): the cache is used only while it is subscribed, and starts empty. */
  setLive(live: boolean): void {
    this.clear();
    this.live = live;
  }
}
