/**
 * The append-only audit log (migration 011: the database refuses UPDATE, DELETE and TRUNCATE).
 * `recordAudit` takes the client of the transaction that makes the change, so the change and its
 * record commit or roll back together. Secrets never reach the table: every key that names one
 * (secret, password, password hash, token value or hash) is replaced, at any depth, before storing.
 */
import type { Queryable } from '../pool';

/** The marker stored in place of a secret. */
export const AUDIT_REDACTED = '[已隐藏]';

/** One change to record. */
export interface AuditEntry {
  /** The API user who made it; null for the system or the CLI. */
  actorId: number | null;
  /** The user's name, or 'system', or 'cli:<os user>': kept even if the user is deleted. */
  actorName: string;
  /** `entity.verb`, e.g. rule.update, alert.acknowledge, token.revoke. */
  action: string;
  entity: string;
  entityId: string | number | null;
  before?: unknown;
  after?: unknown;
  requestId?: string | null;
}

/** A stored entry. */
export interface AuditRecord {
  id: number;
  at: Date;
  actorId: number | null;
  actorName: string;
  action: string;
  entity: string;
  entityId: string | null;
  before: unknown;
  after: unknown;
  requestId: string | null;
}

// Also request headers a source may send with credentials in them (sources' `headers`).
const SECRET_KEY = /^(secret|password|passwordhash|password_hash|token|tokenhash|token_hash|hash|authorization|cookie|proxy-authorization)$/i;

/** A copy of `v` (as JSON would serialise it) with every secret-named key's value redacted. */
export function redactSecrets(v: unknown): unknown {
  const plain: unknown = v === undefined ? null : JSON.parse(JSON.stringify(v));
  const walk = (x: unknown): unknown => {
    if (Array.isArray(x)) return x.map(walk);
    if (x && typeof x === 'object') {
      return Object.fromEntries(Object.entries(x).map(([k, val]) => [k, SECRET_KEY.test(k) && val !== null && val !== undefined ? AUDIT_REDACTED : walk(val)]));
    }
    return x;
  };
  return walk(plain);
}

/** Appends one entry; call it with the transaction's client where the change is transactional. */
export async function recordAudit(db: Queryable, e: AuditEntry): Promise<AuditRecord> {
  const { rows } = await db.query<AuditRow>(
    `INSERT INTO audit_log (actor_id, actor_name, action, entity, entity_id, before, after, request_id)
     VALUES ($1, $2, $3, $4, $5, $6::jsonb, $7::jsonb, $8) RETURNING *`,
    [
      e.actorId,
      e.actorName,
      e.action,
      e.entity,
      e.entityId === null ? null : String(e.entityId),
      e.before === undefined || e.before === null ? null : JSON.stringify(redactSecrets(e.before)),
      e.after === undefined || e.after === null ? null : JSON.stringify(redactSecrets(e.after)),
      e.requestId ?? null,
    ],
  );
  const row = rows[0];
  if (!row) throw new Error('audit entry was not stored');
  return fromRow(row);
}

interface AuditRow {
  id: number;
  at: Date;
  actor_id: number | null;
  actor_name: string;
  action: string;
  entity: string;
  entity_id: string | null;
  before: unknown;
  after: unknown;
  request_id: string | null;
}

const fromRow = (r: AuditRow): AuditRecord => ({
  id: r.id,
  at: r.at,
  actorId: r.actor_id,
  actorName: r.actor_name,
  action: r.action,
  entity: r.entity,
  entityId: r.entity_id,
  before: r.before,
  after: r.after,
  requestId: r.request_id,
});

/** Filters of listAudit; all optional. */
export interface AuditFilter {
  /** At or after. */
  from?: Date;
  /** Before. */
  to?: Date;
  /** Actor name, exactly. */
  actor?: string;
  /** An action (`rule.update`), or an entity prefix (`rule` matches every rule.*). */
  action?: string;
  entity?: string;
  limit?: number;
  /** Entries with a smaller id (the last id of the previous page). */
  cursor?: number;
}

/** Entries matching the filter, newest first. */
export async function listAudit(db: Queryable, f: AuditFilter = {}): Promise<AuditRecord[]> {
  const where: string[] = [];
  const values: unknown[] = [];
  const add = (sql: (p: string) => string, v: unknown): void => {
    values.push(v);
    where.push(sql(`$${values.length}`));
  };
  if (f.from) add((p) => `at >= ${p}`, f.from);
  if (f.to) add((p) => `at < ${p}`, f.to);
  if (f.actor) add((p) => `actor_name = ${p}`, f.actor);
  if (f.action) add((p) => `(action = ${p} OR action LIKE replace(replace(${p}, '%', '\\%'), '_', '\\_') || '.%')`, f.action);
  if (f.entity) add((p) => `entity = ${p}`, f.entity);
  if (f.cursor) add((p) => `id < ${p}`, f.cursor);
  values.push(f.limit ?? 100);
  const { rows } = await db.query<AuditRow>(
    `SELECT * FROM audit_log ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY id DESC LIMIT $${values.length}`,
    values,
  );
  return rows.map(fromRow);
}
