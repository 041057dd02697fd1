/**
 * One batch of analysis: load the items still unanalysed, run the engine (in its threads), store
 * every result and the items' analysed mark in one transaction, then hand the items to the topic
 * stage. A crash anywhere before the commit leaves the items unanalysed (their jobs are retried);
 * after it, a re-delivered job finds the item analysed and stores nothing twice.
 */
import type { Logger } from '@yuqing/config';
import { loadItemsToAnalyze, markTopicEnqueued, withTransaction, type Pool, type StoredAnalysis } from '@yuqing/db';
import type { AnalysisResult, AnalyzeInput } from '@yuqing/nlp';
import { metrics } from '@yuqing/metrics';
import { enqueueTopics, type TopicPayload } from '@yuqing/queue';
import type { Queue } from 'bullmq';
import type { EnginePool } from './engine-pool';
import { storeAnalysesWithSchemes } from './scheme-matching';

export interface BatchDeps {
  db: Pool;
  engine: Pick<EnginePool, 'analyze' | 'engineVersion'>;
  topicQueue: Queue<TopicPayload>;
  log: Logger;
}

export type BatchOutcome = 'stored' | 'skipped';

/** A result as stored; the model is the one that produced it (a reload may happen while a batch is in flight). */
export function toStored(r: AnalysisResult, itemId: number, engineVersion: string): StoredAnalysis {
  return {
    itemId,
    engineVersion,
    modelVersion: r.modelVersion,
    policeRelated: r.policeRelated,
    policeScore: r.policeScore,
    sentiment: r.sentiment.label,
    sentimentScore: r.sentiment.score,
    policeNegative: r.policeNegative,
    policeNegativeScore: r.policeNegativeScore,
    policeNegativeCues: r.policeNegativeCues,
    keywords: r.keywords,
    simhash: r.simhash,
    categories: r.categories,
    places: r.places,
    jurisdictionHits: r.jurisdictionHits,
    language: r.language,
    searchTokens: r.searchTokens,
    // A repost's own words about the police: the topic stage counts them per story (read back by loadItemsForTopics).
    reaction: r.reaction,
  };
}

/** Analyses and stores a batch of item ids; one outcome per id, in order. */
export async function analyzeBatch(deps: BatchDeps, ids: number[]): Promise<BatchOutcome[]> {
  const m = metrics();
  const endTimer = m.analyzeBatchDuration.startTimer();
  try {
    const outcomes = await analyzeAndStore(deps, ids);
    m.analyzedItems.inc(outcomes.filter((o) => o === 'stored').length);
    return outcomes;
  } finally {
    endTimer();
  }
}

async function analyzeAndStore(deps: BatchDeps, ids: number[]): Promise<BatchOutcome[]> {
  const items = await loadItemsToAnalyze(deps.db, [...new Set(ids)]);
  const inputs: AnalyzeInput[] = items.map((i) => ({
    id: String(i.id),
    title: i.title,
    text: i.text,
    publishedAt: i.publishedAt.toISOString(),
    source: i.sourceName,
    reply: i.reply,
  }));
  const results = await deps.engine.analyze(inputs);
  const rows = results.map((r, i) => toStored(r, items[i]!.id, deps.engine.engineVersion));
  // Stored with the monitoring schemes' matches (and their jurisdiction hits) in the same transaction.
  const stored = new Set(await withTransaction(deps.db, (client) => storeAnalysesWithSchemes(client, items, rows)));
  if (stored.size) {
    try {
      await enqueueTopics(deps.topicQueue, [...stored]);
      await markTopicEnqueued(deps.db, [...stored]);
    } catch (err) {
      // The topic stage reconciles from items.topic_enqueued_at; analysis is safely stored.
      deps.log.warn({ err: err instanceof Error ? err.message : String(err), items: stored.size }, 'could not hand items to the topic stage');
    }
  }
  return ids.map((id) => (stored.has(id) ? 'stored' : 'skipped'));
}
