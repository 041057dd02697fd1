/**
 * Re-analysis after a model activation: analysed items are read again and their analysis replaced
 * (every column storeAnalyses writes, the reaction included) when the model (or engine) that produced it differs. Only item_analysis changes: items.analyzed_at
 * (the first analysis) stays. The topic stage places an item once (story_items), so no item is
 * counted twice; the items whose counted fields differ from their new analysis are handed to it to
 * revise (topicRevisionsDue), which moves their topic's counts and appends, never rewrites, level history.
 */
import type { PoolClient, Queryable } from '../pool';
import { ANALYSIS_ROWS, analysisParams, reactionOf, type ItemToAnalyze, type StoredAnalysis } from './analysis';
import type { CountedRow } from './topics';

/** Loads the analysed items of these ids (items not analysed yet are left to their first analysis). */
export async function loadItemsToReanalyze(db: Queryable, ids: number[]): Promise<ItemToAnalyze[]> {
  if (ids.length === 0) return [];
  const { rows } = await db.query<{ id: number; title: string | null; text: string; published_at: Date; source_name: string | null; reply: boolean }>(
    `SELECT id, title, text, published_at, source_name, parent_url_hash IS NOT NULL AS reply FROM items WHERE id = ANY($1::bigint[]) AND analyzed_at IS NOT NULL`,
    [ids],
  );
  return rows.map((r) => ({ id: r.id, title: r.title, text: r.text, publishedAt: r.published_at, sourceName: r.source_name, reply: r.reply }));
}

/**
 * Replaces the analyses of these items where the model or engine version differs from the stored
 * one (a re-delivered job with the same model stores nothing twice); returns the ids replaced.
 */
export async function storeReanalyses(client: PoolClient, rows: StoredAnalysis[]): Promise<number[]> {
  if (rows.length === 0) return [];
  const { rows: updated } = await client.query<{ item_id: number }>(
    `UPDATE item_analysis a SET engine_version = u.engine_version, model_version = u.model_version, police_related = u.police_related,
       police_score = u.police_score, sentiment = u.sentiment, sentiment_score = u.sentiment_score, police_negative = u.police_negative,
       police_negative_score = u.police_negative_score, keywords = ARRAY(SELECT jsonb_array_elements_text(u.keywords)), simhash = u.simhash,
       categories = ARRAY(SELECT jsonb_array_elements_text(u.categories)), places = ARRAY(SELECT jsonb_array_elements_text(u.places)),
       jurisdiction_hits = ARRAY(SELECT jsonb_array_elements_text(u.jurisdiction_hits)), language = u.language,
       search = array_to_tsvector(ARRAY(SELECT DISTINCT lower(t) FROM jsonb_array_elements_text(u.search_tokens) AS t WHERE t <> '')),
       reaction_police_negative = u.reaction_police_negative, reaction_score = u.reaction_score,
       reaction_cues = CASE WHEN u.reaction_police_negative IS NULL THEN NULL ELSE ARRAY(SELECT jsonb_array_elements_text(u.reaction_cues)) END,
       police_negative_cues = ARRAY(SELECT jsonb_array_elements_text(u.police_negative_cues)),
       analyzed_at = now()
     FROM ${ANALYSIS_ROWS}
     WHERE a.item_id = u.item_id
       AND (a.model_version IS DISTINCT FROM u.model_version OR a.engine_version IS DISTINCT FROM u.engine_version)
     RETURNING a.item_id`,
    analysisParams(rows),
  );
  return updated.map((r) => Number(r.item_id));
}

/** The fields the topic stage counts of these items' stored analyses (read before they are replaced; rows locked). */
export async function loadCountedFields(client: PoolClient, ids: number[]): Promise<Map<number, CountedRow>> {
  if (ids.length === 0) return new Map();
  const { rows } = await client.query(
    `SELECT item_id, police_related, police_negative, sentiment, reaction_police_negative, reaction_score, reaction_cues
     FROM item_analysis WHERE item_id = ANY($1::bigint[]) ORDER BY item_id FOR UPDATE`,
    [ids],
  );
  return new Map(rows.map((r) => [Number(r.item_id), { policeRelated: r.police_related, policeNegative: r.police_negative, negative: r.sentiment === 'negative', reaction: reactionOf(r) }]));
}

/** Whether a topic would count two analyses differently (scores compared as stored: real). */
export function countedDiffers(x: CountedRow, y: CountedRow): boolean {
  const rx = x.reaction;
  const ry = y.reaction;
  const reactionDiffers = !rx || !ry ? rx !== ry : rx.policeNegative !== ry.policeNegative || Math.fround(rx.score) !== Math.fround(ry.score) || (rx.cues ?? []).join('\u0000') !== (ry.cues ?? []).join('\u0000');
  return x.policeRelated !== y.policeRelated || x.policeNegative !== y.policeNegative || x.negative !== y.negative || reactionDiffers;
}

/**
 * Which of these items the topic stage must revise, with the time their analysis was stored (a
 * revision's job key): placed items whose counted fields differ from their analysis now (found
 * again by a retried job, so a revision lost before it was queued is not lost), and items of
 * `changed` not placed yet (a placement in flight may have read the analysis before it changed; the
 * stage ignores the revision of an item placed with the analysis it has now).
 */
export async function topicRevisionsDue(db: Queryable, ids: number[], changed: number[]): Promise<Array<{ itemId: number; analyzedAt: Date }>> {
  if (ids.length === 0) return [];
  const { rows } = await db.query<{ item_id: number; analyzed_at: Date }>(
    `SELECT a.item_id, a.analyzed_at
     FROM item_analysis a LEFT JOIN story_items si ON si.item_id = a.item_id
     WHERE a.item_id = ANY($1::bigint[])
       AND CASE WHEN si.item_id IS NULL THEN a.item_id = ANY($2::bigint[])
         ELSE si.counted_police_related IS NOT NULL AND (
           si.counted_police_related IS DISTINCT FROM a.police_related
           OR si.counted_police_negative IS DISTINCT FROM a.police_negative
           OR si.counted_negative IS DISTINCT FROM (a.sentiment = 'negative')
           OR si.counted_reaction_police_negative IS DISTINCT FROM a.reaction_police_negative
           OR (a.reaction_police_negative IS NOT NULL AND (
             coalesce(si.counted_reaction_score, 0) IS DISTINCT FROM coalesce(a.reaction_score, 0)
             OR coalesce(si.counted_reaction_cues, '{}') IS DISTINCT FROM coalesce(a.reaction_cues, '{}'))))
         END
     ORDER BY a.item_id`,
    [ids, changed],
  );
  return rows.map((r) => ({ itemId: Number(r.item_id), analyzedAt: r.analyzed_at }));
}
