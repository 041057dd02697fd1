/** The words and colours a digest prints; one place, so HTML and Markdown say the same thing. */
import type { DigestKind, IncidentStatus, TopicLevel, WarningLevel } from './types';

export const LEVEL_LABELS: Record<TopicLevel, string> = { none: '无', blue: '蓝色', yellow: '黄色', orange: '橙色', red: '红色' };

/** The public-security warning colours. */
export const LEVEL_COLOURS: Record<TopicLevel, string> = { none: '#8c8c8c', blue: '#1677ff', yellow: '#faad14', orange: '#fa8c16', red: '#f5222d' };

const RANK: Record<TopicLevel, number> = { none: 0, blue: 1, yellow: 2, orange: 3, red: 4 };
export const levelRank = (l: TopicLevel): number => RANK[l];

/** Highest level first (the order tables list levels in). */
export const LEVELS_DESC: readonly WarningLevel[] = ['red', 'orange', 'yellow', 'blue'];

export const STATUS_LABELS: Record<IncidentStatus, string> = { new: '新建', assessing: '研判中', handling: '处置中', responded: '已回应', closed: '已结案' };

export const KIND_NAMES: Record<DigestKind, string> = { daily: '舆情日报', weekly: '舆情周报', custom: '舆情专报' };

/** Reads a stored level leniently: anything unknown is 'none'. */
export function asLevel(v: unknown): TopicLevel {
  return typeof v === 'string' && v in RANK ? (v as TopicLevel) : 'none';
}
