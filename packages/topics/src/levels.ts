/**
 * The warning level of a topic as a pure function of its indicators, following the national
 * four-level emergency-warning convention: 蓝 IV 一般, 黄 III 较大, 橙 II 重大, 红 I 特别重大.
 * Only police-related topics with negative opinion go above blue; a single unrepeated negative post
 * is blue at most (yellow needs several items and a departure from the topic's own baseline).
 */
import { levelRank, type Level, type TopicConfig } from './config';

/** What the level is decided from; stored with every level change. */
export interface Indicators {
  items: number;
  stories: number;
  /** Items in the last hour of event time, and in the hour before it. */
  rate1h: number;
  ratePrev1h: number;
  /** Hourly rate change (items/h per hour). */
  acceleration: number;
  /** The topic's own EWMA baseline (items/h) before the current hour. */
  baseline: number;
  /** Departure from baseline: (rate1h − baseline) / sqrt(baseline + 1). */
  burst: number;
  sources: number;
  policeRelatedShare: number;
  policeNegativeShare: number;
  policeNegativeItems: number;
  negativeShare: number;
  /** Weighted reach: Σ authority × (1 + log10(1 + followers)) + reposts/comments/likes when given. */
  reach: number;
  jurisdictionHits: number;
  ageHours: number;
  stage: string;
}

export interface LevelDecision {
  level: Level;
  /** Every threshold that was crossed for this level, in words. */
  reasons: string[];
}

const fmt = (n: number) => (Number.isInteger(n) ? String(n) : n.toFixed(2));

/** Decides the automatic level from the indicators. */
export function decideLevel(ind: Indicators, cfg: TopicConfig): LevelDecision {
  const policeRelated = ind.policeRelatedShare >= cfg.policeShare;
  const policeNegative = policeRelated && ind.policeNegativeShare >= cfg.policeNegativeShare;
  const base = [
    `涉警占比 ${fmt(ind.policeRelatedShare)} ≥ ${cfg.policeShare}`,
    `涉警负面占比 ${fmt(ind.policeNegativeShare)} ≥ ${cfg.policeNegativeShare}`,
  ];
  if (policeNegative) {
    const spreading = ind.items >= cfg.yellowMinItems && (ind.burst >= cfg.yellowMinBurst || ind.rate1h >= cfg.yellowMinRatePerHour);
    if (spreading) {
      const yellow = [
        ...base,
        `条数 ${ind.items} ≥ ${cfg.yellowMinItems}`,
        ind.burst >= cfg.yellowMinBurst
          ? `偏离基线 ${fmt(ind.burst)} ≥ ${cfg.yellowMinBurst} (近1小时 ${ind.rate1h} 条, 基线 ${fmt(ind.baseline)} 条/小时)`
          : `近1小时 ${ind.rate1h} 条 ≥ ${cfg.yellowMinRatePerHour}`,
      ];
      const red = [
        ind.items >= cfg.redMinItems && ind.rate1h >= cfg.redMinRatePerHour ? `条数 ${ind.items} ≥ ${cfg.redMinItems} 且近1小时 ${ind.rate1h} ≥ ${cfg.redMinRatePerHour}` : null,
        ind.reach >= cfg.redMinReach ? `加权传播力 ${fmt(ind.reach)} ≥ ${cfg.redMinReach}` : null,
      ].filter((r): r is string => r !== null);
      const orange = [
        ind.items >= cfg.orangeMinItems && ind.rate1h >= cfg.orangeMinRatePerHour
          ? `条数 ${ind.items} ≥ ${cfg.orangeMinItems} 且近1小时 ${ind.rate1h} ≥ ${cfg.orangeMinRatePerHour}`
          : null,
        ind.reach >= cfg.orangeMinReach ? `加权传播力 ${fmt(ind.reach)} ≥ ${cfg.orangeMinReach}` : null,
      ].filter((r): r is string => r !== null);
      if (red.length) return { level: 'red', reasons: [...yellow, ...red] };
      if (orange.length && ind.jurisdictionHits > 0) return { level: 'red', reasons: [...yellow, ...orange, `辖区命中 ${ind.jurisdictionHits}`] };
      if (orange.length) return { level: 'orange', reasons: [...yellow, ...orange] };
      if (ind.jurisdictionHits > 0 && ind.items >= cfg.yellowMinItems * 3) {
        return { level: 'orange', reasons: [...yellow, `辖区命中 ${ind.jurisdictionHits}`, `条数 ${ind.items} ≥ ${cfg.yellowMinItems * 3}`] };
      }
      return { level: 'yellow', reasons: yellow };
    }
    return {
      level: 'blue',
      reasons: [...base, `未达黄色：需条数 ≥ ${cfg.yellowMinItems} 且 (偏离基线 ≥ ${cfg.yellowMinBurst} 或近1小时 ≥ ${cfg.yellowMinRatePerHour})，现为 ${ind.items} 条、偏离 ${fmt(ind.burst)}、近1小时 ${ind.rate1h} 条`],
    };
  }
  if (ind.policeNegativeItems > 0) {
    return { level: 'blue', reasons: [`含涉警负面条目 ${ind.policeNegativeItems} 条 (占比 ${fmt(ind.policeNegativeShare)} < ${cfg.policeNegativeShare})`] };
  }
  return { level: 'none', reasons: [] };
}

/** True when `a` is a higher level than `b`. */
export const isHigher = (a: Level, b: Level): boolean => levelRank(a) > levelRank(b);
