/**
 * Thresholds of the topic stage, with the defaults the README justifies. Every window is in
 * event time (items' publication times), never the wall clock.
 */
export const LEVELS = ['none', 'blue', 'yellow', 'orange', 'red'] as const;
export type Level = (typeof LEVELS)[number];

/** Rank of a level, for comparisons (none 0 … red 4). */
export const levelRank = (l: Level): number => LEVELS.indexOf(l);

export interface TopicConfig {
  /** Two roots within this Hamming distance (64-bit SimHash of character 3-grams) are one story. */
  storyHamming: number;
  /** Or: two roots whose character 3-gram sets have Jaccard similarity ≥ this (edited reposts). */
  storyJaccard: number;
  /** Cosine similarity of keyword vectors at or above which a new story joins a topic. */
  topicSimilarity: number;
  /** At or above this, a story matching two topics merges them. */
  mergeSimilarity: number;
  /** Terms kept in a topic's centroid. */
  centroidTerms: number;
  /** A topic with no item for this long is closed (its level drops to none). */
  closeAfterMs: number;
  /** A closed topic stays findable this long; a story joining it reopens it as 次生. */
  reopenWithinMs: number;
  /** Time-series bucket width. */
  bucketMs: number;
  /** EWMA smoothing of the hourly baseline rate. */
  baselineAlpha: number;
  /** The baseline rate assumed for a topic with no history (items per hour). */
  priorRatePerHour: number;
  /** Share of police-related items for a topic to count as police-related. */
  policeShare: number;
  /** Share of police-negative items for a topic to count as police-negative opinion. */
  policeNegativeShare: number;
  /**
   * Reactions: a repost's own words (the text before what it quotes), judged by the analyzer for
   * their stance toward police. A story whose root is not police-negative still counts as
   * police-negative once it has at least this many reactions (so two comments do not decide) …
   */
  reactionMinCount: number;
  /** … and at least this share of them are police-negative (the story must be police-related: policeShare of its items). */
  reactionNegativeShare: number;
  /** Yellow: at least this many items, and a departure from baseline (burst) or this hourly rate. */
  yellowMinItems: number;
  yellowMinBurst: number;
  yellowMinRatePerHour: number;
  /** Orange: items and hourly rate, or weighted reach. */
  orangeMinItems: number;
  orangeMinRatePerHour: number;
  orangeMinReach: number;
  /** Red: items and hourly rate, or weighted reach; or orange inside the jurisdiction. */
  redMinItems: number;
  redMinRatePerHour: number;
  redMinReach: number;
  /** Term bursts: a term this many times in an hour and this many times its baseline. */
  termBurstMinCount: number;
  termBurstRatio: number;
}

export const DEFAULT_TOPIC_CONFIG: TopicConfig = {
  storyHamming: 3,
  storyJaccard: 0.6,
  topicSimilarity: 0.8,
  mergeSimilarity: 0.85,
  centroidTerms: 30,
  closeAfterMs: 48 * 3600_000,
  reopenWithinMs: 30 * 86400_000,
  bucketMs: 10 * 60_000,
  baselineAlpha: 0.2,
  priorRatePerHour: 1,
  policeShare: 0.5,
  policeNegativeShare: 0.5,
  reactionMinCount: 20,
  reactionNegativeShare: 0.5,
  yellowMinItems: 8,
  yellowMinBurst: 3,
  yellowMinRatePerHour: 6,
  orangeMinItems: 150,
  orangeMinRatePerHour: 50,
  orangeMinReach: 2_000,
  redMinItems: 800,
  redMinRatePerHour: 200,
  redMinReach: 20_000,
  termBurstMinCount: 10,
  termBurstRatio: 5,
};

/** The defaults with overrides applied. */
export function topicConfig(overrides: Partial<TopicConfig> = {}): TopicConfig {
  return { ...DEFAULT_TOPIC_CONFIG, ...overrides };
}
