/**
 * Quiet hours on the Asia/Shanghai wall clock. China has kept UTC+8 with no daylight saving since
 * 1991, so a fixed offset is exact for every time we handle and needs no time-zone database.
 */
import { levelRank } from '@yuqing/topics';
import type { AlertLevel } from '../types';
import type { QuietHours } from './schema';

const SHANGHAI_OFFSET_MS = 8 * 3600_000;
const DAY_MS = 86400_000;

/** Minutes since midnight, Asia/Shanghai, of an instant (ms). */
export function shanghaiMinuteOfDay(at: number): number {
  const msOfDay = (((at + SHANGHAI_OFFSET_MS) % DAY_MS) + DAY_MS) % DAY_MS;
  return Math.floor(msOfDay / 60_000);
}

const minutes = (hhmm: string): number => Number(hhmm.slice(0, 2)) * 60 + Number(hhmm.slice(3, 5));

/** True when `at` falls inside the window [start, end); a window with end < start crosses midnight. */
export function inQuietHours(q: Pick<QuietHours, 'start' | 'end'>, at: number): boolean {
  const m = shanghaiMinuteOfDay(at);
  const s = minutes(q.start);
  const e = minutes(q.end);
  return s < e ? m >= s && m < e : m >= s || m < e;
}

/** True when quiet hours hold back a notification of this level at `at`. */
export function quietMutes(q: QuietHours | null | undefined, level: AlertLevel, at: number): boolean {
  return !!q && inQuietHours(q, at) && levelRank(level) < levelRank(q.minLevel);
}
