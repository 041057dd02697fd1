/**
 * Wall-clock arithmetic in an IANA time zone with nothing but Intl: the local parts of an
 * instant, the instant of local parts, "the same local time N days earlier", and the labels a
 * digest prints (北京时间 for Asia/Shanghai). Pure; formatters are cached per zone.
 */

export interface WallTime {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
  /** 0 = Sunday. */
  weekday: number;
}

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone,
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
      weekday: 'short',
      hourCycle: 'h23',
    });
    formatters.set(timeZone, f);
  }
  return f;
}

/** True when Intl knows the zone. */
export function isValidTimeZone(timeZone: string): boolean {
  try {
    formatter(timeZone);
    return true;
  } catch {
    return false;
  }
}

const WEEKDAYS: Record<string, number> = { Sun: 0, Mon: 1, Tue: 2, Wed: 3, Thu: 4, Fri: 5, Sat: 6 };

/** The local date and time of an instant in a zone. */
export function wallTime(at: Date, timeZone: string): WallTime {
  const p: Record<string, string> = {};
  for (const part of formatter(timeZone).formatToParts(at)) p[part.type] = part.value;
  return {
    year: Number(p['year']),
    month: Number(p['month']),
    day: Number(p['day']),
    hour: Number(p['hour']) % 24,
    minute: Number(p['minute']),
    second: Number(p['second']),
    weekday: WEEKDAYS[p['weekday'] ?? ''] ?? 0,
  };
}

/** The zone's offset from UTC at an instant, in ms (Asia/Shanghai: +8 h). */
export function zoneOffsetMs(at: Date, timeZone: string): number {
  const w = wallTime(at, timeZone);
  const asUtc = Date.UTC(w.year, w.month - 1, w.day, w.hour, w.minute, w.second);
  return asUtc - Math.floor(at.getTime() / 1000) * 1000;
}

/**
 * The instant at which the zone's clocks show these local parts (month and day may overflow, as
 * in Date.UTC). In a gap (spring forward) the result is the same offset as just before it.
 */
export function fromWallTime(w: { year: number; month: number; day: number; hour?: number; minute?: number; second?: number }, timeZone: string): Date {
  const asUtc = Date.UTC(w.year, w.month - 1, w.day, w.hour ?? 0, w.minute ?? 0, w.second ?? 0);
  // Two corrections settle every zone: the offset at the guess, then at the corrected guess.
  let t = asUtc - zoneOffsetMs(new Date(asUtc), timeZone);
  t = asUtc - zoneOffsetMs(new Date(t), timeZone);
  return new Date(t);
}

/** The same local time `days` days later (negative: earlier) in the zone. */
export function addLocalDays(at: Date, days: number, timeZone: string): Date {
  const w = wallTime(at, timeZone);
  const ms = at.getTime() % 1000;
  const out = fromWallTime({ ...w, day: w.day + days }, timeZone);
  return new Date(out.getTime() + (ms < 0 ? ms + 1000 : ms));
}

const pad = (n: number): string => String(n).padStart(2, '0');

/** `2026-11-29 08:00` in the zone. */
export function formatDateTime(at: Date, timeZone: string): string {
  const w = wallTime(at, timeZone);
  return `${w.year}-${pad(w.month)}-${pad(w.day)} ${pad(w.hour)}:${pad(w.minute)}`;
}

/** `2026-11-29` in the zone. */
export function formatDate(at: Date, timeZone: string): string {
  const w = wallTime(at, timeZone);
  return `${w.year}-${pad(w.month)}-${pad(w.day)}`;
}

/** `11-29 08:00` in the zone. */
export function formatShort(at: Date, timeZone: string): string {
  const w = wallTime(at, timeZone);
  return `${pad(w.month)}-${pad(w.day)} ${pad(w.hour)}:${pad(w.minute)}`;
}

/** What the zone is called on paper: 北京时间 for China's zone, else its IANA name. */
export function zoneLabel(timeZone: string): string {
  return ['Asia/Shanghai', 'Asia/Chongqing', 'Asia/Harbin', 'PRC'].includes(timeZone) ? '北京时间' : timeZone;
}
