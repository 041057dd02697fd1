/**
 * Keyword expressions over a topic's keywords and title. Chinese has no word boundaries and topic
 * keywords are segmenter output (派出所 may come as 某某派出所), so a term matches when the title or
 * any keyword contains it, after NFKC (full-width → half-width) and lower-casing.
 */
import type { KeywordExpr } from './schema';

const norm = (s: string): string => s.normalize('NFKC').toLowerCase();

/** A predicate telling whether a term occurs in the topic's title or keywords. */
export function termMatcher(title: string, keywords: readonly string[]): (term: string) => boolean {
  const hay = [norm(title), ...keywords.map(norm)];
  return (term) => {
    const t = norm(term.trim());
    return t.length > 0 && hay.some((h) => h.includes(t));
  };
}

/** The outcome of the keyword part of a rule. */
export interface KeywordVerdict {
  matched: boolean;
  reasons: string[];
}

/** Evaluates all-of / any-of / none-of; every part that is empty is ignored. */
export function matchKeywords(expr: KeywordExpr, title: string, keywords: readonly string[]): KeywordVerdict {
  const has = termMatcher(title, keywords);
  const ok: string[] = [];
  const bad: string[] = [];
  if (expr.allOf.length) {
    const missing = expr.allOf.filter((t) => !has(t));
    if (missing.length) bad.push(`缺少全部包含词：${missing.join('、')}`);
    else ok.push(`包含全部关键词：${expr.allOf.join('、')}`);
  }
  if (expr.anyOf.length) {
    const found = expr.anyOf.filter(has);
    if (found.length) ok.push(`包含任一关键词：${found.join('、')}`);
    else bad.push(`不含任一关键词：${expr.anyOf.join('、')}`);
  }
  if (expr.noneOf.length) {
    const found = expr.noneOf.filter(has);
    if (found.length) bad.push(`含排除词：${found.join('、')}`);
    else ok.push(`不含排除词：${expr.noneOf.join('、')}`);
  }
  return bad.length ? { matched: false, reasons: bad } : { matched: true, reasons: ok };
}
