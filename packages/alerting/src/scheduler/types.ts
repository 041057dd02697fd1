/** Shapes of the notification scheduler. */
import type { QuietHours } from '../rules/schema';
import type { AlertState } from '../types';

/** Alertmanager's three timers, in ms. */
export interface SchedulerTimings {
  /** How long a new group waits to collect alerts that fire together (and inhibitors) before its first batch. */
  groupWaitMs: number;
  /** After a group's first batch, changes wait for its next tick, one tick per group interval. */
  groupIntervalMs: number;
  /** How long after the last batch an unacknowledged firing alert is announced again. */
  repeatIntervalMs: number;
}

/** Alertmanager's defaults for group_wait and group_interval, and the 4 h repeat the issue asks for. */
export const DEFAULT_TIMINGS: SchedulerTimings = { groupWaitMs: 30_000, groupIntervalMs: 5 * 60_000, repeatIntervalMs: 4 * 3600_000 };

/** Where an alert's notifications go: one receiver, a group within it, and that route's quiet hours. */
export interface RouteTarget {
  receiver: number;
  /** Alerts with the same receiver and group key go out together; defaults to defaultGroupKey(alert). */
  groupKey?: string;
  quietHours?: QuietHours | null;
}

/** The routing of an alert (from its rule's receivers, or the admins' receivers for source health). */
export type Router = (alert: AlertState) => RouteTarget[];

/** Why an alert is in a batch. */
export type BatchReason = 'firing' | 'escalated' | 'reopened' | 'resolved' | 'still_firing' | 'repeat';

/** One alert of a batch. */
export interface BatchEntry {
  alert: AlertState;
  reason: BatchReason;
}

/** One notification to one receiver: every alert of the group worth telling, highest level first. */
export interface Batch {
  receiver: number;
  groupKey: string;
  at: number;
  /** notify: something changed; repeat: nothing changed, but firing alerts are still unacknowledged. */
  kind: 'notify' | 'repeat';
  alerts: BatchEntry[];
}
