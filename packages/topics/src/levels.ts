/**
 * The warning level of a topic as a pure function of its indicators, following the national
 * four-level emergency-warning convention: 蓝 IV 一般, 黄 III 较大, 橙 II 重大, 红 I 特别重大.
 * Only police-related topics with negative opinion go above blue; a single unrepeated negative post
 * is blue at most (yellow needs several items and a departure from the topic's own baseline).
 * A story counts as police-negative when its root is, or when enough of its reactions (reposts'
 * own words) are (see the engine and reactionMinCount / reactionNegativeShare); the reasons then
 * say that the reactions decided it.
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
  /** Reactions in the topic: police-related reposts with words of their own, how many of them are police-negative, their share and mean stance score (strength, 0–1). */
  reactions: number;
  reactionsNegative: number;
  reactionNegativeShare: number;
  reactionScore: number;
  /**
   * Stories counted police-negative because of their reactions (their root is not): how many,
   * their items (part of policeNegativeItems), their reactions, police-negative reactions and
   * those reactions' mean score.
   */
  reactionStories: number;
  reactionStoryItems: number;
  reactionStoryReactions: number;
  reactionStoryNegative: number;
  reactionStoryScore: number;
  /** The stance cues most often fired by the topic's police-negative reactions, most frequent first. */
  reactionCues: string[];
  /** Weighted reach: Σ authority × (1 + log10(1 + followers)) + reposts/comments/likes when given. */
  reach: number;
  jurisdictionHits: number;
  /** Best rank the topic's items reached on a hot list (上榜), 0 when none; on which lists; whether one is national. */
  hotListBestRank: number;
  hotLists: string[];
  hotListNational: boolean;
  ageHours: number;
  stage: string;
}

export interface LevelDecision {
  level: Level;
  /** Every threshold that was crossed for this level, in words. */
  reasons: string[];
}

const fmt = (n: number) => (Number.isInteger(n) ? String(n) : n.toFixed(2));

/** Chinese names of the analyzer's stance cues (an unknown cue is shown as it is). */
const CUE_NAMES: Record<string, string> = {
  accountability: '要求问责',
  coverup: '掩盖压制',
  'cover-up': '掩盖压制',
  distrust: '不信任',
  fear: '不敢报警',
  question: '质问',
  inaction: '不作为',
  rhetorical: '反问质疑',
  ridicule: '嘲讽',
  sarcasm: '反讽',
  abuse: '滥用职权',
  assault: '袭警',
  clash: '警民冲突',
  corruption: '腐败',
  custody: '羁押',
  rumour: '谣言',
  unfair: '执法不公',
  violence: '暴力执法',
  wrongful: '冤错',
  model: '模型',
};

/**
 * Why reactions made stories police-negative, in words, or null when they made none: the share of
 * police-negative reactions in those stories against the threshold, with the counts behind it.
 */
function reactionReason(ind: Indicators, cfg: TopicConfig): string | null {
  if (ind.reactionStories <= 0) return null;
  const share = ind.reactionStoryReactions > 0 ? ind.reactionStoryNegative / ind.reactionStoryReactions : 0;
  const cues = ind.reactionCues.length ? `，线索：${ind.reactionCues.map((c) => CUE_NAMES[c] ?? c).join('、')}` : '';
  return (
    `转发评论涉警负面占比 ${fmt(Math.round(share * 100) / 100)} (${ind.reactionStoryNegative}/${ind.reactionStoryReactions}) ≥ ${cfg.reactionNegativeShare}` +
    `（评论 ≥ ${cfg.reactionMinCount} 条，平均强度 ${fmt(ind.reactionStoryScore)}${cues}）：` +
    `根帖未判涉警负面的 ${ind.reactionStories} 条传播链 (${ind.reactionStoryItems} 条) 按转发评论计为涉警负面`
  );
}

/** 上榜 in words: the lists and the best rank. */
function hotListReason(ind: Indicators): string {
  return `登上${ind.hotListNational ? '全国' : ''}热榜：${ind.hotLists.join('、')}（最高第 ${ind.hotListBestRank} 位）`;
}

/**
 * A police-negative topic on a hot list is what the whole country (or the region) is reading: on a
 * national list it is at least orange, on a regional one at least yellow, however few items it has.
 */
function withHotList(decision: LevelDecision, ind: Indicators): LevelDecision {
  if (ind.hotListBestRank <= 0 || ind.hotLists.length === 0) return decision;
  const floor: Level = ind.hotListNational ? 'orange' : 'yellow';
  const reasons = [...decision.reasons, hotListReason(ind)];
  return levelRank(decision.level) >= levelRank(floor) ? { level: decision.level, reasons } : { level: floor, reasons };
}

/** Decides the automatic level from the indicators. */
export function decideLevel(ind: Indicators, cfg: TopicConfig): LevelDecision {
  const decision = decideBaseLevel(ind, cfg);
  // Only police-negative opinion warns (blue for a police-negative item in a mixed topic stays blue).
  const policeNegative = ind.policeRelatedShare >= cfg.policeShare && ind.policeNegativeShare >= cfg.policeNegativeShare;
  if (policeNegative) return withHotList(decision, ind);
  if (ind.hotListBestRank > 0 && decision.level !== 'none') return { ...decision, reasons: [...decision.reasons, hotListReason(ind)] };
  return decision;
}

/** The level from counts, rates, reach and jurisdiction (before hot lists). */
function decideBaseLevel(ind: Indicators, cfg: TopicConfig): LevelDecision {
  const policeRelated = ind.policeRelatedShare >= cfg.policeShare;
  const policeNegative = policeRelated && ind.policeNegativeShare >= cfg.policeNegativeShare;
  const byReactions = reactionReason(ind, cfg);
  const base = [
    `涉警占比 ${fmt(ind.policeRelatedShare)} ≥ ${cfg.policeShare}`,
    `涉警负面占比 ${fmt(ind.policeNegativeShare)} ≥ ${cfg.policeNegativeShare}`,
    ...(byReactions ? [byReactions] : []),
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
    return {
      level: 'blue',
      reasons: [`含涉警负面条目 ${ind.policeNegativeItems} 条 (占比 ${fmt(ind.policeNegativeShare)} < ${cfg.policeNegativeShare})`, ...(byReactions ? [byReactions] : [])],
    };
  }
  return { level: 'none', reasons: [] };
}

/** True when `a` is a higher level than `b`. */
export const isHigher = (a: Level, b: Level): boolean => levelRank(a) > levelRank(b);
