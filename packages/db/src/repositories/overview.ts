/**
 * Raw SQL for the leadership overview (态势总览): what is being said about the police now against the
 * same hours a week ago, the last 30 days, open warnings, rising topics, places of the jurisdiction,
 * incidents and failing sources — one read of the live tables, in Beijing days (the bureau's day).
 * Items count by publication time (when it was said), as the topic stage and the digests do.
 */
import type { Queryable } from '../pool';

const DAY = 86_400_000;
const BEIJING = 8 * 3_600_000; // UTC+8 all year: no daylight saving

/** The start of the Beijing day holding `at`. */
export function beijingMidnight(at: Date): Date {
  return new Date(Math.floor((at.getTime() + BEIJING) / DAY) * DAY - BEIJING);
}

/** Items, police-related, police-negative and negative-sentiment counts of a period. */
export interface OverviewCounts {
  from: Date;
  to: Date;
  items: number;
  policeRelated: number;
  policeNegative: number;
  /** Negative-sentiment items / items (0 without items). */
  negativeShare: number;
}

export interface OverviewDay {
  /** The Beijing date, YYYY-MM-DD. */
  day: string;
  items: number;
  policeRelated: number;
  policeNegative: number;
}

export interface OverviewTopic {
  id: number;
  title: string;
  level: string;
  stage: string | null;
  /** The topic's heat: its reach (source weights of its items), as the alerts show it. */
  heat: number;
  /** All its items, and those of the last 24 hours and the 24 before. */
  items: number;
  items24h: number;
  itemsPrev24h: number;
  policeNegative: number;
  lastAt: Date;
  /** Items per hour over the last 24 hours, oldest first. */
  hourly: number[];
}

export interface OverviewIncident {
  id: number;
  title: string;
  level: string;
  status: string;
  dueAt: Date;
}

/** An open opinion warning (the newest few, for the warnings panel). */
export interface OverviewAlert {
  id: number;
  level: 'blue' | 'yellow' | 'orange' | 'red';
  state: 'firing' | 'acknowledged';
  title: string;
  topicId: number | null;
  createdAt: Date;
  updatedAt: Date;
}

export interface Overview {
  at: Date;
  today: OverviewCounts;
  /** The same hours of the same weekday a week before. */
  lastWeek: OverviewCounts;
  /** The last 30 Beijing days, today last (7-day trend: the last seven). */
  daily: OverviewDay[];
  openAlerts: { blue: number; yellow: number; orange: number; red: number; total: number };
  /** The newest open warnings (most recently changed first, at most `alerts`). */
  latestAlerts: OverviewAlert[];
  /** Open topics with items in the last 24 hours, most of them first (at most `topics`). */
  risingTopics: OverviewTopic[];
  /** Places of the jurisdiction named by the last 7 days' items, most named first. */
  places: Array<{ place: string; items: number; policeNegative: number }>;
  incidents: {
    byStatus: Record<'new' | 'assessing' | 'handling' | 'responded' | 'closed', number>;
    /** Incidents whose official response is overdue, all of them counted … */
    overdueCount: number;
    /** … and the first `overdue`, the longest overdue first. */
    overdue: OverviewIncident[];
    /** Incidents awaiting their response (new, assessing, handling), the earliest due first — so the overdue ones lead. */
    awaiting: OverviewIncident[];
  };
  /** Enabled sources marked failing: how many, and the first `sources` (the latest error first). */
  failingCount: number;
  failingSources: Array<{ id: number; name: string; lastError: string | null; lastErrorAt: Date | null; consecutiveErrors: number }>;
}

async function counts(db: Queryable, from: Date, to: Date): Promise<OverviewCounts> {
  const { rows } = await db.query<{ items: number; related: number; negative_police: number; negative: number }>(
    `SELECT count(*)::int AS items,
            count(*) FILTER (WHERE a.police_related)::int AS related,
            count(*) FILTER (WHERE a.police_related AND a.police_negative)::int AS negative_police,
            count(*) FILTER (WHERE a.sentiment = 'negative')::int AS negative
       FROM items i LEFT JOIN item_analysis a ON a.item_id = i.id
      WHERE i.published_at >= $1 AND i.published_at < $2`,
    [from, to],
  );
  const r = rows[0] ?? { items: 0, related: 0, negative_police: 0, negative: 0 };
  return { from, to, items: r.items, policeRelated: r.related, policeNegative: r.negative_police, negativeShare: r.items ? Math.round((r.negative / r.items) * 1e4) / 1e4 : 0 };
}

/** Items per hour over the last 24 hours, oldest first, from each item's age in whole hours. */
function hourlyOf(ages: readonly number[]): number[] {
  const out = Array.from({ length: 24 }, () => 0);
  for (const age of ages) if (age >= 0 && age < 24) out[23 - age] = (out[23 - age] as number) + 1;
  return out;
}

/** The overview as of `at` (default now). */
export async function loadOverview(db: Queryable, at = new Date(), limits: { topics?: number; places?: number; overdue?: number; awaiting?: number; sources?: number; alerts?: number } = {}): Promise<Overview> {
  const midnight = beijingMidnight(at);
  const today = await counts(db, midnight, at);
  const lastWeek = await counts(db, new Date(midnight.getTime() - 7 * DAY), new Date(at.getTime() - 7 * DAY));

  const from30 = new Date(midnight.getTime() - 29 * DAY);
  const { rows: days } = await db.query<{ day: string; items: number; related: number; negative_police: number }>(
    `SELECT to_char(i.published_at AT TIME ZONE 'Asia/Shanghai', 'YYYY-MM-DD') AS day, count(*)::int AS items,
            count(*) FILTER (WHERE a.police_related)::int AS related,
            count(*) FILTER (WHERE a.police_related AND a.police_negative)::int AS negative_police
       FROM items i LEFT JOIN item_analysis a ON a.item_id = i.id
      WHERE i.published_at >= $1 AND i.published_at < $2
      GROUP BY 1`,
    [from30, at],
  );
  const byDay = new Map(days.map((d) => [d.day, d]));
  const daily: OverviewDay[] = Array.from({ length: 30 }, (_, k) => {
    const day = new Date(from30.getTime() + k * DAY + BEIJING).toISOString().slice(0, 10);
    const d = byDay.get(day);
    return { day, items: d?.items ?? 0, policeRelated: d?.related ?? 0, policeNegative: d?.negative_police ?? 0 };
  });

  const { rows: alertRows } = await db.query<{ level: 'blue' | 'yellow' | 'orange' | 'red'; n: number }>(
    // Opinion warnings only: a failing source has its own panel, an overdue incident its own.
    `SELECT level, count(*)::int AS n FROM alerts WHERE state <> 'resolved' AND kind = 'topic' GROUP BY level`,
  );
  const openAlerts = { blue: 0, yellow: 0, orange: 0, red: 0, total: 0 };
  for (const r of alertRows) {
    openAlerts[r.level] = r.n;
    openAlerts.total += r.n;
  }

  const { rows: latest } = await db.query<{ id: number; level: OverviewAlert['level']; state: OverviewAlert['state']; title: string; topic_id: number | null; created_at: Date; updated_at: Date }>(
    `SELECT id, level, state, title, topic_id, created_at, updated_at FROM alerts
      WHERE state <> 'resolved' AND kind = 'topic' ORDER BY updated_at DESC, id DESC LIMIT $1`,
    [limits.alerts ?? 5],
  );
  const latestAlerts = latest.map((a) => ({
    id: Number(a.id),
    level: a.level,
    state: a.state,
    title: a.title,
    topicId: a.topic_id === null ? null : Number(a.topic_id),
    createdAt: a.created_at,
    updatedAt: a.updated_at,
  }));

  const since24 = new Date(at.getTime() - DAY);
  const since48 = new Date(at.getTime() - 2 * DAY);
  const { rows: topicRows } = await db.query<{ id: number; title: string; level: string; stage: string | null; reach: number; items: number; police_negative: number; last_at: Date; n24: number; n48: number; ages: number[] | null }>(
    `WITH recent AS (
       SELECT st.topic_id, count(*) FILTER (WHERE i.published_at >= $2)::int AS n24,
              count(*) FILTER (WHERE i.published_at < $2)::int AS n48,
              array_agg(floor(extract(epoch FROM ($3::timestamptz - i.published_at)) / 3600)::int) FILTER (WHERE i.published_at >= $2) AS ages
         FROM items i JOIN story_items si ON si.item_id = i.id JOIN stories st ON st.id = si.story_id
        WHERE i.published_at >= $1 AND i.published_at < $3
        GROUP BY st.topic_id
     )
     SELECT t.id, t.title, t.level, t.stage, t.reach, t.items, t.police_negative, t.last_at, r.n24, r.n48, r.ages
       FROM recent r JOIN topics t ON t.id = r.topic_id
      WHERE t.status = 'open' AND r.n24 > 0
      ORDER BY r.n24 DESC, r.n24 - r.n48 DESC, t.id
      LIMIT $4`,
    [since48, since24, at, limits.topics ?? 10],
  );
  const risingTopics = topicRows.map((r) => ({
    id: Number(r.id),
    title: r.title,
    level: r.level,
    stage: r.stage,
    heat: Math.round(r.reach * 10) / 10,
    items: r.items,
    items24h: r.n24,
    itemsPrev24h: r.n48,
    policeNegative: r.police_negative,
    lastAt: r.last_at,
    hourly: hourlyOf(r.ages ?? []),
  }));

  const { rows: placeRows } = await db.query<{ place: string; items: number; negative: number }>(
    `SELECT p AS place, count(*)::int AS items, count(*) FILTER (WHERE a.police_negative)::int AS negative
       FROM items i JOIN item_analysis a ON a.item_id = i.id, unnest(a.jurisdiction_hits) AS p
      WHERE i.published_at >= $1 AND i.published_at < $2
      GROUP BY p ORDER BY items DESC, p LIMIT $3`,
    [new Date(at.getTime() - 7 * DAY), at, limits.places ?? 30],
  );

  const { rows: statusRows } = await db.query<{ status: keyof Overview['incidents']['byStatus']; n: number }>(`SELECT status, count(*)::int AS n FROM incidents GROUP BY status`);
  const byStatus = { new: 0, assessing: 0, handling: 0, responded: 0, closed: 0 };
  for (const r of statusRows) byStatus[r.status] = r.n;
  // Overdue: the official response is due and has not been given (responded and closed ones have).
  // Those awaiting it are read by due time, so the overdue ones come first and the list doubles as both.
  type IncidentRow = { id: number; title: string; level: string; status: string; due_at: Date };
  const { rows: awaitingRows } = await db.query<IncidentRow>(
    `SELECT id, title, level, status, due_at FROM incidents
      WHERE status IN ('new', 'assessing', 'handling')
      ORDER BY due_at, id LIMIT $1`,
    [Math.max(limits.awaiting ?? 10, limits.overdue ?? 20)],
  );
  const { rows: overdueCountRows } = await db.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM incidents WHERE status IN ('new', 'assessing', 'handling') AND due_at < $1`,
    [at],
  );
  const incident = (o: IncidentRow): OverviewIncident => ({ id: Number(o.id), title: o.title, level: o.level, status: o.status, dueAt: o.due_at });
  const overdue = awaitingRows.filter((o) => o.due_at < at).slice(0, limits.overdue ?? 20);

  const { rows: failing } = await db.query<{ id: number; name: string; last_error: string | null; last_error_at: Date | null; consecutive_errors: number }>(
    `SELECT id, name, last_error, last_error_at, consecutive_errors FROM sources
      WHERE enabled AND status = 'failing' ORDER BY last_error_at DESC NULLS LAST, id LIMIT $1`,
    [limits.sources ?? 20],
  );
  const { rows: failingTotal } = await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM sources WHERE enabled AND status = 'failing'`);

  return {
    at,
    today,
    lastWeek,
    daily,
    openAlerts,
    latestAlerts,
    risingTopics,
    places: placeRows.map((p) => ({ place: p.place, items: p.items, policeNegative: p.negative })),
    incidents: { byStatus, overdueCount: overdueCountRows[0]?.n ?? 0, overdue: overdue.map(incident), awaiting: awaitingRows.slice(0, limits.awaiting ?? 10).map(incident) },
    failingCount: failingTotal[0]?.n ?? 0,
    failingSources: failing.map((f) => ({ id: Number(f.id), name: f.name, lastError: f.last_error, lastErrorAt: f.last_error_at, consecutiveErrors: f.consecutive_errors })),
  };
}
