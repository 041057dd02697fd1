/**
 * Whether a rule wants to hear about a topic in its current state. Quiet hours are not a matching
 * criterion: a topic that matches at 3 a.m. still gets its alert (recorded, on the live page); quiet
 * hours only hold back the webhook notification (see quietMutes and the scheduler), so nothing is
 * lost when the night ends.
 */
import { DEFAULT_TOPIC_CONFIG, levelRank } from '@yuqing/topics';
import type { TopicView } from '../types';
import { matchKeywords } from './keywords';
import type { Rule } from './schema';

/** The share of police-negative items above which a topic counts as police-negative opinion (the level rules' own). */
export const POLICE_NEGATIVE_SHARE = DEFAULT_TOPIC_CONFIG.policeNegativeShare;

/** A rule's verdict: when matched, why; when not, every criterion that failed. */
export interface RuleMatch {
  matched: boolean;
  reasons: string[];
}

const fmt = (n: number): string => (Number.isInteger(n) ? String(n) : n.toFixed(2));

/** Checks every criterion of a rule against a topic. */
export function matchRule(rule: Rule, topic: TopicView): RuleMatch {
  if (!rule.enabled) return { matched: false, reasons: ['规则已停用'] };
  const ok: string[] = [];
  const bad: string[] = [];
  const check = (pass: boolean, yes: string, no: string) => (pass ? ok : bad).push(pass ? yes : no);

  check(
    topic.level !== 'none' && levelRank(topic.level) >= levelRank(rule.minLevel),
    `级别 ${topic.level} ≥ ${rule.minLevel}`,
    `级别 ${topic.level} 低于 ${rule.minLevel}`,
  );
  if (rule.scope === 'police_negative') {
    check(
      topic.policeNegativeShare >= POLICE_NEGATIVE_SHARE,
      `涉警负面占比 ${fmt(topic.policeNegativeShare)} ≥ ${POLICE_NEGATIVE_SHARE}`,
      `涉警负面占比 ${fmt(topic.policeNegativeShare)} < ${POLICE_NEGATIVE_SHARE}`,
    );
  }
  if (rule.categories.length) {
    const hit = rule.categories.filter((c) => topic.categories.includes(c));
    check(hit.length > 0, `类别：${hit.join('、')}`, `类别不符（需 ${rule.categories.join('、')}）`);
  }
  if (rule.places.length) {
    const hit = rule.places.filter((p) => topic.places.includes(p));
    check(hit.length > 0, `地域：${hit.join('、')}`, `地域不符（需 ${rule.places.join('、')}）`);
  }
  if (rule.jurisdictionOnly) {
    check(topic.jurisdictionHits > 0, `辖区命中 ${topic.jurisdictionHits} 条`, '未命中辖区');
  }
  if (rule.sources.length) {
    const hit = rule.sources.filter((s) => topic.sources.includes(s));
    check(hit.length > 0, `来源：${hit.join('、')}`, `来源不符（需 ${rule.sources.join('、')}）`);
  }
  if (rule.schemes.length) {
    const hit = rule.schemes.filter((id) => (topic.schemes ?? []).includes(id));
    const ids = (l: number[]) => l.map((id) => `#${id}`).join('、');
    check(hit.length > 0, `监测方案：${ids(hit)}`, `未命中监测方案（需 ${ids(rule.schemes)}）`);
  }
  const kw = matchKeywords(rule.keywords, topic.title, topic.keywords);
  (kw.matched ? ok : bad).push(...kw.reasons);

  return bad.length ? { matched: false, reasons: bad } : { matched: true, reasons: ok };
}
