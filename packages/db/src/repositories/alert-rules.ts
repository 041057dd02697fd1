/**
 * What the live alerter reads and writes besides the event log: alert rules (their criteria as
 * the validated JSON of @yuqing/alerting's ruleSchema, parsed by the caller: this package does
 * not depend on the alerting package), silences, the alerter's reading positions, alerts with
 * their full lifecycle state (migration 008), and the topic and source-health rows it turns into
 * alerts.
 */
import type { Queryable } from '../pool';
import { alertFromRow, type Alert, type AlertAudienceRole, type AlertLevel, type AlertRow } from './alerts';

// --- rules ---

/** A stored rule; `spec` is ruleSchema's output (name and enabled are mirrored in their columns). */
export interface AlertRuleRow {
  id: number;
  name: string;
  enabled: boolean;
  spec: Record<string, unknown>;
  createdBy: number | null;
  createdAt: Date;
  updatedBy: number | null;
  updatedAt: Date;
}

interface RuleDbRow {
  id: number;
  name: string;
  enabled: boolean;
  spec: Record<string, unknown>;
  created_by: number | null;
  created_at: Date;
  updated_by: number | null;
  updated_at: Date;
}

const ruleFromRow = (r: RuleDbRow): AlertRuleRow => ({
  id: r.id,
  name: r.name,
  enabled: r.enabled,
  spec: { ...r.spec, name: r.name, enabled: r.enabled },
  createdBy: r.created_by,
  createdAt: r.created_at,
  updatedBy: r.updated_by,
  updatedAt: r.updated_at,
});

/** What a rule is stored from: the parsed spec (its `name` and `enabled` fill the columns). */
export interface NewAlertRule {
  spec: { name: string; enabled: boolean } & Record<string, unknown>;
  by?: number | null;
}

/** Adds a rule; null when the name is taken. */
export async function insertAlertRule(db: Queryable, r: NewAlertRule): Promise<AlertRuleRow | null> {
  const { rows } = await db.query<RuleDbRow>(
    `INSERT INTO alert_rules (name, enabled, spec, created_by, updated_by) VALUES ($1, $2, $3::jsonb, $4, $4)
     ON CONFLICT (name) DO NOTHING RETURNING *`,
    [r.spec.name, r.spec.enabled, JSON.stringify(r.spec), r.by ?? null],
  );
  return rows[0] ? ruleFromRow(rows[0]) : null;
}

/** Replaces a rule's spec; null when there is no such rule. Throws on a name taken by another rule (23505). */
export async function updateAlertRule(db: Queryable, id: number, r: NewAlertRule): Promise<AlertRuleRow | null> {
  const { rows } = await db.query<RuleDbRow>(
    `UPDATE alert_rules SET name = $2, enabled = $3, spec = $4::jsonb, updated_by = $5, updated_at = now() WHERE id = $1 RETURNING *`,
    [id, r.spec.name, r.spec.enabled, JSON.stringify(r.spec), r.by ?? null],
  );
  return rows[0] ? ruleFromRow(rows[0]) : null;
}

/** Every rule by id (only enabled ones with `enabledOnly`). */
export async function listAlertRules(db: Queryable, opts: { enabledOnly?: boolean } = {}): Promise<AlertRuleRow[]> {
  const { rows } = await db.query<RuleDbRow>(`SELECT * FROM alert_rules WHERE ($1::boolean IS NOT TRUE OR enabled) ORDER BY id`, [opts.enabledOnly ?? false]);
  return rows.map(ruleFromRow);
}

/** One rule, or null. */
export async function getAlertRule(db: Queryable, id: number): Promise<AlertRuleRow | null> {
  const { rows } = await db.query<RuleDbRow>('SELECT * FROM alert_rules WHERE id = $1', [id]);
  return rows[0] ? ruleFromRow(rows[0]) : null;
}

/** Enables or disables a rule (column and spec together); null when there is no such rule. */
export async function setAlertRuleEnabled(db: Queryable, id: number, enabled: boolean, by: number | null = null): Promise<AlertRuleRow | null> {
  const { rows } = await db.query<RuleDbRow>(
    `UPDATE alert_rules SET enabled = $2, spec = jsonb_set(spec, '{enabled}', to_jsonb($2::boolean)), updated_by = $3, updated_at = now()
     WHERE id = $1 RETURNING *`,
    [id, enabled, by],
  );
  return rows[0] ? ruleFromRow(rows[0]) : null;
}

/** Deletes a rule (its alerts stay, rule_id set to null); false when there was none. */
export async function deleteAlertRule(db: Queryable, id: number): Promise<boolean> {
  const { rowCount } = await db.query('DELETE FROM alert_rules WHERE id = $1', [id]);
  return (rowCount ?? 0) > 0;
}

// --- silences ---

/** A silence as stored; `matchers` as silenceSchema validated them. */
export interface SilenceRow {
  id: number;
  matchers: Array<{ field: string; op: string; value: string }>;
  startsAt: Date;
  endsAt: Date;
  createdBy: number | null;
  comment: string;
  createdAt: Date;
  expiredBy: number | null;
}

/** A row of `silences` (the one mapping of it is silenceFromRow, shared with alert-admin.ts). */
export interface SilenceDbRow {
  id: number;
  matchers: SilenceRow['matchers'];
  starts_at: Date;
  ends_at: Date;
  created_by: number | null;
  comment: string;
  created_at: Date;
  expired_by: number | null;
}

export const silenceFromRow = (r: SilenceDbRow): SilenceRow => ({
  id: r.id,
  matchers: r.matchers,
  startsAt: r.starts_at,
  endsAt: r.ends_at,
  createdBy: r.created_by,
  comment: r.comment,
  createdAt: r.created_at,
  expiredBy: r.expired_by,
});

/** Adds a silence (validate it with silenceSchema first). */
export async function insertSilence(
  db: Queryable,
  s: { matchers: SilenceRow['matchers']; startsAt: Date; endsAt: Date; createdBy: number | null; comment: string },
): Promise<SilenceRow> {
  const { rows } = await db.query<SilenceDbRow>(
    `INSERT INTO silences (matchers, starts_at, ends_at, created_by, comment) VALUES ($1::jsonb, $2, $3, $4, $5) RETURNING *`,
    [JSON.stringify(s.matchers), s.startsAt, s.endsAt, s.createdBy, s.comment],
  );
  return silenceFromRow(rows[0]!);
}

/** Silences not yet ended at `now` (in force now, or starting later), oldest first. */
export async function listActiveSilences(db: Queryable, now: Date = new Date()): Promise<SilenceRow[]> {
  const { rows } = await db.query<SilenceDbRow>('SELECT * FROM silences WHERE ends_at > $1 ORDER BY id', [now]);
  return rows.map(silenceFromRow);
}

/** Every silence, newest first (expired ones included), at most `limit`. */
export async function listSilences(db: Queryable, limit = 500): Promise<SilenceRow[]> {
  const { rows } = await db.query<SilenceDbRow>('SELECT * FROM silences ORDER BY id DESC LIMIT $1', [limit]);
  return rows.map(silenceFromRow);
}

/** One silence, or null. */
export async function getSilence(db: Queryable, id: number): Promise<SilenceRow | null> {
  const { rows } = await db.query<SilenceDbRow>('SELECT * FROM silences WHERE id = $1', [id]);
  return rows[0] ? silenceFromRow(rows[0]) : null;
}

/**
 * Ends a silence now (a silence that has not started yet ends before it starts: ends_at must stay
 * after starts_at, so its start moves back too). Null when there is no such silence or it had ended.
 */
export async function expireSilence(db: Queryable, id: number, by: number | null, now: Date = new Date()): Promise<SilenceRow | null> {
  const { rows } = await db.query<SilenceDbRow>(
    `UPDATE silences SET ends_at = $2, starts_at = LEAST(starts_at, $2::timestamptz - interval '1 millisecond'), expired_by = $3
     WHERE id = $1 AND ends_at > $2 RETURNING *`,
    [id, now, by],
  );
  return rows[0] ? silenceFromRow(rows[0]) : null;
}

// --- cursors ---

export type AlerterStream = 'topic_level_changes' | 'source_health_events';

/** The last id the alerter processed of a stream (0 before the first). */
export async function getAlerterCursor(db: Queryable, stream: AlerterStream): Promise<number> {
  const { rows } = await db.query<{ last_id: number }>('SELECT last_id FROM alerter_cursors WHERE stream = $1', [stream]);
  return rows[0]?.last_id ?? 0;
}

/** Moves a cursor forward (never back); call it in the transaction that stored what it covers. */
export async function advanceAlerterCursor(db: Queryable, stream: AlerterStream, lastId: number): Promise<void> {
  await db.query(
    `INSERT INTO alerter_cursors (stream, last_id) VALUES ($1, $2)
     ON CONFLICT (stream) DO UPDATE SET last_id = GREATEST(alerter_cursors.last_id, EXCLUDED.last_id), updated_at = now()`,
    [stream, lastId],
  );
}

// --- alerts with their lifecycle state ---

/** An alert with every lifecycle field (006 + 008 + 012): what the alerter keeps across restarts. */
export interface AlertRecord extends Alert {
  ruleName: string | null;
  labels: AlertRow['labels'];
  audienceRoles: AlertAudienceRole[];
  cause: AlertRow['cause'];
  firedAt: Date;
  reopenCount: number;
}

const recordFromRow = (r: AlertRow): AlertRecord => ({
  ...alertFromRow(r),
  ruleName: r.rule_name,
  labels: r.labels,
  audienceRoles: r.audience_roles,
  cause: r.cause,
  firedAt: r.fired_at,
  reopenCount: r.reopen_count,
});

/**
 * An alert to store (everything but the id). `manualLevel` left out keeps the stored one; null
 * clears it (the lifecycle does when an automatic rise overrides it).
 */
export type AlertRecordInput = Omit<AlertRecord, 'id' | 'manualLevel' | 'levelChangedBy' | 'levelChangedAt' | 'levelChangeReason' | 'incidentId'> & {
  manualLevel?: AlertLevel | null;
};

/**
 * Stores an alert by its dedup key (insert, or update every field but created_at) and returns the
 * row. A rule or user deleted meanwhile does not fail the write: its id becomes null.
 */
export async function upsertAlertRecord(db: Queryable, a: AlertRecordInput): Promise<AlertRecord> {
  const { rows } = await db.query<AlertRow>(
    `INSERT INTO alerts (kind, dedup_key, rule_id, rule_name, topic_id, source_id, level, state, title, summary, heat, labels,
       audience_roles, cause, created_at, updated_at, fired_at, reopen_count, acknowledged_by, acknowledged_at, resolved_by, resolved_at)
     VALUES ($1, $2, (SELECT id FROM alert_rules WHERE id = $3), $4, $5, (SELECT id FROM sources WHERE id = $6), $7, $8, $9, $10, $11,
       $12::jsonb, $13::text[], $14, $15, $16, $17, $18, (SELECT id FROM users WHERE id = $19), $20, (SELECT id FROM users WHERE id = $21), $22)
     ON CONFLICT (dedup_key) DO UPDATE SET rule_id = EXCLUDED.rule_id, rule_name = EXCLUDED.rule_name, topic_id = EXCLUDED.topic_id,
       source_id = EXCLUDED.source_id, level = EXCLUDED.level, state = EXCLUDED.state, title = EXCLUDED.title, summary = EXCLUDED.summary,
       heat = EXCLUDED.heat, labels = EXCLUDED.labels, audience_roles = EXCLUDED.audience_roles, cause = EXCLUDED.cause,
       updated_at = EXCLUDED.updated_at, fired_at = EXCLUDED.fired_at, reopen_count = EXCLUDED.reopen_count,
       acknowledged_by = EXCLUDED.acknowledged_by, acknowledged_at = EXCLUDED.acknowledged_at,
       resolved_by = EXCLUDED.resolved_by, resolved_at = EXCLUDED.resolved_at,
       manual_level = CASE WHEN $24 THEN $23::text ELSE alerts.manual_level END
     RETURNING *`,
    [
      a.kind, a.dedupKey, a.ruleId, a.ruleName, a.topicId, a.sourceId, a.level, a.state, a.title, a.summary, a.heat,
      JSON.stringify(a.labels), [...new Set(a.audienceRoles)], a.cause, a.createdAt, a.updatedAt, a.firedAt, a.reopenCount,
      a.acknowledgedBy, a.acknowledgedAt, a.resolvedBy, a.resolvedAt, a.manualLevel ?? null, a.manualLevel !== undefined,
    ],
  );
  return recordFromRow(rows[0]!);
}

/** One alert by dedup key; `forUpdate` locks the row until the caller's transaction ends. */
export async function getAlertRecordByKey(db: Queryable, dedupKey: string, opts: { forUpdate?: boolean } = {}): Promise<AlertRecord | null> {
  const { rows } = await db.query<AlertRow>(`SELECT * FROM alerts WHERE dedup_key = $1${opts.forUpdate ? ' FOR UPDATE' : ''}`, [dedupKey]);
  return rows[0] ? recordFromRow(rows[0]) : null;
}

/** One alert by id; `forUpdate` locks the row until the caller's transaction ends. */
export async function getAlertRecord(db: Queryable, id: number, opts: { forUpdate?: boolean } = {}): Promise<AlertRecord | null> {
  const { rows } = await db.query<AlertRow>(`SELECT * FROM alerts WHERE id = $1${opts.forUpdate ? ' FOR UPDATE' : ''}`, [id]);
  return rows[0] ? recordFromRow(rows[0]) : null;
}

/** Alerts by id (any order). */
export async function getAlertRecords(db: Queryable, ids: readonly number[]): Promise<AlertRecord[]> {
  if (!ids.length) return [];
  const { rows } = await db.query<AlertRow>('SELECT * FROM alerts WHERE id = ANY($1::bigint[])', [[...ids]]);
  return rows.map(recordFromRow);
}

/** Every topic alert of a topic, locked for the caller's transaction, by id. */
export async function lockTopicAlertRecords(db: Queryable, topicId: number): Promise<AlertRecord[]> {
  const { rows } = await db.query<AlertRow>(`SELECT * FROM alerts WHERE kind = 'topic' AND topic_id = $1 ORDER BY id FOR UPDATE`, [topicId]);
  return rows.map(recordFromRow);
}

/** Every open alert (firing or acknowledged), by id. */
export async function listOpenAlertRecords(db: Queryable): Promise<AlertRecord[]> {
  const { rows } = await db.query<AlertRow>(`SELECT * FROM alerts WHERE state <> 'resolved' ORDER BY id`);
  return rows.map(recordFromRow);
}

/** Ids of the alerts that have events after `afterEventId`, and the newest event id seen. */
export async function alertsChangedAfter(db: Queryable, afterEventId: number, limit = 5000): Promise<{ alertIds: number[]; lastEventId: number }> {
  const { rows } = await db.query<{ id: number; alert_id: number }>('SELECT id, alert_id FROM alert_events WHERE id > $1 ORDER BY id LIMIT $2', [
    afterEventId,
    limit,
  ]);
  return { alertIds: [...new Set(rows.map((r) => r.alert_id))], lastEventId: rows.at(-1)?.id ?? afterEventId };
}

// --- inputs of the alerter ---

/** A topic as rules see it (TopicView of @yuqing/alerting), plus what notifications show. */
export interface TopicForRules {
  id: number;
  status: string;
  title: string;
  keywords: string[];
  level: string;
  stage: string | null;
  items: number;
  reach: number;
  /** police_negative / items (0 for an empty topic). */
  policeNegativeShare: number;
  categories: string[];
  places: string[];
  jurisdictionHits: number;
  sources: string[];
  /** Monitoring schemes (监测方案) at least one of its items matched (item_schemes, migration 025). */
  schemes: number[];
}

/** Topics by id, as rules see them. */
export async function getTopicsForRules(db: Queryable, ids: readonly number[]): Promise<TopicForRules[]> {
  if (!ids.length) return [];
  const { rows } = await db.query<{
    id: number;
    status: string;
    title: string;
    keywords: string[];
    level: string;
    stage: string | null;
    items: number;
    reach: number;
    police_negative: number;
    categories: Record<string, number>;
    places: Record<string, number>;
    jurisdiction_hits: number;
    sources: string[];
    schemes: number[];
  }>(
    // A topic's items through its stories (a merge moves stories, not story_items.topic_id).
    `SELECT t.id, t.status, t.title, t.keywords, t.level, t.stage, t.items, t.reach, t.police_negative, t.categories, t.places, t.jurisdiction_hits, t.sources,
            ARRAY(SELECT DISTINCT x.scheme_id FROM stories st JOIN story_items si ON si.story_id = st.id JOIN item_schemes x ON x.item_id = si.item_id
                  WHERE st.topic_id = t.id ORDER BY 1) AS schemes
     FROM topics t WHERE t.id = ANY($1::bigint[])`,
    [[...ids]],
  );
  return rows.map((r) => ({
    id: r.id,
    status: r.status,
    title: r.title,
    keywords: r.keywords,
    level: r.level,
    stage: r.stage,
    items: r.items,
    reach: r.reach,
    policeNegativeShare: r.items > 0 ? r.police_negative / r.items : 0,
    categories: Object.keys(r.categories ?? {}),
    places: Object.keys(r.places ?? {}),
    jurisdictionHits: r.jurisdiction_hits,
    sources: r.sources,
    schemes: r.schemes.map(Number),
  }));
}

/** A stored level change, as the alerter reads it. */
export interface StoredLevelChange {
  id: number;
  topicId: number;
  /** Event time (the items' time, possibly long ago in a backfill). */
  at: Date;
  /** When the topic stage stored it (wall clock: alert latency is measured from here). */
  recordedAt: Date;
  level: string;
  previous: string;
  applied: boolean;
  indicators: unknown;
  reason: string;
}

/** Level changes after `afterId` in id order (applied ones only when `appliedOnly`). */
export async function levelChangesAfter(db: Queryable, afterId: number, limit: number, opts: { appliedOnly?: boolean } = {}): Promise<StoredLevelChange[]> {
  const { rows } = await db.query<{ id: number; topic_id: number; at: Date; recorded_at: Date; level: string; previous: string; applied: boolean; indicators: unknown; reason: string }>(
    `SELECT id, topic_id, at, recorded_at, level, previous, applied, indicators, reason FROM topic_level_changes
     WHERE id > $1 AND ($3::boolean IS NOT TRUE OR applied) ORDER BY id LIMIT $2`,
    [afterId, limit, opts.appliedOnly ?? false],
  );
  return rows.map((r) => ({ id: r.id, topicId: r.topic_id, at: r.at, recordedAt: r.recorded_at, level: r.level, previous: r.previous, applied: r.applied, indicators: r.indicators, reason: r.reason }));
}

/** A stored stage change (topic_stage_changes), as the alerter reads it. */
export interface StoredStageChange {
  id: number;
  topicId: number;
  at: Date;
  recordedAt: Date;
  stage: string;
  previous: string | null;
  /** The topic's level then (unchanged by the stage change). */
  level: string;
  /** The topic closed without its level dropping to none (a person's level stood). */
  closed: boolean;
  reason: string;
}

/** One row of the alerter's topic stream: a level change or a stage change. */
export type StoredTopicChange = ({ kind: 'level' } & StoredLevelChange) | ({ kind: 'stage' } & StoredStageChange);

/**
 * Level and stage changes after `afterId`, in id order: the two tables share one id sequence
 * (migration 015), so one cursor covers both and keeps the order the topic stage wrote them in.
 */
export async function topicChangesAfter(db: Queryable, afterId: number, limit: number): Promise<StoredTopicChange[]> {
  const { rows } = await db.query<{
    kind: 'level' | 'stage';
    id: number;
    topic_id: number;
    at: Date;
    recorded_at: Date;
    level: string;
    previous: string | null;
    applied: boolean;
    indicators: unknown;
    reason: string;
    stage: string | null;
    closed: boolean;
  }>(
    `(SELECT 'level' AS kind, id, topic_id, at, recorded_at, level, previous, applied, indicators, reason, NULL::text AS stage, false AS closed
        FROM topic_level_changes WHERE id > $1 ORDER BY id LIMIT $2)
     UNION ALL
     (SELECT 'stage', id, topic_id, at, recorded_at, level, previous, true, NULL::jsonb, reason, stage, closed
        FROM topic_stage_changes WHERE id > $1 ORDER BY id LIMIT $2)
     ORDER BY id LIMIT $2`,
    [afterId, limit],
  );
  return rows.map((r): StoredTopicChange => {
    const base = { id: r.id, topicId: r.topic_id, at: r.at, recordedAt: r.recorded_at, level: r.level, reason: r.reason };
    return r.kind === 'level'
      ? { kind: 'level', ...base, previous: r.previous ?? 'none', applied: r.applied, indicators: r.indicators }
      : { kind: 'stage', ...base, stage: r.stage ?? '', previous: r.previous, closed: r.closed };
  });
}

/** A source health event with its source's name (null when the source is gone). */
export interface StoredSourceHealthEvent {
  id: number;
  sourceId: number;
  sourceName: string | null;
  kind: 'failing' | 'recovered';
  at: Date;
  consecutiveErrors: number;
  error: string | null;
}

/** Source health events after `afterId`, in id order. */
export async function sourceHealthEventsAfter(db: Queryable, afterId: number, limit: number): Promise<StoredSourceHealthEvent[]> {
  const { rows } = await db.query<{ id: number; source_id: number; name: string | null; kind: 'failing' | 'recovered'; at: Date; consecutive_errors: number; error: string | null }>(
    `SELECT e.id, e.source_id, s.name, e.kind, e.at, e.consecutive_errors, e.error
     FROM source_health_events e LEFT JOIN sources s ON s.id = e.source_id WHERE e.id > $1 ORDER BY e.id LIMIT $2`,
    [afterId, limit],
  );
  return rows.map((r) => ({ id: r.id, sourceId: r.source_id, sourceName: r.name, kind: r.kind, at: r.at, consecutiveErrors: r.consecutive_errors, error: r.error }));
}

/** Dedup keys of deliveries starting with `prefix` created since `since` (the alerter's batch log). */
export async function deliveryKeysSince(db: Queryable, prefix: string, since: Date): Promise<string[]> {
  const { rows } = await db.query<{ dedup_key: string }>(`SELECT dedup_key FROM deliveries WHERE starts_with(dedup_key, $1) AND created_at >= $2`, [prefix, since]);
  return rows.map((r) => r.dedup_key);
}
