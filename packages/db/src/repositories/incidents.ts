/**
 * Incidents (危机管理登记, migration 012): the register itself, what each incident is linked to,
 * its append-only timeline, the controlled tag vocabulary, the overdue bookkeeping of the alerter,
 * the topic heat around the official response, and the rows of the CSV exports.
 *
 * Which transitions are allowed, who may make them and how the response clock runs is decided by
 * @yuqing/alerting (incident-workflow.ts); this module stores the outcome. Every change made for a
 * person (API or CLI) appends its timeline entries and records ONE audit entry on the caller's
 * transaction client, so the change, its timeline and its audit commit or roll back together.
 */
import type { Queryable } from '../pool';
import { recordAudit } from './audit';

export type IncidentStatusCode = 'new' | 'assessing' | 'handling' | 'responded' | 'closed';
export type IncidentLevelCode = 'blue' | 'yellow' | 'orange' | 'red';
export type IncidentLinkKind = 'alert' | 'topic' | 'item';
export type IncidentTimelineKind = 'created' | 'note' | 'instruction' | 'status' | 'level' | 'assign' | 'due' | 'response' | 'link' | 'edit' | 'overdue';

/** Statuses in which the response is still due (an incident there can be overdue). */
const DUE_STATUSES = ['new', 'assessing', 'handling'];

/** Limits of tags (the API validates them too; the repository normalises). */
export const INCIDENT_TAG_MAX_LENGTH = 40;
export const INCIDENT_TAGS_MAX = 20;

/** An incident as stored, with the names of the people it refers to. */
export interface Incident {
  id: number;
  title: string;
  category: string;
  status: IncidentStatusCode;
  level: IncidentLevelCode;
  autoLevel: string | null;
  levelChangedBy: number | null;
  levelChangedAt: Date | null;
  levelChangeReason: string | null;
  jurisdiction: string;
  ownerId: number | null;
  ownerName: string | null;
  dueAt: Date;
  dueAtManual: boolean;
  responseClockFrom: Date;
  tags: string[];
  freeTags: string[];
  summary: string;
  responseAt: Date | null;
  responseChannel: string | null;
  responseText: string | null;
  closedAt: Date | null;
  closingSummary: string | null;
  reopenCount: number;
  overdueAlertedAt: Date | null;
  createdBy: number | null;
  createdByName: string;
  createdAt: Date;
  updatedAt: Date;
}

/** Who makes a change: the audit names the login name, the timeline the display name. */
export interface IncidentActor {
  actorId: number | null;
  /** Login name, 'system', or 'cli:<os user>' (as in the audit log). */
  actorName: string;
  /** The name people read on the timeline (defaults to actorName). */
  displayName?: string;
  requestId?: string | null;
}

/** A refusal the caller shows as is (Chinese message). */
export class IncidentError extends Error {
  constructor(
    readonly status: 400 | 404 | 409,
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'IncidentError';
  }
}

interface IncidentRow {
  id: number;
  title: string;
  category: string;
  status: IncidentStatusCode;
  level: IncidentLevelCode;
  auto_level: string | null;
  level_changed_by: number | null;
  level_changed_at: Date | null;
  level_change_reason: string | null;
  jurisdiction: string;
  owner_id: number | null;
  owner_name: string | null;
  due_at: Date;
  due_at_manual: boolean;
  response_clock_from: Date;
  tags: string[];
  free_tags: string[];
  summary: string;
  response_at: Date | null;
  response_channel: string | null;
  response_text: string | null;
  closed_at: Date | null;
  closing_summary: string | null;
  reopen_count: number;
  overdue_alerted_at: Date | null;
  created_by: number | null;
  created_by_name: string;
  created_at: Date;
  updated_at: Date;
}

const incidentFromRow = (r: IncidentRow): Incident => ({
  id: r.id,
  title: r.title,
  category: r.category,
  status: r.status,
  level: r.level,
  autoLevel: r.auto_level,
  levelChangedBy: r.level_changed_by,
  levelChangedAt: r.level_changed_at,
  levelChangeReason: r.level_change_reason,
  jurisdiction: r.jurisdiction,
  ownerId: r.owner_id,
  ownerName: r.owner_name,
  dueAt: r.due_at,
  dueAtManual: r.due_at_manual,
  responseClockFrom: r.response_clock_from,
  tags: r.tags,
  freeTags: r.free_tags,
  summary: r.summary,
  responseAt: r.response_at,
  responseChannel: r.response_channel,
  responseText: r.response_text,
  closedAt: r.closed_at,
  closingSummary: r.closing_summary,
  reopenCount: r.reopen_count,
  overdueAlertedAt: r.overdue_alerted_at,
  createdBy: r.created_by,
  createdByName: r.created_by_name,
  createdAt: r.created_at,
  updatedAt: r.updated_at,
});

// The owner's name as people know them; `i` is the incidents table's alias in every query.
const INCIDENT_SELECT = `SELECT i.*, COALESCE(NULLIF(o.display_name, ''), o.name) AS owner_name
  FROM incidents i LEFT JOIN users o ON o.id = i.owner_id`;

const timelineName = (a: IncidentActor): string => a.displayName || a.actorName;

/** One incident, or null; `forUpdate` locks its row until the caller's transaction ends. */
export async function getIncident(db: Queryable, id: number, opts: { forUpdate?: boolean } = {}): Promise<Incident | null> {
  if (opts.forUpdate) await db.query('SELECT 1 FROM incidents WHERE id = $1 FOR UPDATE', [id]);
  const { rows } = await db.query<IncidentRow>(`${INCIDENT_SELECT} WHERE i.id = $1`, [id]);
  return rows[0] ? incidentFromRow(rows[0]) : null;
}

// --- links ---

/** Ids to link, by kind. */
export interface IncidentLinkIds {
  alertIds?: readonly number[];
  topicIds?: readonly number[];
  itemIds?: readonly number[];
}

/** What an incident is linked to, with what people need to recognise each. */
export interface IncidentLinks {
  alerts: Array<{ id: number; title: string; level: string; state: string }>;
  topics: Array<{ id: number; title: string; level: string; stage: string | null }>;
  items: Array<{ id: number; title: string | null; url: string; publishedAt: Date; sourceName: string | null }>;
}

const uniq = (ids: readonly number[] | undefined): number[] => [...new Set(ids ?? [])];

/**
 * The linked ids that do not exist, by kind (empty lists when all do). With a `role`, an alert whose
 * audience does not name it counts as not existing — the same answer as for an id that does not
 * exist, so linking cannot be used to read, or to probe for, alerts the caller may not see.
 */
export async function missingLinkTargets(
  db: Queryable,
  links: IncidentLinkIds,
  role: string | null = null,
): Promise<{ alertIds: number[]; topicIds: number[]; itemIds: number[] }> {
  const missing = async (table: 'alerts' | 'topics' | 'items', ids: number[]): Promise<number[]> => {
    if (!ids.length) return [];
    const { rows } =
      table === 'alerts' && role !== null
        ? await db.query<{ id: number }>('SELECT id FROM alerts WHERE id = ANY($1::bigint[]) AND audience_roles @> ARRAY[$2::text]', [ids, role])
        : await db.query<{ id: number }>(`SELECT id FROM ${table} WHERE id = ANY($1::bigint[])`, [ids]);
    const found = new Set(rows.map((r) => Number(r.id)));
    return ids.filter((id) => !found.has(id));
  };
  return {
    alertIds: await missing('alerts', uniq(links.alertIds)),
    topicIds: await missing('topics', uniq(links.topicIds)),
    itemIds: await missing('items', uniq(links.itemIds)),
  };
}

/**
 * The topics the given alerts are about (those the topic stage has stored): an incident opened from
 * an alert is about its topic too, so the topic is linked with it — its series gives the heat
 * before and after the response, and the incident shows the topic.
 */
export async function topicsOfAlerts(db: Queryable, alertIds: readonly number[] | undefined): Promise<number[]> {
  const ids = uniq(alertIds);
  if (!ids.length) return [];
  const { rows } = await db.query<{ id: number }>(
    'SELECT DISTINCT t.id FROM alerts a JOIN topics t ON t.id = a.topic_id WHERE a.id = ANY($1::bigint[]) ORDER BY t.id',
    [ids],
  );
  return rows.map((r) => Number(r.id));
}

/** Refuses links to things that do not exist (or, with a `role`, alerts it may not see), naming them (a 400 IncidentError). */
export async function assertIncidentLinks(db: Queryable, links: IncidentLinkIds, role: string | null = null): Promise<void> {
  const m = await missingLinkTargets(db, links, role);
  const parts = [
    m.alertIds.length ? `预警 ${m.alertIds.join('、')}` : '',
    m.topicIds.length ? `话题 ${m.topicIds.join('、')}` : '',
    m.itemIds.length ? `信息 ${m.itemIds.join('、')}` : '',
  ].filter(Boolean);
  if (parts.length) throw new IncidentError(400, 'INCIDENT_LINK_NOT_FOUND', `关联对象不存在：${parts.join('；')}`);
}

/** Adds links (existing ones are kept as they are); returns those actually added. */
async function insertLinks(db: Queryable, incidentId: number, links: IncidentLinkIds, by: number | null): Promise<{ alertIds: number[]; topicIds: number[]; itemIds: number[] }> {
  const add = async (kind: IncidentLinkKind, ids: number[]): Promise<number[]> => {
    if (!ids.length) return [];
    const { rows } = await db.query<{ target_id: number }>(
      `INSERT INTO incident_links (incident_id, kind, target_id, added_by)
       SELECT $1, $2, t, (SELECT id FROM users WHERE id = $4) FROM unnest($3::bigint[]) AS t
       ON CONFLICT DO NOTHING RETURNING target_id`,
      [incidentId, kind, ids, by],
    );
    return rows.map((r) => Number(r.target_id));
  };
  return {
    alertIds: await add('alert', uniq(links.alertIds)),
    topicIds: await add('topic', uniq(links.topicIds)),
    itemIds: await add('item', uniq(links.itemIds)),
  };
}

/**
 * Everything an incident is linked to, in the order it was linked. With a `role`, only the linked
 * alerts whose audience names it (as everywhere else alerts are read).
 */
export async function getIncidentLinks(db: Queryable, incidentId: number, role: string | null = null): Promise<IncidentLinks> {
  const [alerts, topics, items] = await Promise.all([
    db.query<{ id: number; title: string; level: string; state: string }>(
      `SELECT a.id, a.title, a.level, a.state FROM incident_links l JOIN alerts a ON a.id = l.target_id
        WHERE l.incident_id = $1 AND l.kind = 'alert' AND ($2::text IS NULL OR a.audience_roles @> ARRAY[$2::text])
        ORDER BY l.added_at, a.id`,
      [incidentId, role],
    ),
    db.query<{ id: number; title: string; level: string; stage: string | null }>(
      `SELECT t.id, t.title, t.level, t.stage FROM incident_links l JOIN topics t ON t.id = l.target_id
        WHERE l.incident_id = $1 AND l.kind = 'topic' ORDER BY l.added_at, t.id`,
      [incidentId],
    ),
    db.query<{ id: number; title: string | null; url: string; published_at: Date; source_name: string | null }>(
      `SELECT it.id, it.title, it.url, it.published_at, COALESCE(s.name, it.source_name) AS source_name
         FROM incident_links l JOIN items it ON it.id = l.target_id LEFT JOIN sources s ON s.id = it.source_id
        WHERE l.incident_id = $1 AND l.kind = 'item' ORDER BY l.added_at, it.id`,
      [incidentId],
    ),
  ]);
  return {
    alerts: alerts.rows.map((r) => ({ id: Number(r.id), title: r.title, level: r.level, state: r.state })),
    topics: topics.rows.map((r) => ({ id: Number(r.id), title: r.title, level: r.level, stage: r.stage })),
    items: items.rows.map((r) => ({ id: Number(r.id), title: r.title, url: r.url, publishedAt: r.published_at, sourceName: r.source_name })),
  };
}

/** Ids of the topics an incident is linked to. */
async function linkedTopicIds(db: Queryable, incidentId: number): Promise<number[]> {
  const { rows } = await db.query<{ target_id: number }>(`SELECT target_id FROM incident_links WHERE incident_id = $1 AND kind = 'topic'`, [incidentId]);
  return rows.map((r) => Number(r.target_id));
}

// --- what an incident is opened from ---

/** What a new incident takes its defaults from: the first linked alert or topic. */
export interface IncidentOrigin {
  kind: 'alert' | 'topic' | 'item';
  title: string;
  /** The automatic level (an alert's level, a topic's level; null for items). */
  autoLevel: string | null;
  /** The topic's places and categories (counts), when there is a topic. */
  places: Record<string, number>;
  categories: Record<string, number>;
}

/**
 * The origin of an incident linked to these ids: the first alert (with its topic's places and
 * categories), else the first topic, else the first item (its title only). Null when nothing is linked.
 */
export async function incidentOrigin(db: Queryable, links: IncidentLinkIds): Promise<IncidentOrigin | null> {
  const alertId = links.alertIds?.[0];
  if (alertId !== undefined) {
    const { rows } = await db.query<{ title: string; level: string; places: Record<string, number> | null; categories: Record<string, number> | null }>(
      `SELECT a.title, a.level, t.places, t.categories FROM alerts a LEFT JOIN topics t ON t.id = a.topic_id WHERE a.id = $1`,
      [alertId],
    );
    const r = rows[0];
    if (r) return { kind: 'alert', title: r.title, autoLevel: r.level, places: r.places ?? {}, categories: r.categories ?? {} };
  }
  const topicId = links.topicIds?.[0];
  if (topicId !== undefined) {
    const { rows } = await db.query<{ title: string; level: string; places: Record<string, number>; categories: Record<string, number> }>(
      'SELECT title, level, places, categories FROM topics WHERE id = $1',
      [topicId],
    );
    const r = rows[0];
    if (r) return { kind: 'topic', title: r.title, autoLevel: r.level, places: r.places ?? {}, categories: r.categories ?? {} };
  }
  const itemId = links.itemIds?.[0];
  if (itemId !== undefined) {
    const { rows } = await db.query<{ title: string | null; text: string }>('SELECT title, left(text, 100) AS text FROM items WHERE id = $1', [itemId]);
    const r = rows[0];
    if (r) return { kind: 'item', title: (r.title ?? '').trim() || r.text.trim(), autoLevel: null, places: {}, categories: {} };
  }
  return null;
}

// --- tags ---

/** Trims, drops empty ones and duplicates (order kept). */
export function normaliseTags(tags: readonly string[] | undefined): string[] {
  return [...new Set((tags ?? []).map((t) => t.trim()).filter(Boolean))];
}

function checkTagShape(tags: string[], what: string): void {
  if (tags.length > INCIDENT_TAGS_MAX) throw new IncidentError(400, 'INCIDENT_TAGS_INVALID', `${what}最多 ${INCIDENT_TAGS_MAX} 个`);
  const long = tags.find((t) => [...t].length > INCIDENT_TAG_MAX_LENGTH);
  if (long) throw new IncidentError(400, 'INCIDENT_TAGS_INVALID', `${what}「${long.slice(0, 20)}…」超过 ${INCIDENT_TAG_MAX_LENGTH} 字`);
}

/** Refuses controlled tags that are not in the vocabulary (`keep`: tags the incident has already, which may have been retired since). */
async function assertControlledTags(db: Queryable, tags: string[], keep: readonly string[] = []): Promise<void> {
  checkTagShape(tags, '标签');
  const fresh = tags.filter((t) => !keep.includes(t));
  if (!fresh.length) return;
  const { rows } = await db.query<{ tag: string }>('SELECT tag FROM incident_tag_vocabulary WHERE tag = ANY($1::text[])', [fresh]);
  const known = new Set(rows.map((r) => r.tag));
  const unknown = fresh.filter((t) => !known.has(t));
  if (unknown.length) {
    throw new IncidentError(400, 'INCIDENT_TAG_UNKNOWN', `标签${unknown.map((t) => `「${t}」`).join('、')}不在标签表中：请从标签表选择，或由管理员先添加；其他标签请填入自由标签`);
  }
}

/** One entry of the controlled vocabulary. */
export interface IncidentTag {
  tag: string;
  description: string;
  createdAt: Date;
}

/** The vocabulary, by tag. */
export async function listIncidentTags(db: Queryable): Promise<IncidentTag[]> {
  const { rows } = await db.query<{ tag: string; description: string; created_at: Date }>('SELECT * FROM incident_tag_vocabulary ORDER BY tag');
  return rows.map((r) => ({ tag: r.tag, description: r.description, createdAt: r.created_at }));
}

/** Adds a tag to the vocabulary; null when it exists. Records incident_tag.create. */
export async function createIncidentTag(db: Queryable, t: { tag: string; description?: string }, actor: IncidentActor): Promise<IncidentTag | null> {
  const tag = t.tag.trim();
  checkTagShape([tag], '标签');
  if (!tag) throw new IncidentError(400, 'INCIDENT_TAGS_INVALID', '标签不能为空');
  const { rows } = await db.query<{ tag: string; description: string; created_at: Date }>(
    'INSERT INTO incident_tag_vocabulary (tag, description) VALUES ($1, $2) ON CONFLICT (tag) DO NOTHING RETURNING *',
    [tag, (t.description ?? '').trim()],
  );
  const r = rows[0];
  if (!r) return null;
  const created = { tag: r.tag, description: r.description, createdAt: r.created_at };
  await recordAudit(db, { ...auditWho(actor), action: 'incident_tag.create', entity: 'incident_tag', entityId: tag, after: created });
  return created;
}

/** Removes a tag from the vocabulary (incidents keep it); the removed tag, or null. Records incident_tag.delete. */
export async function deleteIncidentTag(db: Queryable, tag: string, actor: IncidentActor): Promise<IncidentTag | null> {
  const { rows } = await db.query<{ tag: string; description: string; created_at: Date }>('DELETE FROM incident_tag_vocabulary WHERE tag = $1 RETURNING *', [tag]);
  const r = rows[0];
  if (!r) return null;
  const removed = { tag: r.tag, description: r.description, createdAt: r.created_at };
  await recordAudit(db, { ...auditWho(actor), action: 'incident_tag.delete', entity: 'incident_tag', entityId: tag, before: removed });
  return removed;
}

// --- timeline ---

/** One timeline entry. */
export interface IncidentTimelineEntry {
  id: number;
  incidentId: number;
  at: Date;
  kind: IncidentTimelineKind;
  actorId: number | null;
  actorName: string;
  body: string;
  data: Record<string, unknown>;
}

interface TimelineRow {
  id: number;
  incident_id: number;
  at: Date;
  kind: IncidentTimelineKind;
  actor_id: number | null;
  actor_name: string;
  body: string;
  data: Record<string, unknown>;
}

const timelineFromRow = (r: TimelineRow): IncidentTimelineEntry => ({
  id: r.id,
  incidentId: r.incident_id,
  at: r.at,
  kind: r.kind,
  actorId: r.actor_id,
  actorName: r.actor_name,
  body: r.body,
  data: r.data ?? {},
});

async function appendTimeline(
  db: Queryable,
  incidentId: number,
  e: { kind: IncidentTimelineKind; actor: IncidentActor; body?: string; data?: Record<string, unknown>; at?: Date },
): Promise<IncidentTimelineEntry> {
  const { rows } = await db.query<TimelineRow>(
    `INSERT INTO incident_timeline (incident_id, at, kind, actor_id, actor_name, body, data)
     VALUES ($1, COALESCE($2, now()), $3, $4, $5, $6, $7::jsonb) RETURNING *`,
    [incidentId, e.at ?? null, e.kind, e.actor.actorId, timelineName(e.actor), e.body ?? '', JSON.stringify(e.data ?? {})],
  );
  return timelineFromRow(rows[0]!);
}

/** An incident's timeline, oldest first. */
export async function listIncidentTimeline(db: Queryable, incidentId: number): Promise<IncidentTimelineEntry[]> {
  const { rows } = await db.query<TimelineRow>('SELECT * FROM incident_timeline WHERE incident_id = $1 ORDER BY id', [incidentId]);
  return rows.map(timelineFromRow);
}

const auditWho = (a: IncidentActor) => ({ actorId: a.actorId, actorName: a.actorName, requestId: a.requestId ?? null });

// --- create ---

/** A new incident: every field decided by the caller (defaults, level reason, due time). */
export interface NewIncident {
  title: string;
  category: string;
  level: IncidentLevelCode;
  autoLevel: string | null;
  /** Set when the level differs from the automatic one (the caller checked the reason). */
  levelReason: string | null;
  jurisdiction: string;
  ownerId: number | null;
  dueAt: Date;
  dueAtManual: boolean;
  /** When the response clock starts (normally now). */
  clockFrom: Date;
  tags: string[];
  freeTags: string[];
  summary: string;
  links: IncidentLinkIds;
}

async function assertOwner(db: Queryable, ownerId: number | null): Promise<void> {
  if (ownerId === null) return;
  const { rows } = await db.query(`SELECT 1 FROM users WHERE id = $1 AND NOT disabled AND role = ANY($2::text[])`, [ownerId, [...OWNER_ROLES]]);
  if (!rows.length) throw new IncidentError(400, 'INCIDENT_OWNER_NOT_FOUND', `负责人 ${ownerId} 不存在、已停用或不能负责事件`);
}

/** The roles that may own an incident (people, not the ingest interface). */
export const OWNER_ROLES = ['admin', 'pr', 'analyst', 'leader'] as const;

/** Everyone an incident may be assigned to: enabled users of OWNER_ROLES, by display name. */
export async function listIncidentOwners(db: Queryable): Promise<Array<{ id: number; name: string; displayName: string; role: string }>> {
  const { rows } = await db.query<{ id: number; name: string; display_name: string; role: string }>(
    `SELECT id, name, display_name, role FROM users WHERE NOT disabled AND role = ANY($1::text[]) ORDER BY display_name, id`,
    [[...OWNER_ROLES]],
  );
  return rows.map((r) => ({ id: Number(r.id), name: r.name, displayName: r.display_name, role: r.role }));
}

/** Registers an incident with its links and its first timeline entry; records incident.create. */
export async function createIncident(db: Queryable, n: NewIncident, actor: IncidentActor): Promise<Incident> {
  const tags = normaliseTags(n.tags);
  const freeTags = normaliseTags(n.freeTags);
  await assertControlledTags(db, tags);
  checkTagShape(freeTags, '自由标签');
  await assertIncidentLinks(db, n.links);
  await assertOwner(db, n.ownerId);
  const manualLevel = n.levelReason !== null;
  const { rows } = await db.query<{ id: number }>(
    `INSERT INTO incidents (title, category, level, auto_level, level_changed_by, level_changed_at, level_change_reason, jurisdiction,
       owner_id, due_at, due_at_manual, response_clock_from, tags, free_tags, summary, created_by, created_by_name)
     VALUES ($1, $2, $3, $4, CASE WHEN $5 THEN (SELECT id FROM users WHERE id = $6) END, CASE WHEN $5 THEN now() END, $7, $8,
       $9, $10, $11, $12, $13::text[], $14::text[], $15, (SELECT id FROM users WHERE id = $6), $16)
     RETURNING id`,
    [
      n.title, n.category, n.level, n.autoLevel, manualLevel, actor.actorId, n.levelReason, n.jurisdiction,
      n.ownerId, n.dueAt, n.dueAtManual, n.clockFrom, tags, freeTags, n.summary, timelineName(actor),
    ],
  );
  const id = rows[0]!.id;
  const linked = await insertLinks(db, id, n.links, actor.actorId);
  const incident = (await getIncident(db, id))!;
  await appendTimeline(db, id, {
    kind: 'created',
    actor,
    body: `登记事件「${incident.title}」`,
    data: { level: incident.level, autoLevel: incident.autoLevel, levelReason: n.levelReason, dueAt: incident.dueAt.toISOString(), links: linked },
  });
  await recordAudit(db, { ...auditWho(actor), action: 'incident.create', entity: 'incident', entityId: id, after: { ...incident, links: linked } });
  return incident;
}

// --- update ---

/** Fields an update may set; a field left out stays as it is. */
export interface IncidentPatch {
  title?: string;
  category?: string;
  level?: IncidentLevelCode;
  /** Required by the caller when the level changes. */
  levelReason?: string | null;
  jurisdiction?: string;
  ownerId?: number | null;
  /** A due time set by hand (due_at_manual from then on). */
  dueAt?: Date;
  /** The due time a level change moves to (the caller computed it; ignored with `dueAt`). */
  levelDueAt?: Date;
  tags?: string[];
  freeTags?: string[];
  summary?: string;
}

const sameList = (a: readonly string[], b: readonly string[]): boolean => a.length === b.length && a.every((x, i) => x === b[i]);

/**
 * Applies a patch: each kind of change appends its timeline entry (level, assign, due, edit), and
 * one audit entry records the whole update. Null when there is no such incident; the incident
 * unchanged (and nothing recorded) when the patch changes nothing.
 */
export async function updateIncident(db: Queryable, id: number, p: IncidentPatch, actor: IncidentActor): Promise<{ before: Incident; after: Incident; changed: boolean } | null> {
  const before = await getIncident(db, id, { forUpdate: true });
  if (!before) return null;
  const sets: string[] = [];
  const values: unknown[] = [id];
  const set = (col: string, v: unknown, cast = ''): void => {
    values.push(v);
    sets.push(`${col} = $${values.length}${cast}`);
  };
  const entries: Array<{ kind: IncidentTimelineKind; body: string; data: Record<string, unknown> }> = [];
  const edits: Record<string, { from: unknown; to: unknown }> = {};

  for (const field of ['title', 'category', 'jurisdiction', 'summary'] as const) {
    const v = p[field];
    if (v !== undefined && v !== before[field]) {
      set(field, v);
      edits[field] = { from: before[field], to: v };
    }
  }
  if (p.tags !== undefined) {
    const tags = normaliseTags(p.tags);
    if (!sameList(tags, before.tags)) {
      await assertControlledTags(db, tags, before.tags);
      set('tags', tags, '::text[]');
      edits['tags'] = { from: before.tags, to: tags };
    }
  }
  if (p.freeTags !== undefined) {
    const freeTags = normaliseTags(p.freeTags);
    if (!sameList(freeTags, before.freeTags)) {
      checkTagShape(freeTags, '自由标签');
      set('free_tags', freeTags, '::text[]');
      edits['freeTags'] = { from: before.freeTags, to: freeTags };
    }
  }
  if (Object.keys(edits).length) {
    entries.push({ kind: 'edit', body: `修改${Object.keys(edits).map((f) => FIELD_NAMES[f] ?? f).join('、')}`, data: { fields: edits } });
  }

  if (p.level !== undefined && p.level !== before.level) {
    set('level', p.level);
    set('level_changed_at', new Date());
    values.push(actor.actorId);
    sets.push(`level_changed_by = (SELECT id FROM users WHERE id = $${values.length})`);
    set('level_change_reason', p.levelReason ?? null);
    entries.push({
      kind: 'level',
      body: `级别由${LEVEL_WORDS[before.level]}调整为${LEVEL_WORDS[p.level]}${p.levelReason ? `：${p.levelReason}` : ''}`,
      data: { from: before.level, to: p.level, reason: p.levelReason ?? null },
    });
  }

  if (p.ownerId !== undefined && p.ownerId !== before.ownerId) {
    await assertOwner(db, p.ownerId);
    set('owner_id', p.ownerId);
    const { rows } = await db.query<{ name: string }>(`SELECT COALESCE(NULLIF(display_name, ''), name) AS name FROM users WHERE id = $1`, [p.ownerId]);
    const toName = rows[0]?.name ?? null;
    entries.push({
      kind: 'assign',
      body: p.ownerId === null ? `取消负责人（原为 ${before.ownerName ?? before.ownerId}）` : `负责人指定为 ${toName}`,
      data: { from: before.ownerId, fromName: before.ownerName, to: p.ownerId, toName },
    });
  }

  const manualDue = p.dueAt !== undefined;
  const nextDue = p.dueAt ?? (p.levelDueAt !== undefined && !before.dueAtManual ? p.levelDueAt : undefined);
  if (nextDue !== undefined && (nextDue.getTime() !== before.dueAt.getTime() || (manualDue && !before.dueAtManual))) {
    set('due_at', nextDue);
    if (manualDue) set('due_at_manual', true);
    // A new due time may be overdue again: its alert is a new one.
    if (nextDue.getTime() !== before.dueAt.getTime()) sets.push('overdue_alerted_at = NULL');
    entries.push({
      kind: 'due',
      body: `应回应时间调整为 ${beijingMinute(nextDue)}${manualDue ? '' : '（随级别调整）'}`,
      data: { from: before.dueAt.toISOString(), to: nextDue.toISOString(), manual: manualDue },
    });
  }

  if (!sets.length) return { before, after: before, changed: false };
  sets.push('updated_at = now()');
  await db.query(`UPDATE incidents SET ${sets.join(', ')} WHERE id = $1`, values);
  for (const e of entries) await appendTimeline(db, id, { ...e, actor });
  const after = (await getIncident(db, id))!;
  await recordAudit(db, { ...auditWho(actor), action: 'incident.update', entity: 'incident', entityId: id, before, after });
  return { before, after, changed: true };
}

const FIELD_NAMES: Record<string, string> = { title: '标题', category: '类别', jurisdiction: '属地', summary: '摘要', tags: '标签', freeTags: '自由标签' };
const LEVEL_WORDS: Record<string, string> = { blue: '蓝色', yellow: '黄色', orange: '橙色', red: '红色', none: '无' };
const STATUS_WORDS: Record<IncidentStatusCode, string> = { new: '新建', assessing: '研判中', handling: '处置中', responded: '已回应', closed: '已结案' };

/** `2024-05-01 14:03` in Beijing time. */
const beijingMinute = (d: Date): string => new Date(d.getTime() + 8 * 3600_000).toISOString().slice(0, 16).replace('T', ' ');

// --- transitions ---

/** A transition the workflow allowed, as stored. */
export interface IncidentTransitionWrite {
  /** The status the caller decided from (the row must still have it). */
  from: IncidentStatusCode;
  to: IncidentStatusCode;
  reason: string | null;
  response?: { at: Date; channel: string; text: string };
  closed?: { at: Date; summary: string };
  /** Reopened from 已结案: clears the closing fields, reopen_count + 1. */
  reopened: boolean;
  /** The response clock starts again at this time with this due time (a reopen). */
  restartClock?: { from: Date; dueAt: Date };
}

/**
 * Stores a transition: the status and what comes with it, a 'status' timeline entry (and a
 * 'response' one for the official response), one audit entry. Null when there is no such incident;
 * throws a 409 IncidentError when its status is no longer `from` (someone was quicker).
 */
export async function transitionIncident(db: Queryable, id: number, t: IncidentTransitionWrite, actor: IncidentActor): Promise<Incident | null> {
  const before = await getIncident(db, id, { forUpdate: true });
  if (!before) return null;
  if (before.status !== t.from) throw new IncidentError(409, 'INCIDENT_STATUS_CHANGED', `事件状态已变为「${STATUS_WORDS[before.status]}」，请刷新后重试`);
  const sets = ['status = $2', 'updated_at = now()'];
  const values: unknown[] = [id, t.to];
  const set = (col: string, v: unknown): void => {
    values.push(v);
    sets.push(`${col} = $${values.length}`);
  };
  if (t.response) {
    set('response_at', t.response.at);
    set('response_channel', t.response.channel);
    set('response_text', t.response.text);
  }
  if (t.closed) {
    set('closed_at', t.closed.at);
    set('closing_summary', t.closed.summary);
  }
  if (t.reopened) sets.push('closed_at = NULL', 'closing_summary = NULL', 'reopen_count = reopen_count + 1');
  if (t.restartClock) {
    set('response_clock_from', t.restartClock.from);
    set('due_at', t.restartClock.dueAt);
    sets.push('due_at_manual = false', 'overdue_alerted_at = NULL');
  }
  await db.query(`UPDATE incidents SET ${sets.join(', ')} WHERE id = $1`, values);
  await appendTimeline(db, id, {
    kind: 'status',
    actor,
    body: `${STATUS_WORDS[t.from]} → ${STATUS_WORDS[t.to]}${t.reason ? `：${t.reason}` : ''}${t.closed ? `。结案说明：${t.closed.summary}` : ''}`,
    data: {
      from: t.from,
      to: t.to,
      reason: t.reason,
      reopened: t.reopened,
      ...(t.closed ? { closingSummary: t.closed.summary } : {}),
      ...(t.restartClock ? { dueAt: t.restartClock.dueAt.toISOString() } : {}),
    },
  });
  if (t.response) {
    await appendTimeline(db, id, {
      kind: 'response',
      actor,
      body: t.response.text,
      data: { at: t.response.at.toISOString(), channel: t.response.channel },
    });
  }
  const after = (await getIncident(db, id))!;
  await recordAudit(db, { ...auditWho(actor), action: 'incident.transition', entity: 'incident', entityId: id, before, after });
  return after;
}

// --- notes and links ---

/** Adds a note (or a leader's instruction, 领导批示); records incident.note. Null when there is no such incident. */
export async function addIncidentNote(db: Queryable, id: number, n: { kind: 'note' | 'instruction'; body: string }, actor: IncidentActor): Promise<IncidentTimelineEntry | null> {
  const { rows } = await db.query('UPDATE incidents SET updated_at = now() WHERE id = $1 RETURNING id', [id]);
  if (!rows.length) return null;
  const entry = await appendTimeline(db, id, { kind: n.kind, actor, body: n.body });
  await recordAudit(db, { ...auditWho(actor), action: 'incident.note', entity: 'incident', entityId: id, after: entry });
  return entry;
}

/** Links more alerts, topics and items; records incident.link. Null when there is no such incident. */
export async function addIncidentLinks(db: Queryable, id: number, links: IncidentLinkIds, actor: IncidentActor): Promise<{ added: { alertIds: number[]; topicIds: number[]; itemIds: number[] } } | null> {
  const exists = await getIncident(db, id, { forUpdate: true });
  if (!exists) return null;
  await assertIncidentLinks(db, links);
  const added = await insertLinks(db, id, links, actor.actorId);
  const n = added.alertIds.length + added.topicIds.length + added.itemIds.length;
  if (n > 0) {
    await db.query('UPDATE incidents SET updated_at = now() WHERE id = $1', [id]);
    const parts = [
      added.alertIds.length ? `预警 ${added.alertIds.length} 条` : '',
      added.topicIds.length ? `话题 ${added.topicIds.length} 个` : '',
      added.itemIds.length ? `信息 ${added.itemIds.length} 条` : '',
    ].filter(Boolean);
    await appendTimeline(db, id, { kind: 'link', actor, body: `关联${parts.join('、')}`, data: added });
    await recordAudit(db, { ...auditWho(actor), action: 'incident.link', entity: 'incident', entityId: id, after: added });
  }
  return { added };
}

// --- list ---

/** Filters of the register; all optional. */
export interface IncidentFilter {
  statuses?: readonly IncidentStatusCode[];
  levels?: readonly IncidentLevelCode[];
  /** An owner's id, or null for incidents without owner. */
  ownerId?: number | null;
  /** Only overdue (true) or only not overdue (false) incidents, at `now`. */
  overdue?: boolean;
  now?: Date;
  /** Part of the title. */
  q?: string;
  /** Created at or after. */
  from?: Date;
  /** Created before. */
  to?: Date;
  /** Keyset paging: incidents with a smaller id. */
  beforeId?: number;
  limit: number;
}

const likePattern = (s: string): string => `%${s.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;

/** Incidents matching every filter, newest first (by id). */
export async function listIncidents(db: Queryable, f: IncidentFilter): Promise<Incident[]> {
  const where: string[] = [];
  const params: unknown[] = [];
  const p = (v: unknown): string => `$${params.push(v)}`;
  if (f.statuses) where.push(`i.status = ANY(${p([...f.statuses])}::text[])`);
  if (f.levels) where.push(`i.level = ANY(${p([...f.levels])}::text[])`);
  if (f.ownerId === null) where.push('i.owner_id IS NULL');
  else if (f.ownerId !== undefined) where.push(`i.owner_id = ${p(f.ownerId)}`);
  if (f.overdue !== undefined) {
    const overdue = `(i.status = ANY(${p(DUE_STATUSES)}::text[]) AND i.due_at < ${p(f.now ?? new Date())})`;
    where.push(f.overdue ? overdue : `NOT ${overdue}`);
  }
  if (f.q) where.push(`i.title ILIKE ${p(likePattern(f.q))}`);
  if (f.from) where.push(`i.created_at >= ${p(f.from)}`);
  if (f.to) where.push(`i.created_at < ${p(f.to)}`);
  if (f.beforeId) where.push(`i.id < ${p(f.beforeId)}`);
  const { rows } = await db.query<IncidentRow>(
    `${INCIDENT_SELECT} ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY i.id DESC LIMIT ${p(f.limit)}`,
    params,
  );
  return rows.map(incidentFromRow);
}

// --- overdue bookkeeping (the alerter) ---

/** Incidents overdue at `now` whose overdue alert for the current due time has not been raised, oldest due first. */
export async function incidentsOverdueToAlert(db: Queryable, now: Date, limit = 200): Promise<Incident[]> {
  const { rows } = await db.query<IncidentRow>(
    `${INCIDENT_SELECT} WHERE i.status = ANY($1::text[]) AND i.due_at < $2 AND i.overdue_alerted_at IS NULL ORDER BY i.due_at, i.id LIMIT $3`,
    [DUE_STATUSES, now, limit],
  );
  return rows.map(incidentFromRow);
}

/**
 * Records that the overdue alert for due time `dueAt` was raised: overdue_alerted_at, the alert's
 * incident_id, and an 'overdue' timeline entry by the system. False (nothing written) when the
 * incident no longer is overdue at that due time unalerted; call it in the alert's transaction,
 * with the incident row locked (getIncident forUpdate) before deciding.
 */
export async function markIncidentOverdueAlerted(db: Queryable, id: number, dueAt: Date, alertId: number, now: Date): Promise<boolean> {
  const { rowCount } = await db.query(
    `UPDATE incidents SET overdue_alerted_at = $3 WHERE id = $1 AND due_at = $2 AND overdue_alerted_at IS NULL AND status = ANY($4::text[])`,
    [id, dueAt, now, DUE_STATUSES],
  );
  if (!rowCount) return false;
  await db.query('UPDATE alerts SET incident_id = $2 WHERE id = $1', [alertId, id]);
  await appendTimeline(db, id, {
    kind: 'overdue',
    actor: { actorId: null, actorName: 'system', displayName: '系统' },
    body: `超过应回应时间（${beijingMinute(dueAt)}）仍未回应，已发出预警`,
    data: { dueAt: dueAt.toISOString(), alertId },
    at: now,
  });
  return true;
}

/** Open overdue alerts of incidents with the incident's current status and due time (null when it is gone). */
export async function openIncidentAlerts(db: Queryable): Promise<Array<{ alertId: number; dedupKey: string; incident: { status: IncidentStatusCode; dueAt: Date } | null }>> {
  const { rows } = await db.query<{ id: number; dedup_key: string; status: IncidentStatusCode | null; due_at: Date | null }>(
    `SELECT a.id, a.dedup_key, i.status, i.due_at FROM alerts a LEFT JOIN incidents i ON i.id = a.incident_id
      WHERE a.kind = 'incident' AND a.state <> 'resolved' ORDER BY a.id`,
  );
  return rows.map((r) => ({ alertId: Number(r.id), dedupKey: r.dedup_key, incident: r.status && r.due_at ? { status: r.status, dueAt: r.due_at } : null }));
}

// --- heat around the response ---

/** Items per hour of the linked topics before and after the official response. */
export interface IncidentHeat {
  responseAt: Date;
  hoursBefore: number;
  before: { items: number; perHour: number[] };
  after: { items: number; perHour: number[] };
}

const HOUR_MS = 3600_000;

/**
 * Buckets series rows into whole hours around `responseAt`: `hours` hours before it (oldest
 * first, the last ending at the response) and the hours after it that have begun by `now` (at most
 * `hours`, the last one possibly partial). A row counts in the hour its bucket starts in.
 */
export function heatAroundResponse(series: ReadonlyArray<{ bucketStart: Date; items: number }>, responseAt: Date, hours: number, now: Date): IncidentHeat {
  const r = responseAt.getTime();
  const elapsed = Math.max(0, now.getTime() - r);
  const hoursAfter = Math.min(hours, Math.ceil(elapsed / HOUR_MS));
  const before = new Array<number>(hours).fill(0);
  const after = new Array<number>(hoursAfter).fill(0);
  for (const s of series) {
    const t = s.bucketStart.getTime();
    if (t < r) {
      const i = hours - 1 - Math.floor((r - 1 - t) / HOUR_MS);
      if (i >= 0) before[i]! += s.items;
    } else {
      const i = Math.floor((t - r) / HOUR_MS);
      if (i < hoursAfter && t <= now.getTime()) after[i]! += s.items;
    }
  }
  const sum = (a: number[]) => a.reduce((x, y) => x + y, 0);
  return { responseAt, hoursBefore: hours, before: { items: sum(before), perHour: before }, after: { items: sum(after), perHour: after } };
}

/** The heat of an incident's linked topics around its response; null without a response or a linked topic. */
export async function incidentHeat(db: Queryable, incident: Pick<Incident, 'id' | 'responseAt'>, opts: { hours?: number; now?: Date } = {}): Promise<IncidentHeat | null> {
  if (!incident.responseAt) return null;
  const topicIds = await linkedTopicIds(db, incident.id);
  if (!topicIds.length) return null;
  const hours = opts.hours ?? 24;
  const r = incident.responseAt.getTime();
  const { rows } = await db.query<{ bucket_start: Date; items: number }>(
    `SELECT bucket_start, items FROM topic_series WHERE topic_id = ANY($1::bigint[]) AND bucket_start >= $2 AND bucket_start < $3`,
    [topicIds, new Date(r - hours * HOUR_MS), new Date(r + hours * HOUR_MS)],
  );
  return heatAroundResponse(rows.map((x) => ({ bucketStart: x.bucket_start, items: x.items })), incident.responseAt, hours, opts.now ?? new Date());
}

// --- exports ---

/** An incident as the register (危机管理登记表) lists it. */
export interface IncidentRegisterRow extends Incident {
  alertIds: number[];
  topicIds: number[];
}

/** Incidents created in [from, to), oldest first, with their linked alert and topic ids. */
export async function listIncidentRegister(db: Queryable, f: { from?: Date; to?: Date; limit: number; role?: string }): Promise<IncidentRegisterRow[]> {
  const { rows } = await db.query<IncidentRow & { alert_ids: number[] | null; topic_ids: number[] | null }>(
    `SELECT x.*,
       (SELECT array_agg(l.target_id ORDER BY l.target_id) FROM incident_links l JOIN alerts a ON a.id = l.target_id
         WHERE l.incident_id = x.id AND l.kind = 'alert' AND ($4::text IS NULL OR a.audience_roles @> ARRAY[$4::text])) AS alert_ids,
       (SELECT array_agg(l.target_id ORDER BY l.target_id) FROM incident_links l WHERE l.incident_id = x.id AND l.kind = 'topic') AS topic_ids
     FROM (${INCIDENT_SELECT} WHERE ($1::timestamptz IS NULL OR i.created_at >= $1) AND ($2::timestamptz IS NULL OR i.created_at < $2)) x
     ORDER BY x.id LIMIT $3`,
    [f.from ?? null, f.to ?? null, f.limit, f.role ?? null],
  );
  return rows.map((r) => ({ ...incidentFromRow(r), alertIds: (r.alert_ids ?? []).map(Number), topicIds: (r.topic_ids ?? []).map(Number) }));
}

/** An alert as the warning record (预警记录) lists it. */
export interface WarningRecordRow {
  id: number;
  kind: string;
  level: string;
  state: string;
  title: string;
  ruleName: string | null;
  topicId: number | null;
  topicTitle: string | null;
  createdAt: Date;
  acknowledgedByName: string | null;
  acknowledgedAt: Date | null;
  resolvedAt: Date | null;
  incidentIds: number[];
}

/**
 * Opinion alerts (topic and incident alerts; source health is operations, not a warning) first
 * raised in [from, to), oldest first, that `role` may see (the audience of their latest event),
 * with the incidents they are part of.
 */
export async function listWarningRecord(db: Queryable, f: { from?: Date; to?: Date; role: string; limit: number }): Promise<WarningRecordRow[]> {
  const { rows } = await db.query<{
    id: number;
    kind: string;
    level: string;
    state: string;
    title: string;
    rule_name: string | null;
    current_rule_name: string | null;
    topic_id: number | null;
    topic_title: string | null;
    created_at: Date;
    ack_name: string | null;
    acknowledged_at: Date | null;
    resolved_at: Date | null;
    incident_ids: number[] | null;
  }>(
    `SELECT a.id, a.kind, a.level, a.state, a.title, a.rule_name, r.name AS current_rule_name, a.topic_id, t.title AS topic_title, a.created_at,
            COALESCE(NULLIF(u.display_name, ''), u.name) AS ack_name, a.acknowledged_at, a.resolved_at,
            (SELECT array_agg(DISTINCT x ORDER BY x) FROM (
               SELECT l.incident_id AS x FROM incident_links l WHERE l.kind = 'alert' AND l.target_id = a.id
               UNION SELECT a.incident_id WHERE a.incident_id IS NOT NULL) s) AS incident_ids
       FROM alerts a
       LEFT JOIN alert_rules r ON r.id = a.rule_id
       LEFT JOIN topics t ON t.id = a.topic_id
       LEFT JOIN users u ON u.id = a.acknowledged_by
      WHERE a.kind <> 'source_health' AND a.audience_roles @> ARRAY[$3::text]
        AND ($1::timestamptz IS NULL OR a.created_at >= $1) AND ($2::timestamptz IS NULL OR a.created_at < $2)
      ORDER BY a.id LIMIT $4`,
    [f.from ?? null, f.to ?? null, f.role, f.limit],
  );
  return rows.map((r) => ({
    id: Number(r.id),
    kind: r.kind,
    level: r.level,
    state: r.state,
    title: r.title,
    ruleName: r.current_rule_name ?? r.rule_name,
    topicId: r.topic_id === null ? null : Number(r.topic_id),
    topicTitle: r.topic_title,
    createdAt: r.created_at,
    acknowledgedByName: r.ack_name,
    acknowledgedAt: r.acknowledged_at,
    resolvedAt: r.resolved_at,
    incidentIds: (r.incident_ids ?? []).map(Number),
  }));
}
