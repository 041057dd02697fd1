/** Raw SQL for hot lists (热榜): the snapshot of each poll, the entries' presence, rank history. */
import type { PoolClient } from 'pg';
import { ITEM_FIELD_LIMITS, storableOrNull, storableText } from '../storable';
import type { Pool, Queryable } from '../pool';
import { withTransaction } from '../pool';

/** One entry of a list as one poll saw it. */
export interface HotListRank {
  /** 1-based position on the list. */
  rank: number;
  /** The entry's identity on this list (normalized title: hotListKey). */
  key: string;
  title: string;
  url: string | null;
  /** The list's own heat figure (热度), when it gives one. */
  heat: number | null;
}

/** What a snapshot changed: entries that came onto the list and entries that left it. */
export interface HotListSnapshotResult {
  snapshotId: number;
  /** Entry ids by key, for every entry of the snapshot. */
  entryIds: Map<string, number>;
  entered: string[];
  left: string[];
}

/** The identity of a list entry: its title without spaces, tags (#…#) punctuation and case. */
export function hotListKey(title: string): string {
  return title
    .normalize('NFKC')
    .toLowerCase()
    .replace(/[#＃\s\p{P}\p{S}]+/gu, '')
    .slice(0, 200);
}

/**
 * Stores one poll's snapshot of a list in one transaction: the snapshot, each entry's presence
 * (first/last seen, best and last rank, heat, polls) and rank, and marks entries no longer on the
 * list as left. An entry that comes back is present again (left_at cleared).
 */
export async function recordHotListSnapshot(db: Pool, sourceId: number, takenAt: Date, listed: readonly HotListRank[]): Promise<HotListSnapshotResult> {
  // Cleaned and capped as items are (storable.ts): a NUL in one title must not cost the snapshot.
  const ranks = listed.map((r) => ({ ...r, key: storableText(r.key, 500), title: storableText(r.title, ITEM_FIELD_LIMITS.title), url: storableOrNull(r.url) }));
  return withTransaction(db, async (c: PoolClient) => {
    const { rows: snap } = await c.query<{ id: string }>('INSERT INTO hot_list_snapshots (source_id, taken_at, entries) VALUES ($1, $2, $3) RETURNING id', [sourceId, takenAt, ranks.length]);
    const snapshotId = Number(snap[0]?.id);
    const { rows: before } = await c.query<{ entry_key: string }>('SELECT entry_key FROM hot_list_entries WHERE source_id = $1 AND left_at IS NULL', [sourceId]);
    const present = new Set(before.map((r) => r.entry_key));
    const entryIds = new Map<string, number>();
    const entered: string[] = [];
    if (ranks.length > 0) {
      const { rows } = await c.query<{ id: string; entry_key: string }>(
        `INSERT INTO hot_list_entries AS e (source_id, entry_key, title, url, first_seen_at, last_seen_at, best_rank, last_rank, peak_heat, last_heat)
           SELECT $1, k, t, u, $2, $2, r, r, h, h FROM unnest($3::text[], $4::text[], $5::text[], $6::int[], $7::bigint[]) AS x(k, t, u, r, h)
         ON CONFLICT (source_id, entry_key) DO UPDATE SET title = EXCLUDED.title, url = COALESCE(EXCLUDED.url, e.url),
           last_seen_at = EXCLUDED.last_seen_at, left_at = NULL, best_rank = LEAST(e.best_rank, EXCLUDED.best_rank),
           last_rank = EXCLUDED.last_rank, peak_heat = GREATEST(e.peak_heat, EXCLUDED.peak_heat), last_heat = EXCLUDED.last_heat,
           polls = e.polls + 1
         RETURNING id, entry_key`,
        [sourceId, takenAt, ranks.map((r) => r.key), ranks.map((r) => r.title), ranks.map((r) => r.url), ranks.map((r) => r.rank), ranks.map((r) => r.heat)],
      );
      for (const r of rows) {
        entryIds.set(r.entry_key, Number(r.id));
        if (!present.has(r.entry_key)) entered.push(r.entry_key);
      }
      await c.query(
        `INSERT INTO hot_list_ranks (snapshot_id, entry_id, rank, heat)
         SELECT $1, id, r, h FROM unnest($2::bigint[], $3::int[], $4::bigint[]) AS x(id, r, h)`,
        [snapshotId, ranks.map((r) => entryIds.get(r.key)), ranks.map((r) => r.rank), ranks.map((r) => r.heat)],
      );
    }
    const { rows: gone } = await c.query<{ entry_key: string }>(
      `UPDATE hot_list_entries SET left_at = $2 WHERE source_id = $1 AND left_at IS NULL AND NOT (entry_key = ANY($3::text[])) RETURNING entry_key`,
      [sourceId, takenAt, ranks.map((r) => r.key)],
    );
    return { snapshotId, entryIds, entered, left: gone.map((g) => g.entry_key) };
  });
}

/**
 * Links list entries to the items stored for them (entries that named the police or the
 * jurisdiction), found by the items' URL hash; an entry keeps the first item it was linked to.
 */
export async function linkHotListItemsByUrl(db: Queryable, links: ReadonlyArray<{ entryId: number; urlHash: string }>): Promise<void> {
  if (links.length === 0) return;
  await db.query(
    `UPDATE hot_list_entries e SET item_id = i.id
     FROM unnest($1::bigint[], $2::text[]) AS x(entry, hash) JOIN items i ON i.url_hash = x.hash
     WHERE e.id = x.entry AND e.item_id IS NULL`,
    [links.map((l) => l.entryId), links.map((l) => l.urlHash)],
  );
}

/** An entry of a list with its presence. */
export interface HotListEntry {
  id: number;
  sourceId: number;
  title: string;
  url: string | null;
  firstSeenAt: Date;
  lastSeenAt: Date;
  leftAt: Date | null;
  bestRank: number;
  lastRank: number;
  peakHeat: number | null;
  lastHeat: number | null;
  polls: number;
  itemId: number | null;
}

interface EntryRow {
  id: string;
  source_id: string;
  title: string;
  url: string | null;
  first_seen_at: Date;
  last_seen_at: Date;
  left_at: Date | null;
  best_rank: number;
  last_rank: number;
  peak_heat: string | null;
  last_heat: string | null;
  polls: number;
  item_id: string | null;
}

const ENTRY_COLUMNS = 'id, source_id, title, url, first_seen_at, last_seen_at, left_at, best_rank, last_rank, peak_heat, last_heat, polls, item_id';

function entryOf(r: EntryRow): HotListEntry {
  return {
    id: Number(r.id),
    sourceId: Number(r.source_id),
    title: r.title,
    url: r.url,
    firstSeenAt: r.first_seen_at,
    lastSeenAt: r.last_seen_at,
    leftAt: r.left_at,
    bestRank: r.best_rank,
    lastRank: r.last_rank,
    peakHeat: r.peak_heat === null ? null : Number(r.peak_heat),
    lastHeat: r.last_heat === null ? null : Number(r.last_heat),
    polls: r.polls,
    itemId: r.item_id === null ? null : Number(r.item_id),
  };
}

/** A list source with its latest snapshot time and the entries on it now, by rank. */
export interface HotListView {
  sourceId: number;
  name: string;
  scope: 'national' | 'regional';
  enabled: boolean;
  status: 'ok' | 'failing';
  lastSnapshotAt: Date | null;
  /** The entries on the list now; those stored as items with the topic their item is in (null: not yet placed). */
  entries: Array<HotListEntry & { topicId: number | null }>;
}

/** Every hot-list source with the entries on it now (those present at its last snapshot). */
export async function listHotLists(db: Queryable): Promise<HotListView[]> {
  const { rows: lists } = await db.query<{ id: string; name: string; hot_list: 'national' | 'regional'; enabled: boolean; status: 'ok' | 'failing'; last: Date | null }>(
    `SELECT s.id, s.name, s.hot_list, s.enabled, s.status, (SELECT max(taken_at) FROM hot_list_snapshots h WHERE h.source_id = s.id) AS last
     FROM sources s WHERE s.hot_list IS NOT NULL ORDER BY s.hot_list, s.id`,
  );
  if (lists.length === 0) return [];
  const { rows } = await db.query<EntryRow & { topic_id: string | null }>(
    `SELECT ${ENTRY_COLUMNS.split(', ').map((c) => `e.${c}`).join(', ')},
       (SELECT st.topic_id FROM story_items si JOIN stories st ON st.id = si.story_id WHERE si.item_id = e.item_id LIMIT 1) AS topic_id
     FROM hot_list_entries e WHERE e.source_id = ANY($1::bigint[]) AND e.left_at IS NULL ORDER BY e.source_id, e.last_rank`,
    [lists.map((l) => l.id)],
  );
  return lists.map((l) => ({
    sourceId: Number(l.id),
    name: l.name,
    scope: l.hot_list,
    enabled: l.enabled,
    status: l.status,
    lastSnapshotAt: l.last,
    entries: rows.filter((r) => r.source_id === l.id).map((r) => ({ ...entryOf(r), topicId: r.topic_id === null ? null : Number(r.topic_id) })),
  }));
}

/** One entry with its ranks over time (oldest first), or null. */
export async function hotListEntryHistory(db: Queryable, entryId: number, limit = 2000): Promise<{ entry: HotListEntry; ranks: Array<{ at: Date; rank: number; heat: number | null }> } | null> {
  const { rows } = await db.query<EntryRow>(`SELECT ${ENTRY_COLUMNS} FROM hot_list_entries WHERE id = $1`, [entryId]);
  const row = rows[0];
  if (!row) return null;
  const { rows: ranks } = await db.query<{ taken_at: Date; rank: number; heat: string | null }>(
    `SELECT * FROM (SELECT s.taken_at, r.rank, r.heat FROM hot_list_ranks r JOIN hot_list_snapshots s ON s.id = r.snapshot_id
       WHERE r.entry_id = $1 ORDER BY s.taken_at DESC LIMIT $2) x ORDER BY taken_at`,
    [entryId, limit],
  );
  return { entry: entryOf(row), ranks: ranks.map((r) => ({ at: r.taken_at, rank: r.rank, heat: r.heat === null ? null : Number(r.heat) })) };
}

/** The list entries that items were stored for (for an item's or a topic's page), by item id. */
export async function hotListEntriesOfItems(db: Queryable, itemIds: readonly number[]): Promise<Array<HotListEntry & { listName: string; scope: 'national' | 'regional' | null }>> {
  if (itemIds.length === 0) return [];
  const { rows } = await db.query<EntryRow & { list_name: string; hot_list: 'national' | 'regional' | null }>(
    `SELECT ${ENTRY_COLUMNS.split(', ').map((c) => `e.${c}`).join(', ')}, s.name AS list_name, s.hot_list
     FROM hot_list_entries e JOIN sources s ON s.id = e.source_id WHERE e.item_id = ANY($1::bigint[]) ORDER BY e.best_rank`,
    [itemIds],
  );
  return rows.map((r) => ({ ...entryOf(r), listName: r.list_name, scope: r.hot_list }));
}

/**
 * Deletes hot-list snapshots older than `olderThanDays` (their ranks go with them, ON DELETE
 * CASCADE), at most `batch` snapshots a call. Six lists polled every 5 minutes keep ~90,000 rank
 * rows a day; the entries themselves stay (when each entered and left, best rank, peak heat, the
 * item it became), so a topic's 上榜 and the list history in digests keep their facts.
 */
export async function pruneHotListSnapshots(db: Queryable, olderThanDays: number, batch = 500): Promise<number> {
  const { rowCount } = await db.query(
    `DELETE FROM hot_list_snapshots WHERE id IN (
       SELECT id FROM hot_list_snapshots WHERE taken_at < now() - make_interval(days => $1) ORDER BY taken_at LIMIT $2)`,
    [olderThanDays, batch],
  );
  return rowCount ?? 0;
}
