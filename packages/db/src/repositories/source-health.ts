/** Fetch outcomes and source health events: the record of what each poll did. */
import type { Queryable } from '../pool';
import { storableOrNull } from '../storable';

export type FetchOutcome =
  | 'ok'
  | 'not_modified'
  | 'http_error'
  | 'timeout'
  | 'network_error'
  | 'too_many_redirects'
  | 'blocked_address'
  | 'robots_denied'
  | 'parse_error'
  | 'error';

/** Appends one fetch attempt to the fetch log. */
export async function logFetch(
  db: Queryable,
  e: {
    sourceId: number;
    outcome: FetchOutcome;
    httpStatus?: number | null;
    durationMs?: number | null;
    bytes?: number | null;
    truncated?: boolean;
    newItems?: number;
    seenItems?: number;
    error?: string | null;
  },
): Promise<void> {
  await db.query(
    `INSERT INTO fetch_log (source_id, outcome, http_status, duration_ms, bytes, truncated, new_items, seen_items, error)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, left($9, 2000))`,
    [e.sourceId, e.outcome, e.httpStatus ?? null, e.durationMs ?? null, e.bytes ?? null, e.truncated ?? false, e.newItems ?? 0, e.seenItems ?? 0, storableOrNull(e.error)],
  );
}

/** Records a source turning failing or recovering. */
export async function recordHealthEvent(
  db: Queryable,
  e: { sourceId: number; kind: 'failing' | 'recovered'; consecutiveErrors: number; error?: string | null },
): Promise<void> {
  await db.query(`INSERT INTO source_health_events (source_id, kind, consecutive_errors, error) VALUES ($1, $2, $3, $4)`, [
    e.sourceId,
    e.kind,
    e.consecutiveErrors,
    storableOrNull(e.error, 2000),
  ]);
}

/** Health events of one source, newest first. */
export async function listHealthEvents(
  db: Queryable,
  sourceId: number,
): Promise<Array<{ kind: 'failing' | 'recovered'; at: Date; consecutiveErrors: number; error: string | null }>> {
  const { rows } = await db.query<{ kind: 'failing' | 'recovered'; at: Date; consecutive_errors: number; error: string | null }>(
    'SELECT kind, at, consecutive_errors, error FROM source_health_events WHERE source_id = $1 ORDER BY id DESC',
    [sourceId],
  );
  return rows.map((r) => ({ kind: r.kind, at: r.at, consecutiveErrors: r.consecutive_errors, error: r.error }));
}

/** The fetch log of one source, newest first. */
export async function listFetchLog(
  db: Queryable,
  sourceId: number,
  limit = 100,
): Promise<Array<{ outcome: FetchOutcome; httpStatus: number | null; newItems: number; truncated: boolean; error: string | null }>> {
  const { rows } = await db.query<{ outcome: FetchOutcome; http_status: number | null; new_items: number; truncated: boolean; error: string | null }>(
    'SELECT outcome, http_status, new_items, truncated, error FROM fetch_log WHERE source_id = $1 ORDER BY id DESC LIMIT $2',
    [sourceId, limit],
  );
  return rows.map((r) => ({ outcome: r.outcome, httpStatus: r.http_status, newItems: r.new_items, truncated: r.truncated, error: r.error }));
}
