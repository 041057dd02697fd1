/**
 * The alert list as already-serialized JSON, per role and query, for a few seconds per process:
 * GET /api/alerts is what every open duty screen polls, and the list changes only when an alert
 * event is appended.
 *
 * What keeps it right:
 * - The role is part of the key: each role sees only the alerts whose audience names it.
 * - Every alert change appends an alert event and announces it on alertEventsChannel after the
 *   commit; the live stream of each API process hears it (stream/hub.ts, which also finds events
 *   whose message was lost when it polls) and empties the cache. A write made through this process
 *   empties it before its response is sent (routes/alerts.ts), so a client that acknowledges and
 *   re-reads sees its change.
 * - A fill that an invalidation overtook (its query ran before the change committed) is not
 *   stored: stamp() before the query, store() compares.
 * - Entries live `ttlMs` at most (a safety net for a lost message, and for changes that append no
 *   event, such as a rule's new name); while the subscription is down the cache is not used.
 * - Only first pages without a time filter are cached (the screens' queries), at most
 *   `maxEntries` of them.
 */
import type { Role } from '@yuqing/db';
import { FencedCache } from './fenced-cache';

export interface AlertListCacheOptions {
  /** How long an entry is used; 0 turns the cache off. */
  ttlMs: number;
  maxEntries?: number;
  now?: () => number;
}

/** The list query as the route has parsed it. */
export interface AlertListKeyQuery {
  states: readonly string[];
  levels?: readonly string[] | undefined;
  kind?: string | undefined;
  since?: Date | undefined;
  cursor?: number | undefined;
  limit: number;
}

/**
 * The cache key of a list query for a role, or null for one not cached (a page after a cursor, a
 * time filter: each is asked for rarely and in endless variety).
 */
export function alertListKey(role: Role, q: AlertListKeyQuery): string | null {
  if (q.since !== undefined || q.cursor !== undefined) return null;
  return `${role}|${[...q.states].sort().join(',')}|${q.levels ? [...q.levels].sort().join(',') : ''}|${q.kind ?? ''}|${q.limit}`;
}

/** The alert list cache of one process (serialized responses by alertListKey); see the module comment. */
export class AlertListCache extends FencedCache<Buffer> {
  constructor(o: AlertListCacheOptions) {
    super({ ttlMs: o.ttlMs, maxEntries: o.maxEntries ?? 64, ...(o.now ? { now: o.now } : {}) });
  }
}
