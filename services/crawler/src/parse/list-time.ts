/**
 * The times list pages print: `3分钟前`, `昨天 10:20`, `03-05 10:20`, `14:06`, or a full date.
 *
 * Most of them are relative to the moment the page was fetched, so they need `now`. A date
 * without a year is the most recent such date not after `now`; we allow a few minutes of
 * clock skew first, because a site clock slightly ahead of ours would otherwise move
 * "today 10:21" a whole year back.
 */
import { normalizeSpace } from './html-text';
import { parseLooseDate, shanghaiDate } from '../text/time';

const MINUTE = 60_000;
const DAY = 24 * 60 * MINUTE;
const SHANGHAI_OFFSET_MS = 8 * 60 * MINUTE;
/** How far past `now` a year-less or day-less time may lie and still be read as the current day/year. */
const CLOCK_SKEW_MS = 10 * MINUTE;

const UNIT_MS: Record<string, number> = {
  秒: 1000, 秒钟: 1000, 分: MINUTE, 分钟: MINUTE, 小时: 60 * MINUTE, 个小时: 60 * MINUTE, 钟头: 60 * MINUTE, 个钟头: 60 * MINUTE,
  天: DAY, 日: DAY, 周: 7 * DAY, 星期: 7 * DAY, 个星期: 7 * DAY,
  second: 1000, sec: 1000, minute: MINUTE, min: MINUTE, hour: 60 * MINUTE, hr: 60 * MINUTE, day: DAY, week: 7 * DAY,
};

const RELATIVE_ZH = /(\d+|半)\s*(秒钟?|分钟?|个?小时|个?钟头|天|日|周|个?星期)\s*[以之]?前/;
const RELATIVE_EN = /(\d+)\s*(second|sec|minute|min|hour|hr|day|week)s?\s+ago\b/i;
const NAMED_DAY = /(今天|昨天|前天)\s*(?:(\d{1,2})\s*[:：]\s*(\d{2})(?:\s*[:：]\s*(\d{2}))?)?/;
const MONTH_DAY = /(?<!\d)(\d{1,2})\s*(?:月|-|\/|\.)\s*(\d{1,2})\s*日?(?:\s*(\d{1,2})\s*[:：]\s*(\d{2})(?:\s*[:：]\s*(\d{2}))?)?(?!\d)/;
const TIME_ONLY = /^(\d{1,2})\s*[:：]\s*(\d{2})(?:\s*[:：]\s*(\d{2}))?$/;

/** Parses a list page's time text relative to `now` (Asia/Shanghai wall clock); null when no time is found. */
export function parseListTime(text: string | null | undefined, now: Date): Date | null {
  if (!text) return null;
  const s = normalizeSpace(text);
  if (!s) return null;
  if (/刚刚|just now/i.test(s)) return now;

  const rel = RELATIVE_ZH.exec(s) ?? RELATIVE_EN.exec(s);
  if (rel?.[1] && rel[2]) {
    const unit = UNIT_MS[rel[2].toLowerCase()];
    const n = rel[1] === '半' ? 0.5 : Number(rel[1]);
    if (unit !== undefined) return new Date(now.getTime() - n * unit);
  }

  const today = wallDate(now);
  const named = NAMED_DAY.exec(s);
  if (named?.[1]) {
    const back = named[1] === '今天' ? 0 : named[1] === '昨天' ? 1 : 2;
    const base = shanghaiDate(today.y, today.m, today.d, num(named[2]), num(named[3]), num(named[4]));
    return base ? new Date(base.getTime() - back * DAY) : null;
  }

  // Anything with a four-digit year is a full date; parseLooseDate reads it (zone-less = Shanghai).
  if (/\d{4}/.test(s)) {
    const full = parseLooseDate(s);
    if (full) return full;
  }

  const md = MONTH_DAY.exec(s);
  if (md) {
    const [, mo, d, h, mi, se] = md;
    return mostRecentYear(Number(mo), Number(d), num(h), num(mi), num(se), now, today.y);
  }

  const t = TIME_ONLY.exec(s);
  if (t) {
    const candidate = shanghaiDate(today.y, today.m, today.d, num(t[1]), num(t[2]), num(t[3]));
    if (!candidate) return null;
    return candidate.getTime() > now.getTime() + CLOCK_SKEW_MS ? new Date(candidate.getTime() - DAY) : candidate;
  }
  return null;
}

function mostRecentYear(month: number, day: number, h: number, mi: number, se: number, now: Date, year: number): Date | null {
  // Walk back at most a leap cycle: 02-29 exists only every fourth year.
  for (let y = year; y >= year - 8; y--) {
    const candidate = shanghaiDate(y, month, day, h, mi, se);
    if (candidate === null) {
      if (month === 2 && day === 29) continue;
      return null; // 13-45 is no date in any year
    }
    if (candidate.getTime() <= now.getTime() + CLOCK_SKEW_MS) return candidate;
  }
  return null;
}

/** The Asia/Shanghai calendar date of an instant. */
function wallDate(now: Date): { y: number; m: number; d: number } {
  const shifted = new Date(now.getTime() + SHANGHAI_OFFSET_MS);
  return { y: shifted.getUTCFullYear(), m: shifted.getUTCMonth() + 1, d: shifted.getUTCDate() };
}

function num(s: string | undefined): number {
  return s ? Number(s) : 0;
}
