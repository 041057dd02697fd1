/**
 * Digests: gathering the rows of one period (loadDigestInput) and storing what was made of them.
 * The loader keeps the row count bounded whatever the traffic — counts are aggregated here
 * (per hour, per level, per topic), lists are cut (top topics, top places, a few incidents) — and
 * every aggregate is a plain COUNT under the rule @yuqing/digest prints, so a figure can be
 * recounted from the tables. Items belong to a period by published time; [from, to).
 *
 * The row shapes mirror @yuqing/digest's DigestInput (structurally: this package does not depend
 * on that one); services/api adds kind, zone and generation time and hands them to computeDigest.
 */
import type { Queryable } from '../pool';

type Level = 'blue' | 'yellow' | 'orange' | 'red';
type TopicLevel = Level | 'none';
type IncidentStatus = 'new' | 'assessing' | 'handling' | 'responded' | 'closed';

/** An incident as it stood at the period end (read back from its timeline; see INCIDENT_AS_OF). */
export interface DigestIncidentRow {
  id: number;
  title: string;
  /** Level, status and due time at the period end. */
  level: Level;
  status: IncidentStatus;
  jurisdiction: string;
  /** The owner now (the timeline's assignments are not replayed). */
  ownerName: string | null;
  createdAt: Date;
  dueAt: Date;
  /** Closed list: its last close in the period; otherwise when it was closed, if closed at the period end. */
  closedAt: Date | null;
}

/** The rows of one period (and the totals of the period before it). */
export interface DigestRows {
  from: Date;
  to: Date;
  totals: {
    current: { items: number; analyzed: number; policeRelated: number; policeNegative: number };
    previous: { items: number; analyzed: number; policeRelated: number; policeNegative: number };
  };
  hourly: Array<{ at: Date; items: number; policeRelated: number; policeNegative: number }>;
  alertEvents: Array<{ period: 'current' | 'previous'; type: string; level: Level; count: number }>;
  topicCount: number;
  topics: Array<{
    id: number;
    title: string;
    firstSource: string | null;
    stage: string | null;
    items: number;
    policeRelated: number;
    policeNegative: number;
    levelAtStart: TopicLevel | null;
    levelAtEnd: TopicLevel | null;
    levelsInPeriod: TopicLevel[];
    currentLevel: TopicLevel;
    hasLevelHistory: boolean;
  }>;
  topicHourly: Array<{ topicId: number; at: Date; items: number }>;
  representativeItems: Array<{
    id: number;
    topicId: number;
    rank: number;
    title: string | null;
    url: string;
    sourceName: string | null;
    publishedAt: Date;
    policeNegative: boolean;
    reposts: number;
  }>;
  incidents: {
    opened: { count: number; rows: DigestIncidentRow[] };
    closed: { count: number; rows: DigestIncidentRow[] };
    overdue: { count: number; rows: DigestIncidentRow[] };
    previousOpened: number;
    previousClosed: number;
  };
  places: {
    policeRelated: number;
    withPlace: number;
    withJurisdiction: number;
    topPlaces: Array<{ name: string; items: number }>;
    topJurisdictions: Array<{ name: string; items: number }>;
  };
  sources: { activeCount: number; top: Array<{ sourceId: number | null; name: string; items: number }> };
  sourceHealth: {
    enabledSources: number;
    fetches: number;
    fetchErrors: number;
    failingEvents: number;
    recoveredEvents: number;
    failingAtEnd: { count: number; rows: Array<{ sourceId: number; name: string; since: Date; consecutiveErrors: number; error: string | null }> };
    erroring: { count: number; rows: Array<{ sourceId: number; name: string; fetches: number; errors: number; lastError: string | null }> };
  };
}

/** How long the lists of a digest are. */
export interface DigestLimits {
  /** Top topics (by items in the period); their series and representative items are loaded too. */
  topics: number;
  /** Representative items per top topic. */
  itemsPerTopic: number;
  incidents: number;
  places: number;
  sources: number;
  sourceHealth: number;
}

export const DIGEST_LIMITS: DigestLimits = { topics: 10, itemsPerTopic: 2, incidents: 10, places: 10, sources: 10, sourceHealth: 10 };

// Fetch outcomes that are not failures (a 304 is a successful poll that found nothing new).
const FETCH_OK = ['ok', 'not_modified'];

// The reposts an item reports (items.metrics is free JSON from the crawler or a push: a number or nothing).
const REPOSTS = `CASE WHEN jsonb_typeof(i.metrics -> 'reposts') = 'number' THEN (i.metrics ->> 'reposts')::float8 ELSE 0 END`;

// Items of a topic: through their story, whose topic_id follows merges (story_items.topic_id does not).
const TOPIC_ITEMS = `items i JOIN story_items si ON si.item_id = i.id JOIN stories st ON st.id = si.story_id`;

/**
 * Incidents as they stood at the period end ($1), read back from the append-only timeline
 * (incident_timeline, written by the incidents repository with every change), so a digest made
 * again later for a past period shows what was true then, not what is true now:
 *  - status: the `to` of the last 'status' entry before $1; with none before it, the `from` of the
 *    first one after it (the status it had until then: 'new' for every incident the application
 *    registered); with no status entry at all, the current status (it never changed);
 *  - level: the same from the 'level' entries ({from, to}), else the current level;
 *  - due time: the last due time recorded before $1 — the 'created' entry's dueAt, a 'due' entry's
 *    `to` (set by hand, or moved with a level change: that move is a 'due' entry of its own), a
 *    reopen's restarted clock (a 'status' entry carrying dueAt). The current due_at is used only
 *    when the timeline records no due time before $1 (a row the application did not write: it
 *    always writes the 'created' entry, at the creation time, with the incident);
 *  - closed at: the time of the last status entry before $1 when that entry is a close.
 * Entries are ordered by (at, id): the time written, then the order written.
 */
const INCIDENT_AS_OF = `
  SELECT n.id, n.title, n.jurisdiction, n.owner_id, n.created_at,
    COALESCE(sb.status, sa.status, n.status) AS status,
    COALESCE(
      (SELECT t.data ->> 'to' FROM incident_timeline t WHERE t.incident_id = n.id AND t.kind = 'level' AND t.at < $1 ORDER BY t.at DESC, t.id DESC LIMIT 1),
      (SELECT t.data ->> 'from' FROM incident_timeline t WHERE t.incident_id = n.id AND t.kind = 'level' AND t.at >= $1 ORDER BY t.at, t.id LIMIT 1),
      n.level) AS level,
    COALESCE(
      (SELECT (CASE WHEN t.kind = 'due' THEN t.data ->> 'to' ELSE t.data ->> 'dueAt' END)::timestamptz
       FROM incident_timeline t
       WHERE t.incident_id = n.id AND t.at < $1 AND (t.kind IN ('created', 'due') OR (t.kind = 'status' AND t.data ? 'dueAt'))
       ORDER BY t.at DESC, t.id DESC LIMIT 1),
      n.due_at) AS due_at,
    CASE WHEN sb.status IS NOT NULL THEN CASE WHEN sb.status = 'closed' THEN sb.at END
         WHEN sa.status IS NULL THEN n.closed_at END AS closed_at
  FROM incidents n
  LEFT JOIN LATERAL (
    SELECT t.at, t.data ->> 'to' AS status FROM incident_timeline t
    WHERE t.incident_id = n.id AND t.kind = 'status' AND t.at < $1 ORDER BY t.at DESC, t.id DESC LIMIT 1
  ) sb ON true
  LEFT JOIN LATERAL (
    SELECT t.data ->> 'from' AS status FROM incident_timeline t
    WHERE sb.status IS NULL AND t.incident_id = n.id AND t.kind = 'status' AND t.at >= $1 ORDER BY t.at, t.id LIMIT 1
  ) sa ON true`;

/** Statuses in which an incident's response is still due (overdue once past its due time). */
const DUE_STATUSES = ['new', 'assessing', 'handling'];

// Closes: status entries to 'closed' (a reopen later does not undo that the incident was closed then).
const CLOSES = `SELECT t.incident_id, max(t.at) AS at FROM incident_timeline t WHERE t.kind = 'status' AND t.data ->> 'to' = 'closed'`;

interface IncidentDbRow {
  id: number;
  title: string;
  level: Level;
  status: IncidentStatus;
  jurisdiction: string;
  owner_name: string | null;
  created_at: Date;
  due_at: Date;
  closed_at: Date | null;
  total: number;
}

const incidentOf = (r: IncidentDbRow): DigestIncidentRow => ({
  id: r.id,
  title: r.title,
  level: r.level,
  status: r.status,
  jurisdiction: r.jurisdiction,
  ownerName: r.owner_name,
  createdAt: r.created_at,
  dueAt: r.due_at,
  closedAt: r.closed_at,
});

/**
 * A list of incidents as they stood at `to` ($1 in every clause): `where` picks incidents (alias n),
 * `filter` their state at `to` (alias s), `with`/`join` add a CTE / a join (e.g. the period's closes).
 */
async function incidentList(
  db: Queryable,
  q: { to: Date; params?: unknown[]; with?: string; where: string; join?: string; filter?: string; closedAt?: string; order: string; limit: number },
): Promise<{ count: number; rows: DigestIncidentRow[] }> {
  const params = [q.to, ...(q.params ?? [])];
  const { rows } = await db.query<IncidentDbRow>(
    `${q.with ? `WITH ${q.with}` : ''}
     SELECT s.id, s.title, s.level, s.status, s.jurisdiction, COALESCE(u.display_name, u.name) AS owner_name, s.created_at, s.due_at,
            ${q.closedAt ?? 's.closed_at'} AS closed_at, count(*) OVER ()::int AS total
     FROM (${INCIDENT_AS_OF} WHERE ${q.where}) s ${q.join ?? ''} LEFT JOIN users u ON u.id = s.owner_id
     WHERE ${q.filter ?? 'true'} ORDER BY ${q.order} LIMIT $${params.length + 1}`,
    [...params, q.limit],
  );
  return { count: rows[0]?.total ?? 0, rows: rows.map(incidentOf) };
}

/** Gathers the rows of the period [from, to) and the totals of the equally long period before it. */
export async function loadDigestInput(db: Queryable, p: { from: Date; to: Date; limits?: Partial<DigestLimits> }): Promise<DigestRows> {
  const { from, to } = p;
  if (!(to.getTime() > from.getTime())) throw new Error('digest period: to must be after from');
  const lim = { ...DIGEST_LIMITS, ...p.limits };
  const prevFrom = new Date(from.getTime() - (to.getTime() - from.getTime()));

  const totals = await db.query<{ period: 'current' | 'previous'; items: number; analyzed: number; police_related: number; police_negative: number }>(
    `SELECT CASE WHEN i.published_at >= $2 THEN 'current' ELSE 'previous' END AS period,
            count(*)::int AS items, count(a.item_id)::int AS analyzed,
            count(*) FILTER (WHERE a.police_related)::int AS police_related,
            count(*) FILTER (WHERE a.police_negative)::int AS police_negative
     FROM items i LEFT JOIN item_analysis a ON a.item_id = i.id
     WHERE i.published_at >= $1 AND i.published_at < $3
     GROUP BY 1`,
    [prevFrom, from, to],
  );
  const zero = { items: 0, analyzed: 0, policeRelated: 0, policeNegative: 0 };
  const tot = (period: 'current' | 'previous') => {
    const r = totals.rows.find((x) => x.period === period);
    return r ? { items: r.items, analyzed: r.analyzed, policeRelated: r.police_related, policeNegative: r.police_negative } : { ...zero };
  };

  // Whole hours from the period start (date_bin's origin), so hours fold exactly into the digest's buckets.
  const hourly = await db.query<{ at: Date; items: number; police_related: number; police_negative: number }>(
    `SELECT date_bin('1 hour', i.published_at, $1::timestamptz) AS at, count(*)::int AS items,
            count(*) FILTER (WHERE a.police_related)::int AS police_related,
            count(*) FILTER (WHERE a.police_negative)::int AS police_negative
     FROM items i LEFT JOIN item_analysis a ON a.item_id = i.id
     WHERE i.published_at >= $1 AND i.published_at < $2
     GROUP BY 1 ORDER BY 1`,
    [from, to],
  );

  // Topic warnings only: source-health and incident alerts are reported in their own sections.
  const events = await db.query<{ period: 'current' | 'previous'; type: string; level: Level; count: number }>(
    `SELECT CASE WHEN e.created_at >= $2 THEN 'current' ELSE 'previous' END AS period, e.type, e.level, count(*)::int AS count
     FROM alert_events e JOIN alerts al ON al.id = e.alert_id
     WHERE al.kind = 'topic' AND e.type IN ('firing', 'escalated', 'reopened', 'resolved')
       AND e.created_at >= $1 AND e.created_at < $3
     GROUP BY 1, 2, 3`,
    [prevFrom, from, to],
  );

  const topics = await db.query<{
    topic_id: number;
    items: number;
    police_related: number;
    police_negative: number;
    total: number;
    title: string | null;
    first_source: string | null;
    stage: string | null;
    current_level: TopicLevel | null;
    level_at_start: TopicLevel | null;
    level_at_end: TopicLevel | null;
    levels_in_period: TopicLevel[];
    has_level_history: boolean;
    hot_list: { bestRank: number; lists: string[]; national: boolean } | null;
  }>(
    `WITH per_topic AS (
       SELECT st.topic_id, count(*)::int AS items,
              count(*) FILTER (WHERE a.police_related)::int AS police_related,
              count(*) FILTER (WHERE a.police_negative)::int AS police_negative
       FROM ${TOPIC_ITEMS} LEFT JOIN item_analysis a ON a.item_id = i.id
       WHERE i.published_at >= $1 AND i.published_at < $2
       GROUP BY st.topic_id
     ), ranked AS (
       SELECT per_topic.*, count(*) OVER ()::int AS total FROM per_topic
       ORDER BY items DESC, police_negative DESC, topic_id LIMIT $3
     )
     SELECT r.*, t.title, t.first_source, t.stage, t.level AS current_level,
       (SELECT c.level FROM topic_level_changes c WHERE c.topic_id = r.topic_id AND c.applied AND c.at < $1 ORDER BY c.at DESC, c.id DESC LIMIT 1) AS level_at_start,
       (SELECT c.level FROM topic_level_changes c WHERE c.topic_id = r.topic_id AND c.applied AND c.at < $2 ORDER BY c.at DESC, c.id DESC LIMIT 1) AS level_at_end,
       ARRAY(SELECT c.level FROM topic_level_changes c WHERE c.topic_id = r.topic_id AND c.applied AND c.at >= $1 AND c.at < $2 ORDER BY c.at, c.id) AS levels_in_period,
       EXISTS (SELECT 1 FROM topic_level_changes c WHERE c.topic_id = r.topic_id) AS has_level_history,
       -- 上榜: the hot-list entries of the topic's items that were on their list during the period.
       (SELECT json_build_object('bestRank', min(e.best_rank), 'lists', array_agg(DISTINCT hs.name), 'national', bool_or(hs.hot_list = 'national'))
        FROM hot_list_entries e JOIN sources hs ON hs.id = e.source_id
        JOIN story_items hsi ON hsi.item_id = e.item_id JOIN stories hst ON hst.id = hsi.story_id
        WHERE hst.topic_id = r.topic_id AND e.first_seen_at < $2 AND (e.left_at IS NULL OR e.left_at >= $1)
        HAVING count(*) > 0) AS hot_list
     FROM ranked r LEFT JOIN topics t ON t.id = r.topic_id
     ORDER BY r.items DESC, r.police_negative DESC, r.topic_id`,
    [from, to, lim.topics],
  );
  const topicIds = topics.rows.map((r) => r.topic_id);

  const topicHourly = topicIds.length
    ? await db.query<{ topic_id: number; at: Date; items: number }>(
        `SELECT st.topic_id, date_bin('1 hour', i.published_at, $1::timestamptz) AS at, count(*)::int AS items
         FROM ${TOPIC_ITEMS}
         WHERE st.topic_id = ANY($3::bigint[]) AND i.published_at >= $1 AND i.published_at < $2
         GROUP BY 1, 2 ORDER BY 1, 2`,
        [from, to, topicIds],
      )
    : { rows: [] };

  const representative = topicIds.length
    ? await db.query<{ id: number; topic_id: number; rank: number; title: string | null; url: string; source_name: string | null; published_at: Date; police_negative: boolean; reposts: number }>(
        `SELECT * FROM (
           SELECT i.id, st.topic_id, i.title, i.url, COALESCE(i.source_name, s.name) AS source_name, i.published_at,
                  COALESCE(a.police_negative, false) AS police_negative, ${REPOSTS} AS reposts,
                  row_number() OVER (PARTITION BY st.topic_id ORDER BY COALESCE(a.police_negative, false) DESC, ${REPOSTS} DESC, i.published_at, i.id)::int AS rank
           FROM ${TOPIC_ITEMS} LEFT JOIN item_analysis a ON a.item_id = i.id LEFT JOIN sources s ON s.id = i.source_id
           WHERE st.topic_id = ANY($3::bigint[]) AND i.published_at >= $1 AND i.published_at < $2
         ) x WHERE rank <= $4 ORDER BY topic_id, rank`,
        [from, to, topicIds, lim.itemsPerTopic],
      )
    : { rows: [] };

  // Incidents, each as it stood at the period end (INCIDENT_AS_OF): opened by creation time;
  // closed = a status entry to 'closed' in the period (once per incident, listed at its last close
  // in the period, even if reopened since); overdue = opened before the end and, at the end, still
  // new/assessing/handling with its due time then before the end.
  const opened = await incidentList(db, { to, params: [from], where: 'n.created_at >= $2 AND n.created_at < $1', order: 's.created_at, s.id', limit: lim.incidents });
  const closed = await incidentList(db, {
    to,
    params: [from],
    with: `closes AS (${CLOSES} AND t.at >= $2 AND t.at < $1 GROUP BY t.incident_id)`,
    where: 'n.id IN (SELECT incident_id FROM closes)',
    join: 'JOIN closes c ON c.incident_id = s.id',
    closedAt: 'c.at',
    order: 'c.at, s.id',
    limit: lim.incidents,
  });
  const overdue = await incidentList(db, {
    to,
    params: [DUE_STATUSES],
    where: 'n.created_at < $1',
    filter: 's.status = ANY($2::text[]) AND s.due_at < $1',
    order: 's.due_at, s.id',
    limit: lim.incidents,
  });
  const prevIncidents = await db.query<{ opened: number; closed: number }>(
    `SELECT (SELECT count(*) FROM incidents WHERE created_at >= $1 AND created_at < $2)::int AS opened,
            (SELECT count(*) FROM (${CLOSES} AND t.at >= $1 AND t.at < $2 GROUP BY t.incident_id) c)::int AS closed`,
    [prevFrom, from],
  );

  const placeTotals = await db.query<{ police_related: number; with_place: number; with_jurisdiction: number }>(
    `SELECT count(*)::int AS police_related,
            count(*) FILTER (WHERE cardinality(a.places) > 0)::int AS with_place,
            count(*) FILTER (WHERE cardinality(a.jurisdiction_hits) > 0)::int AS with_jurisdiction
     FROM items i JOIN item_analysis a ON a.item_id = i.id
     WHERE a.police_related AND i.published_at >= $1 AND i.published_at < $2`,
    [from, to],
  );
  // Names in code-point order on ties (COLLATE "C"), the order the digest sorts them in too.
  const topNames = (column: 'places' | 'jurisdiction_hits') =>
    db.query<{ name: string; items: number }>(
      `SELECT x.name, count(DISTINCT i.id)::int AS items
       FROM items i JOIN item_analysis a ON a.item_id = i.id CROSS JOIN LATERAL unnest(a.${column}) AS x(name)
       WHERE a.police_related AND i.published_at >= $1 AND i.published_at < $2
       GROUP BY x.name ORDER BY items DESC, x.name COLLATE "C" LIMIT $3`,
      [from, to, lim.places],
    );
  const places = await topNames('places');
  const jurisdictions = await topNames('jurisdiction_hits');

  const sources = await db.query<{ source_id: number | null; name: string; items: number; total: number }>(
    `WITH g AS (
       SELECT i.source_id, COALESCE(s.name, i.source_name, '未知来源') AS name, count(*)::int AS items
       FROM items i LEFT JOIN sources s ON s.id = i.source_id
       WHERE i.published_at >= $1 AND i.published_at < $2
       GROUP BY 1, 2
     )
     SELECT g.*, count(*) OVER ()::int AS total FROM g ORDER BY items DESC, name COLLATE "C", source_id NULLS LAST LIMIT $3`,
    [from, to, lim.sources],
  );

  const health = await db.query<{ enabled: number; fetches: number; errors: number; failing: number; recovered: number }>(
    `SELECT (SELECT count(*) FROM sources WHERE enabled)::int AS enabled,
            (SELECT count(*) FROM fetch_log WHERE at >= $1 AND at < $2)::int AS fetches,
            (SELECT count(*) FROM fetch_log WHERE at >= $1 AND at < $2 AND NOT (outcome = ANY($3::text[])))::int AS errors,
            (SELECT count(*) FROM source_health_events WHERE at >= $1 AND at < $2 AND kind = 'failing')::int AS failing,
            (SELECT count(*) FROM source_health_events WHERE at >= $1 AND at < $2 AND kind = 'recovered')::int AS recovered`,
    [from, to, FETCH_OK],
  );
  const failing = await db.query<{ source_id: number; name: string; at: Date; consecutive_errors: number; error: string | null; total: number }>(
    `WITH last AS (
       SELECT DISTINCT ON (source_id) source_id, kind, at, consecutive_errors, error
       FROM source_health_events WHERE at < $1 ORDER BY source_id, at DESC, id DESC
     )
     SELECT l.source_id, s.name, l.at, l.consecutive_errors, l.error, count(*) OVER ()::int AS total
     FROM last l JOIN sources s ON s.id = l.source_id
     WHERE l.kind = 'failing' ORDER BY l.at, l.source_id LIMIT $2`,
    [to, lim.sourceHealth],
  );
  const erroring = await db.query<{ source_id: number; name: string; fetches: number; errors: number; last_error: string | null; total: number }>(
    `WITH f AS (
       SELECT source_id, count(*)::int AS fetches, count(*) FILTER (WHERE NOT (outcome = ANY($3::text[])))::int AS errors
       FROM fetch_log WHERE at >= $1 AND at < $2 GROUP BY source_id
     )
     SELECT f.source_id, s.name, f.fetches, f.errors, count(*) OVER ()::int AS total,
       (SELECT COALESCE(l.error, l.outcome) FROM fetch_log l
        WHERE l.source_id = f.source_id AND l.at >= $1 AND l.at < $2 AND NOT (l.outcome = ANY($3::text[]))
        ORDER BY l.at DESC, l.id DESC LIMIT 1) AS last_error
     FROM f JOIN sources s ON s.id = f.source_id
     WHERE f.errors > 0 ORDER BY f.errors DESC, f.source_id LIMIT $4`,
    [from, to, FETCH_OK, lim.sourceHealth],
  );
  const h = health.rows[0];
  const pt = placeTotals.rows[0];

  return {
    from,
    to,
    totals: { current: tot('current'), previous: tot('previous') },
    hourly: hourly.rows.map((r) => ({ at: r.at, items: r.items, policeRelated: r.police_related, policeNegative: r.police_negative })),
    alertEvents: events.rows.map((r) => ({ period: r.period, type: r.type, level: r.level, count: r.count })),
    topicCount: topics.rows[0]?.total ?? 0,
    topics: topics.rows.map((r) => ({
      id: r.topic_id,
      title: r.title ?? `事件 ${r.topic_id}`,
      firstSource: r.first_source,
      stage: r.stage,
      items: r.items,
      policeRelated: r.police_related,
      policeNegative: r.police_negative,
      levelAtStart: r.level_at_start,
      levelAtEnd: r.level_at_end,
      levelsInPeriod: r.levels_in_period,
      currentLevel: r.current_level ?? 'none',
      hasLevelHistory: r.has_level_history,
      hotList: r.hot_list,
    })),
    topicHourly: topicHourly.rows.map((r) => ({ topicId: r.topic_id, at: r.at, items: r.items })),
    representativeItems: representative.rows.map((r) => ({
      id: r.id,
      topicId: r.topic_id,
      rank: r.rank,
      title: r.title,
      url: r.url,
      sourceName: r.source_name,
      publishedAt: r.published_at,
      policeNegative: r.police_negative,
      reposts: r.reposts,
    })),
    incidents: { opened, closed, overdue, previousOpened: prevIncidents.rows[0]?.opened ?? 0, previousClosed: prevIncidents.rows[0]?.closed ?? 0 },
    places: {
      policeRelated: pt?.police_related ?? 0,
      withPlace: pt?.with_place ?? 0,
      withJurisdiction: pt?.with_jurisdiction ?? 0,
      topPlaces: places.rows,
      topJurisdictions: jurisdictions.rows,
    },
    sources: { activeCount: sources.rows[0]?.total ?? 0, top: sources.rows.map((r) => ({ sourceId: r.source_id, name: r.name, items: r.items })) },
    sourceHealth: {
      enabledSources: h?.enabled ?? 0,
      fetches: h?.fetches ?? 0,
      fetchErrors: h?.errors ?? 0,
      failingEvents: h?.failing ?? 0,
      recoveredEvents: h?.recovered ?? 0,
      failingAtEnd: {
        count: failing.rows[0]?.total ?? 0,
        rows: failing.rows.map((r) => ({ sourceId: r.source_id, name: r.name, since: r.at, consecutiveErrors: r.consecutive_errors, error: r.error })),
      },
      erroring: {
        count: erroring.rows[0]?.total ?? 0,
        rows: erroring.rows.map((r) => ({ sourceId: r.source_id, name: r.name, fetches: r.fetches, errors: r.errors, lastError: r.last_error })),
      },
    },
  };
}

// --- Stored digests ---

export const DIGEST_KIND_VALUES = ['daily', 'weekly', 'custom'] as const;
export type StoredDigestKind = (typeof DIGEST_KIND_VALUES)[number];

/** A stored digest without its renderings (lists, audit entries). */
export interface DigestSummary {
  id: number;
  kind: StoredDigestKind;
  periodStart: Date;
  periodEnd: Date;
  timeZone: string;
  generatedAt: Date;
  generatedBy: string;
  /** data.title and data.headline (the figures a list shows). */
  title: string;
  headline: unknown;
}

/** A stored digest with its JSON and renderings. */
export interface StoredDigest extends DigestSummary {
  data: unknown;
  html: string;
  markdown: string;
}

export interface NewDigest {
  /** From nextDigestId, so the Markdown can link to the digest before it is stored. */
  id: number;
  kind: StoredDigestKind;
  periodStart: Date;
  periodEnd: Date;
  timeZone: string;
  generatedAt: Date;
  generatedBy: string;
  data: unknown;
  html: string;
  markdown: string;
}

interface DigestDbRow {
  id: number;
  kind: StoredDigestKind;
  period_start: Date;
  period_end: Date;
  time_zone: string;
  generated_at: Date;
  generated_by: string;
  title: string | null;
  headline: unknown;
  data?: unknown;
  html?: string;
  markdown?: string;
}

const SUMMARY_COLUMNS = `id, kind, period_start, period_end, time_zone, generated_at, generated_by, data ->> 'title' AS title, data -> 'headline' AS headline`;

const summaryOf = (r: DigestDbRow): DigestSummary => ({
  id: r.id,
  kind: r.kind,
  periodStart: r.period_start,
  periodEnd: r.period_end,
  timeZone: r.time_zone,
  generatedAt: r.generated_at,
  generatedBy: r.generated_by,
  title: r.title ?? '',
  headline: r.headline ?? null,
});

const storedOf = (r: DigestDbRow): StoredDigest => ({ ...summaryOf(r), data: r.data, html: r.html ?? '', markdown: r.markdown ?? '' });

/** An id for a digest about to be stored. */
export async function nextDigestId(db: Queryable): Promise<number> {
  const { rows } = await db.query<{ id: number }>(`SELECT nextval(pg_get_serial_sequence('digests', 'id'))::bigint AS id`);
  const id = rows[0]?.id;
  if (id === undefined) throw new Error('no digest id');
  return id;
}

/** The digest of exactly this kind and period, or null; `forUpdate` locks it for a replacement. */
export async function findDigestByPeriod(db: Queryable, kind: StoredDigestKind, periodStart: Date, periodEnd: Date, opts: { forUpdate?: boolean } = {}): Promise<StoredDigest | null> {
  const { rows } = await db.query<DigestDbRow>(
    `SELECT ${SUMMARY_COLUMNS}, data, html, markdown FROM digests WHERE kind = $1 AND period_start = $2 AND period_end = $3${opts.forUpdate ? ' FOR UPDATE' : ''}`,
    [kind, periodStart, periodEnd],
  );
  return rows[0] ? storedOf(rows[0]) : null;
}

/**
 * Stores a digest. `replace: false` (the schedule): only if its period has none yet — the first
 * of two concurrent runs wins, the other gets `created: false` and the stored one. `replace: true`
 * (on demand): the period's row takes the new content, keeping its id.
 */
export async function storeDigest(db: Queryable, d: NewDigest, opts: { replace: boolean }): Promise<{ digest: StoredDigest; created: boolean }> {
  const { rows } = await db.query<DigestDbRow & { inserted: boolean }>(
    `INSERT INTO digests (id, kind, period_start, period_end, time_zone, generated_at, generated_by, data, html, markdown)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8::jsonb, $9, $10)
     ON CONFLICT (kind, period_start, period_end) DO ${
       opts.replace
         ? `UPDATE SET time_zone = EXCLUDED.time_zone, generated_at = EXCLUDED.generated_at, generated_by = EXCLUDED.generated_by,
              data = EXCLUDED.data, html = EXCLUDED.html, markdown = EXCLUDED.markdown`
         : 'NOTHING'
     }
     RETURNING ${SUMMARY_COLUMNS}, data, html, markdown, (xmax = 0) AS inserted`,
    [d.id, d.kind, d.periodStart, d.periodEnd, d.timeZone, d.generatedAt, d.generatedBy, JSON.stringify(d.data), d.html, d.markdown],
  );
  const row = rows[0];
  if (row) return { digest: storedOf(row), created: row.inserted };
  const existing = await findDigestByPeriod(db, d.kind, d.periodStart, d.periodEnd);
  if (!existing) throw new Error('digest neither stored nor found');
  return { digest: existing, created: false };
}

/** Replaces a stored digest's Markdown (its link names the id, known only once stored). */
export async function setDigestMarkdown(db: Queryable, id: number, markdown: string): Promise<void> {
  await db.query('UPDATE digests SET markdown = $2 WHERE id = $1', [id, markdown]);
}

/** Digests, newest period first; optionally of one kind. */
export async function listDigests(db: Queryable, f: { kind?: StoredDigestKind; limit?: number } = {}): Promise<DigestSummary[]> {
  const { rows } = await db.query<DigestDbRow>(
    `SELECT ${SUMMARY_COLUMNS} FROM digests WHERE ($1::text IS NULL OR kind = $1) ORDER BY period_end DESC, id DESC LIMIT $2`,
    [f.kind ?? null, f.limit ?? 50],
  );
  return rows.map(summaryOf);
}

/** One digest with its renderings, or null. */
export async function getDigest(db: Queryable, id: number): Promise<StoredDigest | null> {
  const { rows } = await db.query<DigestDbRow>(`SELECT ${SUMMARY_COLUMNS}, data, html, markdown FROM digests WHERE id = $1`, [id]);
  return rows[0] ? storedOf(rows[0]) : null;
}

/** The id of the digest with the newest period of a kind, or null. */
export async function latestDigestId(db: Queryable, kind: StoredDigestKind): Promise<number | null> {
  const { rows } = await db.query<{ id: number }>('SELECT id FROM digests WHERE kind = $1 ORDER BY period_end DESC, id DESC LIMIT 1', [kind]);
  return rows[0]?.id ?? null;
}
