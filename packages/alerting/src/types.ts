/**
 * The shapes alerting decides over. They mirror the `alerts` and `alert_events` tables
 * (packages/db migration 006) but are declared here again: this package is pure and must not
 * import the database layer; the live alerter converts between the two.
 */
import { levelRank, type Level } from '@yuqing/topics';

export type { Level } from '@yuqing/topics';

/** Levels an alert can have: an alert exists only at blue or above. */
export const ALERT_LEVELS = ['blue', 'yellow', 'orange', 'red'] as const;
export type AlertLevel = (typeof ALERT_LEVELS)[number];

/** The roles that read alerts (the only ones an event's audience may name). */
export const AUDIENCE_ROLES = ['admin', 'pr', 'leader', 'analyst'] as const;
export type AudienceRole = (typeof AUDIENCE_ROLES)[number];

export const ALERT_STATES = ['firing', 'acknowledged', 'resolved'] as const;
export type AlertStatus = (typeof ALERT_STATES)[number];

export const ALERT_EVENT_TYPES = ['firing', 'escalated', 'acknowledged', 'resolved', 'reopened', 'updated'] as const;
export type AlertEventType = (typeof ALERT_EVENT_TYPES)[number];

/** True when `a` ranks above `b` (none < blue < yellow < orange < red). */
export const levelAbove = (a: Level, b: Level): boolean => levelRank(a) > levelRank(b);

/** A topic as rules see it: the current state of one topic of the topic stage. */
export interface TopicView {
  id: number;
  title: string;
  keywords: string[];
  level: Level;
  policeNegativeShare: number;
  categories: string[];
  places: string[];
  /** Items of the topic that hit the bureau's jurisdiction gazetteer. */
  jurisdictionHits: number;
  sources: string[];
  /**
   * Ids of the monitoring schemes (监测方案) at least one of its items matched. Absent: not known
   * (a view built without them); a rule naming schemes then does not match.
   */
  schemes?: number[];
}

/** What silences can match on besides ids and level (copied from the topic when it last changed the alert). */
export interface AlertLabels {
  categories: string[];
  places: string[];
  sources: string[];
  keywords: string[];
}

/** The transition that last asked for a notification; the scheduler words its batch after it. */
export type AlertCause = 'firing' | 'escalated' | 'reopened';

/** One alert: a (rule, topic) pair, or a source's health. Times are ms since the epoch. */
export interface AlertState {
  /** The dedup key (`rule:R:topic:T`, `source:S`, `incident:I:overdue:<due ms>`): one alert per key, ever. */
  key: string;
  kind: 'topic' | 'source_health' | 'incident';
  ruleId: number | null;
  ruleName: string | null;
  topicId: number | null;
  sourceId: number | null;
  level: AlertLevel;
  state: AlertStatus;
  title: string;
  labels: AlertLabels;
  audienceRoles: AudienceRole[];
  cause: AlertCause;
  createdAt: number;
  updatedAt: number;
  /** When the alert last started firing (created or reopened): tells a reopen from an old notice. */
  firedAt: number;
  /** How many times it re-opened (次生). */
  reopenCount: number;
  /**
   * A level a person set by hand (PATCH /api/alerts/:id/level); while set, `level` is it and the
   * topic's automatic changes do not move it (see lifecycle.ts). Absent or null: none.
   */
  manualLevel?: AlertLevel | null;
  /** null = acknowledged/resolved by the system (auto-resolve, source recovery). */
  acknowledgedBy: number | null;
  acknowledgedAt: number | null;
  resolvedBy: number | null;
  resolvedAt: number | null;
}

/** One alert_events row to append. */
export interface AlertEventDraft {
  type: AlertEventType;
  level: AlertLevel;
  payload: Record<string, unknown>;
  audienceRoles: AudienceRole[];
  at: number;
}

/** What a lifecycle step decided. */
export interface AlertTransition {
  /** The alert after the step (null: there was none and none was created). */
  alert: AlertState | null;
  /** Events to append, in order; empty when nothing changed. */
  events: AlertEventDraft[];
  /** Whether the step is news for receivers (firing, escalated, reopened, resolved). */
  notify: boolean;
  /** False when the step was a no-op (acknowledging an acknowledged alert, …). */
  changed: boolean;
}

/** The dedup key of a rule's alert on a topic. */
export const topicAlertKey = (ruleId: number, topicId: number): string => `rule:${ruleId}:topic:${topicId}`;

/** The dedup key of a source's health alert. */
export const sourceAlertKey = (sourceId: number): string => `source:${sourceId}`;
