/**
 * The one way items enter the database, for crawled, ingested and pushed items alike:
 * insert (idempotent by url_hash), then hand the new ids to analysis. PostgreSQL is the source of
 * truth: if Redis is down the ids simply stay un-enqueued and the reconciler picks them up later.
 */
import type { Logger } from '@yuqing/config';
import { insertItems, markEnqueued, unmarkEnqueued, type NewItem, type Queryable } from '@yuqing/db';
import { enqueueAnalysis, type AnalyzePayload } from '@yuqing/queue';
import type { Queue } from 'bullmq';

export interface StoreDeps {
  db: Queryable;
  analyzeQueue: Queue<AnalyzePayload>;
  log: Logger;
}

/** An item the database refused, and why. */
export interface RejectedItem {
  url: string;
  error: string;
}

/** Stores items and enqueues analysis of the new ones; returns the ids that were new. */
export async function storeItems(deps: StoreDeps, items: NewItem[]): Promise<number[]> {
  return (await storeItemsReporting(deps, items)).ids;
}

/**
 * The same, saying which items the database refused. Items are cleaned before they are stored
 * (@yuqing/db storable.ts), so a refusal is rare; but one refused row must not cost the batch its
 * other rows: when the batch fails on its data (SQLSTATE class 22, data exception, or 23,
 * integrity), its items are stored one at a time and only the refused ones are left out. A lost
 * connection or any other failure still throws: the job is retried.
 */
export async function storeItemsReporting(deps: StoreDeps, items: NewItem[]): Promise<{ ids: number[]; rejected: RejectedItem[] }> {
  const rejected: RejectedItem[] = [];
  let ids: number[];
  try {
    ids = (await insertItems(deps.db, items, { enqueued: true })).map((r) => r.id);
  } catch (err) {
    if (!isDataError(err) || items.length === 0) throw err;
    ids = [];
    for (const item of items) {
      try {
        ids.push(...(await insertItems(deps.db, [item], { enqueued: true })).map((r) => r.id));
      } catch (one) {
        if (!isDataError(one)) throw one;
        rejected.push({ url: item.url, error: errorMessage(one) });
      }
    }
    deps.log.warn({ items: items.length, rejected: rejected.length, first: rejected[0] }, 'items refused by the database were left out; the others are stored');
  }
  await enqueueStored(deps, ids);
  return { ids, rejected };
}

/**
 * Enqueues analysis of items stored with enqueued_at already set (one statement fewer per page
 * than handToAnalysis). A Redis failure clears the mark so the reconciler takes them at once.
 */
async function enqueueStored(deps: StoreDeps, ids: number[]): Promise<void> {
  if (ids.length === 0) return;
  try {
    await enqueueAnalysis(deps.analyzeQueue, ids);
  } catch (err) {
    deps.log.warn({ err: errorMessage(err), items: ids.length }, 'could not enqueue analysis; the reconciler will retry');
    await unmarkEnqueued(deps.db, ids);
  }
}

/** A PostgreSQL error about the data itself (classes 22 and 23), not about the connection or the server. */
export function isDataError(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' && (code.startsWith('22') || code.startsWith('23'));
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
