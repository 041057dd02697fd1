/** Raw SQL for the analyzer: reading items to analyse and storing results idempotently. */
import type { PoolClient, Queryable } from '../pool';

/** An item as the analyzer reads it. */
export interface ItemToAnalyze {
  id: number;
  title: string | null;
  text: string;
  publishedAt: Date;
  sourceName: string | null;
  /** It answers another item (parent_url_hash): a forum reply, a comment pushed with its parent. */
  reply: boolean;
}

/** The stored analysis of one item. */
export interface StoredAnalysis {
  itemId: number;
  engineVersion: string;
  modelVersion: string | null;
  policeRelated: boolean;
  policeScore: number;
  sentiment: 'negative' | 'neutral' | 'positive';
  sentimentScore: number;
  policeNegative: boolean;
  policeNegativeScore: number;
  /** The stance cues that fired (AnalysisResult.policeNegativeCues); absent: none. */
  policeNegativeCues?: string[];
  keywords: string[];
  simhash: string;
  categories: string[];
  places: string[];
  jurisdictionHits: string[];
  language: string | null;
  /** The item's distinct content tokens, for keyword search (item_analysis.search); none: no index entry. */
  searchTokens?: string[];
  /**
   * The stance toward police of a repost's own words (AnalysisResult.reaction); null or absent: no
   * reaction (an original, a bare repost, an item not police-related).
   */
  reaction?: StoredReaction | null;
}

/** A repost's own words, judged for their stance toward police. */
export interface StoredReaction {
  policeNegative: boolean;
  score: number;
  cues: string[];
}

/** The reaction of item_analysis's three columns (all NULL: none). */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export function reactionOf(r: any): StoredReaction | null {
  if (r.reaction_police_negative === null || r.reaction_police_negative === undefined) return null;
  return { policeNegative: r.reaction_police_negative, score: r.reaction_score ?? 0, cues: r.reaction_cues ?? [] };
}

/** Loads the items of these ids that still need analysis (already analysed ones are skipped). */
export async function loadItemsToAnalyze(db: Queryable, ids: number[]): Promise<ItemToAnalyze[]> {
  if (ids.length === 0) return [];
  const { rows } = await db.query<{ id: number; title: string | null; text: string; published_at: Date; source_name: string | null; reply: boolean }>(
    `SELECT id, title, text, published_at, source_name, parent_url_hash IS NOT NULL AS reply FROM items WHERE id = ANY($1::bigint[]) AND analyzed_at IS NULL`,
    [ids],
  );
  return rows.map((r) => ({ id: r.id, title: r.title, text: r.text, publishedAt: r.published_at, sourceName: r.source_name, reply: r.reply }));
}

/**
 * The analyses as one row each of `u` (unnest of parallel arrays $1…$20, in this order), for the
 * INSERT of a first analysis and the UPDATE of a re-analysis alike. Arrays of arrays do not go
 * through unnest() as ragged text[][]: they travel as JSON and are unpacked by the statement.
 */
export const ANALYSIS_ROWS = `unnest($1::bigint[], $2::text[], $3::text[], $4::boolean[], $5::real[], $6::text[], $7::real[], $8::boolean[], $9::real[],
       $10::jsonb[], $11::text[], $12::jsonb[], $13::jsonb[], $14::jsonb[], $15::text[], $16::jsonb[], $17::boolean[], $18::real[], $19::jsonb[],
       $20::jsonb[])
       AS u(item_id, engine_version, model_version, police_related, police_score, sentiment, sentiment_score, police_negative,
            police_negative_score, keywords, simhash, categories, places, jurisdiction_hits, language, search_tokens,
            reaction_police_negative, reaction_score, reaction_cues, police_negative_cues)`;

/** The parameters of ANALYSIS_ROWS for these analyses. */
export function analysisParams(rows: readonly StoredAnalysis[]): unknown[][] {
  const col = <T>(f: (r: StoredAnalysis) => T) => rows.map(f);
  return [
    col((r) => r.itemId),
    col((r) => r.engineVersion),
    col((r) => r.modelVersion),
    col((r) => r.policeRelated),
    col((r) => r.policeScore),
    col((r) => r.sentiment),
    col((r) => r.sentimentScore),
    col((r) => r.policeNegative),
    col((r) => r.policeNegativeScore),
    col((r) => JSON.stringify(r.keywords)),
    col((r) => r.simhash),
    col((r) => JSON.stringify(r.categories)),
    col((r) => JSON.stringify(r.places)),
    col((r) => JSON.stringify(r.jurisdictionHits)),
    col((r) => r.language),
    col((r) => JSON.stringify(r.searchTokens ?? [])),
    col((r) => r.reaction?.policeNegative ?? null),
    col((r) => r.reaction?.score ?? null),
    col((r) => JSON.stringify(r.reaction?.cues ?? [])),
    col((r) => JSON.stringify(r.policeNegativeCues ?? [])),
  ];
}

/**
 * Stores a batch of analyses and marks the items analysed, in the caller's transaction. A row that
 * exists already is left alone (ON CONFLICT DO NOTHING): a job delivered twice stores nothing twice.
 * Returns the ids actually stored.
 */
export async function storeAnalyses(client: PoolClient, rows: StoredAnalysis[]): Promise<number[]> {
  if (rows.length === 0) return [];
  // Arrays of arrays do not go through unnest() as ragged text[][]; pass them as JSON and unpack.
  const { rows: inserted } = await client.query<{ item_id: number }>(
    `INSERT INTO item_analysis (item_id, engine_version, model_version, police_related, police_score, sentiment,
       sentiment_score, police_negative, police_negative_score, keywords, simhash, categories, places, jurisdiction_hits, language,
       search, reaction_police_negative, reaction_score, reaction_cues, police_negative_cues)
     SELECT u.item_id, u.engine_version, u.model_version, u.police_related, u.police_score, u.sentiment, u.sentiment_score,
       u.police_negative, u.police_negative_score,
       ARRAY(SELECT jsonb_array_elements_text(u.keywords)), u.simhash,
       ARRAY(SELECT jsonb_array_elements_text(u.categories)), ARRAY(SELECT jsonb_array_elements_text(u.places)),
       ARRAY(SELECT jsonb_array_elements_text(u.jurisdiction_hits)), u.language,
       -- exact lexemes, lower-cased as the API lower-cases query terms; the text search parser is bypassed
       array_to_tsvector(ARRAY(SELECT DISTINCT lower(t) FROM jsonb_array_elements_text(u.search_tokens) AS t WHERE t <> '')),
       u.reaction_police_negative, u.reaction_score,
       CASE WHEN u.reaction_police_negative IS NULL THEN NULL ELSE ARRAY(SELECT jsonb_array_elements_text(u.reaction_cues)) END,
       ARRAY(SELECT jsonb_array_elements_text(u.police_negative_cues))
     FROM ${ANALYSIS_ROWS}
     ON CONFLICT (item_id) DO NOTHING
     RETURNING item_id`,
    analysisParams(rows),
  );
  const ids = rows.map((r) => r.itemId);
  await client.query('UPDATE items SET analyzed_at = now() WHERE id = ANY($1::bigint[]) AND analyzed_at IS NULL', [ids]);
  return inserted.map((r) => r.item_id);
}

/** Notes that topic-stage jobs for these items are queued. */
export async function markTopicEnqueued(db: Queryable, ids: number[]): Promise<void> {
  if (ids.length === 0) return;
  await db.query('UPDATE items SET topic_enqueued_at = now() WHERE id = ANY($1::bigint[])', [ids]);
}

/** The stored analysis of one item, or null. */
export async function getAnalysis(db: Queryable, itemId: number): Promise<StoredAnalysis & { analyzedAt: Date } | null> {
  const { rows } = await db.query(
    `SELECT item_id, engine_version, model_version, police_related, police_score, sentiment, sentiment_score, police_negative,
       police_negative_score, police_negative_cues, keywords, simhash, categories, places, jurisdiction_hits, language, analyzed_at,
       reaction_police_negative, reaction_score, reaction_cues
     FROM item_analysis WHERE item_id = $1`,
    [itemId],
  );
  const r = rows[0];
  if (!r) return null;
  return {
    itemId: r.item_id,
    engineVersion: r.engine_version,
    modelVersion: r.model_version,
    policeRelated: r.police_related,
    policeScore: r.police_score,
    sentiment: r.sentiment,
    sentimentScore: r.sentiment_score,
    policeNegative: r.police_negative,
    policeNegativeScore: r.police_negative_score,
    policeNegativeCues: r.police_negative_cues,
    keywords: r.keywords,
    simhash: r.simhash,
    categories: r.categories,
    places: r.places,
    jurisdictionHits: r.jurisdiction_hits,
    language: r.language,
    reaction: reactionOf(r),
    analyzedAt: r.analyzed_at,
  };
}
