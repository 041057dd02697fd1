/** Raw SQL for the sources table: admin writes and the crawler's scheduling state. */
import type { Queryable } from '../pool';
import { storableText } from '../storable';
import type { NewSource, Source } from '../source-model';

const COLUMNS = `id, name, kind, url, poll_interval_seconds, enabled, authority, jurisdiction_tags, charset,
  full_text, respect_robots, headers, selectors, catalogue_id, hot_list, threads, status, etag, last_modified, next_poll_at, last_polled_at,
  last_success_at, consecutive_errors, last_error, last_error_at, created_at`;

interface SourceRow {
  id: number;
  name: string;
  kind: Source['kind'];
  url: string;
  poll_interval_seconds: number;
  enabled: boolean;
  authority: number;
  jurisdiction_tags: string[];
  charset: string | null;
  full_text: boolean;
  respect_robots: boolean | null;
  headers: Record<string, string>;
  selectors: Source['selectors'];
  catalogue_id: string | null;
  hot_list: Source['hotList'];
  threads: boolean;
  status: 'ok' | 'failing';
  etag: string | null;
  last_modified: string | null;
  next_poll_at: Date;
  last_polled_at: Date | null;
  last_success_at: Date | null;
  consecutive_errors: number;
  last_error: string | null;
  last_error_at: Date | null;
  created_at: Date;
}

function fromRow(r: SourceRow): Source {
  return {
    id: r.id,
    name: r.name,
    kind: r.kind,
    url: r.url,
    pollIntervalSeconds: r.poll_interval_seconds,
    enabled: r.enabled,
    authority: r.authority,
    jurisdictionTags: r.jurisdiction_tags,
    charset: r.charset,
    fullText: r.full_text,
    respectRobots: r.respect_robots,
    headers: r.headers,
    selectors: r.selectors,
    catalogueId: r.catalogue_id,
    hotList: r.hot_list,
    threads: r.threads,
    status: r.status,
    etag: r.etag,
    lastModified: r.last_modified,
    nextPollAt: r.next_poll_at,
    lastPolledAt: r.last_polled_at,
    lastSuccessAt: r.last_success_at,
    consecutiveErrors: r.consecutive_errors,
    lastError: r.last_error,
    lastErrorAt: r.last_error_at,
    createdAt: r.created_at,
  };
}

function params(s: NewSource): unknown[] {
  return [
    s.name,
    s.kind,
    s.url,
    s.pollInterval,
    s.enabled,
    s.authority,
    s.jurisdictionTags,
    s.charset ?? null,
    s.fullText,
    s.respectRobots ?? null,
    JSON.stringify(s.headers),
    s.selectors ? JSON.stringify(s.selectors) : null,
    s.catalogueId,
    s.hotList,
    s.threads,
  ];
}

const INSERT = `INSERT INTO sources (name, kind, url, poll_interval_seconds, enabled, authority, jurisdiction_tags,
  charset, full_text, respect_robots, headers, selectors, catalogue_id, hot_list, threads)
  VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)`;

/** Adds a source; returns null when one with the same URL exists. */
export async function insertSource(db: Queryable, s: NewSource): Promise<Source | null> {
  const { rows } = await db.query<SourceRow>(`${INSERT} ON CONFLICT (url) DO NOTHING RETURNING ${COLUMNS}`, [...params(s)]);
  return rows[0] ? fromRow(rows[0]) : null;
}

/** Adds or updates a source by URL (import); crawl state of an existing source is kept. */
export async function upsertSource(db: Queryable, s: NewSource): Promise<{ source: Source; created: boolean }> {
  const { rows } = await db.query<SourceRow & { created: boolean }>(
    `${INSERT} ON CONFLICT (url) DO UPDATE SET name = EXCLUDED.name, kind = EXCLUDED.kind,
       poll_interval_seconds = EXCLUDED.poll_interval_seconds, enabled = EXCLUDED.enabled,
       authority = EXCLUDED.authority, jurisdiction_tags = EXCLUDED.jurisdiction_tags, charset = EXCLUDED.charset,
       full_text = EXCLUDED.full_text, respect_robots = EXCLUDED.respect_robots, headers = EXCLUDED.headers,
       selectors = EXCLUDED.selectors, catalogue_id = COALESCE(EXCLUDED.catalogue_id, sources.catalogue_id),
       hot_list = EXCLUDED.hot_list, threads = EXCLUDED.threads, updated_at = now()
     RETURNING ${COLUMNS}, (xmax = 0) AS created`,
    params(s),
  );
  const row = rows[0];
  if (!row) throw new Error(`upsert of source ${s.url} returned nothing`);
  return { source: fromRow(row), created: row.created };
}

/** Every source, ordered by id. */
export async function listSources(db: Queryable): Promise<Source[]> {
  const { rows } = await db.query<SourceRow>(`SELECT ${COLUMNS} FROM sources ORDER BY id`);
  return rows.map(fromRow);
}

/** One source by id, or null. */
export async function getSource(db: Queryable, id: number): Promise<Source | null> {
  const { rows } = await db.query<SourceRow>(`SELECT ${COLUMNS} FROM sources WHERE id = $1`, [id]);
  return rows[0] ? fromRow(rows[0]) : null;
}

/** Finds a source by numeric id or exact URL (what a user types on the command line). */
export async function findSource(db: Queryable, idOrUrl: string): Promise<Source | null> {
  if (/^\d+$/.test(idOrUrl)) return getSource(db, Number(idOrUrl));
  const { rows } = await db.query<SourceRow>(`SELECT ${COLUMNS} FROM sources WHERE url = $1`, [idOrUrl]);
  return rows[0] ? fromRow(rows[0]) : null;
}

/** Enables or disables a source; enabling makes it due now and clears its failure streak. */
export async function setSourceEnabled(db: Queryable, id: number, enabled: boolean): Promise<boolean> {
  const { rowCount } = await db.query(
    `UPDATE sources SET enabled = $2, updated_at = now(),
       next_poll_at = CASE WHEN $2 THEN now() ELSE next_poll_at END,
       consecutive_errors = CASE WHEN $2 THEN 0 ELSE consecutive_errors END
     WHERE id = $1`,
    [id, enabled],
  );
  return rowCount === 1;
}

/** Deletes a source; its items stay (source_id becomes null) because they are evidence. */
export async function removeSource(db: Queryable, id: number): Promise<boolean> {
  const { rowCount } = await db.query('DELETE FROM sources WHERE id = $1', [id]);
  return rowCount === 1;
}

/**
 * Claims due sources for crawling. Claiming moves next_poll_at forward by a lease, atomically
 * (SKIP LOCKED), so two schedulers never hand out one source twice; if the crawl never reports
 * back (Redis lost the job, the worker died), the lease runs out and the source is due again.
 */
export async function claimDueSources(db: Queryable, limit: number, leaseMs: number): Promise<Array<{ id: number; claimedAt: Date }>> {
  const { rows } = await db.query<{ id: number; claimed_at: Date }>(
    `UPDATE sources s SET next_poll_at = now() + make_interval(secs => $2::double precision / 1000)
     FROM (SELECT id FROM sources WHERE enabled AND next_poll_at <= now()
           ORDER BY next_poll_at LIMIT $1 FOR UPDATE SKIP LOCKED) due
     WHERE s.id = due.id
     RETURNING s.id, now() AS claimed_at`,
    [limit, leaseMs],
  );
  return rows.map((r) => ({ id: r.id, claimedAt: r.claimed_at }));
}

/** Gives a claimed source back (its job could not be queued) so it is due again soon. */
export async function releaseClaim(db: Queryable, id: number, retryInMs: number): Promise<void> {
  await db.query(`UPDATE sources SET next_poll_at = now() + make_interval(secs => $2::double precision / 1000) WHERE id = $1`, [
    id,
    retryInMs,
  ]);
}

/**
 * Records a successful poll: validators for the next conditional GET, the next due time, and a
 * cleared failure streak. Returns true when the source was failing and has now recovered.
 */
export async function recordPollSuccess(
  db: Queryable,
  id: number,
  r: { etag: string | null; lastModified: string | null; nextPollInMs: number },
): Promise<{ recovered: boolean }> {
  const { rows } = await db.query<{ was_failing: boolean }>(
    `UPDATE sources s SET etag = COALESCE($2, s.etag), last_modified = COALESCE($3, s.last_modified),
       next_poll_at = now() + make_interval(secs => $4::double precision / 1000),
       last_polled_at = now(), last_success_at = now(), consecutive_errors = 0, status = 'ok', updated_at = now()
     FROM (SELECT status FROM sources WHERE id = $1 FOR UPDATE) old
     WHERE s.id = $1
     RETURNING old.status = 'failing' AS was_failing`,
    [id, r.etag, r.lastModified, r.nextPollInMs],
  );
  return { recovered: rows[0]?.was_failing ?? false };
}

/**
 * Records a failed poll and schedules the retry. Returns the new streak and whether this failure
 * is the one that turned the source to failing (so exactly one health event is written).
 */
export async function recordPollFailure(
  db: Queryable,
  id: number,
  r: { error: string; maxFailures: number; backoffBaseMs: number; maxBackoffMs: number },
): Promise<{ consecutiveErrors: number; becameFailing: boolean; retryInMs: number } | null> {
  const { rows } = await db.query<{ consecutive_errors: number; became_failing: boolean; retry_ms: number }>(
    `WITH old AS (SELECT status, consecutive_errors FROM sources WHERE id = $1 FOR UPDATE),
     calc AS (
       SELECT old.consecutive_errors + 1 AS errs,
              -- exponential backoff from the poll interval, capped, with up to 10% jitter
              LEAST($4::double precision, $3::double precision * power(2, LEAST(old.consecutive_errors, 20)))
                * (1 + random() * 0.1) AS retry_ms,
              old.status AS old_status
       FROM old)
     UPDATE sources s SET consecutive_errors = calc.errs, last_error = left($2, 2000), last_error_at = now(),
       last_polled_at = now(), updated_at = now(),
       status = CASE WHEN calc.errs >= $5 THEN 'failing' ELSE s.status END,
       next_poll_at = now() + make_interval(secs => calc.retry_ms / 1000)
     FROM calc WHERE s.id = $1
     RETURNING s.consecutive_errors, (calc.old_status = 'ok' AND s.status = 'failing') AS became_failing, calc.retry_ms`,
    [id, storableText(r.error, 2000), r.backoffBaseMs, r.maxBackoffMs, r.maxFailures],
  );
  const row = rows[0];
  return row ? { consecutiveErrors: row.consecutive_errors, becameFailing: row.became_failing, retryInMs: row.retry_ms } : null;
}
