/**
 * Alerts and their event log. The event log is what the live stream serves: its ids are the SSE
 * event ids, and a client resuming with Last-Event-ID must get every event after it, once.
 */
import type { Queryable } from '../pool';
import type { Role } from '../user-model';

export const ALERT_KINDS = ['topic', 'source_health', 'incident'] as const;
export type AlertKind = (typeof ALERT_KINDS)[number];
export const ALERT_STATES = ['firing', 'acknowledged', 'resolved'] as const;
export type AlertState = (typeof ALERT_STATES)[number];
export const ALERT_LEVELS = ['blue', 'yellow', 'orange', 'red'] as const;
export type AlertLevel = (typeof ALERT_LEVELS)[number];
export const ALERT_EVENT_TYPES = ['firing', 'escalated', 'acknowledged', 'resolved', 'reopened', 'updated'] as const;
export type AlertEventType = (typeof ALERT_EVENT_TYPES)[number];
/** The roles that read alerts, so the only ones an event's audience may name. */
export const ALERT_AUDIENCE_ROLES = ['admin', 'pr', 'leader', 'analyst'] as const satisfies readonly Role[];
export type AlertAudienceRole = (typeof ALERT_AUDIENCE_ROLES)[number];

/** An alert as stored. */
export interface Alert {
  id: number;
  kind: AlertKind;
  ruleId: number | null;
  topicId: number | null;
  sourceId: number | null;
  level: AlertLevel;
  state: AlertState;
  title: string;
  summary: string;
  heat: number | null;
  dedupKey: string;
  createdAt: Date;
  updatedAt: Date;
  acknowledgedBy: number | null;
  acknowledgedAt: Date | null;
  resolvedBy: number | null;
  resolvedAt: Date | null;
  /** A level set by hand (migration 012), who set it, when and why; null when none. */
  manualLevel: AlertLevel | null;
  levelChangedBy: number | null;
  levelChangedAt: Date | null;
  levelChangeReason: string | null;
  /** The incident an overdue alert is about (kind 'incident', migration 012); null otherwise. */
  incidentId: number | null;
}

/** One entry of the event log. */
export interface AlertEvent {
  id: number;
  alertId: number;
  type: AlertEventType;
  level: AlertLevel;
  payload: Record<string, unknown>;
  audienceRoles: AlertAudienceRole[];
  createdAt: Date;
}

/**
 * A row of `alerts` with every column (006, 008, 012). The one mapping of it is alertFromRow;
 * the alerter's record (alert-rules.ts) and the admin view (alert-admin.ts) extend its result.
 */
export interface AlertRow {
  id: number;
  kind: AlertKind;
  rule_id: number | null;
  rule_name: string | null;
  topic_id: number | null;
  source_id: number | null;
  incident_id: number | null;
  level: AlertLevel;
  state: AlertState;
  title: string;
  summary: string;
  heat: number | null;
  dedup_key: string;
  labels: { categories: string[]; places: string[]; sources: string[]; keywords: string[] };
  audience_roles: AlertAudienceRole[];
  cause: 'firing' | 'escalated' | 'reopened';
  created_at: Date;
  updated_at: Date;
  fired_at: Date;
  reopen_count: number;
  acknowledged_by: number | null;
  acknowledged_at: Date | null;
  resolved_by: number | null;
  resolved_at: Date | null;
  manual_level: AlertLevel | null;
  level_changed_by: number | null;
  level_changed_at: Date | null;
  level_change_reason: string | null;
}

interface AlertEventRow {
  id: number;
  alert_id: number;
  type: AlertEventType;
  level: AlertLevel;
  payload: Record<string, unknown>;
  audience_roles: AlertAudienceRole[];
  created_at: Date;
}

/** The alert of a row (bigint ids arrive as numbers: pool.ts parses INT8). */
export function alertFromRow(r: AlertRow): Alert {
  return {
    id: r.id,
    kind: r.kind,
    ruleId: r.rule_id,
    topicId: r.topic_id,
    sourceId: r.source_id,
    level: r.level,
    state: r.state,
    title: r.title,
    summary: r.summary,
    heat: r.heat,
    dedupKey: r.dedup_key,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
    acknowledgedBy: r.acknowledged_by,
    acknowledgedAt: r.acknowledged_at,
    resolvedBy: r.resolved_by,
    resolvedAt: r.resolved_at,
    manualLevel: r.manual_level,
    levelChangedBy: r.level_changed_by,
    levelChangedAt: r.level_changed_at,
    levelChangeReason: r.level_change_reason,
    incidentId: r.incident_id,
  };
}

function eventFromRow(r: AlertEventRow): AlertEvent {
  return { id: r.id, alertId: r.alert_id, type: r.type, level: r.level, payload: r.payload, audienceRoles: r.audience_roles, createdAt: r.created_at };
}

/** Adds a firing alert; returns null when an alert with that dedup key exists already. */
export async function insertAlert(
  db: Queryable,
  a: { kind: AlertKind; dedupKey: string; level: AlertLevel; title: string; summary?: string; heat?: number | null; ruleId?: number | null; topicId?: number | null; sourceId?: number | null },
): Promise<Alert | null> {
  const { rows } = await db.query<AlertRow>(
    `INSERT INTO alerts (kind, dedup_key, level, title, summary, heat, rule_id, topic_id, source_id)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) ON CONFLICT (dedup_key) DO NOTHING RETURNING *`,
    [a.kind, a.dedupKey, a.level, a.title, a.summary ?? '', a.heat ?? null, a.ruleId ?? null, a.topicId ?? null, a.sourceId ?? null],
  );
  return rows[0] ? alertFromRow(rows[0]) : null;
}

/** One alert by id, or null. */
export async function getAlert(db: Queryable, id: number): Promise<Alert | null> {
  const { rows } = await db.query<AlertRow>('SELECT * FROM alerts WHERE id = $1', [id]);
  return rows[0] ? alertFromRow(rows[0]) : null;
}

// Key of the advisory lock that orders event ids (two-int form: its own space, apart from the
// single-bigint lock of the migrator). The second half is the schema, so test schemas do not
// queue behind each other.
const EVENT_ORDER_LOCK = 0x79716165; // "yqae"

/**
 * Appends one event to the log and returns it. Publishing its id (Redis, alertEventsChannel) is
 * the caller's job, after the transaction commits.
 *
 * Why the lock: a sequence hands out ids in call order, not commit order. If a transaction holding
 * id 10 commits after one holding id 11, a reader that has already sent 11 and moved its cursor
 * past it never sends 10 — a silent gap. The lock is taken before the id is drawn and held until
 * the caller's transaction ends, so ids become visible strictly in order. Called outside a
 * transaction the single statement is its own transaction and the same holds. The price: writers
 * of alert events are serialized, so keep the work after appending in one transaction short.
 */
export async function appendAlertEvent(
  client: Queryable,
  e: { alertId: number; type: AlertEventType; level: AlertLevel; payload?: Record<string, unknown>; audienceRoles: readonly AlertAudienceRole[] },
): Promise<AlertEvent> {
  if (e.audienceRoles.length === 0) throw new Error('an alert event needs at least one audience role');
  // The CTE makes the lock come first: the row, and so its nextval(), is built from its output.
  const { rows } = await client.query<AlertEventRow>(
    `WITH ordered AS (SELECT pg_advisory_xact_lock($1, hashtext(current_schema())) AS locked)
     INSERT INTO alert_events (alert_id, type, level, payload, audience_roles)
     SELECT $2, $3, $4, $5::jsonb, $6::text[] FROM ordered
     RETURNING *`,
    [EVENT_ORDER_LOCK, e.alertId, e.type, e.level, JSON.stringify(e.payload ?? {}), [...new Set(e.audienceRoles)]],
  );
  const row = rows[0];
  if (!row) throw new Error(`alert event for alert ${e.alertId} was not stored`);
  // An alert is visible to the audience of its latest event: keep that on the alert row, so that
  // listing alerts for a role is an indexed filter rather than a lookup of each alert's last event.
  await client.query('UPDATE alerts SET audience_roles = $2::text[] WHERE id = $1 AND audience_roles IS DISTINCT FROM $2::text[]', [
    e.alertId,
    [...new Set(e.audienceRoles)],
  ]);
  return eventFromRow(row);
}

/**
 * Events after `lastId`, oldest first, at most `limit`; with `roles`, only events whose audience
 * names one of them (null: every event, for a reader that filters per client itself).
 */
export async function alertEventsAfter(db: Queryable, lastId: number, roles: readonly Role[] | null, limit: number): Promise<AlertEvent[]> {
  const { rows } = await db.query<AlertEventRow>(
    `SELECT * FROM alert_events WHERE id > $1 AND ($2::text[] IS NULL OR audience_roles && $2::text[]) ORDER BY id LIMIT $3`,
    [lastId, roles ? [...roles] : null, limit],
  );
  return rows.map(eventFromRow);
}

/** The id of the newest event (0 when there is none): where a stream without Last-Event-ID starts. */
export async function lastAlertEventId(db: Queryable): Promise<number> {
  const { rows } = await db.query<{ id: number | null }>('SELECT max(id) AS id FROM alert_events');
  return rows[0]?.id ?? 0;
}
