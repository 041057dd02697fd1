/**
 * Raw SQL of the read API: items with their analysis (filters, keyword search, keyset pagination
 * newest first), topics with their series, stories and level history, one story with its items.
 * Read-only; every filter is a bound parameter.
 */
import type { Queryable } from '../pool';
import { joinedLabelOf, LABEL_JOIN_COLUMNS, type ItemLabel } from './item-labels';

/** The automatic analysis of an item as the API shows it. */
export interface ItemAnalysisView {
  policeRelated: boolean;
  policeScore: number;
  sentiment: 'negative' | 'neutral' | 'positive';
  sentimentScore: number;
  policeNegative: boolean;
  policeNegativeScore: number;
  /** Which stance cues toward the police fired (empty for analyses stored before they were kept). */
  policeNegativeCues: string[];
  keywords: string[];
  categories: string[];
  places: string[];
  jurisdictionHits: string[];
  engineVersion: string;
  modelVersion: string | null;
  analyzedAt: Date;
}

/** An item in a list: its text cut to an excerpt, with its analysis (null until analysed). */
export interface ItemView {
  id: number;
  sourceId: number | null;
  source: string | null;
  origin: 'crawl' | 'ingest' | 'push' | 'manual';
  url: string;
  title: string | null;
  summary: string | null;
  excerpt: string;
  author: string | null;
  publishedAt: Date;
  fetchedAt: Date;
  metrics: Record<string, unknown> | null;
  analysis: ItemAnalysisView | null;
  /** An analyst's correction (item_labels), or null. */
  label: ItemLabel | null;
}

/** Filters of listItems; every one narrows. */
export interface ItemFilter {
  from?: Date;
  to?: Date;
  /** A source id, or a name (the configured source's name or a pushed item's source). */
  source?: number | string;
  policeRelated?: boolean;
  policeNegative?: boolean;
  sentiment?: 'negative' | 'neutral' | 'positive';
  category?: string;
  place?: string;
  /**
   * Keyword search: the query's segmented terms (all must occur as whole tokens of the item) and
   * the raw query for items without a search index entry (analysed before migration 009, or not
   * analysed yet), matched as a substring of title or text.
   */
  search?: { terms: string[]; raw: string };
  topicId?: number;
  /** true: only items an analyst corrected; false: only those without a correction. */
  labelled?: boolean;
  /** Items strictly older than this (published_at, id): the previous page's last item. */
  before?: { publishedAt: Date; id: number };
  limit: number;
}

const EXCERPT_CHARS = 300;

/** A tsquery of exact lexemes, all required (quoted, so no term is parsed or stemmed). */
export function tsqueryOf(terms: readonly string[]): string {
  return terms.map((t) => `'${t.replace(/\\/g, '\\\\').replace(/'/g, "''")}'`).join(' & ');
}

/** Escapes LIKE wildcards. */
function likePattern(s: string): string {
  return `%${s.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
function analysisOf(r: any): ItemAnalysisView | null {
  if (r.a_item_id == null) return null;
  return {
    policeRelated: r.police_related,
    policeScore: r.police_score,
    sentiment: r.sentiment,
    sentimentScore: r.sentiment_score,
    policeNegative: r.police_negative,
    policeNegativeScore: r.police_negative_score,
    policeNegativeCues: r.police_negative_cues ?? [],
    keywords: r.keywords,
    categories: r.categories,
    places: r.places,
    jurisdictionHits: r.jurisdiction_hits,
    engineVersion: r.engine_version,
    modelVersion: r.model_version,
    analyzedAt: r.analyzed_at,
  };
}

const ITEM_COLUMNS = `i.id, i.source_id, COALESCE(s.name, i.source_name) AS source, i.origin, i.url, i.title, i.summary,
  left(i.text, ${EXCERPT_CHARS}) AS excerpt, i.author, i.published_at, i.fetched_at, i.metrics,
  a.item_id AS a_item_id, a.police_related, a.police_score, a.sentiment, a.sentiment_score, a.police_negative,
  a.police_negative_score, a.police_negative_cues, a.keywords, a.categories, a.places, a.jurisdiction_hits, a.engine_version, a.model_version,
  a.analyzed_at, ${LABEL_JOIN_COLUMNS}`;

// eslint-disable-next-line @typescript-eslint/no-explicit-any
function itemOf(r: any): ItemView {
  return {
    id: r.id,
    sourceId: r.source_id,
    source: r.source,
    origin: r.origin,
    url: r.url,
    title: r.title,
    summary: r.summary,
    excerpt: r.excerpt,
    author: r.author,
    publishedAt: r.published_at,
    fetchedAt: r.fetched_at,
    metrics: r.metrics,
    analysis: analysisOf(r),
    label: joinedLabelOf(r),
  };
}

const ITEM_FROM = `items i LEFT JOIN item_analysis a ON a.item_id = i.id LEFT JOIN sources s ON s.id = i.source_id
       LEFT JOIN item_labels l ON l.item_id = i.id`;
const NEWEST_FIRST = 'ORDER BY i.published_at DESC, i.id DESC';
/** Up to this many matching analyses, a keyword search goes by their ids (see listItems). */
const RARE_WORD_MATCHES = 10_000;

/**
 * Items matching every filter, newest first (published_at, then id).
 *
 * A keyword search is three branches, each newest first and limited, merged: items whose analysis
 * has a search vector matching the words (by the GIN index's ids when the words are rare, along
 * the published_at index when they are common); items not analysed yet;
 * items analysed before search vectors existed (migration 009) — the last two matched by
 * substring. One WHERE with `search @@ q OR (search IS NULL AND text ILIKE …)` could use no index:
 * a rare word then read every row (bench:day: 31 s at 10 M rows).
 */
export async function listItems(db: Queryable, f: ItemFilter, opts: { rareWordMatches?: number } = {}): Promise<ItemView[]> {
  const rareMax = opts.rareWordMatches ?? RARE_WORD_MATCHES;
  const where: string[] = [];
  const params: unknown[] = [];
  const p = (v: unknown): string => `$${params.push(v)}`;
  if (f.from) where.push(`i.published_at >= ${p(f.from)}`);
  if (f.to) where.push(`i.published_at <= ${p(f.to)}`);
  if (typeof f.source === 'number') where.push(`i.source_id = ${p(f.source)}`);
  else if (typeof f.source === 'string') {
    const v = p(f.source);
    where.push(`(s.name = ${v} OR (i.source_id IS NULL AND i.source_name = ${v}))`);
  }
  if (f.policeRelated !== undefined) where.push(`a.police_related = ${p(f.policeRelated)}`);
  if (f.policeNegative !== undefined) where.push(`a.police_negative = ${p(f.policeNegative)}`);
  if (f.sentiment) where.push(`a.sentiment = ${p(f.sentiment)}`);
  if (f.category) where.push(`${p(f.category)} = ANY(a.categories)`);
  if (f.place) where.push(`${p(f.place)} = ANY(a.places)`);
  if (f.topicId !== undefined) {
    // A merged topic's stories moved to the topic they merged into (stories.topic_id follows merges).
    where.push(`EXISTS (SELECT 1 FROM story_items si JOIN stories st ON st.id = si.story_id WHERE si.item_id = i.id AND st.topic_id = ${p(f.topicId)})`);
  }
  if (f.labelled !== undefined) where.push(f.labelled ? 'l.item_id IS NOT NULL' : 'l.item_id IS NULL');
  if (f.before) where.push(`(i.published_at, i.id) < (${p(f.before.publishedAt)}, ${p(f.before.id)})`);
  const limit = p(f.limit);
  const whereOf = (extra: string[]): string => {
    const all = [...where, ...extra];
    return all.length ? `WHERE ${all.join(' AND ')}` : '';
  };
  if (!f.search) {
    const { rows } = await db.query(`SELECT ${ITEM_COLUMNS} FROM ${ITEM_FROM} ${whereOf([])} ${NEWEST_FIRST} LIMIT ${limit}`, params);
    return rows.map(itemOf);
  }
  const like = p(likePattern(f.search.raw));
  const substring = `(i.title ILIKE ${like} OR i.text ILIKE ${like})`;
  const branches = [
    // not analysed yet (items_unanalyzed_idx) …
    [`i.analyzed_at IS NULL`, `a.item_id IS NULL`, substring],
    // … or analysed before search vectors existed (item_analysis_no_search_idx)
    [`a.search IS NULL`, `a.item_id IS NOT NULL`, substring],
  ];
  if (f.search.terms.length) {
    const query = p(tsqueryOf(f.search.terms));
    // The planner cannot tell a rare word from a common one here (its statistics of search vectors
    // hold only the frequent words), and with ORDER BY … LIMIT it walks the newest items probing
    // each one's analysis — instant for a common word, every row for a rare one. So ask the GIN
    // index first: a word with few matches is looked up by their ids.
    const rare = await db.query<{ item_id: number }>(
      `SELECT item_id FROM item_analysis WHERE search @@ $1::tsquery LIMIT ${rareMax + 1}`,
      [tsqueryOf(f.search.terms)],
    );
    const ids = rare.rows.length <= rareMax ? [`i.id = ANY(${p(rare.rows.map((r) => r.item_id))}::bigint[])`] : [];
    branches.unshift([`a.search @@ ${query}::tsquery`, ...ids]);
  }
  const { rows } = await db.query(
    `SELECT * FROM (
       ${branches.map((b) => `(SELECT ${ITEM_COLUMNS} FROM ${ITEM_FROM} ${whereOf(b)} ${NEWEST_FIRST} LIMIT ${limit})`).join('\n       UNION ALL\n       ')}
     ) hits
     ORDER BY published_at DESC, id DESC
     LIMIT ${limit}`,
    params,
  );
  return rows.map(itemOf);
}

/** One item with its full text, analysis and correction; null when it does not exist. */
export async function getItemView(db: Queryable, id: number): Promise<(ItemView & { text: string }) | null> {
  const { rows } = await db.query(
    `SELECT ${ITEM_COLUMNS}, i.text
     FROM ${ITEM_FROM}
     WHERE i.id = $1`,
    [id],
  );
  return rows[0] ? { ...itemOf(rows[0]), text: rows[0].text } : null;
}

/** A topic as the API shows it (engine state left out). */
export interface TopicView {
  id: number;
  status: 'open' | 'closed' | 'merged';
  mergedInto: number | null;
  title: string;
  keywords: string[];
  stage: string | null;
  level: string;
  autoLevel: string;
  manualLevel: string | null;
  firstItemId: number | null;
  firstSource: string | null;
  createdAt: Date;
  lastAt: Date;
  indicators: {
    items: number;
    stories: number;
    policeRelated: number;
    policeNegative: number;
    negative: number;
    /** Reactions: reposts' own words about the police in the topic's stories; how many police-negative; their mean stance score (0–1). */
    reactions: number;
    reactionsNegative: number;
    reactionScore: number;
    /** Items of stories that count as police-negative only because of their reactions (part of policeNegative). */
    reactionNegativeItems: number;
    reach: number;
    jurisdictionHits: number;
    sources: string[];
    places: Record<string, number>;
    categories: Record<string, number>;
  };
}

/** Mean of a score sum over a count (0 for none), to two decimals. */
const mean = (sum: number, n: number): number => (n > 0 ? Math.round((sum / n) * 100) / 100 : 0);

// eslint-disable-next-line @typescript-eslint/no-explicit-any
function topicOf(r: any): TopicView {
  return {
    id: r.id,
    status: r.status,
    mergedInto: r.merged_into,
    title: r.title,
    keywords: r.keywords,
    stage: r.stage,
    level: r.level,
    autoLevel: r.auto_level,
    manualLevel: r.manual_level,
    firstItemId: r.first_item_id,
    firstSource: r.first_source,
    createdAt: r.created_at,
    lastAt: r.last_at,
    indicators: {
      items: r.items,
      stories: r.stories,
      policeRelated: r.police_related,
      policeNegative: r.police_negative,
      negative: r.negative,
      reactions: r.reactions,
      reactionsNegative: r.reactions_negative,
      reactionScore: mean(r.reaction_score_sum, r.reactions),
      reactionNegativeItems: r.reaction_negative_items,
      reach: r.reach,
      jurisdictionHits: r.jurisdiction_hits,
      sources: r.sources,
      places: r.places,
      categories: r.categories,
    },
  };
}

const TOPIC_COLUMNS = `id, status, merged_into, title, keywords, stage, level, auto_level, manual_level, first_item_id, first_source,
  created_at, last_at, items, stories, police_related, police_negative, negative, reach, jurisdiction_hits, sources, places, categories,
  reactions, reactions_negative, reaction_score_sum, reaction_negative_items`;

/** Filters of listTopics. */
export interface TopicFilter {
  statuses?: string[];
  /** Levels accepted (the caller expands "at least yellow"). */
  levels?: string[];
  /** Last activity at or after. */
  since?: Date;
  before?: { lastAt: Date; id: number };
  limit: number;
}

/** Topics by last activity, newest first. */
export async function listTopics(db: Queryable, f: TopicFilter): Promise<TopicView[]> {
  const where: string[] = [];
  const params: unknown[] = [];
  const p = (v: unknown): string => `$${params.push(v)}`;
  if (f.statuses) where.push(`status = ANY(${p(f.statuses)}::text[])`);
  if (f.levels) where.push(`level = ANY(${p(f.levels)}::text[])`);
  if (f.since) where.push(`last_at >= ${p(f.since)}`);
  if (f.before) where.push(`(last_at, id) < (${p(f.before.lastAt)}, ${p(f.before.id)})`);
  const { rows } = await db.query(
    `SELECT ${TOPIC_COLUMNS} FROM topics ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
     ORDER BY last_at DESC, id DESC LIMIT ${p(f.limit)}`,
    params,
  );
  return rows.map(topicOf);
}

/** A story: who posted first, when and where, and who amplified it. */
export interface StoryView {
  id: number;
  topicId: number;
  root: string;
  firstItemId: number | null;
  firstAt: Date;
  firstSource: string | null;
  firstAuthor: string | null;
  firstTitle: string | null;
  firstUrl: string | null;
  lastAt: Date;
  items: number;
  /** The story counts as police-negative: its root does (rootNegative), or its reactions do. */
  policeNegative: boolean;
  rootNegative: boolean;
  /** Its reactions (reposts' own words about the police), police-negative ones, their mean stance score. */
  reactions: number;
  reactionsNegative: number;
  reactionScore: number;
  amplifiers: unknown[];
}

const STORY_SELECT = `SELECT st.id, st.topic_id, st.root, st.first_item_id, st.first_at, st.first_source, st.last_at, st.items,
    st.police_negative, st.root_negative, st.reactions, st.reactions_negative, st.reaction_score_sum, st.amplifiers, fi.author AS first_author, fi.title AS first_title, fi.url AS first_url
  FROM stories st LEFT JOIN items fi ON fi.id = st.first_item_id`;

// eslint-disable-next-line @typescript-eslint/no-explicit-any
function storyOf(r: any): StoryView {
  return {
    id: r.id,
    topicId: r.topic_id,
    root: r.root,
    firstItemId: r.first_item_id,
    firstAt: r.first_at,
    firstSource: r.first_source,
    firstAuthor: r.first_author,
    firstTitle: r.first_title,
    firstUrl: r.first_url,
    lastAt: r.last_at,
    items: r.items,
    policeNegative: r.police_negative,
    rootNegative: r.root_negative,
    reactions: r.reactions,
    reactionsNegative: r.reactions_negative,
    reactionScore: mean(r.reaction_score_sum, r.reactions),
    amplifiers: Array.isArray(r.amplifiers) ? r.amplifiers : [],
  };
}

/** One level change with its explanation. */
export interface LevelChangeView {
  id: number;
  at: Date;
  recordedAt: Date;
  level: string;
  previous: string;
  automatic: boolean;
  applied: boolean;
  indicators: Record<string, unknown>;
  reason: string;
  actor: string | null;
}

/** A topic with its time series, stories and level history; null when it does not exist. */
export async function getTopicDetail(
  db: Queryable,
  id: number,
): Promise<{ topic: TopicView; series: Array<{ bucketStart: Date; items: number }>; stories: StoryView[]; levelHistory: LevelChangeView[] } | null> {
  const t = await db.query(`SELECT ${TOPIC_COLUMNS} FROM topics WHERE id = $1`, [id]);
  const row = t.rows[0];
  if (!row) return null;
  const [series, stories, levels] = await Promise.all([
    db.query<{ bucket_start: Date; items: number }>('SELECT bucket_start, items FROM topic_series WHERE topic_id = $1 ORDER BY bucket_start', [id]),
    db.query(`${STORY_SELECT} WHERE st.topic_id = $1 ORDER BY st.first_at, st.id`, [id]),
    db.query('SELECT * FROM topic_level_changes WHERE topic_id = $1 ORDER BY id', [id]),
  ]);
  return {
    topic: topicOf(row),
    series: series.rows.map((r) => ({ bucketStart: r.bucket_start, items: r.items })),
    stories: stories.rows.map(storyOf),
    levelHistory: levels.rows.map((r) => ({
      id: r.id,
      at: r.at,
      recordedAt: r.recorded_at,
      level: r.level,
      previous: r.previous,
      automatic: r.automatic,
      applied: r.applied,
      indicators: r.indicators ?? {},
      reason: r.reason,
      actor: r.actor,
    })),
  };
}

/** A story with its items in event-time order (at most `limit`); null when it does not exist. */
export async function getStoryDetail(db: Queryable, id: number, limit: number): Promise<{ story: StoryView; items: ItemView[] } | null> {
  const s = await db.query(`${STORY_SELECT} WHERE st.id = $1`, [id]);
  const row = s.rows[0];
  if (!row) return null;
  const { rows } = await db.query(
    `SELECT ${ITEM_COLUMNS}
     FROM story_items si JOIN items i ON i.id = si.item_id
       LEFT JOIN item_analysis a ON a.item_id = i.id LEFT JOIN sources s ON s.id = i.source_id
       LEFT JOIN item_labels l ON l.item_id = i.id
     WHERE si.story_id = $1 ORDER BY i.published_at, i.id LIMIT $2`,
    [id, limit],
  );
  return { story: storyOf(row), items: rows.map(itemOf) };
}
