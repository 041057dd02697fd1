/**
 * Raw SQL of monitoring schemes (监测方案, migration 025): the schemes analysts edit, the keyword-
 * search sources each generates (scheme_sources), the items the analyzer found matching them
 * (item_schemes), and the preview of what a scheme would have matched in the last 7 days.
 */
import type { Pool, PoolClient, Queryable } from '../pool';
import {
  compileScheme,
  itemMatchText,
  matchCompiled,
  normalizeForMatch,
  SchemeError,
  type NewScheme,
  type PlannedSource,
  type SchemeHit,
  type SchemeWords,
  type SearchRouteKey,
} from '../scheme-model';
import { routeOf, type Source } from '../source-model';
import { updateSourceSettings } from './source-admin';
import { getSource, insertSource, removeSource, setSourceEnabled } from './sources';

// The model travels with its repository: one export line in the package index.
export * from '../scheme-model';

/** Days of counts the scheme views show (today, Beijing time, and the 6 before), as the sources view. */
export const SCHEME_DAYS = 7;

/** A stored scheme. */
export interface Scheme {
  id: number;
  name: string;
  description: string;
  enabled: boolean;
  jurisdiction: boolean;
  match: 'all' | 'any';
  placeWords: string[];
  subjectWords: string[];
  eventWords: string[];
  excludeWords: string[];
  /** The keyword-search routes it generates sources for. */
  sources: SearchRouteKey[];
  createdBy: number | null;
  createdByName: string;
  updatedBy: number | null;
  updatedByName: string;
  createdAt: Date;
  updatedAt: Date;
}

interface SchemeRow {
  id: number;
  name: string;
  description: string;
  enabled: boolean;
  jurisdiction: boolean;
  match_mode: 'all' | 'any';
  place_words: string[];
  subject_words: string[];
  event_words: string[];
  exclude_words: string[];
  search_routes: SearchRouteKey[];
  created_by: number | null;
  created_by_name: string;
  updated_by: number | null;
  updated_by_name: string;
  created_at: Date;
  updated_at: Date;
}

const COLUMNS = `id, name, description, enabled, jurisdiction, match_mode, place_words, subject_words, event_words, exclude_words,
  search_routes, created_by, created_by_name, updated_by, updated_by_name, created_at, updated_at`;

const fromRow = (r: SchemeRow): Scheme => ({
  id: r.id,
  name: r.name,
  description: r.description,
  enabled: r.enabled,
  jurisdiction: r.jurisdiction,
  match: r.match_mode,
  placeWords: r.place_words,
  subjectWords: r.subject_words,
  eventWords: r.event_words,
  excludeWords: r.exclude_words,
  sources: r.search_routes,
  createdBy: r.created_by,
  createdByName: r.created_by_name,
  updatedBy: r.updated_by,
  updatedByName: r.updated_by_name,
  createdAt: r.created_at,
  updatedAt: r.updated_at,
});

/** Who makes a change: an API user (id and name), or the CLI (null id). */
export interface SchemeActor {
  id: number | null;
  name: string;
}

const values = (s: NewScheme) => [s.name, s.description, s.enabled, s.jurisdiction, s.match, s.placeWords, s.subjectWords, s.eventWords, s.excludeWords, s.sources];

/** Every scheme, by name. */
export async function listSchemes(db: Queryable): Promise<Scheme[]> {
  const { rows } = await db.query<SchemeRow>(`SELECT ${COLUMNS} FROM schemes ORDER BY name, id`);
  return rows.map(fromRow);
}

/** One scheme, or null; `lock`: FOR UPDATE (inside the caller's transaction). */
export async function getScheme(db: Queryable, id: number, opts: { lock?: boolean } = {}): Promise<Scheme | null> {
  const { rows } = await db.query<SchemeRow>(`SELECT ${COLUMNS} FROM schemes WHERE id = $1${opts.lock ? ' FOR UPDATE' : ''}`, [id]);
  return rows[0] ? fromRow(rows[0]) : null;
}

/** Stores a new scheme; null when the name is taken. */
export async function insertScheme(db: Queryable, s: NewScheme, by: SchemeActor): Promise<Scheme | null> {
  const { rows } = await db.query<SchemeRow>(
    `INSERT INTO schemes (name, description, enabled, jurisdiction, match_mode, place_words, subject_words, event_words, exclude_words, search_routes,
       created_by, created_by_name, updated_by, updated_by_name)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $11, $12)
     ON CONFLICT (name) DO NOTHING RETURNING ${COLUMNS}`,
    [...values(s), by.id, by.name],
  );
  return rows[0] ? fromRow(rows[0]) : null;
}

/** Replaces a scheme; null when there is none, 'name_taken' when another scheme has the new name. */
export async function updateScheme(db: Queryable, id: number, s: NewScheme, by: SchemeActor): Promise<Scheme | null | 'name_taken'> {
  const taken = await db.query('SELECT 1 FROM schemes WHERE name = $1 AND id <> $2', [s.name, id]);
  if (taken.rowCount) return 'name_taken';
  const { rows } = await db.query<SchemeRow>(
    `UPDATE schemes SET name = $2, description = $3, enabled = $4, jurisdiction = $5, match_mode = $6, place_words = $7, subject_words = $8,
       event_words = $9, exclude_words = $10, search_routes = $11, updated_by = $12, updated_by_name = $13, updated_at = now()
     WHERE id = $1 RETURNING ${COLUMNS}`,
    [id, ...values(s), by.id, by.name],
  );
  return rows[0] ? fromRow(rows[0]) : null;
}

/** Deletes a scheme (its links and matches go with it); the deleted scheme, or null. */
export async function deleteScheme(db: Queryable, id: number): Promise<Scheme | null> {
  const { rows } = await db.query<SchemeRow>(`DELETE FROM schemes WHERE id = $1 RETURNING ${COLUMNS}`, [id]);
  return rows[0] ? fromRow(rows[0]) : null;
}

// --- generated sources ---

/** One change a scheme made to the sources, for the audit log and the answer. */
export interface SchemeSourceChange {
  /**
   * add: a source created for the scheme; link: an existing source with the same route now used by
   * it; enable/disable: a generated source following its schemes; rename: the scheme was renamed;
   * unlink: no longer used by this scheme (still by others, or not generated); remove: a generated
   * source no scheme uses any more, deleted (its items stay).
   */
  action: 'add' | 'link' | 'enable' | 'disable' | 'rename' | 'unlink' | 'remove';
  search: string;
  keyword: string;
  sourceId: number;
  before: Source | null;
  after: Source | null;
}

interface LinkRow {
  source_id: number;
  search: string;
  keyword: string;
  generated: boolean;
  url: string;
}

/**
 * Brings the sources of a scheme in line with `planned` (plannedSources of its current version), in
 * the caller's transaction (the scheme row locked by the caller). A planned route that exists as a
 * source already is linked, never changed, unless a scheme created it (`generated`). A generated
 * source is enabled when a scheme using it is, and follows the scheme's switch when `enabledChanged`
 * or when it was just linked (a source an admin disabled by hand stays so across other edits);
 * one no scheme uses any more is deleted. Pass `planned = []` before deleting a scheme.
 */
export async function syncSchemeSources(
  db: Queryable,
  scheme: Pick<Scheme, 'id' | 'name'>,
  planned: readonly PlannedSource[],
  opts: { enabledChanged: boolean },
): Promise<SchemeSourceChange[]> {
  const changes: SchemeSourceChange[] = [];
  const { rows: links } = await db.query<LinkRow>(
    `SELECT ss.source_id, ss.search, ss.keyword, ss.generated, s.url FROM scheme_sources ss JOIN sources s ON s.id = ss.source_id
     WHERE ss.scheme_id = $1 ORDER BY ss.source_id FOR UPDATE OF ss`,
    [scheme.id],
  );
  const linked = new Map(links.map((l) => [l.url, l]));
  const wanted = new Set(planned.map((p) => p.source.url));
  // Generated sources whose enabled state must follow their schemes after this sync.
  const follow = new Set<number>();

  for (const p of planned) {
    if (linked.has(p.source.url)) continue;
    const created = await insertSource(db, p.source);
    let source: Source;
    let generated: boolean;
    if (created) {
      source = created;
      generated = true;
      changes.push({ action: 'add', search: p.search, keyword: p.keyword, sourceId: source.id, before: null, after: source });
    } else {
      const { rows } = await db.query<{ id: number; generated: boolean }>(
        `SELECT s.id, EXISTS (SELECT 1 FROM scheme_sources x WHERE x.source_id = s.id AND x.generated) AS generated FROM sources s WHERE s.url = $1 FOR UPDATE OF s`,
        [p.source.url],
      );
      const row = rows[0];
      const existing = row ? await getSource(db, row.id) : null;
      if (!row || !existing) throw new Error(`source ${p.source.url} neither inserted nor found`);
      source = existing;
      generated = row.generated;
      if (generated) follow.add(source.id);
      changes.push({ action: 'link', search: p.search, keyword: p.keyword, sourceId: source.id, before: null, after: source });
    }
    await db.query('INSERT INTO scheme_sources (scheme_id, source_id, search, keyword, generated) VALUES ($1, $2, $3, $4, $5)', [
      scheme.id,
      source.id,
      p.search,
      p.keyword,
      generated,
    ]);
  }

  for (const l of links) {
    if (wanted.has(l.url)) {
      if (l.generated && opts.enabledChanged) follow.add(l.source_id);
      continue;
    }
    await db.query('DELETE FROM scheme_sources WHERE scheme_id = $1 AND source_id = $2', [scheme.id, l.source_id]);
    const before = await getSource(db, l.source_id);
    const { rows } = await db.query<{ n: number }>('SELECT count(*)::int AS n FROM scheme_sources WHERE source_id = $1', [l.source_id]);
    if (l.generated && (rows[0]?.n ?? 0) === 0) {
      await removeSource(db, l.source_id);
      changes.push({ action: 'remove', search: l.search, keyword: l.keyword, sourceId: l.source_id, before, after: null });
    } else {
      changes.push({ action: 'unlink', search: l.search, keyword: l.keyword, sourceId: l.source_id, before, after: before });
      if (l.generated) follow.add(l.source_id);
    }
  }

  for (const id of follow) {
    const { rows } = await db.query<{ want: boolean }>(
      'SELECT COALESCE(bool_or(sc.enabled), false) AS want FROM scheme_sources ss JOIN schemes sc ON sc.id = ss.scheme_id WHERE ss.source_id = $1',
      [id],
    );
    const before = await getSource(db, id);
    const want = rows[0]?.want ?? false;
    if (!before || before.enabled === want) continue;
    await setSourceEnabled(db, id, want);
    const link = links.find((l) => l.source_id === id) ?? null;
    const plan = planned.find((p) => p.source.url === before.url) ?? null;
    changes.push({ action: want ? 'enable' : 'disable', search: link?.search ?? plan?.search ?? '', keyword: link?.keyword ?? plan?.keyword ?? '', sourceId: id, before, after: await getSource(db, id) });
  }

  // A renamed scheme renames the sources it generated and alone uses.
  for (const p of planned) {
    const l = linked.get(p.source.url);
    if (!l?.generated) continue;
    const { rows } = await db.query<{ n: number }>('SELECT count(*)::int AS n FROM scheme_sources WHERE source_id = $1 AND scheme_id <> $2', [l.source_id, scheme.id]);
    if ((rows[0]?.n ?? 0) > 0) continue;
    const before = await getSource(db, l.source_id);
    if (!before || before.name === p.source.name) continue;
    await updateSourceSettings(db, l.source_id, { name: p.source.name });
    changes.push({ action: 'rename', search: p.search, keyword: p.keyword, sourceId: l.source_id, before, after: await getSource(db, l.source_id) });
  }
  return changes;
}

/** A source a scheme uses, with its health. */
export interface SchemeSourceView {
  sourceId: number;
  search: string;
  keyword: string;
  /** Created for a scheme (true), or an existing source the scheme uses. */
  generated: boolean;
  name: string;
  route: string | null;
  enabled: boolean;
  status: Source['status'];
  lastPolledAt: Date | null;
  lastSuccessAt: Date | null;
  lastError: string | null;
  lastErrorAt: Date | null;
  consecutiveErrors: number;
  /** Items collected from it in the last 24 hours. */
  items24h: number;
}

/** The sources of these schemes with their health, by scheme id (ordered by route, then keyword). */
export async function listSchemeSources(db: Queryable, schemeIds: readonly number[]): Promise<Map<number, SchemeSourceView[]>> {
  const out = new Map<number, SchemeSourceView[]>(schemeIds.map((id) => [id, []]));
  if (!schemeIds.length) return out;
  const { rows } = await db.query<{
    scheme_id: number;
    source_id: number;
    search: string;
    keyword: string;
    generated: boolean;
    name: string;
    kind: Source['kind'];
    url: string;
    enabled: boolean;
    status: Source['status'];
    last_polled_at: Date | null;
    last_success_at: Date | null;
    last_error: string | null;
    last_error_at: Date | null;
    consecutive_errors: number;
    items_24h: number;
  }>(
    `SELECT ss.scheme_id, ss.source_id, ss.search, ss.keyword, ss.generated, s.name, s.kind, s.url, s.enabled, s.status, s.last_polled_at,
            s.last_success_at, s.last_error, s.last_error_at, s.consecutive_errors,
            (SELECT count(*) FROM items i WHERE i.source_id = s.id AND i.fetched_at > now() - interval '24 hours')::int AS items_24h
     FROM scheme_sources ss JOIN sources s ON s.id = ss.source_id
     WHERE ss.scheme_id = ANY($1::bigint[])
     ORDER BY ss.scheme_id, ss.search, ss.created_at, ss.source_id`,
    [[...schemeIds]],
  );
  for (const r of rows) {
    out.get(r.scheme_id)?.push({
      sourceId: r.source_id,
      search: r.search,
      keyword: r.keyword,
      generated: r.generated,
      name: r.name,
      route: routeOf(r),
      enabled: r.enabled,
      status: r.status,
      lastPolledAt: r.last_polled_at,
      lastSuccessAt: r.last_success_at,
      lastError: r.last_error,
      lastErrorAt: r.last_error_at,
      consecutiveErrors: r.consecutive_errors,
      items24h: r.items_24h,
    });
  }
  return out;
}

// --- matches ---

/** The Beijing calendar days ending with the one of `at` (oldest first), and the start of the first. */
export function beijingDays(at: Date, n = SCHEME_DAYS): { days: string[]; from: Date } {
  const DAY = 86_400_000;
  const today = new Date(at.getTime() + 8 * 3_600_000).toISOString().slice(0, 10);
  const first = Date.parse(`${today}T00:00:00+08:00`) - (n - 1) * DAY;
  const days = Array.from({ length: n }, (_, i) => new Date(first + i * DAY + 8 * 3_600_000).toISOString().slice(0, 10));
  return { days, from: new Date(first) };
}

/** How many items matched a scheme (by publication time): the last 24 hours, the 7 Beijing days, and each day. */
export interface SchemeMatchStats {
  items24h: number;
  items7d: number;
  daily: number[];
}

/** Match counts of these schemes as of `at`. */
export async function schemeMatchStats(db: Queryable, schemeIds: readonly number[], at = new Date()): Promise<{ days: string[]; stats: Map<number, SchemeMatchStats> }> {
  const { days, from } = beijingDays(at);
  const stats = new Map<number, SchemeMatchStats>(schemeIds.map((id) => [id, { items24h: 0, items7d: 0, daily: days.map(() => 0) }]));
  if (!schemeIds.length) return { days, stats };
  const { rows } = await db.query<{ scheme_id: number; day: string; n: number; n24: number }>(
    `SELECT x.scheme_id, to_char((i.published_at AT TIME ZONE 'Asia/Shanghai')::date, 'YYYY-MM-DD') AS day, count(*)::int AS n,
            count(*) FILTER (WHERE i.published_at > $3::timestamptz - interval '24 hours')::int AS n24
     FROM item_schemes x JOIN items i ON i.id = x.item_id
     WHERE x.scheme_id = ANY($1::bigint[]) AND i.published_at >= $2 AND i.published_at <= $3
     GROUP BY 1, 2`,
    [[...schemeIds], from, at],
  );
  for (const r of rows) {
    const s = stats.get(r.scheme_id);
    const d = days.indexOf(r.day);
    if (!s || d < 0) continue;
    s.daily[d] = (s.daily[d] ?? 0) + r.n;
    s.items7d += r.n;
    s.items24h += r.n24;
  }
  return { days, stats };
}

/** An item as the scheme views and the preview list it. */
export interface SchemeItem {
  id: number;
  title: string | null;
  url: string;
  source: string | null;
  publishedAt: Date;
  /** null: not analysed yet. */
  policeNegative: boolean | null;
  policeRelated: boolean | null;
  /** The scheme's words found in it. */
  words: string[];
}

/** The latest items that matched a scheme (newest first). */
export async function listSchemeItems(db: Queryable, schemeId: number, limit = 20): Promise<SchemeItem[]> {
  const { rows } = await db.query<{
    id: number;
    title: string | null;
    url: string;
    source: string | null;
    published_at: Date;
    police_negative: boolean | null;
    police_related: boolean | null;
    words: string[];
  }>(
    `SELECT i.id, i.title, i.url, COALESCE(s.name, i.source_name) AS source, i.published_at, a.police_negative, a.police_related, x.words
     FROM item_schemes x JOIN items i ON i.id = x.item_id
     LEFT JOIN item_analysis a ON a.item_id = i.id LEFT JOIN sources s ON s.id = i.source_id
     WHERE x.scheme_id = $1 ORDER BY i.published_at DESC, i.id DESC LIMIT $2`,
    [schemeId, limit],
  );
  return rows.map((r) => ({
    id: r.id,
    title: r.title,
    url: r.url,
    source: r.source,
    publishedAt: r.published_at,
    policeNegative: r.police_negative,
    policeRelated: r.police_related,
    words: r.words,
  }));
}

// --- the analyzer's side ---

/**
 * What changes when any scheme changes (count, newest id, latest update): the analyzer compares it
 * on every batch and reloads the schemes only when it moved. The schema is part of it, so two
 * databases in one process (tests) never share a cache entry.
 */
export async function schemesVersion(db: Queryable): Promise<string> {
  const { rows } = await db.query<{ v: string }>(
    `SELECT current_schema() || ':' || count(*) || ':' || COALESCE(max(id), 0) || ':' || COALESCE(to_char(max(updated_at), 'YYYY-MM-DD"T"HH24:MI:SS.US'), '-') AS v FROM schemes`,
  );
  return rows[0]?.v ?? '';
}

/** The enabled schemes. */
export async function listEnabledSchemes(db: Queryable): Promise<Scheme[]> {
  const { rows } = await db.query<SchemeRow>(`SELECT ${COLUMNS} FROM schemes WHERE enabled ORDER BY id`);
  return rows.map(fromRow);
}

/** Records which schemes items matched (a re-delivered batch records nothing twice). */
export async function recordItemSchemes(db: Queryable, rows: ReadonlyArray<{ itemId: number; schemeId: number; words: string[] }>): Promise<void> {
  if (!rows.length) return;
  await db.query(
    `INSERT INTO item_schemes (item_id, scheme_id, words)
     SELECT u.item_id, u.scheme_id, ARRAY(SELECT jsonb_array_elements_text(u.words))
     FROM unnest($1::bigint[], $2::bigint[], $3::jsonb[]) AS u(item_id, scheme_id, words)
     ON CONFLICT (item_id, scheme_id) DO NOTHING`,
    [rows.map((r) => r.itemId), rows.map((r) => r.schemeId), rows.map((r) => JSON.stringify(r.words))],
  );
}

// --- preview ---

/** Items a preview lists (the newest matches). */
export const PREVIEW_ITEMS = 50;
/** How long a preview may scan before it is given up (the week's items, read in full). */
export const PREVIEW_TIMEOUT_MS = 20_000;

/** Raised when a preview took longer than PREVIEW_TIMEOUT_MS. */
export class PreviewTimeoutError extends SchemeError {}

/** What a scheme would have matched in the last 7 Beijing days. */
export interface SchemePreview {
  from: Date;
  to: Date;
  days: string[];
  daily: number[];
  total: number;
  policeNegative: number;
  /** The newest matches (at most PREVIEW_ITEMS), with the words found. */
  items: SchemeItem[];
}

const likeEscape = (w: string) => `%${w.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;

/**
 * What a scheme would have matched among the items published in the 7 Beijing days up to `at`.
 * PostgreSQL does the matching on the same terms as the matcher (NFKC, lower case, substring:
 * `LIKE ANY` per word list, `NOT LIKE ANY` for the exclusions) so the counts are exact and nothing
 * is capped; the newest matches are then read back and checked by the matcher itself (which also
 * says which words matched). The week's items are read in full (substrings use no index), so the
 * statement is given PREVIEW_TIMEOUT_MS.
 */
export async function previewScheme(pool: Pool, s: SchemeWords, opts: { at?: Date; limit?: number } = {}): Promise<SchemePreview> {
  const compiled = compileScheme(s);
  const at = opts.at ?? new Date();
  const { days, from } = beijingDays(at);
  const params: unknown[] = [from, at, days];
  const cond: string[] = [];
  const any = (words: readonly string[]) => {
    params.push(words.map((w) => likeEscape(normalizeForMatch(w))));
    return `d.doc LIKE ANY($${params.length}::text[])`;
  };
  const lists = [s.placeWords, s.subjectWords, s.eventWords].filter((l) => l.length > 0);
  if (s.match === 'any') cond.push(any(lists.flat()));
  else for (const l of lists) cond.push(any(l));
  if (s.excludeWords.length) cond.push(`NOT ${any(s.excludeWords)}`);
  params.push((opts.limit ?? PREVIEW_ITEMS) + 10);
  const limit = `$${params.length}`;

  const run = async (c: PoolClient) => {
    await c.query(`SET LOCAL statement_timeout = ${PREVIEW_TIMEOUT_MS}`);
    const { rows } = await c.query<{ total: number; negative: number; daily: number[]; ids: number[] }>(
      `WITH m AS MATERIALIZED (
         SELECT d.id, d.published_at, a.police_negative
         FROM (SELECT i.id, i.published_at, lower(normalize(COALESCE(i.title, '') || E'\\n' || i.text, NFKC)) AS doc
               FROM items i WHERE i.published_at >= $1 AND i.published_at <= $2) d
         LEFT JOIN item_analysis a ON a.item_id = d.id
         WHERE ${cond.join(' AND ')})
       SELECT (SELECT count(*) FROM m)::int AS total,
              (SELECT count(*) FROM m WHERE m.police_negative)::int AS negative,
              ARRAY(SELECT (SELECT count(*) FROM m WHERE to_char((m.published_at AT TIME ZONE 'Asia/Shanghai')::date, 'YYYY-MM-DD') = d)::int
                    FROM unnest($3::text[]) WITH ORDINALITY AS u(d, o) ORDER BY o) AS daily,
              ARRAY(SELECT m.id FROM m ORDER BY m.published_at DESC, m.id DESC LIMIT ${limit}) AS ids`,
      params,
    );
    const head = rows[0] ?? { total: 0, negative: 0, daily: days.map(() => 0), ids: [] };
    const { rows: items } = await c.query<{
      id: number;
      title: string | null;
      text: string;
      url: string;
      source: string | null;
      published_at: Date;
      police_negative: boolean | null;
      police_related: boolean | null;
    }>(
      `SELECT i.id, i.title, i.text, i.url, COALESCE(s.name, i.source_name) AS source, i.published_at, a.police_negative, a.police_related
       FROM items i LEFT JOIN item_analysis a ON a.item_id = i.id LEFT JOIN sources s ON s.id = i.source_id
       WHERE i.id = ANY($1::bigint[]) ORDER BY i.published_at DESC, i.id DESC`,
      [head.ids],
    );
    return { head, items };
  };

  const client = await pool.connect();
  let result: Awaited<ReturnType<typeof run>>;
  try {
    await client.query('BEGIN READ ONLY');
    result = await run(client);
    await client.query('COMMIT');
  } catch (err) {
    await client.query('ROLLBACK').catch(() => undefined);
    if ((err as { code?: unknown }).code === '57014') throw new PreviewTimeoutError(`preview took longer than ${PREVIEW_TIMEOUT_MS} ms`);
    throw err;
  } finally {
    client.release();
  }

  const shown: SchemeItem[] = [];
  for (const r of result.items) {
    const hit: SchemeHit | null = matchCompiled(compiled, itemMatchText(r));
    if (!hit) continue;
    shown.push({
      id: r.id,
      title: r.title,
      url: r.url,
      source: r.source,
      publishedAt: r.published_at,
      policeNegative: r.police_negative,
      policeRelated: r.police_related,
      words: [...hit.place, ...hit.subject, ...hit.event],
    });
    if (shown.length >= (opts.limit ?? PREVIEW_ITEMS)) break;
  }
  return { from, to: at, days, daily: result.head.daily, total: result.head.total, policeNegative: result.head.negative, items: shown };
}
