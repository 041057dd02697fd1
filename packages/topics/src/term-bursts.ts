/**
 * Term bursts across the whole stream: a word suddenly frequent that was rare, caught before its
 * items cluster into one topic. Per term: this hour's count and an EWMA of past hourly counts.
 */
const HOUR = 3600_000;

export interface TermBurst {
  term: string;
  count: number;
  baseline: number;
  at: number;
}

interface TermStat {
  hour: number;
  count: number;
  ewma: number;
  lastBurstHour: number;
}

export class TermBurstDetector {
  private readonly stats = new Map<string, TermStat>();
  private lastPruneHour = 0;

  constructor(
    private readonly minCount: number,
    private readonly ratio: number,
    private readonly alpha = 0.1,
  ) {}

  /** Counts an item's terms at event time `t`; returns the terms that just burst. */
  observe(terms: string[], t: number): TermBurst[] {
    const hour = Math.floor(t / HOUR);
    const out: TermBurst[] = [];
    for (const term of new Set(terms)) {
      let s = this.stats.get(term);
      if (!s) this.stats.set(term, (s = { hour, count: 0, ewma: 0, lastBurstHour: -Infinity }));
      if (hour > s.hour) {
        // Fold the finished hour, then the empty hours in between.
        s.ewma = this.alpha * s.count + (1 - this.alpha) * s.ewma;
        s.ewma *= Math.pow(1 - this.alpha, Math.min(hour - s.hour - 1, 1000));
        s.hour = hour;
        s.count = 0;
      }
      if (hour < s.hour) continue; // a late item from an hour already folded: too late to burst
      s.count++;
      // At most one burst a day per term: the alert is that it started, not that it goes on.
      if (s.count >= this.minCount && s.count >= this.ratio * (s.ewma + 1) && hour - s.lastBurstHour >= 24) {
        s.lastBurstHour = hour;
        out.push({ term, count: s.count, baseline: s.ewma, at: t });
      }
    }
    if (hour - this.lastPruneHour >= 24 * 7) this.prune(hour);
    return out;
  }

  /** Drops terms that have been quiet for weeks, so the vocabulary does not grow without end. */
  private prune(hour: number): void {
    this.lastPruneHour = hour;
    for (const [term, s] of this.stats) if (hour - s.hour > 24 * 14 && s.ewma < 0.05) this.stats.delete(term);
  }

  /** Terms tracked (for memory figures). */
  get size(): number {
    return this.stats.size;
  }
}
