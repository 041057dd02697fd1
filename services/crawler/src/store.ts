/**
 * The one way items enter the database, for crawled, ingested and pushed items alike:
 * insert (idempotent by url_hash), then hand the new ids to analysis. PostgreSQL is the source of
 * truth: if Redis is down the ids simply stay un-enqueued and the reconciler picks them up later.
 */
import type { Logger } from '@yuqing/config';
import { insertItems, markEnqueued, type NewItem, type Queryable } from '@yuqing/db';
import { enqueueAnalysis, type AnalyzePayload } from '@yuqing/queue';
import type { Queue } from 'bullmq';

export interface StoreDeps {
  db: Queryable;
  analyzeQueue: Queue<AnalyzePayload>;
  log: Logger;
}

/** Stores items and enqueues analysis of the new ones; returns the ids that were new. */
export async function storeItems(deps: StoreDeps, items: NewItem[]): Promise<number[]> {
  const inserted = await insertItems(deps.db, items);
  const ids = inserted.map((r) => r.id);
  await handToAnalysis(deps, ids);
  return ids;
}

/** Enqueues analysis jobs and marks them enqueued; a Redis failure is logged, not thrown. */
export async function handToAnalysis(deps: StoreDeps, ids: number[]): Promise<boolean> {
  if (ids.length === 0) return true;
  try {
    await enqueueAnalysis(deps.analyzeQueue, ids);
  } catch (err) {
    deps.log.warn({ err: errorMessage(err), items: ids.length }, 'could not enqueue analysis; the reconciler will retry');
    return false;
  }
  await markEnqueued(deps.db, ids);
  return true;
}

/** The message of anything thrown. */
export function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
