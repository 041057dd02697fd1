/**
 * The due-source ticker. PostgreSQL decides what is due (sources.next_poll_at); each tick claims
 * due sources atomically and queues one crawl job per claim. Several crawler processes may tick
 * at once: a source is claimed by exactly one of them, and a restart never schedules twice.
 */
import type { Logger } from '@yuqing/config';
import { claimDueSources, releaseClaim, type Queryable } from '@yuqing/db';
import { crawlJobId, type CrawlPayload } from '@yuqing/queue';
import type { Queue } from 'bullmq';
import { errorMessage } from './store';

export interface SchedulerDeps {
  db: Queryable;
  crawlQueue: Queue<CrawlPayload>;
  log: Logger;
  leaseMs: number;
  batch?: number;
}

/** Claims due sources and queues their crawl jobs; returns how many were queued. */
export async function scheduleDueSources(deps: SchedulerDeps): Promise<number> {
  const claimed = await claimDueSources(deps.db, deps.batch ?? 200, deps.leaseMs);
  if (claimed.length === 0) return 0;
  try {
    await deps.crawlQueue.addBulk(
      claimed.map((c) => ({
        name: 'crawl',
        data: { sourceId: c.id, claimedAt: c.claimedAt.toISOString() },
        opts: { jobId: crawlJobId(c.id, c.claimedAt), attempts: 1 },
      })),
    );
  } catch (err) {
    // Redis is unavailable: give the claims back so the sources are due again shortly.
    deps.log.warn({ err: errorMessage(err), sources: claimed.length }, 'could not queue crawl jobs; releasing claims');
    for (const c of claimed) await releaseClaim(deps.db, c.id, 5000);
    return 0;
  }
  return claimed.length;
}

/** Runs `fn` every `everyMs` until stopped; a failing tick is logged and the loop goes on. */
export function every(everyMs: number, fn: () => Promise<unknown>, log: Logger, what: string): { stop(): Promise<void> } {
  let stopped = false;
  let running: Promise<unknown> = Promise.resolve();
  let timer: NodeJS.Timeout | undefined;
  const loop = () => {
    if (stopped) return;
    running = fn()
      .catch((err: unknown) => log.error({ err: errorMessage(err) }, `${what} failed`))
      .finally(() => {
        if (!stopped) timer = setTimeout(loop, everyMs);
      });
  };
  timer = setTimeout(loop, 0);
  return {
    async stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
      await running;
    },
  };
}
