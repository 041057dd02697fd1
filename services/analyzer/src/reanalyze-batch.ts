/**
 * One batch of re-analysis after a model activation: make sure this process's threads run the
 * active model (the job may arrive before the announcement), analyse the items again and replace
 * their analysis where the model differs. Nothing goes to the topic stage: it placed these items
 * already and places an item once, so the item is not counted again and no level history is
 * rewritten; its stored analysis (what the item pages, searches and digests read) is the new one.
 */
import type { Logger } from '@yuqing/config';
import { loadItemsToReanalyze, storeReanalyses, withTransaction, type Pool } from '@yuqing/db';
import type { AnalyzeInput } from '@yuqing/nlp';
import { toStored, type BatchOutcome } from './analyze-batch';
import type { EnginePool } from './engine-pool';

export interface ReanalyzeDeps {
  db: Pool;
  engine: Pick<EnginePool, 'analyze' | 'engineVersion'>;
  /** Brings the threads to the active model (model-reload.ts). */
  ensureCurrentModel: () => Promise<void>;
  log: Logger;
}

/** Re-analyses a batch of item ids; one outcome per id, in order ('stored' when the analysis changed). */
export async function reanalyzeBatch(deps: ReanalyzeDeps, ids: number[]): Promise<BatchOutcome[]> {
  await deps.ensureCurrentModel();
  const items = await loadItemsToReanalyze(deps.db, [...new Set(ids)]);
  const inputs: AnalyzeInput[] = items.map((i) => ({ id: String(i.id), title: i.title, text: i.text, publishedAt: i.publishedAt.toISOString(), source: i.sourceName }));
  const results = await deps.engine.analyze(inputs);
  const rows = results.map((r, i) => toStored(r, items[i]!.id, deps.engine.engineVersion));
  const stored = new Set(await withTransaction(deps.db, (client) => storeReanalyses(client, rows)));
  if (stored.size) deps.log.debug({ items: stored.size }, 'items re-analysed');
  return ids.map((id) => (stored.has(id) ? 'stored' : 'skipped'));
}
