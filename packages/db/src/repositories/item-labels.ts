/**
 * Analyst corrections of items (migration 014): the current label per item, and the labelled
 * items with their text for training. A correction replaces the previous one; its history is
 * the audit log's (the caller records it in the same transaction).
 */
import type { Queryable } from '../pool';

export const LABEL_SENTIMENTS = ['negative', 'neutral', 'positive'] as const;
export type LabelSentiment = (typeof LABEL_SENTIMENTS)[number];

/** The correction of one item; a null value leaves the automatic one standing. */
export interface ItemLabel {
  itemId: number;
  policeRelated: boolean | null;
  policeNegative: boolean | null;
  sentiment: LabelSentiment | null;
  note: string;
  labelledBy: number | null;
  labelledByName: string;
  labelledAt: Date;
}

/** What an analyst sets (at least one of the three labels non-null: the table refuses otherwise). */
export interface ItemLabelInput {
  itemId: number;
  policeRelated: boolean | null;
  policeNegative: boolean | null;
  sentiment: LabelSentiment | null;
  note: string;
  by: number | null;
  byName: string;
  at?: Date;
}

interface LabelRow {
  item_id: number;
  police_related: boolean | null;
  police_negative: boolean | null;
  sentiment: LabelSentiment | null;
  note: string;
  labelled_by: number | null;
  labelled_by_name: string;
  labelled_at: Date;
}

const labelFromRow = (r: LabelRow): ItemLabel => ({
  itemId: r.item_id,
  policeRelated: r.police_related,
  policeNegative: r.police_negative,
  sentiment: r.sentiment,
  note: r.note,
  labelledBy: r.labelled_by,
  labelledByName: r.labelled_by_name,
  labelledAt: r.labelled_at,
});

/**
 * The label columns of a row that joined item_labels as `l` with the column names prefixed `l_`
 * (see LABEL_JOIN_COLUMNS); null when the item has no label.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export function joinedLabelOf(r: any): ItemLabel | null {
  if (r.l_item_id == null) return null;
  return labelFromRow({
    item_id: r.l_item_id,
    police_related: r.l_police_related,
    police_negative: r.l_police_negative,
    sentiment: r.l_sentiment,
    note: r.l_note,
    labelled_by: r.l_labelled_by,
    labelled_by_name: r.l_labelled_by_name,
    labelled_at: r.l_labelled_at,
  });
}

/** Columns to select from `item_labels l` for joinedLabelOf. */
export const LABEL_JOIN_COLUMNS = `l.item_id AS l_item_id, l.police_related AS l_police_related, l.police_negative AS l_police_negative,
  l.sentiment AS l_sentiment, l.note AS l_note, l.labelled_by AS l_labelled_by, l.labelled_by_name AS l_labelled_by_name, l.labelled_at AS l_labelled_at`;

/**
 * Locks an item until the caller's transaction ends, so corrections of one item queue (the item,
 * not the label row: a first correction has no row to lock yet). False when there is no such item.
 */
export async function lockItemForLabel(db: Queryable, itemId: number): Promise<boolean> {
  const { rowCount } = await db.query('SELECT 1 FROM items WHERE id = $1 FOR UPDATE', [itemId]);
  return (rowCount ?? 0) > 0;
}

/** An item's label, or null. */
export async function getItemLabel(db: Queryable, itemId: number): Promise<ItemLabel | null> {
  const { rows } = await db.query<LabelRow>('SELECT * FROM item_labels WHERE item_id = $1', [itemId]);
  return rows[0] ? labelFromRow(rows[0]) : null;
}

/** Stores an item's correction, replacing any previous one; returns it. */
export async function putItemLabel(db: Queryable, l: ItemLabelInput): Promise<ItemLabel> {
  const { rows } = await db.query<LabelRow>(
    `INSERT INTO item_labels (item_id, police_related, police_negative, sentiment, note, labelled_by, labelled_by_name, labelled_at)
     VALUES ($1, $2, $3, $4, $5, (SELECT id FROM users WHERE id = $6), $7, $8)
     ON CONFLICT (item_id) DO UPDATE SET police_related = EXCLUDED.police_related, police_negative = EXCLUDED.police_negative,
       sentiment = EXCLUDED.sentiment, note = EXCLUDED.note, labelled_by = EXCLUDED.labelled_by,
       labelled_by_name = EXCLUDED.labelled_by_name, labelled_at = EXCLUDED.labelled_at
     RETURNING *`,
    [l.itemId, l.policeRelated, l.policeNegative, l.sentiment, l.note, l.by, l.byName, l.at ?? new Date()],
  );
  const row = rows[0];
  if (!row) throw new Error(`label of item ${l.itemId} was not stored`);
  return labelFromRow(row);
}

/** Withdraws an item's correction; returns what was withdrawn, or null when there was none. */
export async function deleteItemLabel(db: Queryable, itemId: number): Promise<ItemLabel | null> {
  const { rows } = await db.query<LabelRow>('DELETE FROM item_labels WHERE item_id = $1 RETURNING *', [itemId]);
  return rows[0] ? labelFromRow(rows[0]) : null;
}

/** A labelled item with what training reads: its title and full text. */
export interface LabelledItem {
  itemId: number;
  url: string;
  title: string | null;
  text: string;
  label: ItemLabel;
}

/** Labelled items in item id order, after `afterItemId`, at most `limit` (keyset pages for training). */
export async function listLabelledItems(db: Queryable, opts: { afterItemId?: number; limit?: number } = {}): Promise<LabelledItem[]> {
  const { rows } = await db.query(
    `SELECT i.id, i.url, i.title, i.text, ${LABEL_JOIN_COLUMNS}
       FROM item_labels l JOIN items i ON i.id = l.item_id
      WHERE l.item_id > $1
      ORDER BY l.item_id LIMIT $2`,
    [opts.afterItemId ?? 0, opts.limit ?? 1000],
  );
  return rows.map((r) => ({ itemId: r.id, url: r.url, title: r.title, text: r.text, label: joinedLabelOf(r)! }));
}
