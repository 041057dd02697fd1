/**
 * Inhibition: an open alert of a topic at a higher level mutes the notifications of that topic's
 * lower-level alerts (two rules with different minimum levels would otherwise both speak about
 * one story). Acknowledged inhibitors count: someone is on the topic at the higher level already.
 * Source health alerts neither inhibit nor are inhibited.
 */
import { levelRank } from '@yuqing/topics';
import type { AlertState } from './types';

/** Keys of the alerts that are inhibited, given every alert known. */
export function inhibitedKeys(alerts: Iterable<AlertState>): Set<string> {
  const highest = new Map<number, number>();
  const open: AlertState[] = [];
  for (const a of alerts) {
    if (a.kind !== 'topic' || a.topicId === null || a.state === 'resolved') continue;
    open.push(a);
    highest.set(a.topicId, Math.max(highest.get(a.topicId) ?? -1, levelRank(a.level)));
  }
  const out = new Set<string>();
  for (const a of open) if (levelRank(a.level) < highest.get(a.topicId!)!) out.add(a.key);
  return out;
}

/** Whether one alert is inhibited by any of the others. */
export const isInhibited = (alert: AlertState, alerts: Iterable<AlertState>): boolean => inhibitedKeys([alert, ...alerts]).has(alert.key);
