/**
 * The periods of scheduled digests. A run fires at a cron time in DIGEST_TIMEZONE and covers the
 * day (daily) or the seven days (weekly) before it: from the same local time one or seven days
 * earlier up to the fire time (in zones with daylight saving a "day" is a local day, 23 or 25 h).
 * Cron times come from BullMQ's own strategy (cron-parser), the one the job schedulers use, so
 * `--daily` on the command line names the same period the scheduler does.
 */
import { addLocalDays, fromWallTime, isValidTimeZone } from '@yuqing/digest';
import { defaultRepeatStrategy } from 'bullmq';

export type ScheduledKind = 'daily' | 'weekly';

/** Days a scheduled digest covers. */
export const PERIOD_DAYS: Record<ScheduledKind, number> = { daily: 1, weekly: 7 };

/** The period a digest of `kind` fired at `fireTime` covers: [fireTime − 1 or 7 local days, fireTime). */
export function scheduledPeriod(kind: ScheduledKind, fireTime: Date, timeZone: string): { from: Date; to: Date } {
  return { from: addLocalDays(fireTime, -PERIOD_DAYS[kind], timeZone), to: fireTime };
}

/** The first fire time strictly after `after`, or null for a pattern or zone that is not valid. */
export function nextFireTime(pattern: string, timeZone: string, after: Date): Date | null {
  if (!isValidTimeZone(timeZone)) return null;
  try {
    const t = defaultRepeatStrategy(after.getTime(), { pattern, tz: timeZone });
    return t === undefined || !Number.isFinite(t) ? null : new Date(t);
  } catch {
    return null;
  }
}

/** The latest fire time at or before `at` (looking back up to `lookbackDays`), or null. */
export function lastFireTime(pattern: string, timeZone: string, at: Date, lookbackDays = 8): Date | null {
  let t = nextFireTime(pattern, timeZone, new Date(at.getTime() - lookbackDays * 86_400_000));
  if (!t || t.getTime() > at.getTime()) return null;
  // A cron that fires every minute would take ~11 500 steps over 8 days: still quick, and bounded.
  for (let i = 0; i < 20_000; i++) {
    const next = nextFireTime(pattern, timeZone, t);
    if (!next || next.getTime() > at.getTime()) return t;
    t = next;
  }
  return t;
}

/** The latest fire time on or before the local calendar date `YYYY-MM-DD` (its end) in the zone. */
export function lastFireTimeOnDate(pattern: string, timeZone: string, date: string): Date | null {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(date);
  if (!m) return null;
  const endOfDay = new Date(fromWallTime({ year: Number(m[1]), month: Number(m[2]), day: Number(m[3]) + 1 }, timeZone).getTime() - 1);
  return lastFireTime(pattern, timeZone, endOfDay);
}

/** Throws (in words an administrator understands) when a schedule setting cannot work. */
export function assertScheduleValid(settings: { DIGEST_TIMEZONE: string; DIGEST_DAILY_CRON: string; DIGEST_WEEKLY_CRON: string }): void {
  if (!isValidTimeZone(settings.DIGEST_TIMEZONE)) throw new Error(`DIGEST_TIMEZONE 无效（不是 IANA 时区名）: ${settings.DIGEST_TIMEZONE}`);
  for (const [name, pattern] of [
    ['DIGEST_DAILY_CRON', settings.DIGEST_DAILY_CRON],
    ['DIGEST_WEEKLY_CRON', settings.DIGEST_WEEKLY_CRON],
  ] as const) {
    if (!nextFireTime(pattern, settings.DIGEST_TIMEZONE, new Date())) throw new Error(`${name} 无效（cron 表达式，例如 "0 8 * * *"）: ${pattern}`);
  }
}
