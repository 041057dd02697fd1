/**
 * The reconciler makes the analyze queue a cache of PostgreSQL, not a second source of truth:
 * items not analysed some time after being stored (never enqueued because Redis was down, or
 * their job vanished with a Redis restart) are enqueued again. Job ids are item ids, so an item
 * whose job is still waiting is not queued twice. It also prunes evidence past its retention.
 */
import { findUnanalyzed, pruneEvidence, pruneHotListSnapshots } from '@yuqing/db';
import { handToAnalysis, type StoreDeps } from './store';

/** Re-enqueues stale unanalysed items; returns how many were handed over. */
export async function reconcileOnce(deps: StoreDeps, staleMs: number, batch = 1000): Promise<number> {
  const ids = await findUnanalyzed(deps.db, staleMs, batch);
  if (ids.length === 0) return 0;
  const ok = await handToAnalysis(deps, ids);
  if (ok) deps.log.info({ items: ids.length }, 'reconciler re-enqueued unanalysed items');
  return ok ? ids.length : 0;
}

/** Deletes hot-list snapshots past their retention (0 days = keep forever), a batch per call. */
export async function pruneExpiredHotListSnapshots(deps: StoreDeps, retentionDays: number): Promise<number> {
  if (retentionDays <= 0) return 0;
  return pruneHotListSnapshots(deps.db, retentionDays);
}

/** Deletes expired evidence (0 days = keep forever). */
export async function pruneExpiredEvidence(deps: StoreDeps, retentionDays: number): Promise<number> {
  if (retentionDays <= 0) return 0;
  return pruneEvidence(deps.db, retentionDays);
}
