/**
 * The buckets a period is charted in: hours for a period of up to two days (a daily digest: 24),
 * local days up to two months (a weekly report: 7), weeks beyond. Day buckets run from the period
 * start to the same local time the next day, so a 08:00–08:00 week has seven 08:00–08:00 days.
 * The database counts items in whole hours from the period start; hours fold into these buckets.
 */
import { addLocalDays, formatShort, wallTime } from './time';

const HOUR = 3_600_000;

export type BucketUnit = 'hour' | 'day' | 'week';

export interface Buckets {
  unit: BucketUnit;
  /** Bucket i is [edges[i], edges[i + 1]); the last edge is the period end. */
  edges: Date[];
}

/** The buckets of [from, to) in the zone. */
export function periodBuckets(from: Date, to: Date, timeZone: string): Buckets {
  const span = to.getTime() - from.getTime();
  if (span <= 0) return { unit: 'hour', edges: [from, to] };
  const edges: Date[] = [from];
  if (span <= 48 * HOUR) {
    for (let t = from.getTime() + HOUR; t < to.getTime(); t += HOUR) edges.push(new Date(t));
    edges.push(to);
    return { unit: 'hour', edges };
  }
  const step = span <= 62 * 24 * HOUR ? 1 : 7;
  for (let i = 1; ; i++) {
    const e = addLocalDays(from, i * step, timeZone);
    if (e.getTime() >= to.getTime()) break;
    edges.push(e);
  }
  edges.push(to);
  return { unit: step === 1 ? 'day' : 'week', edges };
}

/** The index of the bucket holding `at`, or -1 outside the period. */
export function bucketIndex(b: Buckets, at: Date): number {
  const t = at.getTime();
  const { edges } = b;
  if (edges.length < 2 || t < (edges[0] as Date).getTime() || t >= (edges[edges.length - 1] as Date).getTime()) return -1;
  let lo = 0;
  let hi = edges.length - 2;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if ((edges[mid] as Date).getTime() <= t) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}

/** A bucket's axis label: the local hour (`08时`) or the local date (`11-29`). */
export function bucketLabel(unit: BucketUnit, start: Date, timeZone: string): string {
  if (unit === 'hour') return `${String(wallTime(start, timeZone).hour).padStart(2, '0')}时`;
  return formatShort(start, timeZone).slice(0, 5);
}
