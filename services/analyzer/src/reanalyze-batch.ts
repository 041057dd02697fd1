/**
 * One batch of re-analysis after a model activation: make sure this process's threads run the
 * active model (the job may arrive before the announcement), analyse the items again and replace
 * their analysis where the model differs. Then hand the topic stage the items it must revise: those
 * placed whose counted fields (police-related, police-negative, negative, reaction) differ from the
 * new analysis, and those changed but not placed yet (a placement in flight may have read the old
 * analysis). The stage keeps each item where it placed it and moves its topic's counts; the level
 * may rise from there, and no level history is rewritten. The item pages, searches and digests read
 * the new analysis.
 */
import type { Logger } from '@yuqing/config';
import { withSchemePlaces } from './scheme-matching';
import { countedDiffers, loadCountedFields, loadItemsToReanalyze, storeReanalyses, topicRevisionsDue, withTransaction, type Pool } from '@yuqing/db';
import type { AnalyzeInput } from '@yuqing/nlp';
import { enqueueTopicRevisions, type TopicPayload } from '@yuqing/queue';
import type { Queue } from 'bullmq';
import { toStored, type BatchOutcome } from './analyze-batch';
import type { EnginePool } from './engine-pool';

export interface ReanalyzeDeps {
  db: Pool;
  engine: Pick<EnginePool, 'analyze' | 'engineVersion'>;
  /** Brings the threads to the active model (model-reload.ts). */
  ensureCurrentModel: () => Promise<void>;
  /** Where revisions go (the topic stage's queue). */
  topicQueue: Queue<TopicPayload>;
  log: Logger;
}

/** Re-analyses a batch of item ids; one outcome per id, in order ('stored' when the analysis changed). */
export async function reanalyzeBatch(deps: ReanalyzeDeps, ids: number[]): Promise<BatchOutcome[]> {
  await deps.ensureCurrentModel();
  const items = await loadItemsToReanalyze(deps.db, [...new Set(ids)]);
  const inputs: AnalyzeInput[] = items.map((i) => ({ id: String(i.id), title: i.title, text: i.text, publishedAt: i.publishedAt.toISOString(), source: i.sourceName, reply: i.reply }));
  const results = await deps.engine.analyze(inputs);
  const analysed = results.map((r, i) => toStored(r, items[i]!.id, deps.engine.engineVersion));
  const { stored, changed } = await withTransaction(deps.db, async (client) => {
    // The jurisdiction schemes' places stay jurisdiction hits, as the first analysis stored them.
    const rows = await withSchemePlaces(client, items, analysed);
    const before = await loadCountedFields(client, rows.map((r) => r.itemId));
    const replaced = await storeReanalyses(client, rows);
    const byId = new Map(rows.map((r) => [r.itemId, r]));
    const changed = replaced.filter((id) => {
      const old = before.get(id);
      const r = byId.get(id)!;
      return !old || countedDiffers(old, { policeRelated: r.policeRelated, policeNegative: r.policeNegative, negative: r.sentiment === 'negative', reaction: r.reaction ?? null });
    });
    return { stored: new Set(replaced), changed };
  });
  if (stored.size) deps.log.debug({ items: stored.size, changed: changed.length }, 'items re-analysed');
  // Derived from the tables, not from this run: a retried job (the queue was down) finds the same
  // placed items still differing. A failure here fails the job, which is retried.
  const due = await topicRevisionsDue(deps.db, items.map((i) => i.id), changed);
  await enqueueTopicRevisions(deps.topicQueue, due);
  return ids.map((id) => (stored.has(id) ? 'stored' : 'skipped'));
}
