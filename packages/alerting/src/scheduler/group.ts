/**
 * One aggregation group (receiver + group key), after Alertmanager's dispatcher: the group's timer
 * first fires group_wait after the group is created, then every group_interval after each flush.
 * At each flush the group notifies when an alert is new to it, escalated, re-opened, or resolved
 * after having been announced; otherwise it repeats its firing alerts once repeat_interval has
 * passed since its last batch. What was last announced is remembered per alert.
 */
import { levelRank } from '@yuqing/topics';
import type { QuietHours } from '../rules/schema';
import type { AlertLevel, AlertState } from '../types';
import type { Batch, BatchEntry, BatchReason, SchedulerTimings } from './types';

/** Per-alert settings of the route that put it into this group. */
export interface GroupMember {
  quietHours: QuietHours | null;
}

/** What this group last told its receiver about an alert. */
interface Announced {
  level: AlertLevel;
  firedAt: number;
}

/** Whether an alert's notifications are held back right now (silence, inhibition, quiet hours). */
export type MuteCheck = (alert: AlertState, member: GroupMember, now: number) => boolean;

/** One receiver's group of alerts with its own timer. */
export class AggregationGroup {
  readonly members = new Map<string, GroupMember>();
  private readonly announced = new Map<string, Announced>();
  private lastSentAt: number | null = null;
  nextFlushAt: number;

  constructor(
    readonly receiver: number,
    readonly groupKey: string,
    createdAt: number,
    private readonly timings: SchedulerTimings,
  ) {
    this.nextFlushAt = createdAt + timings.groupWaitMs;
  }

  /** Adds or refreshes an alert's membership. */
  add(key: string, member: GroupMember): void {
    this.members.set(key, member);
  }

  /** True when nothing is left to watch. */
  get empty(): boolean {
    return this.members.size === 0;
  }

  /** Flushes at `now`: returns the batch to send, if any, and sets the next tick. */
  flush(now: number, lookup: (key: string) => AlertState | undefined, muted: MuteCheck): Batch | null {
    const entries: BatchEntry[] = [];
    const leaving: string[] = [];
    let changed = false;
    for (const [key, member] of this.members) {
      const alert = lookup(key);
      if (!alert) {
        leaving.push(key);
        continue;
      }
      const before = this.announced.get(key);
      if (alert.state === 'resolved') {
        // Resolved alerts leave the group at this flush; receivers hear of it only if they heard it fire.
        leaving.push(key);
        if (before && !muted(alert, member, now)) {
          entries.push({ alert, reason: 'resolved' });
          changed = true;
        }
        continue;
      }
      // Acknowledged alerts stay (they may escalate) but are not announced or repeated.
      if (alert.state !== 'firing' || muted(alert, member, now)) continue;
      const reason = reasonFor(alert, before);
      if (reason !== 'still_firing') changed = true;
      entries.push({ alert, reason });
    }
    for (const key of leaving) {
      this.members.delete(key);
      this.announced.delete(key);
    }
    this.nextFlushAt = now + this.timings.groupIntervalMs;

    const firing = entries.filter((e) => e.reason !== 'resolved');
    const repeat = !changed && firing.length > 0 && this.lastSentAt !== null && now - this.lastSentAt >= this.timings.repeatIntervalMs;
    if (!changed && !repeat) return null;

    for (const e of firing) {
      const before = this.announced.get(e.alert.key);
      // Remember the highest level announced, so a lowered-then-restored level is not news again.
      const level = before && before.firedAt === e.alert.firedAt && levelRank(before.level) > levelRank(e.alert.level) ? before.level : e.alert.level;
      this.announced.set(e.alert.key, { level, firedAt: e.alert.firedAt });
      if (repeat) e.reason = 'repeat';
    }
    this.lastSentAt = now;
    entries.sort(byLevelThenAge);
    return { receiver: this.receiver, groupKey: this.groupKey, at: now, kind: repeat ? 'repeat' : 'notify', alerts: entries };
  }
}

function reasonFor(alert: AlertState, before: Announced | undefined): BatchReason {
  // An alert that escalated before it was first announced is simply new at its current level.
  const fresh: BatchReason = alert.cause === 'reopened' ? 'reopened' : 'firing';
  if (!before || before.firedAt !== alert.firedAt) return fresh;
  return levelRank(alert.level) > levelRank(before.level) ? 'escalated' : 'still_firing';
}

function byLevelThenAge(a: BatchEntry, b: BatchEntry): number {
  return levelRank(b.alert.level) - levelRank(a.alert.level) || a.alert.createdAt - b.alert.createdAt || (a.alert.key < b.alert.key ? -1 : a.alert.key > b.alert.key ? 1 : 0);
}
