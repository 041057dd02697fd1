/**
 * Raw SQL for the admin's view of the sources: each source with its health (last success, last
 * error, the start of the current failure streak, the next poll) and how many items it brought in
 * the last 24 hours and on each of the last 7 days (Beijing calendar days), and the settings an
 * admin may change on a stored source.
 */
import type { Queryable } from '../pool';
import { routeOf, type Source } from '../source-model';

/** Days of item counts the health view shows (today, Beijing time, and the 6 before). */
export const HEALTH_DAYS = 7;

/** A source as the admin's health view shows it: no request headers, no conditional-GET validators. */
export interface SourceHealth {
  id: number;
  name: string;
  kind: Source['kind'];
  /** The feed or page; for rsshub `rsshub:/route`. */
  url: string;
  /** The RSSHub route of an rsshub source, else null. */
  route: string | null;
  enabled: boolean;
  status: Source['status'];
  pollIntervalSeconds: number;
  authority: number;
  jurisdictionTags: string[];
  catalogueId: string | null;
  charset: string | null;
  fullText: boolean;
  lastPolledAt: Date | null;
  lastSuccessAt: Date | null;
  lastError: string | null;
  lastErrorAt: Date | null;
  consecutiveErrors: number;
  /** When the next poll is due; null for a disabled source (it is not polled). */
  nextPollAt: Date | null;
  /** The first failure of the current streak; null when the last poll succeeded. */
  failingSince: Date | null;
  /** Items collected (fetched) in the 24 hours before `at`. */
  items24h: number;
  /** Items collected on each day of `days`, in the same order. */
  daily: number[];
  createdAt: Date;
}

/** The health of every source, failing ones first, as of `at` (the database's clock). */
export interface SourceHealthReport {
  at: Date;
  /** The Beijing calendar days of `daily`, oldest first (`2026-12-01`). */
  days: string[];
  sources: SourceHealth[];
}

interface HealthRow {
  id: number;
  name: string;
  kind: Source['kind'];
  url: string;
  enabled: boolean;
  status: Source['status'];
  poll_interval_seconds: number;
  authority: number;
  jurisdiction_tags: string[];
  catalogue_id: string | null;
  charset: string | null;
  full_text: boolean;
  last_polled_at: Date | null;
  last_success_at: Date | null;
  last_error: string | null;
  last_error_at: Date | null;
  consecutive_errors: number;
  next_poll_at: Date;
  failing_since: Date | null;
  items_24h: number;
  daily: number[];
  created_at: Date;
}

/**
 * Every source with its health. The failure streak's start comes from the fetch log: the crawler
 * writes one row per poll, so the streak is the source's last `consecutive_errors` rows (those
 * after its last success); without log rows (pruned, or set by hand) the last error's time stands
 * in. Item counts are by `items.fetched_at` — when yuqing collected them, which is what says
 * whether a source still delivers — not by publication time.
 */
export async function listSourceHealth(db: Queryable, at?: Date): Promise<SourceHealthReport> {
  const { rows: head } = await db.query<{ at: Date; days: string[] }>(
    `WITH t AS (SELECT COALESCE($1::timestamptz, now()) AS at)
     SELECT t.at, ARRAY(
       SELECT to_char(d, 'YYYY-MM-DD')
       FROM generate_series(((t.at AT TIME ZONE 'Asia/Shanghai')::date - ($2::int - 1))::timestamp, (t.at AT TIME ZONE 'Asia/Shanghai')::date::timestamp, interval '1 day') d
       ORDER BY d) AS days
     FROM t`,
    [at ?? null, HEALTH_DAYS],
  );
  const when = head[0]?.at ?? at ?? new Date();
  const days = head[0]?.days ?? [];
  const { rows } = await db.query<HealthRow>(
    `WITH days AS (SELECT d::date AS day FROM unnest($2::text[]) d),
     counts AS (
       SELECT i.source_id, (i.fetched_at AT TIME ZONE 'Asia/Shanghai')::date AS day, count(*)::int AS n,
              count(*) FILTER (WHERE i.fetched_at > $1::timestamptz - interval '24 hours' AND i.fetched_at <= $1::timestamptz)::int AS n24
       FROM items i
       WHERE i.source_id IS NOT NULL
         AND i.fetched_at >= (($2::text[])[1]::date::timestamp AT TIME ZONE 'Asia/Shanghai')
         AND i.fetched_at <= $1::timestamptz
       GROUP BY 1, 2)
     SELECT s.id, s.name, s.kind, s.url, s.enabled, s.status, s.poll_interval_seconds, s.authority, s.jurisdiction_tags,
            s.catalogue_id, s.charset, s.full_text, s.last_polled_at, s.last_success_at, s.last_error, s.last_error_at,
            s.consecutive_errors, s.next_poll_at, s.created_at,
            CASE WHEN s.consecutive_errors > 0 THEN COALESCE(streak.since, s.last_error_at) END AS failing_since,
            COALESCE((SELECT sum(c.n24) FROM counts c WHERE c.source_id = s.id), 0)::int AS items_24h,
            ARRAY(SELECT COALESCE(c.n, 0) FROM days d LEFT JOIN counts c ON c.source_id = s.id AND c.day = d.day ORDER BY d.day) AS daily
     FROM sources s
     LEFT JOIN LATERAL (
       SELECT min(r.at) AS since
       FROM (SELECT f.at, f.outcome FROM fetch_log f WHERE f.source_id = s.id ORDER BY f.at DESC, f.id DESC LIMIT s.consecutive_errors) r
       WHERE r.outcome NOT IN ('ok', 'not_modified') AND r.at > COALESCE(s.last_success_at, '-infinity')
     ) streak ON s.consecutive_errors > 0
     ORDER BY (s.enabled AND s.status = 'failing') DESC, (s.enabled AND s.consecutive_errors > 0) DESC, s.enabled DESC, s.id`,
    [when, days],
  );
  return {
    at: when,
    days,
    sources: rows.map((r) => ({
      id: r.id,
      name: r.name,
      kind: r.kind,
      url: r.url,
      route: routeOf(r),
      enabled: r.enabled,
      status: r.status,
      pollIntervalSeconds: r.poll_interval_seconds,
      authority: r.authority,
      jurisdictionTags: r.jurisdiction_tags,
      catalogueId: r.catalogue_id,
      charset: r.charset,
      fullText: r.full_text,
      lastPolledAt: r.last_polled_at,
      lastSuccessAt: r.last_success_at,
      lastError: r.last_error,
      lastErrorAt: r.last_error_at,
      consecutiveErrors: r.consecutive_errors,
      nextPollAt: r.enabled ? r.next_poll_at : null,
      failingSince: r.failing_since,
      items24h: r.items_24h,
      daily: r.daily,
      createdAt: r.created_at,
    })),
  };
}

/** Settings of a stored source an admin may change (its URL and kind are what it is: add another instead). */
export interface SourceSettingsPatch {
  name?: string;
  pollIntervalSeconds?: number;
  authority?: number;
  jurisdictionTags?: string[];
}

/**
 * Changes a source's settings; returns false when there is no such source. A shorter poll
 * interval takes effect at once (the next poll moves no later than now + the new interval).
 */
export async function updateSourceSettings(db: Queryable, id: number, p: SourceSettingsPatch): Promise<boolean> {
  const { rowCount } = await db.query(
    `UPDATE sources SET name = COALESCE($2, name),
       poll_interval_seconds = COALESCE($3, poll_interval_seconds),
       authority = COALESCE($4, authority),
       jurisdiction_tags = COALESCE($5, jurisdiction_tags),
       next_poll_at = CASE WHEN $3::int IS NULL THEN next_poll_at
                           ELSE LEAST(next_poll_at, now() + make_interval(secs => $3::int)) END,
       updated_at = now()
     WHERE id = $1`,
    [id, p.name ?? null, p.pollIntervalSeconds ?? null, p.authority ?? null, p.jurisdictionTags ?? null],
  );
  return rowCount === 1;
}
