/**
 * Raw SQL for notification receivers and their delivery log. A receiver's signing secret leaves
 * this module only through getReceiverForDelivery (the worker needs it); every other read says
 * just whether one is set.
 */
import type { Queryable } from '../pool';

export const RECEIVER_KINDS = ['dingtalk', 'wecom', 'feishu', 'webhook'] as const;
export type ReceiverKind = (typeof RECEIVER_KINDS)[number];

export const DELIVERY_STATUSES = ['pending', 'sent', 'failed', 'dead'] as const;
export type DeliveryStatus = (typeof DELIVERY_STATUSES)[number];

/** A receiver as shown to people: the secret is never included, only whether there is one. */
export interface Receiver {
  id: number;
  name: string;
  kind: ReceiverKind;
  /** May carry a credential (access_token, key, hook token): show it to admins only. */
  url: string;
  hasSecret: boolean;
  enabled: boolean;
  allowPrivate: boolean;
  /** The unit it belongs to (issue 15; the root unless an admin placed it elsewhere). */
  unitId: number;
  createdAt: Date;
  updatedAt: Date;
}

/** A receiver with its signing secret, for the delivery worker only. */
export interface ReceiverWithSecret extends Receiver {
  secret: string | null;
}

/** One row of the delivery log. */
export interface Delivery {
  id: number;
  receiverId: number;
  receiverName: string;
  dedupKey: string;
  payload: unknown;
  status: DeliveryStatus;
  attempts: number;
  lastError: string | null;
  lastStatus: number | null;
  createdAt: Date;
  sentAt: Date | null;
  updatedAt: Date;
}

interface ReceiverRow {
  id: number;
  name: string;
  kind: ReceiverKind;
  url: string;
  secret: string | null;
  enabled: boolean;
  allow_private: boolean;
  unit_id: number;
  created_at: Date;
  updated_at: Date;
}

interface DeliveryRow {
  id: number;
  receiver_id: number;
  receiver_name: string;
  dedup_key: string;
  payload: unknown;
  status: DeliveryStatus;
  attempts: number;
  last_error: string | null;
  last_status: number | null;
  created_at: Date;
  sent_at: Date | null;
  updated_at: Date;
}

function receiverFromRow(r: ReceiverRow): Receiver {
  return {
    id: r.id,
    name: r.name,
    kind: r.kind,
    url: r.url,
    hasSecret: r.secret !== null && r.secret !== '',
    enabled: r.enabled,
    allowPrivate: r.allow_private,
    unitId: Number(r.unit_id),
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  };
}

function deliveryFromRow(r: DeliveryRow): Delivery {
  return {
    id: r.id,
    receiverId: r.receiver_id,
    receiverName: r.receiver_name,
    dedupKey: r.dedup_key,
    payload: r.payload,
    status: r.status,
    attempts: r.attempts,
    lastError: r.last_error,
    lastStatus: r.last_status,
    createdAt: r.created_at,
    sentAt: r.sent_at,
    updatedAt: r.updated_at,
  };
}

/** What creating a receiver takes (already validated by the caller). */
export interface NewReceiver {
  name: string;
  kind: ReceiverKind;
  url: string;
  secret?: string | null;
  enabled?: boolean;
  allowPrivate?: boolean;
  /** Default: the root unit. The caller checks that it exists. */
  unitId?: number;
}

/** Adds a receiver; returns null when the name is taken. */
export async function insertReceiver(db: Queryable, r: NewReceiver): Promise<Receiver | null> {
  const { rows } = await db.query<ReceiverRow>(
    `INSERT INTO receivers (name, kind, url, secret, enabled, allow_private, unit_id) VALUES ($1, $2, $3, $4, $5, $6, COALESCE($7, root_unit_id()))
     ON CONFLICT (name) DO NOTHING RETURNING *`,
    [r.name, r.kind, r.url, r.secret || null, r.enabled ?? true, r.allowPrivate ?? false, r.unitId ?? null],
  );
  return rows[0] ? receiverFromRow(rows[0]) : null;
}

/** Changes the given fields of a receiver (`secret: null` removes the secret); returns it, or null if unknown. */
export async function updateReceiver(db: Queryable, id: number, patch: Partial<NewReceiver>): Promise<Receiver | null> {
  const sets: string[] = [];
  const values: unknown[] = [id];
  const set = (column: string, value: unknown): void => {
    values.push(value);
    sets.push(`${column} = $${values.length}`);
  };
  if (patch.name !== undefined) set('name', patch.name);
  if (patch.kind !== undefined) set('kind', patch.kind);
  if (patch.url !== undefined) set('url', patch.url);
  if (patch.secret !== undefined) set('secret', patch.secret || null);
  if (patch.enabled !== undefined) set('enabled', patch.enabled);
  if (patch.allowPrivate !== undefined) set('allow_private', patch.allowPrivate);
  if (patch.unitId !== undefined) set('unit_id', patch.unitId);
  const { rows } = await db.query<ReceiverRow>(
    `UPDATE receivers SET ${[...sets, 'updated_at = now()'].join(', ')} WHERE id = $1 RETURNING *`,
    values,
  );
  return rows[0] ? receiverFromRow(rows[0]) : null;
}

/** Deletes a receiver and its delivery log (disable it instead to keep the log); true if it existed. */
export async function deleteReceiver(db: Queryable, id: number): Promise<boolean> {
  const { rowCount } = await db.query('DELETE FROM receivers WHERE id = $1', [id]);
  return (rowCount ?? 0) > 0;
}

/** One receiver (without its secret), or null. */
export async function getReceiver(db: Queryable, id: number): Promise<Receiver | null> {
  const { rows } = await db.query<ReceiverRow>('SELECT * FROM receivers WHERE id = $1', [id]);
  return rows[0] ? receiverFromRow(rows[0]) : null;
}

/** Every receiver (without secrets), ordered by id. */
export async function listReceivers(db: Queryable, opts: { enabledOnly?: boolean } = {}): Promise<Receiver[]> {
  const { rows } = await db.query<ReceiverRow>('SELECT * FROM receivers WHERE NOT $1::boolean OR enabled ORDER BY id', [opts.enabledOnly ?? false]);
  return rows.map(receiverFromRow);
}

/** A receiver with its signing secret: for the delivery worker, nothing else. */
export async function getReceiverForDelivery(db: Queryable, id: number): Promise<ReceiverWithSecret | null> {
  const { rows } = await db.query<ReceiverRow>('SELECT * FROM receivers WHERE id = $1', [id]);
  const r = rows[0];
  return r ? { ...receiverFromRow(r), secret: r.secret } : null;
}

const DELIVERY_COLUMNS = `d.id, d.receiver_id, r.name AS receiver_name, d.dedup_key, d.payload, d.status, d.attempts,
  d.last_error, d.last_status, d.created_at, d.sent_at, d.updated_at`;

/**
 * Records a delivery unless one with the same dedup key exists. Returns the delivery and whether
 * this call created it; the existing row is returned on a conflict (its payload is not replaced).
 */
export async function insertDelivery(
  db: Queryable,
  d: { receiverId: number; dedupKey: string; payload: unknown },
): Promise<{ delivery: Delivery; created: boolean }> {
  const { rows } = await db.query<{ id: number }>(
    `INSERT INTO deliveries (receiver_id, dedup_key, payload) VALUES ($1, $2, $3)
     ON CONFLICT (dedup_key) DO NOTHING RETURNING id`,
    [d.receiverId, d.dedupKey, JSON.stringify(d.payload)],
  );
  const created = rows[0] !== undefined;
  // A separate read (not a CTE in the same statement): after waiting on a concurrent insert of the
  // same key, ON CONFLICT sees that row but the statement's own snapshot would not.
  const { rows: found } = await db.query<DeliveryRow>(
    `SELECT ${DELIVERY_COLUMNS} FROM deliveries d JOIN receivers r ON r.id = d.receiver_id WHERE d.dedup_key = $1`,
    [d.dedupKey],
  );
  const row = found[0];
  if (!row) throw new Error(`recording delivery ${d.dedupKey} for receiver ${d.receiverId} returned nothing`);
  return { delivery: deliveryFromRow(row), created };
}

/** One delivery, or null. */
export async function getDelivery(db: Queryable, id: number): Promise<Delivery | null> {
  const { rows } = await db.query<DeliveryRow>(`SELECT ${DELIVERY_COLUMNS} FROM deliveries d JOIN receivers r ON r.id = d.receiver_id WHERE d.id = $1`, [id]);
  return rows[0] ? deliveryFromRow(rows[0]) : null;
}

/** Records a successful attempt. */
export async function markDeliverySent(db: Queryable, id: number, httpStatus: number): Promise<void> {
  await db.query(
    `UPDATE deliveries SET status = 'sent', attempts = attempts + 1, last_status = $2, last_error = NULL,
       sent_at = now(), updated_at = now() WHERE id = $1`,
    [id, httpStatus],
  );
}

/** Records a failed attempt: `dead` when no further attempt will be made, else `failed` (to be retried). */
export async function markDeliveryFailed(
  db: Queryable,
  id: number,
  f: { dead: boolean; error: string; httpStatus?: number | null; countAttempt?: boolean },
): Promise<void> {
  await db.query(
    `UPDATE deliveries SET status = $2, attempts = attempts + $5, last_error = left($3, 2000), last_status = $4, updated_at = now()
     WHERE id = $1 AND status <> 'sent'`,
    [id, f.dead ? 'dead' : 'failed', f.error, f.httpStatus ?? null, f.countAttempt === false ? 0 : 1],
  );
}

/** Filters for the delivery log. */
export interface DeliveryFilter {
  receiverId?: number;
  status?: DeliveryStatus;
  /** Keyset paging: only deliveries with a smaller id. */
  beforeId?: number;
  limit?: number;
}

/** The delivery log, newest first, optionally of one receiver and/or one status. */
export async function listDeliveries(db: Queryable, f: DeliveryFilter = {}): Promise<Delivery[]> {
  const { rows } = await db.query<DeliveryRow>(
    `SELECT ${DELIVERY_COLUMNS} FROM deliveries d JOIN receivers r ON r.id = d.receiver_id
     WHERE ($1::bigint IS NULL OR d.receiver_id = $1)
       AND ($2::text IS NULL OR d.status = $2)
       AND ($3::bigint IS NULL OR d.id < $3)
     ORDER BY d.id DESC LIMIT $4`,
    [f.receiverId ?? null, f.status ?? null, f.beforeId ?? null, Math.min(Math.max(f.limit ?? 100, 1), 1000)],
  );
  return rows.map(deliveryFromRow);
}

/** Ids of deliveries still pending or failed and untouched for `olderThanMs` (their job may be lost). */
export async function listStaleDeliveryIds(db: Queryable, olderThanMs: number, limit = 500): Promise<number[]> {
  const { rows } = await db.query<{ id: number }>(
    `SELECT id FROM deliveries WHERE status IN ('pending', 'failed') AND updated_at < now() - make_interval(secs => $1::double precision / 1000)
     ORDER BY id LIMIT $2`,
    [olderThanMs, limit],
  );
  return rows.map((r) => r.id);
}
