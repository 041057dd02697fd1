/**
 * 信息采集 (migration 027): what officers learned offline — a visit, a call, a letter, a netizen's
 * report. Each entry is also stored as an item (origin 'manual', source 「信息采集」, published at the
 * time of what it records), in the same transaction, so it is analysed, grouped into topics and can
 * raise warnings like anything crawled; the caller hands the item to analysis once committed.
 */
import { createHash } from 'node:crypto';
import type { InfoChannel, InfoEntry } from '@yuqing/forms';
import type { Queryable } from '../pool';
import { infoEntryFromRow, type InfoEntryRow } from './forms-data';
import { insertItems, type NewItem } from './items';

export const INFO_CHANNEL_VALUES = ['走访', '来电', '来信', '网友反映', '其他'] as const satisfies readonly InfoChannel[];

/** The source name manual items carry. */
export const INFO_ENTRY_SOURCE = '信息采集';

export interface NewInfoEntry {
  channel: InfoChannel;
  occurredAt: Date;
  place: string;
  people: string;
  content: string;
  followUp: string;
  officer: string;
}

/** The address of the item an entry became: not a web page, a stable name of the entry. */
export const infoEntryItemUrl = (entryId: number): string => `urn:yuqing:info-entry:${entryId}`;

/**
 * The item an entry becomes. Its text is what was learned, with where and who: the words the
 * analysis reads (the channel and the officer are bookkeeping, kept in `extra`).
 */
export function infoEntryItem(entryId: number, e: NewInfoEntry, now: Date): NewItem {
  const url = infoEntryItemUrl(entryId);
  const about = [e.place && `地点：${e.place}`, e.people && `涉及人员：${e.people}`].filter(Boolean).join('；');
  const firstLine = e.content.split(/\r?\n/)[0]!.trim();
  return {
    sourceId: null,
    url,
    urlHash: createHash('sha256').update(url, 'utf8').digest('hex'),
    origin: 'manual',
    externalId: String(entryId),
    title: `${[...firstLine].slice(0, 60).join('')}${[...firstLine].length > 60 ? '…' : ''}`,
    summary: null,
    text: about ? `${e.content}\n${about}` : e.content,
    author: null,
    language: 'zh',
    sourceName: INFO_ENTRY_SOURCE,
    publishedAt: e.occurredAt,
    fetchedAt: now,
    extra: { infoEntryId: entryId, channel: e.channel, officer: e.officer, followUp: e.followUp },
  };
}

const COLUMNS = 'id, channel, occurred_at, place, people, content, follow_up, officer, item_id, created_at';

/**
 * Stores an entry and its item; call it inside a transaction (both or neither). Returns the entry
 * with its item's id; the item still has to be handed to analysis after the commit.
 */
export async function insertInfoEntry(db: Queryable, e: NewInfoEntry, by: { id: number | null; name: string }, now: Date = new Date()): Promise<InfoEntry> {
  const next = await db.query<{ id: number }>(`SELECT nextval(pg_get_serial_sequence('info_entries', 'id'))::bigint AS id`);
  const id = Number(next.rows[0]!.id);
  const [item] = await insertItems(db, [infoEntryItem(id, e, now)]);
  if (!item) throw new Error(`item of info entry ${id} exists already`);
  const { rows } = await db.query<InfoEntryRow>(
    `INSERT INTO info_entries (id, channel, occurred_at, place, people, content, follow_up, officer, item_id, created_by_id, created_by, created_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, (SELECT id FROM users WHERE id = $10), $11, $12)
     RETURNING ${COLUMNS}`,
    [id, e.channel, e.occurredAt, e.place, e.people, e.content, e.followUp, e.officer, item.id, by.id, by.name, now],
  );
  return infoEntryFromRow(rows[0]!);
}

/** Filters of the entry list. */
export interface InfoEntryFilter {
  from?: Date;
  to?: Date;
  channel?: InfoChannel;
  limit: number;
  /** Keyset: occurred time and id of the last entry of the previous page. */
  before?: { at: Date; id: number };
}

/** Entries, the latest occurrence first. */
export async function listInfoEntries(db: Queryable, f: InfoEntryFilter): Promise<InfoEntry[]> {
  const { rows } = await db.query<InfoEntryRow>(
    `SELECT ${COLUMNS} FROM info_entries
     WHERE ($1::timestamptz IS NULL OR occurred_at >= $1) AND ($2::timestamptz IS NULL OR occurred_at < $2)
       AND ($3::text IS NULL OR channel = $3)
       AND ($4::timestamptz IS NULL OR (occurred_at, id) < ($4, $5))
     ORDER BY occurred_at DESC, id DESC LIMIT $6`,
    [f.from ?? null, f.to ?? null, f.channel ?? null, f.before?.at ?? null, f.before?.id ?? 0, f.limit],
  );
  return rows.map(infoEntryFromRow);
}
