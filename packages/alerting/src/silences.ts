/**
 * Silences, after Alertmanager's: matchers over an alert's fields, a start and an end, who and why.
 * A silenced alert still changes state and is recorded; only its notifications are held back, and
 * once the silence ends a still-firing alert is announced at its group's next flush.
 */
import { z } from 'zod';
import type { AlertState } from './types';

export const SILENCE_FIELDS = ['topicId', 'rule', 'level', 'category', 'place', 'source', 'keyword'] as const;
export type SilenceField = (typeof SILENCE_FIELDS)[number];
export const SILENCE_OPS = ['=', '!=', '=~', '!~'] as const;
export type SilenceOp = (typeof SILENCE_OPS)[number];

const compiles = (v: string): boolean => {
  try {
    new RegExp(v, 'u');
    return true;
  } catch {
    return false;
  }
};

/** One matcher; regular expressions are anchored at both ends, as in Alertmanager. */
export const silenceMatcherSchema = z
  .object({ field: z.enum(SILENCE_FIELDS), op: z.enum(SILENCE_OPS), value: z.string().max(200) })
  .strict()
  .refine((m) => !m.op.includes('~') || compiles(m.value), { message: 'invalid regular expression', path: ['value'] });

/** A silence; times in ms since the epoch. */
export const silenceSchema = z
  .object({
    id: z.number().int().positive().optional(),
    // At least one matcher: a silence of everything is an outage switch, not a silence.
    matchers: z.array(silenceMatcherSchema).min(1).max(20),
    startsAt: z.number().int(),
    endsAt: z.number().int(),
    createdBy: z.number().int().positive(),
    comment: z.string().trim().min(1).max(500),
  })
  .strict()
  .refine((s) => s.endsAt > s.startsAt, { message: 'endsAt must be after startsAt', path: ['endsAt'] });

export type SilenceMatcher = z.output<typeof silenceMatcherSchema>;
export type Silence = z.output<typeof silenceSchema>;

/**
 * The values of a field on an alert. Multi-valued fields match when any value does (and `!=` when
 * none does); a missing value is the empty string, so `category = ""` finds alerts without one.
 */
function valuesOf(alert: AlertState, field: SilenceField): string[] {
  const v = (() => {
    switch (field) {
      case 'topicId':
        return alert.topicId === null ? [] : [String(alert.topicId)];
      case 'rule':
        return [alert.ruleId === null ? null : String(alert.ruleId), alert.ruleName].filter((x): x is string => x !== null);
      case 'level':
        return [alert.level];
      case 'category':
        return alert.labels.categories;
      case 'place':
        return alert.labels.places;
      case 'source':
        return alert.labels.sources;
      case 'keyword':
        return alert.labels.keywords;
    }
  })();
  return v.length ? v : [''];
}

const regexCache = new Map<string, RegExp>();
function anchored(value: string): RegExp {
  let re = regexCache.get(value);
  if (!re) {
    re = new RegExp(`^(?:${value})$`, 'u');
    // Silences are few; the cap only keeps a long-running process from growing without bound.
    if (regexCache.size > 1000) regexCache.clear();
    regexCache.set(value, re);
  }
  return re;
}

/** Whether one matcher holds for an alert. */
export function matcherMatches(m: SilenceMatcher, alert: AlertState): boolean {
  const values = valuesOf(alert, m.field);
  switch (m.op) {
    case '=':
      return values.includes(m.value);
    case '!=':
      return !values.includes(m.value);
    case '=~':
      return values.some((v) => anchored(m.value).test(v));
    case '!~':
      return !values.some((v) => anchored(m.value).test(v));
  }
}

/** Whether a silence is in force at `now`: [startsAt, endsAt). */
export const silenceActive = (s: Pick<Silence, 'startsAt' | 'endsAt'>, now: number): boolean => s.startsAt <= now && now < s.endsAt;

/** The silences in force at `now` whose matchers all hold for the alert. */
export function silencesFor(alert: AlertState, silences: readonly Silence[], now: number): Silence[] {
  return silences.filter((s) => silenceActive(s, now) && s.matchers.every((m) => matcherMatches(m, alert)));
}

/** Whether any silence mutes the alert at `now`. */
export const isSilenced = (alert: AlertState, silences: readonly Silence[], now: number): boolean => silencesFor(alert, silences, now).length > 0;
