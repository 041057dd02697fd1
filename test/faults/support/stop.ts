import { expect } from 'vitest';
import type { Proc } from './procs';

/** SIGTERM to every process at once: each exits (code 0) within 5 s. */
export async function expectCleanStop(procs: Proc[]): Promise<Record<string, number>> {
  const live = procs.filter((p) => p.running);
  const times = await Promise.all(live.map((p) => p.term()));
  const byName = Object.fromEntries(live.map((p, k) => [p.name, times[k]!]));
  console.log(`[faults] clean stop (ms): ${JSON.stringify(byName)}`);
  for (const [k, p] of live.entries()) {
    expect(times[k]!, `${p.name} stopped within 5 s of SIGTERM`).toBeLessThan(5000);
    expect(p.exitCode, `${p.name} exit code after SIGTERM`).toBe(0);
  }
  return byName;
}
