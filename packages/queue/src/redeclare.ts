/**
 * What a process declares in Redis when it starts — job schedulers (digests, form drafts, model
 * retraining), a queue's global concurrency — lives only in Redis. When Redis loses its data
 * (FLUSHALL, a restart without persistence, a failover to an empty replica) the declarations go
 * with it, and nothing brought them back before the next restart: digests and form drafts silently
 * stopped (found by the fault suite's FLUSHALL case). Declaring is idempotent (fixed scheduler
 * ids, a single setting), so every process simply declares again, periodically.
 */

/** Runs `declare` every `everyMs` (not at once: the caller declared at start) until stopped. */
export function keepDeclared(declare: () => Promise<unknown>, everyMs: number, onError: (err: unknown) => void): { stop(): Promise<void> } {
  let stopped = false;
  let running: Promise<unknown> = Promise.resolve();
  let timer: NodeJS.Timeout | undefined;
  const loop = () => {
    if (stopped) return;
    running = declare()
      .catch(onError)
      .finally(() => {
        if (!stopped) timer = setTimeout(loop, everyMs);
      });
  };
  timer = setTimeout(loop, everyMs);
  return {
    async stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
      await running;
    },
  };
}
