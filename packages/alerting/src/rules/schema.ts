/**
 * A rule says who wants to hear what. Validated with zod so that the API, the CLI and stored rows
 * all go through one definition; everything but the name has a default, so a minimal rule is
 * `{ name }` (police-negative topics at yellow or above, heard by every role that reads alerts).
 */
import { z } from 'zod';
import { ALERT_LEVELS, AUDIENCE_ROLES } from '../types';

const clock = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'HH:MM, 00:00–23:59 (Asia/Shanghai)');
const term = z.string().trim().min(1).max(50);

/** Quiet hours on the Asia/Shanghai wall clock; `end` before `start` means the window crosses midnight. */
export const quietHoursSchema = z
  .object({
    start: clock,
    end: clock,
    /** During quiet hours only alerts at this level or above notify (the rest still fire and are recorded). */
    minLevel: z.enum(ALERT_LEVELS).default('orange'),
  })
  .strict()
  .refine((q) => q.start !== q.end, { message: 'quiet hours need start ≠ end', path: ['end'] });

/** Keyword expressions over a topic's keywords and title. */
export const keywordExprSchema = z
  .object({
    allOf: z.array(term).max(50).default([]),
    anyOf: z.array(term).max(50).default([]),
    noneOf: z.array(term).max(50).default([]),
  })
  .strict();

/** A rule as created or edited (no id yet: rules are previewed before they are saved). */
export const ruleSchema = z
  .object({
    name: z.string().trim().min(1).max(100),
    enabled: z.boolean().default(true),
    minLevel: z.enum(ALERT_LEVELS).default('yellow'),
    /** police_negative: only topics whose opinion is mostly police-negative (the level thresholds' own share). */
    scope: z.enum(['police_negative', 'all']).default('police_negative'),
    categories: z.array(term).max(50).default([]),
    /** Full division names as the analyzer writes them (广东省, 广州市, 天河区); any of them. */
    places: z.array(term).max(200).default([]),
    /** Only topics with at least one item inside the bureau's jurisdiction. */
    jurisdictionOnly: z.boolean().default(false),
    /** Source names; any of them. */
    sources: z.array(z.string().trim().min(1).max(200)).max(500).default([]),
    keywords: keywordExprSchema.default({ allOf: [], anyOf: [], noneOf: [] }),
    /** Monitoring scheme ids (监测方案); any of them: a topic matches when one of its items matched one of these schemes. */
    schemes: z.array(z.number().int().positive()).max(50).default([]),
    quietHours: quietHoursSchema.nullable().default(null),
    /** Receiver ids (webhooks) that get this rule's notifications. */
    receivers: z.array(z.number().int().positive()).max(50).default([]),
    /** Roles that see this rule's alert events on the live stream. */
    audienceRoles: z.array(z.enum(AUDIENCE_ROLES)).min(1).default(['admin', 'pr', 'leader', 'analyst']),
  })
  .strict();

/** A validated rule. */
export type Rule = z.output<typeof ruleSchema>;
/** What callers hand in (defaults filled in by parsing). */
export type RuleInput = z.input<typeof ruleSchema>;
/** A rule once stored. */
export type StoredRule = Rule & { id: number };
/** Quiet hours of a rule. */
export type QuietHours = z.output<typeof quietHoursSchema>;
/** Keyword expressions of a rule. */
export type KeywordExpr = z.output<typeof keywordExprSchema>;

/** Parses a rule, filling in defaults; throws a ZodError listing every bad field. */
export const parseRule = (input: unknown): Rule => ruleSchema.parse(input);
