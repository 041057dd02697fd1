/**
 * A small per-process cache whose entries are dropped by announcements (Redis pub/sub) rather than
 * only by age — what the credential cache (auth-cache.ts) and the alert list cache
 * (alerts-list-cache.ts) share:
 * - entries live `ttlMs` at most (never past the `until` a caller gives), a safety net for a lost
 *   announcement; 0 turns the cache off;
 * - at most `maxEntries`, the oldest dropped first (Map order is insertion order);
 * - it answers only while its announcements can arrive (`setLive`), and starts empty each time;
 * - a fill that an invalidation overtook is not stored: `stamp()` before the lookup, `store()`
 *   compares — otherwise a read from before a change could come back after its announcement and
 *   outlive it.
 */
interface Entry<V> {
  value: V;
  /** Epoch ms after which the entry is not used. */
  until: number;
}

export interface FencedCacheOptions {
  ttlMs: number;
  maxEntries: number;
  now?: () => number;
}

export class FencedCache<V> {
  private readonly entries = new Map<string, Entry<V>>();
  private readonly ttlMs: number;
  private readonly maxEntries: number;
  private readonly now: () => number;
  private generation = 0;
  private live = false;
  /** Invalidations received or made (tests wait on it). */
  invalidations = 0;

  constructor(o: FencedCacheOptions) {
    this.ttlMs = o.ttlMs;
    this.maxEntries = o.maxEntries;
    this.now = o.now ?? Date.now;
  }

  /** Entries held (some may have run out). */
  get size(): number {
    return this.entries.size;
  }

  /** Whether the cache answers: only while its announcements can arrive. */
  get isLive(): boolean {
    return this.live;
  }

  /** The value of a key, if cached and fresh. */
  get(key: string): V | null {
    if (!this.live) return null;
    const e = this.entries.get(key);
    if (!e) return null;
    if (this.now() >= e.until) {
      this.entries.delete(key);
      return null;
    }
    return e.value;
  }

  /** Take before the lookup whose answer is to be stored. */
  stamp(): number {
    return this.generation;
  }

  /** Stores a value read since `stamp`, unless an invalidation came in between; `until` caps its life. */
  store(key: string, value: V, stamp: number, until = Infinity): void {
    if (!this.live || this.ttlMs <= 0 || stamp !== this.generation) return;
    const now = this.now();
    const end = Math.min(now + this.ttlMs, until);
    if (end <= now) return;
    this.entries.delete(key);
    while (this.entries.size >= this.maxEntries) {
      const oldest = this.entries.keys().next();
      if (oldest.done) break;
      this.entries.delete(oldest.value);
    }
    this.entries.set(key, { value, until: end });
  }

  /** Forgets the entries `which` picks (every entry without it), and fences off fills in flight. */
  invalidate(which?: (value: V) => boolean): void {
    this.generation++;
    this.invalidations++;
    if (!which) return this.entries.clear();
    for (const [key, e] of this.entries) if (which(e.value)) this.entries.delete(key);
  }

  /** Set when the announcements start or stop arriving: the cache is used only while they do, and starts empty. */
  setLive(live: boolean): void {
    this.invalidate();
    this.live = live;
  }
}
