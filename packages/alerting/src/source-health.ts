/**
 * Source health alerts: a crawler source marked failing (source_health_events `failing`) raises an
 * alert of its own kind, heard by admins only, and the source's first success (`recovered`)
 * resolves it. They stand apart from topic alerts: no rule, no inhibition.
 */
import { alertEvent, resolve } from './lifecycle';
import { sourceAlertKey, type AlertLevel, type AlertState, type AlertTransition } from './types';

/** A source health event as the crawler records it. */
export interface SourceHealthEvent {
  type: 'failing' | 'recovered';
  sourceId: number;
  sourceName: string;
  consecutiveErrors?: number;
  error?: string | null;
}

/**
 * The database needs a level for every alert. A failing source is a blind spot to fix today, not a
 * public-opinion crisis: yellow (较大), never red.
 */
export const SOURCE_HEALTH_LEVEL: AlertLevel = 'yellow';

/** Decides the next state of a source's health alert. */
export function nextSourceHealthState(current: AlertState | null, event: SourceHealthEvent, now: number): AlertTransition {
  const details = { sourceId: event.sourceId, sourceName: event.sourceName, consecutiveErrors: event.consecutiveErrors ?? null, error: event.error ?? null };
  if (event.type === 'recovered') return resolve(current, null, now, { auto: true, reason: '信源恢复', ...details });

  if (current && current.state !== 'resolved') {
    // Still failing: the crawler writes `failing` once per outage, so this is a repeat; record it quietly.
    const alert = { ...current, title: title(event.sourceName), updatedAt: now };
    return { alert, events: [alertEvent(alert, 'updated', now, details)], notify: false, changed: true };
  }
  const alert: AlertState = {
    key: sourceAlertKey(event.sourceId),
    kind: 'source_health',
    ruleId: null,
    ruleName: null,
    topicId: null,
    sourceId: event.sourceId,
    level: SOURCE_HEALTH_LEVEL,
    state: 'firing',
    title: title(event.sourceName),
    labels: { categories: [], places: [], sources: [event.sourceName, String(event.sourceId)], keywords: [] },
    audienceRoles: ['admin'],
    // A source failing again after it recovered is a new outage, not a 次生 of a topic.
    cause: 'firing',
    createdAt: current?.createdAt ?? now,
    updatedAt: now,
    firedAt: now,
    reopenCount: current ? current.reopenCount + 1 : 0,
    acknowledgedBy: null,
    acknowledgedAt: null,
    resolvedBy: null,
    resolvedAt: null,
  };
  return { alert, events: [alertEvent(alert, 'firing', now, details)], notify: true, changed: true };
}

const title = (name: string) => `信源异常：${name}`;
