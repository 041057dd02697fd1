/** Waiting in tests for something another process or worker does, without fixed sleeps. */

/**
 * Polls `fn` every 25 ms until it gives a truthy value, and returns that; after `timeoutMs` it
 * throws, naming `what` it waited for.
 */
export async function until<T>(fn: () => Promise<T | null | undefined | false>, what: string, timeoutMs = 10_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}
