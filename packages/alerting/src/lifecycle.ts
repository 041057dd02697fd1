/**
 * The life of an alert keyed by (rule, topic): firing → acknowledged → resolved, with who and
 * when. A topic climbing a level escalates its alert instead of opening a second one; a resolved
 * alert re-opens as a flare-up (次生) when its topic rises again. Pure: the caller stores the
 * returned alert and appends the returned events in one transaction.
 *
 * A person may set an alert's level by hand (`manual_level`: PATCH /api/alerts/:id/level). While
 * that manual level stands, the topic's automatic level changes do not move the alert's level:
 * they are recorded as 'updated' with the automatic level in the payload (`autoLevel`), never as
 * a second 'escalated'. One exception, on purpose: when the automatic level RISES above the manual
 * level, the alert escalates to it and the manual level is cleared — a person's downgrade ("this
 * is only blue") was a judgement of the situation then, and must not hide a real escalation
 * afterwards. An automatic level that is above the manual one but falling (orange → yellow after
 * a person lowered orange to blue) is not an escalation and keeps the manual level. A re-open
 * (次生) starts a new episode at the automatic level and clears the manual level too.
 *
 * ALERT_AUTO_RESOLVE=faded: the topic entering 消散期 resolves its alerts (the system, auto); the
 * topic flaring up again (stage 次生, or a level rise) reopens them.
 */
import type { Level } from '@yuqing/topics';
import {
  levelAbove,
  topicAlertKey,
  type AlertEventDraft,
  type AlertEventType,
  type AlertLevel,
  type AlertState,
  type AlertTransition,
  type AudienceRole,
  type TopicView,
} from './types';

/**
 * When the system resolves an alert by itself: `closed` when the topic closes (its level drops to
 * none after 48 h without items), `faded` already when it enters 消散期, `never` leaves it to people.
 */
export type AutoResolve = 'closed' | 'faded' | 'never';

/** Options of the lifecycle. */
export interface LifecycleOptions {
  autoResolve: AutoResolve;
}

/** Closed topics resolve their alerts; a topic merely past its peak is still worth watching. */
export const DEFAULT_LIFECYCLE: LifecycleOptions = { autoResolve: 'closed' };

/** What can happen to a topic alert. */
export type AlertInput =
  /** The topic's level changed (a level event of the topic stage) and the rule matches it. */
  | {
      type: 'level';
      ruleId: number;
      ruleName?: string | null;
      topic: TopicView;
      /** The topic's level before this change. */
      previous: Level;
      reason: string;
      audienceRoles: AudienceRole[];
      indicators?: unknown;
    }
  /** The topic faded (消散期) or closed. */
  | { type: 'faded'; closed: boolean; reason: string }
  /**
   * The topic flared up again (stage 次生) and the rule matches it as it now is. Its level may be
   * unchanged (a live topic's automatic level never drops), so no level change would reopen what
   * the fade resolved: this does, with ALERT_AUTO_RESOLVE=faded.
   */
  | {
      type: 'flare';
      ruleId: number;
      ruleName?: string | null;
      topic: TopicView;
      reason: string;
      audienceRoles: AudienceRole[];
    }
  | { type: 'acknowledge'; by: number; comment?: string }
  | { type: 'resolve'; by: number; comment?: string }
  /** A person sets the level by hand (with the reason, which is required). */
  | { type: 'manual_level'; level: AlertLevel; by: number; reason: string };

/** An event row for `alert`. */
export function alertEvent(alert: AlertState, type: AlertEventType, at: number, payload: Record<string, unknown>): AlertEventDraft {
  return { type, level: alert.level, payload, audienceRoles: [...alert.audienceRoles], at };
}

const unchanged = (alert: AlertState | null): AlertTransition => ({ alert, events: [], notify: false, changed: false });

const labelsOf = (t: TopicView) => ({ categories: [...t.categories], places: [...t.places], sources: [...t.sources], keywords: [...t.keywords] });

/** Decides the next state of a topic alert (or of any alert, for acknowledge and resolve). */
export function nextAlertState(current: AlertState | null, input: AlertInput, now: number, opts: LifecycleOptions = DEFAULT_LIFECYCLE): AlertTransition {
  switch (input.type) {
    case 'acknowledge':
      return acknowledge(current, input.by, now, input.comment);
    case 'resolve':
      return resolve(current, input.by, now, { comment: input.comment ?? null });
    case 'faded':
      return fade(current, input.closed, input.reason, now, opts);
    case 'level':
      return levelChange(current, input, now, opts);
    case 'flare':
      return flare(current, input, now, opts);
    case 'manual_level':
      return manualLevel(current, input, now);
  }
}

/**
 * A person sets the level of an open alert. Raising it is an escalation like an automatic one
 * (the alert fires again and needs a new acknowledgment: the higher level is news for the duty
 * officers, whoever raised it); lowering it, or confirming the current level, is recorded as
 * 'updated'. Either way the level now stands against automatic changes (see the header). A
 * resolved alert, or setting the manual level it already has, changes nothing.
 */
function manualLevel(current: AlertState | null, input: Extract<AlertInput, { type: 'manual_level' }>, now: number): AlertTransition {
  if (!current || current.state === 'resolved') return unchanged(current);
  const { level, by, reason } = input;
  if (current.manualLevel === level && current.level === level) return unchanged(current);
  const payload = { manual: true, reason, by, previous: current.level, previousManualLevel: current.manualLevel ?? null, from: current.level, to: level };
  if (levelAbove(level, current.level)) {
    const alert: AlertState = { ...current, level, manualLevel: level, state: 'firing', cause: 'escalated', acknowledgedBy: null, acknowledgedAt: null, updatedAt: now };
    const escalated = { ...payload, previouslyAcknowledgedBy: current.acknowledgedBy, previouslyAcknowledgedAt: current.acknowledgedAt };
    return { alert, events: [alertEvent(alert, 'escalated', now, escalated)], notify: true, changed: true };
  }
  const alert: AlertState = { ...current, level, manualLevel: level, updatedAt: now };
  return { alert, events: [alertEvent(alert, 'updated', now, payload)], notify: false, changed: true };
}

function levelChange(current: AlertState | null, input: Extract<AlertInput, { type: 'level' }>, now: number, opts: LifecycleOptions): AlertTransition {
  const { topic } = input;
  // The topic stage reports a closed topic as a drop to none: that is the topic closing.
  if (topic.level === 'none') return fade(current, true, input.reason, now, opts);
  const level: AlertLevel = topic.level;
  const base = { from: current?.level ?? input.previous, to: level, reason: input.reason, topicId: topic.id, ruleId: input.ruleId, indicators: input.indicators ?? null };

  if (!current) {
    const alert: AlertState = {
      key: topicAlertKey(input.ruleId, topic.id),
      kind: 'topic',
      ruleId: input.ruleId,
      ruleName: input.ruleName ?? null,
      topicId: topic.id,
      sourceId: null,
      level,
      state: 'firing',
      title: topic.title,
      labels: labelsOf(topic),
      audienceRoles: [...input.audienceRoles],
      cause: 'firing',
      createdAt: now,
      updatedAt: now,
      firedAt: now,
      reopenCount: 0,
      manualLevel: null,
      acknowledgedBy: null,
      acknowledgedAt: null,
      resolvedBy: null,
      resolvedAt: null,
    };
    return { alert, events: [alertEvent(alert, 'firing', now, base)], notify: true, changed: true };
  }

  const refreshed = refresh(current, input, now);
  if (current.state === 'resolved') {
    // Only a rise is a flare-up; a sideways change of a resolved topic is no news.
    if (!levelAbove(level, input.previous)) return unchanged(current);
    return reopen(current, refreshed, level, now, base);
  }

  const manual = current.manualLevel ?? null;
  if (manual) {
    // A person's level stands (see the header), unless the automatic level rises above it.
    if (levelAbove(level, manual) && levelAbove(level, input.previous)) {
      const alert: AlertState = { ...refreshed, level, manualLevel: null, state: 'firing', cause: 'escalated', acknowledgedBy: null, acknowledgedAt: null };
      const payload = { ...base, autoLevel: level, manualLevelCleared: manual, previouslyAcknowledgedBy: current.acknowledgedBy, previouslyAcknowledgedAt: current.acknowledgedAt };
      return { alert, events: [alertEvent(alert, 'escalated', now, payload)], notify: true, changed: true };
    }
    const alert: AlertState = { ...refreshed, level: manual };
    return { alert, events: [alertEvent(alert, 'updated', now, { ...base, to: manual, autoLevel: level, manualLevel: manual })], notify: false, changed: true };
  }

  if (levelAbove(level, current.level)) {
    // An acknowledgment covered the level that was acknowledged; a higher level needs someone again.
    const alert: AlertState = { ...refreshed, level, state: 'firing', cause: 'escalated', acknowledgedBy: null, acknowledgedAt: null };
    const payload = { ...base, previouslyAcknowledgedBy: current.acknowledgedBy, previouslyAcknowledgedAt: current.acknowledgedAt };
    return { alert, events: [alertEvent(alert, 'escalated', now, payload)], notify: true, changed: true };
  }
  // Same or lower (a person lowered the topic's level): recorded, not announced.
  const alert: AlertState = { ...refreshed, level };
  return { alert, events: [alertEvent(alert, 'updated', now, base)], notify: false, changed: true };
}

/** The alert with what the topic and rule say now (title, labels, audience, rule name). */
const refresh = (current: AlertState, input: { topic: TopicView; audienceRoles: AudienceRole[]; ruleName?: string | null }, now: number): AlertState => ({
  ...current,
  title: input.topic.title,
  labels: labelsOf(input.topic),
  audienceRoles: [...input.audienceRoles],
  ruleName: input.ruleName ?? current.ruleName,
  updatedAt: now,
});

/** A resolved alert fires again as a flare-up (次生): a new episode at `level`. */
function reopen(current: AlertState, refreshed: AlertState, level: AlertLevel, now: number, base: Record<string, unknown>): AlertTransition {
  const alert: AlertState = {
    ...refreshed,
    level,
    // a new episode: a manual level set during the last one does not carry over
    manualLevel: null,
    state: 'firing',
    cause: 'reopened',
    firedAt: now,
    reopenCount: current.reopenCount + 1,
    acknowledgedBy: null,
    acknowledgedAt: null,
    resolvedBy: null,
    resolvedAt: null,
  };
  const payload = {
    ...base,
    from: current.level,
    secondary: true,
    label: '次生',
    reopenCount: alert.reopenCount,
    previouslyResolvedBy: current.resolvedBy,
    previouslyResolvedAt: current.resolvedAt,
    ...(current.manualLevel ? { manualLevelCleared: current.manualLevel } : {}),
  };
  return { alert, events: [alertEvent(alert, 'reopened', now, payload)], notify: true, changed: true };
}

/**
 * The topic faded or closed. Resolved by the system when ALERT_AUTO_RESOLVE says so; otherwise a
 * close is recorded on the alert ('updated', not announced) and a mere fade changes nothing — with
 * `closed` or `never` a topic past its peak is still worth watching, and nothing about it is news.
 */
function fade(current: AlertState | null, closed: boolean, reason: string, now: number, opts: LifecycleOptions): AlertTransition {
  if (!current || current.state === 'resolved') return unchanged(current);
  const auto = opts.autoResolve === 'faded' || (opts.autoResolve === 'closed' && closed);
  if (auto) return resolve(current, null, now, { auto: true, reason, topicClosed: closed });
  if (!closed) return unchanged(current);
  const alert = { ...current, updatedAt: now };
  return { alert, events: [alertEvent(alert, 'updated', now, { reason, topicClosed: closed, topicFaded: true })], notify: false, changed: true };
}

/**
 * The topic flared up (次生). With `faded`, an alert the system resolved (resolvedBy null: the fade
 * or the close) fires again at the topic's level. An alert a person resolved stays resolved (a
 * level rise still reopens it), and with `closed` or `never` nothing was resolved by a fade, so a
 * flare at the same level is no news.
 */
function flare(current: AlertState | null, input: Extract<AlertInput, { type: 'flare' }>, now: number, opts: LifecycleOptions): AlertTransition {
  if (opts.autoResolve !== 'faded' || !current || current.state !== 'resolved' || current.resolvedBy !== null) return unchanged(current);
  const { topic } = input;
  if (topic.level === 'none') return unchanged(current);
  const base = { from: current.level, to: topic.level, reason: input.reason, topicId: topic.id, ruleId: input.ruleId, indicators: null, stage: '次生' };
  return reopen(current, refresh(current, input, now), topic.level, now, base);
}

/** Acknowledges a firing alert; acknowledging anything else changes nothing. */
export function acknowledge(current: AlertState | null, by: number, now: number, comment?: string): AlertTransition {
  if (!current || current.state !== 'firing') return unchanged(current);
  const alert: AlertState = { ...current, state: 'acknowledged', acknowledgedBy: by, acknowledgedAt: now, updatedAt: now };
  return { alert, events: [alertEvent(alert, 'acknowledged', now, { by, at: now, comment: comment ?? null })], notify: false, changed: true };
}

/** Resolves an open alert; `by` null means the system did. Receivers hear of it (once). */
export function resolve(current: AlertState | null, by: number | null, now: number, extra: Record<string, unknown> = {}): AlertTransition {
  if (!current || current.state === 'resolved') return unchanged(current);
  const alert: AlertState = { ...current, state: 'resolved', resolvedBy: by, resolvedAt: now, updatedAt: now };
  return { alert, events: [alertEvent(alert, 'resolved', now, { by, at: now, auto: by === null, ...extra })], notify: true, changed: true };
}
