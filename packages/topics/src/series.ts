/**
 * A topic's activity over event time: counts in fixed buckets (kept for the last day, enough for
 * the hourly windows; totals live on the topic) and an EWMA baseline of the hourly rate that is
 * updated as whole hours of event time pass. Late items land in their own bucket when it is still
 * kept, so replaying at any speed gives the same numbers.
 */
const HOUR = 3600_000;

export interface SeriesState {
  bucketMs: number;
  /** bucket index (floor(t / bucketMs)) → items. */
  buckets: Map<number, number>;
  /** Hour index up to which (exclusive) the baseline has absorbed the counts. */
  baselineHour: number;
  baseline: number;
  /** Highest hourly rate seen. */
  peakRate: number;
}

/** A new series; `prior` is the baseline before any history. */
export function newSeries(bucketMs: number, firstAtMs: number, prior: number): SeriesState {
  return { bucketMs, buckets: new Map(), baselineHour: Math.floor(firstAtMs / HOUR), baseline: prior, peakRate: 0 };
}

/** Counts one item at event time `t`. */
export function addToSeries(s: SeriesState, t: number): void {
  const b = Math.floor(t / s.bucketMs);
  s.buckets.set(b, (s.buckets.get(b) ?? 0) + 1);
}

/** Items with time in (to − span, to]. */
export function countInWindow(s: SeriesState, toMs: number, spanMs: number): number {
  const last = Math.floor(toMs / s.bucketMs);
  const first = Math.floor((toMs - spanMs) / s.bucketMs) + 1;
  let n = 0;
  for (let b = first; b <= last; b++) n += s.buckets.get(b) ?? 0;
  return n;
}

/**
 * Moves the baseline forward to the hour containing `nowMs`: every whole hour that ended is folded
 * into the EWMA (hours without items count as zero). Buckets older than a day are dropped.
 */
export function advanceSeries(s: SeriesState, nowMs: number, alpha: number): void {
  const hourNow = Math.floor(nowMs / HOUR);
  if (hourNow <= s.baselineHour) return;
  const perHour = HOUR / s.bucketMs;
  // Folding more than a few days of empty hours is the same as decaying by (1-α)^gap.
  const gap = hourNow - s.baselineHour;
  if (gap > 72) {
    s.baseline *= Math.pow(1 - alpha, gap);
  } else {
    for (let h = s.baselineHour; h < hourNow; h++) {
      let count = 0;
      for (let b = h * perHour; b < (h + 1) * perHour; b++) count += s.buckets.get(b) ?? 0;
      s.baseline = alpha * count + (1 - alpha) * s.baseline;
    }
  }
  s.baselineHour = hourNow;
  const keepFrom = Math.floor((nowMs - 24 * HOUR) / s.bucketMs);
  for (const b of s.buckets.keys()) if (b < keepFrom) s.buckets.delete(b);
}

/** Rates and the departure from baseline at `nowMs`. */
export function seriesIndicators(s: SeriesState, nowMs: number): { rate1h: number; ratePrev1h: number; acceleration: number; baseline: number; burst: number } {
  const rate1h = countInWindow(s, nowMs, HOUR);
  const ratePrev1h = countInWindow(s, nowMs - HOUR, HOUR);
  if (rate1h > s.peakRate) s.peakRate = rate1h;
  const burst = (rate1h - s.baseline) / Math.sqrt(s.baseline + 1);
  return { rate1h, ratePrev1h, acceleration: rate1h - ratePrev1h, baseline: s.baseline, burst };
}
