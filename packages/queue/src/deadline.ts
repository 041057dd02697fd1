/**
 * Waiting for something to finish, but not forever — without leaving a timer behind. A stopping
 * service used `Promise.race([work, sleep(35 s)])`: the race returned as soon as the work was done,
 * but the sleep's timer kept the process alive for the rest of its 35 s, so every stop took that
 * long (issue 14: 20–35 s per service).
 */

/** Resolves true when `work` settles within `ms`, false when it does not (the timer is cleared either way). */
export async function settleWithin(work: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<false>((resolve) => {
    timer = setTimeout(() => resolve(false), ms);
  });
  try {
    return await Promise.race([work.then(() => true, () => true), timedOut]);
  } finally {
    clearTimeout(timer);
  }
}
