/**
 * A micro-batcher: callers submit one thing and get its own result back, while the handler sees
 * batches (one SELECT, one engine round trip, one INSERT for up to maxSize items). A batch goes
 * when it is full or when the first item in it has waited maxWaitMs.
 */
export interface Batcher<T, R> {
  submit(item: T): Promise<R>;
  /** Flushes what is waiting and resolves when every submitted item is done. */
  drain(): Promise<void>;
}

/** Creates a batcher around `handler`, which must return one result per input, in order. */
export function createBatcher<T, R>(handler: (items: T[]) => Promise<R[]>, opts: { maxSize: number; maxWaitMs: number }): Batcher<T, R> {
  let pending: Array<{ item: T; resolve: (r: R) => void; reject: (e: unknown) => void }> = [];
  let timer: NodeJS.Timeout | undefined;
  const inFlight = new Set<Promise<void>>();

  const flush = () => {
    if (timer) clearTimeout(timer);
    timer = undefined;
    if (pending.length === 0) return;
    const batch = pending;
    pending = [];
    const run = handler(batch.map((b) => b.item)).then(
      (results) => {
        if (results.length !== batch.length) throw new Error(`batch handler returned ${results.length} results for ${batch.length} items`);
        batch.forEach((b, i) => b.resolve(results[i] as R));
      },
      (err: unknown) => batch.forEach((b) => b.reject(err)),
    ).catch((err: unknown) => batch.forEach((b) => b.reject(err)));
    inFlight.add(run);
    void run.finally(() => inFlight.delete(run));
  };

  return {
    submit(item) {
      return new Promise<R>((resolve, reject) => {
        pending.push({ item, resolve, reject });
        if (pending.length >= opts.maxSize) flush();
        else if (!timer) timer = setTimeout(flush, opts.maxWaitMs);
      });
    },
    async drain() {
      flush();
      while (inFlight.size) await Promise.allSettled([...inFlight]);
    },
  };
}
