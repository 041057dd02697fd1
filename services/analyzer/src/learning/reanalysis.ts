/**
 * After an activation: queue the re-analysis of the items published in the last
 * MODEL_REANALYZE_DAYS days (analyze jobs with `reanalyze`, one per item and activation, so they
 * spread over every analyzer process), then note it on the model row. Run by the model worker for
 * the `reanalyze` job the activation queued; an analyzer that finds an active model whose
 * re-analysis was never queued (the job lost with Redis) queues that job again.
 */
import type { Config } from '@yuqing/config';
import { analysedItemIdsSince, getActiveModelRef, markReanalysisQueued, type Pool } from '@yuqing/db';
import { enqueueReanalysis, type AnalyzePayload } from '@yuqing/queue';
import type { Queue } from 'bullmq';

export interface ReanalysisDeps {
  cfg: Pick<Config, 'MODEL_REANALYZE_DAYS'>;
  db: Pool;
  analyzeQueue: Queue<AnalyzePayload>;
  now?: () => Date;
}

/**
 * Queues the re-analysis after the activation of `version` at `activatedAt`; returns how many
 * items, or null when that activation is no longer current or was handled already.
 */
export async function queueReanalysis(deps: ReanalysisDeps, version: number, activatedAt: Date): Promise<number | null> {
  const active = await getActiveModelRef(deps.db);
  if (!active || active.version !== version || active.activatedAt.getTime() !== activatedAt.getTime() || active.reanalysisQueuedAt) return null;
  let queued = 0;
  if (deps.cfg.MODEL_REANALYZE_DAYS > 0) {
    const since = new Date((deps.now?.() ?? new Date()).getTime() - deps.cfg.MODEL_REANALYZE_DAYS * 86_400_000);
    let after = 0;
    for (;;) {
      const ids = await analysedItemIdsSince(deps.db, since, { afterId: after, limit: 1000 });
      if (!ids.length) break;
      await enqueueReanalysis(deps.analyzeQueue, ids, version, activatedAt);
      queued += ids.length;
      after = ids.at(-1)!;
    }
  }
  await markReanalysisQueued(deps.db, version, activatedAt, queued);
  return queued;
}
