/**
 * The notification scheduler: routes observed alerts into aggregation groups (one per receiver and
 * group key) and, when asked what is due, flushes the groups whose timer has run out, applying
 * silences, inhibition and quiet hours at flush time. In-memory and clock-free: every time is passed
 * in, so the live alerter drives it with Date.now() and tests with a number they move by hand.
 */
import { quietMutes } from '../rules/quiet-hours';
import { inhibitedKeys } from '../inhibition';
import { isSilenced, type Silence } from '../silences';
import type { AlertState } from '../types';
import { AggregationGroup } from './group';
import { DEFAULT_TIMINGS, type Batch, type Router, type SchedulerTimings } from './types';

/** Alerts of one rule go out together (Alertmanager's usual grouping by alert name); sources together. */
export function defaultGroupKey(alert: AlertState): string {
  return alert.kind === 'source_health' ? 'source_health' : `rule:${alert.ruleId}`;
}

/** Options of the scheduler. */
export interface SchedulerOptions {
  route: Router;
  timings?: Partial<SchedulerTimings>;
  silences?: readonly Silence[];
}

/** Groups alerts per receiver and decides which batches are due. */
export class NotificationScheduler {
  readonly timings: SchedulerTimings;
  private readonly route: Router;
  private silences: readonly Silence[];
  private readonly alerts = new Map<string, AlertState>();
  private readonly groups = new Map<string, AggregationGroup>();

  constructor(opts: SchedulerOptions) {
    this.route = opts.route;
    this.timings = { ...DEFAULT_TIMINGS, ...opts.timings };
    this.silences = opts.silences ?? [];
  }

  /** Takes in the latest state of an alert (after every lifecycle step, whether or not it notifies). */
  observe(alert: AlertState, now: number): void {
    this.alerts.set(alert.key, alert);
    for (const target of this.route(alert)) {
      const groupKey = target.groupKey ?? defaultGroupKey(alert);
      const id = `${target.receiver}\u0000${groupKey}`;
      let group = this.groups.get(id);
      if (!group) {
        // A group that no longer exists announced nothing still open, so a resolution has no one to tell.
        if (alert.state === 'resolved') continue;
        group = new AggregationGroup(target.receiver, groupKey, now, this.timings);
        this.groups.set(id, group);
      }
      group.add(alert.key, { quietHours: target.quietHours ?? null });
    }
    this.forgetUnused(alert.key);
  }

  /** Replaces the silences (the live alerter reloads them when one is created or expires). */
  setSilences(silences: readonly Silence[]): void {
    this.silences = silences;
  }

  /** The batches due at `now`; call it at nextWakeAt() (calling it more often is harmless). */
  due(now: number): Batch[] {
    const inhibited = inhibitedKeys(this.alerts.values());
    const batches: Batch[] = [];
    for (const [id, group] of this.groups) {
      if (group.nextFlushAt > now) continue;
      const batch = group.flush(
        now,
        (key) => this.alerts.get(key),
        (alert, member, at) => inhibited.has(alert.key) || isSilenced(alert, this.silences, at) || quietMutes(member.quietHours, alert.level, at),
      );
      if (batch) batches.push(batch);
      if (group.empty) this.groups.delete(id);
    }
    for (const key of [...this.alerts.keys()]) this.forgetUnused(key);
    return batches.sort((a, b) => a.receiver - b.receiver || (a.groupKey < b.groupKey ? -1 : a.groupKey > b.groupKey ? 1 : 0));
  }

  /** When due() next has something to look at (the earliest group timer), or null when idle. */
  nextWakeAt(): number | null {
    let next: number | null = null;
    for (const g of this.groups.values()) if (next === null || g.nextFlushAt < next) next = g.nextFlushAt;
    return next;
  }

  /** Number of live groups (for metrics and tests). */
  get groupCount(): number {
    return this.groups.size;
  }

  /** The alert as last observed, while the scheduler still tracks it. */
  alert(key: string): AlertState | undefined {
    return this.alerts.get(key);
  }

  /** Drops a resolved alert no group holds any more: nothing about it can be due again. */
  private forgetUnused(key: string): void {
    const a = this.alerts.get(key);
    if (!a || a.state !== 'resolved') return;
    for (const g of this.groups.values()) if (g.members.has(key)) return;
    this.alerts.delete(key);
  }
}
