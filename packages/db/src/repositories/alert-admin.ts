/**
 * SQL behind the alerting admin API (services/api/src/routes/{rules,alerts,silences}.ts): rules
 * as people edit them, the alert list and one alert's events, state changes made by people, and
 * silences. The live alerter has its own repository (alert-rules.ts); both work on the same tables.
 */
import type { Queryable } from '../pool';
import type { Role } from '../user-model';
import { alertFromRow, type Alert, type AlertAudienceRole, type AlertEvent, type AlertKind, type AlertLevel, type AlertRow, type AlertState } from './alerts';
import { deleteAlertRule, getAlertRule, insertAlertRule, listAlertRules, silenceFromRow, updateAlertRule, type AlertRuleRow, type SilenceDbRow, type SilenceRow } from './alert-rules';

// --- Rules ---
// Rules are stored by the same functions the alerter reads them with (alert-rules.ts); the admin
// API only adds the two answers people need: "that name is taken" and "here is what you deleted".

/** A stored rule: `spec` is the validated rule (ruleSchema output of @yuqing/alerting). */
export type AdminRule = AlertRuleRow;

export { listAlertRules as listAdminRules, getAlertRule as getAdminRule, insertAlertRule as insertAdminRule };

const isUniqueViolation = (err: unknown): boolean => (err as { code?: unknown } | null)?.code === '23505';

/** Replaces a rule's spec; null when there is no such rule, 'name_taken' when another rule has the new name. */
export async function replaceAdminRule(
  db: Queryable,
  id: number,
  r: { spec: { name: string; enabled: boolean }; by: number },
): Promise<AdminRule | null | 'name_taken'> {
  try {
    return await updateAlertRule(db, id, r);
  } catch (err) {
    if (isUniqueViolation(err)) return 'name_taken';
    throw err;
  }
}

/** Deletes a rule (its alerts stay, with rule_id set to null); the deleted rule, or null. */
export async function deleteAdminRule(db: Queryable, id: number): Promise<AdminRule | null> {
  const rule = await getAlertRule(db, id);
  if (!rule || !(await deleteAlertRule(db, id))) return null;
  return rule;
}

// --- Rule preview history ---

/** The topic columns a preview needs, as stored now (shared by level and stage rows). */
interface PreviewTopicColumns {
  title: string;
  keywords: string[];
  items: number;
  policeNegative: number;
  jurisdictionHits: number;
  sources: string[];
  places: Record<string, number>;
  categories: Record<string, number>;
  /** Monitoring schemes one of its items matched (item_schemes), for rules that name schemes. */
  schemes: number[];
}

interface PreviewTopicSqlRow {
  title: string;
  keywords: string[];
  items: number;
  police_negative: number;
  jurisdiction_hits: number;
  sources: string[];
  places: Record<string, number>;
  categories: Record<string, number>;
  schemes: Array<number | string>;
}

const PREVIEW_TOPIC_COLUMNS = `t.title, t.keywords, t.items, t.police_negative, t.jurisdiction_hits, t.sources, t.places, t.categories,
  ARRAY(SELECT DISTINCT x.scheme_id FROM stories st JOIN story_items si ON si.story_id = st.id JOIN item_schemes x ON x.item_id = si.item_id WHERE st.topic_id = t.id) AS schemes`;

const previewTopic = (r: PreviewTopicSqlRow): PreviewTopicColumns => ({
  title: r.title,
  keywords: r.keywords,
  items: r.items,
  policeNegative: r.police_negative,
  jurisdictionHits: r.jurisdiction_hits,
  sources: r.sources,
  places: r.places,
  categories: r.categories,
  schemes: (r.schemes ?? []).map(Number),
});

/** An applied level change with its topic as stored (for previewRule). */
export interface PreviewHistoryRow extends PreviewTopicColumns {
  /** The row's id: level and stage changes share one id sequence (migration 015). */
  id: number;
  topicId: number;
  at: Date;
  level: string;
  previous: string;
  reason: string;
  indicators: Record<string, unknown> | null;
}

/** Applied level changes since `since` (event time) with their topics, oldest first, at most `limit`. */
export async function levelChangesForPreview(db: Queryable, since: Date, limit = 100_000): Promise<PreviewHistoryRow[]> {
  const { rows } = await db.query<
    PreviewTopicSqlRow & { id: number; topic_id: number; at: Date; level: string; previous: string; reason: string; indicators: Record<string, unknown> | null }
  >(
    `SELECT c.id, c.topic_id, c.at, c.level, c.previous, c.reason, c.indicators, ${PREVIEW_TOPIC_COLUMNS}
       FROM topic_level_changes c JOIN topics t ON t.id = c.topic_id
      WHERE c.applied AND c.at >= $1
      ORDER BY c.at, c.id LIMIT $2`,
    [since, limit],
  );
  return rows.map((r) => ({
    id: Number(r.id),
    topicId: Number(r.topic_id),
    at: r.at,
    level: r.level,
    previous: r.previous,
    reason: r.reason,
    indicators: r.indicators,
    ...previewTopic(r),
  }));
}

/** A stage change that can change an alert (消散期, 次生) with its topic as stored (for previewRule). */
export interface PreviewStageRow extends PreviewTopicColumns {
  /** The row's id, in the same sequence as PreviewHistoryRow's. */
  id: number;
  topicId: number;
  at: Date;
  stage: string;
  /** The topic's level when its stage changed. */
  level: string;
  /** The topic closed without its level dropping to none. */
  closed: boolean;
  reason: string;
}

/**
 * The 消散期 and 次生 stage changes since `since` (event time) with their topics, oldest first, at
 * most `limit` (the other stages are nothing to alerts, so they are not loaded).
 */
export async function stageChangesForPreview(db: Queryable, since: Date, limit = 100_000): Promise<PreviewStageRow[]> {
  const { rows } = await db.query<PreviewTopicSqlRow & { id: number; topic_id: number; at: Date; stage: string; level: string; closed: boolean; reason: string }>(
    `SELECT c.id, c.topic_id, c.at, c.stage, c.level, c.closed, c.reason, ${PREVIEW_TOPIC_COLUMNS}
       FROM topic_stage_changes c JOIN topics t ON t.id = c.topic_id
      WHERE c.stage IN ('消散期', '次生') AND c.at >= $1
      ORDER BY c.at, c.id LIMIT $2`,
    [since, limit],
  );
  return rows.map((r) => ({
    id: Number(r.id),
    topicId: Number(r.topic_id),
    at: r.at,
    stage: r.stage,
    level: r.level,
    closed: r.closed,
    reason: r.reason,
    ...previewTopic(r),
  }));
}

// --- Alerts ---

/** An alert with the rule name and the audience of its latest event. */
export interface AdminAlert extends Alert {
  ruleName: string | null;
  audienceRoles: AlertAudienceRole[];
}

// The rule's current name when the rule still exists, else the name it had when it last changed the alert.
const adminAlertFromRow = (r: AlertRow & { current_rule_name: string | null }): AdminAlert => ({
  ...alertFromRow(r),
  ruleName: r.current_rule_name ?? r.rule_name,
  audienceRoles: r.audience_roles,
});

// The audience of an alert is that of its latest event (the rule's audience when it last changed);
// appendAlertEvent keeps it on the alert row (alerts.audience_roles).
const ALERT_SELECT = `SELECT a.*, r.name AS current_rule_name
  FROM alerts a LEFT JOIN alert_rules r ON r.id = a.rule_id`;

/** Filters of the alert list; `role` limits it to alerts whose audience names that role. */
export interface AdminAlertFilter {
  states: readonly AlertState[];
  /** Levels to include (the caller expands "at least yellow" into yellow, orange, red). */
  levels?: readonly AlertLevel[];
  kind?: AlertKind;
  /** Only alerts changed at or after this time. */
  since?: Date;
  /** Keyset paging: only alerts with a smaller id. */
  beforeId?: number;
  limit: number;
  role: Role;
}

/** Alerts newest first (by id). */
export async function listAdminAlerts(db: Queryable, f: AdminAlertFilter): Promise<AdminAlert[]> {
  const { rows } = await db.query(
    `SELECT * FROM (${ALERT_SELECT}
      WHERE a.state = ANY($1::text[])
        AND ($2::text[] IS NULL OR a.level = ANY($2::text[]))
        AND ($3::text IS NULL OR a.kind = $3)
        AND ($4::timestamptz IS NULL OR a.updated_at >= $4)
        AND ($5::bigint IS NULL OR a.id < $5)) x
     WHERE x.audience_roles @> ARRAY[$6::text]
     ORDER BY x.id DESC LIMIT $7`,
    [[...f.states], f.levels ? [...f.levels] : null, f.kind ?? null, f.since ?? null, f.beforeId ?? null, f.role, f.limit],
  );
  return rows.map(adminAlertFromRow);
}

/**
 * One alert if its audience names `role` (null: any audience), else null. `forUpdate` locks the
 * row until the caller's transaction ends.
 */
export async function getAdminAlert(db: Queryable, id: number, role: Role | null, opts: { forUpdate?: boolean } = {}): Promise<AdminAlert | null> {
  if (opts.forUpdate) await db.query('SELECT 1 FROM alerts WHERE id = $1 FOR UPDATE', [id]);
  const { rows } = await db.query(`SELECT * FROM (${ALERT_SELECT} WHERE a.id = $1) x WHERE $2::text IS NULL OR x.audience_roles @> ARRAY[$2::text]`, [
    id,
    role,
  ]);
  return rows[0] ? adminAlertFromRow(rows[0]) : null;
}

/** The events of an alert, oldest first; with `role`, only those whose audience names it. */
export async function listAdminAlertEvents(db: Queryable, alertId: number, role: Role | null): Promise<AlertEvent[]> {
  const { rows } = await db.query<{
    id: number;
    alert_id: number;
    type: AlertEvent['type'];
    level: AlertLevel;
    payload: Record<string, unknown>;
    audience_roles: AlertAudienceRole[];
    created_at: Date;
  }>(`SELECT * FROM alert_events WHERE alert_id = $1 AND ($2::text IS NULL OR audience_roles @> ARRAY[$2::text]) ORDER BY id`, [alertId, role]);
  return rows.map((r) => ({
    id: Number(r.id),
    alertId: Number(r.alert_id),
    type: r.type,
    level: r.level,
    payload: r.payload,
    audienceRoles: r.audience_roles,
    createdAt: r.created_at,
  }));
}

/** Writes a state change made by a person (acknowledge, resolve) to the alert row. */
export async function setAdminAlertState(
  db: Queryable,
  id: number,
  s: { state: AlertState; acknowledgedBy: number | null; acknowledgedAt: Date | null; resolvedBy: number | null; resolvedAt: Date | null; updatedAt: Date },
): Promise<void> {
  await db.query(
    `UPDATE alerts SET state = $2, acknowledged_by = $3, acknowledged_at = $4, resolved_by = $5, resolved_at = $6, updated_at = $7 WHERE id = $1`,
    [id, s.state, s.acknowledgedBy, s.acknowledgedAt, s.resolvedBy, s.resolvedAt, s.updatedAt],
  );
}

/**
 * Writes a level set by hand (and what the lifecycle decided with it: a raise fires the alert
 * again and clears the acknowledgment) to the alert row, with who set it, when and why.
 */
export async function setAdminAlertLevel(
  db: Queryable,
  id: number,
  s: {
    level: AlertLevel;
    manualLevel: AlertLevel | null;
    state: AlertState;
    /** The notification cause to store; null keeps the stored one. */
    cause: 'firing' | 'escalated' | 'reopened' | null;
    acknowledgedBy: number | null;
    acknowledgedAt: Date | null;
    by: number;
    reason: string;
    updatedAt: Date;
  },
): Promise<void> {
  await db.query(
    `UPDATE alerts SET level = $2, manual_level = $3, state = $4, cause = COALESCE($5, cause), acknowledged_by = $6, acknowledged_at = $7,
       level_changed_by = (SELECT id FROM users WHERE id = $8), level_changed_at = $9, level_change_reason = $10, updated_at = $9
     WHERE id = $1`,
    [id, s.level, s.manualLevel, s.state, s.cause, s.acknowledgedBy, s.acknowledgedAt, s.by, s.updatedAt, s.reason],
  );
}

// --- Silences ---

/** A silence as stored (the alerter's SilenceRow: one row type and one mapping for both). */
export type AdminSilence = SilenceRow;

/** Which silences to list, relative to `now`. */
export type SilenceListState = 'current' | 'active' | 'pending' | 'expired' | 'all';

/** Silences newest first: current = active or pending (not yet ended). */
export async function listAdminSilences(db: Queryable, state: SilenceListState, now: Date, limit = 500): Promise<AdminSilence[]> {
  const { rows } = await db.query<SilenceDbRow>(
    `SELECT * FROM silences WHERE CASE $1::text
        WHEN 'current' THEN ends_at > $2
        WHEN 'active' THEN starts_at <= $2 AND ends_at > $2
        WHEN 'pending' THEN starts_at > $2
        WHEN 'expired' THEN ends_at <= $2
        ELSE true END
      ORDER BY id DESC LIMIT $3`,
    [state, now, limit],
  );
  return rows.map(silenceFromRow);
}

/** Adds a silence. */
export async function insertAdminSilence(
  db: Queryable,
  s: { matchers: AdminSilence['matchers']; startsAt: Date; endsAt: Date; createdBy: number; comment: string },
): Promise<AdminSilence> {
  const { rows } = await db.query<SilenceDbRow>(
    `INSERT INTO silences (matchers, starts_at, ends_at, created_by, comment) VALUES ($1::jsonb, $2, $3, $4, $5) RETURNING *`,
    [JSON.stringify(s.matchers), s.startsAt, s.endsAt, s.createdBy, s.comment],
  );
  const row = rows[0];
  if (!row) throw new Error('silence was not stored');
  return silenceFromRow(row);
}

/**
 * Ends a silence at `now` (a pending one never starts: its window shrinks to the instant before
 * `now`). Returns the silence and whether this call ended it; an ended silence is returned as is.
 * Null when there is no such silence.
 */
export async function expireAdminSilence(db: Queryable, id: number, by: number, now: Date): Promise<{ silence: AdminSilence; changed: boolean } | null> {
  const { rows } = await db.query<SilenceDbRow>(
    `UPDATE silences SET ends_at = $2, starts_at = least(starts_at, $2::timestamptz - interval '1 millisecond'), expired_by = $3
      WHERE id = $1 AND ends_at > $2 RETURNING *`,
    [id, now, by],
  );
  if (rows[0]) return { silence: silenceFromRow(rows[0]), changed: true };
  const { rows: found } = await db.query<SilenceDbRow>('SELECT * FROM silences WHERE id = $1', [id]);
  return found[0] ? { silence: silenceFromRow(found[0]), changed: false } : null;
}
