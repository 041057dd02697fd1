/** Shared fixtures: a topic view, a rule, and a clock on the Asia/Shanghai wall clock. */
import { parseRule, type Level, type RuleInput, type StoredRule, type TopicView } from '../src/index';

export const SEC = 1000;
export const MIN = 60 * SEC;
export const HOUR = 60 * MIN;

/** An instant given on the Shanghai wall clock (UTC+8). */
export const shanghai = (y: number, mo: number, d: number, h: number, mi = 0): number => Date.UTC(y, mo - 1, d, h - 8, mi);

/** 2024-03-05 10:00 Shanghai. */
export const T0 = shanghai(2024, 3, 5, 10);

/** A police-negative topic about a violent arrest, in the bureau's jurisdiction. */
export function topic(over: Partial<TopicView> = {}): TopicView {
  return {
    id: 7,
    title: '某派出所民警暴力执法殴打老人',
    keywords: ['民警', '暴力执法', '老人', '殴打', '天河派出所'],
    level: 'yellow',
    policeNegativeShare: 0.8,
    categories: ['执法争议'],
    places: ['广东省', '广州市', '天河区'],
    jurisdictionHits: 3,
    sources: ['人民网社会', '微博'],
    ...over,
  };
}

/** A parsed rule with an id. */
export function rule(over: Partial<RuleInput> = {}, id = 1): StoredRule {
  return { ...parseRule({ name: '测试规则', ...over }), id };
}

/** The level-event input of the lifecycle. */
export function levelInput(level: Level, previous: Level, over: { ruleId?: number; topic?: Partial<TopicView> } = {}) {
  return {
    type: 'level' as const,
    ruleId: over.ruleId ?? 1,
    ruleName: '测试规则',
    topic: topic({ level, ...over.topic }),
    previous,
    reason: `${previous} → ${level}`,
    audienceRoles: ['pr' as const, 'leader' as const],
  };
}
