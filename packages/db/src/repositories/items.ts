/** Raw SQL for items and their evidence. Inserts are idempotent by url_hash. */
import type { Queryable } from '../pool';
import { ITEM_FIELD_LIMITS, storableJson, storableOrNull, storableText } from '../storable';

/** An item ready to store: URL already canonical and hashed, times already decided. */
export interface NewItem {
  sourceId: number | null;
  url: string;
  urlHash: string;
  origin: 'crawl' | 'ingest' | 'push' | 'manual';
  externalId?: string | null;
  parentUrlHash?: string | null;
  title: string | null;
  summary: string | null;
  text: string;
  author: string | null;
  authorInfo?: Record<string, unknown> | null;
  metrics?: Record<string, unknown> | null;
  language: string | null;
  sourceName?: string | null;
  publishedAt: Date;
  fetchedAt: Date;
  evidenceSha256?: string | null;
  extra?: Record<string, unknown> | null;
}

const json = (v: unknown): string | null => (v == null ? null : JSON.stringify(storableJson(v)));
const L = ITEM_FIELD_LIMITS;

/**
 * Inserts a batch in one statement (unnest of column arrays: one round trip however many rows).
 * Rows whose url_hash exists are skipped; returns the ids and hashes of rows actually inserted.
 * Every text is cleaned and capped first (storable.ts): a NUL byte in one item must not fail the batch.
 */
/*
 * `enqueued`: the caller is about to enqueue the new items' analysis jobs, so enqueued_at is set
 * now, in the same statement, instead of by a second UPDATE of every row (store.ts). If the
 * enqueue then fails the caller clears it; if the process dies in between, the reconciler's
 * staleness rule re-enqueues them all the same.
 *
 * items is partitioned by month (migration 028), so url_hash cannot be one unique index: it is
 * unique within each month's partition (ON CONFLICT catches two crawlers storing the same URL at
 * once), and NOT EXISTS skips URLs stored in earlier months.
 */
export async function insertItems(db: Queryable, items: NewItem[], opts: { enqueued?: boolean } = {}): Promise<Array<{ id: number; urlHash: string }>> {
  if (items.length === 0) return [];
  const col = <T>(f: (i: NewItem) => T) => items.map(f);
  const { rows } = await db.query<{ id: number; url_hash: string }>(
    `INSERT INTO items (source_id, url, url_hash, origin, external_id, parent_url_hash, title, summary, text, author,
       author_info, metrics, language, source_name, published_at, fetched_at, evidence_sha256, extra, enqueued_at)
     SELECT *, CASE WHEN $19::boolean THEN now() END FROM unnest($1::bigint[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[],
       $9::text[], $10::text[], $11::jsonb[], $12::jsonb[], $13::text[], $14::text[], $15::timestamptz[], $16::timestamptz[],
       $17::text[], $18::jsonb[]) AS n (source_id, url, url_hash)
     WHERE NOT EXISTS (SELECT 1 FROM items o WHERE o.url_hash = n.url_hash)
     ON CONFLICT DO NOTHING
     RETURNING id, url_hash`,
    [
      col((i) => i.sourceId),
      col((i) => storableText(i.url)),
      col((i) => i.urlHash),
      col((i) => i.origin),
      col((i) => storableOrNull(i.externalId, L.externalId)),
      col((i) => i.parentUrlHash ?? null),
      col((i) => storableOrNull(i.title, L.title)),
      col((i) => storableOrNull(i.summary, L.summary)),
      col((i) => storableText(i.text, L.text)),
      col((i) => storableOrNull(i.author, L.author)),
      col((i) => json(i.authorInfo)),
      col((i) => json(i.metrics)),
      col((i) => storableOrNull(i.language, L.language)),
      col((i) => storableOrNull(i.sourceName, L.sourceName)),
      col((i) => i.publishedAt),
      col((i) => i.fetchedAt),
      col((i) => i.evidenceSha256 ?? null),
      col((i) => json(i.extra)),
      opts.enqueued === true,
    ],
  );
  return rows.map((r) => ({ id: r.id, urlHash: r.url_hash }));
}

/** Which of these url hashes are already stored (so the crawler fetches only new articles). */
export async function existingUrlHashes(db: Queryable, hashes: string[]): Promise<Set<string>> {
  if (hashes.length === 0) return new Set();
  const { rows } = await db.query<{ url_hash: string }>('SELECT url_hash FROM items WHERE url_hash = ANY($1::text[])', [hashes]);
  return new Set(rows.map((r) => r.url_hash));
}

/**
 * Stores evidence bytes once per content hash. Evidence is partitioned by month: bytes already
 * stored in any month are not stored again (a retention drop of that month forgets them, and the
 * next fetch of the same bytes stores them anew).
 */
export async function putEvidence(
  db: Queryable,
  e: { sha256: string; url: string; contentType: string | null; size: number; truncated: boolean; gz: Buffer; fetchedAt: Date },
): Promise<void> {
  const insert = () =>
    db.query(
      `INSERT INTO evidence (sha256, url, content_type, size, truncated, gz, fetched_at)
       SELECT $1, $2, $3, $4, $5, $6, $7 WHERE NOT EXISTS (SELECT 1 FROM evidence WHERE sha256 = $1)
       ON CONFLICT DO NOTHING`,
      [e.sha256, e.url, e.contentType, e.size, e.truncated, e.gz, e.fetchedAt],
    );
  try {
    await insert();
  } catch (err) {
    // A fetch stamped with a month whose partition is not made yet (a clock ahead): make it, once
    // (23514 is also a CHECK violation: then making the month changes nothing and the retry fails
    // the same way). By code, not by message: the server's messages may be in Chinese. Callers
    // pass the pool, not a transaction, which the failed insert would have aborted.
    if ((err as { code?: string }).code !== '23514') throw err;
    await db.query('SELECT ensure_evidence_partition($1)', [e.fetchedAt]);
    await insert();
  }
}

/** The stored evidence of one item (gzip-compressed bytes), or null. */
export async function getItemEvidence(
  db: Queryable,
  itemId: number,
): Promise<{ sha256: string; url: string; contentType: string | null; gz: Buffer; truncated: boolean } | null> {
  const { rows } = await db.query<{ sha256: string; url: string; content_type: string | null; gz: Buffer; truncated: boolean }>(
    `SELECT e.sha256, e.url, e.content_type, e.gz, e.truncated FROM items i JOIN evidence e ON e.sha256 = i.evidence_sha256
     WHERE i.id = $1 ORDER BY e.fetched_at DESC LIMIT 1`,
    [itemId],
  );
  const r = rows[0];
  return r ? { sha256: r.sha256, url: r.url, contentType: r.content_type, gz: r.gz, truncated: r.truncated } : null;
}

/**
 * Deletes evidence older than the retention period from the legacy partition (rows stored before
 * the upgrade to month partitions), in batches; returns how many went. Month partitions are
 * dropped whole (partitions.ts dropExpiredMonths), never deleted from.
 */
export async function pruneEvidence(db: Queryable, olderThanDays: number, batch = 1000): Promise<number> {
  const { rowCount } = await db.query(
    `DELETE FROM evidence_legacy WHERE (sha256, fetched_at) IN (
       SELECT sha256, fetched_at FROM evidence_legacy WHERE fetched_at < now() - make_interval(days => $1) LIMIT $2)`,
    [olderThanDays, batch],
  );
  return rowCount ?? 0;
}

/** Notes that analysis jobs for these items are not in the queue after all (Redis refused them). */
export async function unmarkEnqueued(db: Queryable, ids: number[]): Promise<void> {
  if (ids.length === 0) return;
  await db.query('UPDATE items SET enqueued_at = NULL WHERE id = ANY($1::bigint[])', [ids]);
}

/** Notes that analysis jobs for these items are in the queue. */
export async function markEnqueued(db: Queryable, ids: number[]): Promise<void> {
  if (ids.length === 0) return;
  await db.query('UPDATE items SET enqueued_at = now() WHERE id = ANY($1::bigint[])', [ids]);
}

/**
 * Items still not analysed: never enqueued, or enqueued longer ago than `staleMs` (the job was
 * lost with Redis, or its worker died). Oldest first, so nothing starves.
 */
export async function findUnanalyzed(db: Queryable, staleMs: number, limit: number): Promise<number[]> {
  const { rows } = await db.query<{ id: number }>(
    `SELECT id FROM items
     WHERE analyzed_at IS NULL
       AND (enqueued_at IS NULL OR enqueued_at < now() - make_interval(secs => $1::double precision / 1000))
     ORDER BY id LIMIT $2`,
    [staleMs, limit],
  );
  return rows.map((r) => r.id);
}

/** How many items a source has stored (tests and the CLI's list use it). */
export async function countItems(db: Queryable, sourceId?: number): Promise<number> {
  const { rows } = sourceId == null
    ? await db.query<{ n: number }>('SELECT count(*)::int AS n FROM items')
    : await db.query<{ n: number }>('SELECT count(*)::int AS n FROM items WHERE source_id = $1', [sourceId]);
  return rows[0]?.n ?? 0;
}
