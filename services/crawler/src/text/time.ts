/**
 * Date parsing for what Chinese sites actually print.
 *
 * Feeds and pages give times in many shapes: RFC 822 (`Tue, 05 Mar 2024 10:20:00 +0800`),
 * ISO 8601 with or without a zone, and Chinese forms such as `2024年3月5日 10:20`,
 * `2024-03-05 10:20`, `2024/3/5`. A time without a zone is read as Asia/Shanghai
 * (UTC+8, no daylight saving since 1991), because that is what a Chinese site means by it.
 */

const SHANGHAI_OFFSET_MS = 8 * 3600_000;

/** Builds a Date from wall-clock parts read in Asia/Shanghai; null when the parts are not a real date. */
export function shanghaiDate(year: number, month: number, day: number, hour = 0, minute = 0, second = 0): Date | null {
  if (month < 1 || month > 12 || day < 1 || day > 31 || hour > 23 || minute > 59 || second > 60) return null;
  if (year < 1990 || year > 2100) return null;
  const utc = Date.UTC(year, month - 1, day, hour, minute, Math.min(second, 59));
  const check = new Date(utc);
  // Reject 2024-02-31 and friends, which Date.UTC silently rolls over.
  if (check.getUTCDate() !== day || check.getUTCMonth() !== month - 1) return null;
  return new Date(utc - SHANGHAI_OFFSET_MS);
}

// 2024年3月5日 10:20[:30] | 2024-03-05[T ]10:20[:30] | 2024/3/5 | 2024.03.05
const CHINESE_OR_NUMERIC =
  /(\d{4})\s*(?:年|-|\/|\.)\s*(\d{1,2})\s*(?:月|-|\/|\.)\s*(\d{1,2})\s*日?(?:\s*[T\s]?\s*(上午|早上|中午|下午|晚上)?\s*(\d{1,2})\s*(?::|时|點|点)\s*(\d{1,2})(?:\s*(?::|分)\s*(\d{1,2}))?)?/;

const HAS_ZONE = /(?:Z|[+-]\d{2}:?\d{2}|\b(?:GMT|UTC|UT|[ECMP][SD]T)\b)\s*$/i;

/**
 * Parses a date string; returns null when nothing date-shaped is found.
 * Strings with an explicit zone go through Date.parse; zone-less ones are read in Asia/Shanghai.
 */
export function parseLooseDate(input: string | null | undefined): Date | null {
  if (!input) return null;
  // "Tue Mar 05 2024 10:20:00 GMT+0800 (China Standard Time)": drop the zone's name in parentheses.
  const s = input
    .trim()
    .replace(/\s+/g, ' ')
    .replace(/\s*\([^)]*\)\s*$/, '');
  if (!s) return null;
  if (HAS_ZONE.test(s) || /^[A-Za-z]{3},/.test(s)) {
    const t = Date.parse(s.replace(/\bCST\b/, '+0800'));
    if (!Number.isNaN(t)) return sane(new Date(t));
  }
  const m = CHINESE_OR_NUMERIC.exec(s);
  if (m) {
    const [, y, mo, d, period, h, mi, se] = m;
    let hour = h ? Number(h) : 0;
    // A 12-hour clock: "10:20 PM" after the time, or "下午 3:05" before it.
    const after = s.slice(m.index + m[0].length, m.index + m[0].length + 4);
    if (h && hour < 12 && (/^\s*pm\b/i.test(after) || period === '下午' || period === '晚上')) hour += 12;
    if (h && hour === 12 && /^\s*am\b/i.test(after)) hour = 0;
    return sane(shanghaiDate(Number(y), Number(mo), Number(d), hour, mi ? Number(mi) : 0, se ? Number(se) : 0));
  }
  // Without a four-digit year, Date.parse invents one (2001): such strings are not dates for us.
  if (!/\b(?:19|20)\d{2}\b/.test(s)) return null;
  // Last resort: formats Date.parse knows (e.g. "March 5, 2024 10:20"). Date.parse reads a
  // zone-less string in the process's local zone, so re-read its wall clock in Shanghai.
  const t = Date.parse(s);
  if (Number.isNaN(t)) return null;
  const local = new Date(t);
  return sane(shanghaiDate(local.getFullYear(), local.getMonth() + 1, local.getDate(), local.getHours(), local.getMinutes(), local.getSeconds()));
}

function sane(d: Date | null): Date | null {
  if (!d || Number.isNaN(d.getTime())) return null;
  const y = d.getUTCFullYear();
  return y >= 1990 && y <= 2100 ? d : null;
}

/**
 * The publication time we store: the parsed time, falling back to the fetch time,
 * and never later than the fetch time (sites with wrong clocks or zones publish "in the future").
 */
export function publicationTime(parsed: Date | null, fetchedAt: Date): Date {
  if (!parsed || parsed.getTime() > fetchedAt.getTime()) return fetchedAt;
  return parsed;
}

/** ISO 8601 with the +08:00 offset, for showing times the way the users read them. */
export function toShanghaiIso(d: Date): string {
  const shifted = new Date(d.getTime() + SHANGHAI_OFFSET_MS);
  return shifted.toISOString().replace(/\.\d{3}Z$/, '+08:00');
}
