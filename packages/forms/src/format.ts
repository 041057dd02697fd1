/**
 * The words and times the forms print, shared by the Word and Excel renderers: Beijing time,
 * level and status labels, periods, and text made safe to put in a document.
 */
import type { FormLevel } from './model';

/**
 * Asia/Shanghai has been UTC+8 all year since 1991 (no daylight saving), so a fixed offset is
 * exact for every date a form can carry and keeps the renderers independent of the server's
 * time zone and of the ICU data Node was built with.
 */
export const BEIJING_OFFSET_MS = 8 * 3_600_000;

export interface BeijingParts {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
}

export function beijingParts(at: Date): BeijingParts {
  const d = new Date(at.getTime() + BEIJING_OFFSET_MS);
  return { year: d.getUTCFullYear(), month: d.getUTCMonth() + 1, day: d.getUTCDate(), hour: d.getUTCHours(), minute: d.getUTCMinutes() };
}

const pad2 = (n: number): string => String(n).padStart(2, '0');

const valid = (at: Date | null | undefined): at is Date => at instanceof Date && !Number.isNaN(at.getTime());

/** 「2026年11月30日 14:05」 (Beijing time); '' for no date. */
export function formatDateTime(at: Date | null | undefined): string {
  if (!valid(at)) return '';
  const p = beijingParts(at);
  return `${p.year}年${p.month}月${p.day}日 ${pad2(p.hour)}:${pad2(p.minute)}`;
}

/** 「2026年11月30日」 (Beijing date); '' for no date. */
export function formatDate(at: Date | null | undefined): string {
  if (!valid(at)) return '';
  const p = beijingParts(at);
  return `${p.year}年${p.month}月${p.day}日`;
}

/** 「2026-11-30 14:05」: the same instant as Excel shows it with numFmt `yyyy-mm-dd hh:mm`. */
export function formatIsoMinute(at: Date | null | undefined): string {
  if (!valid(at)) return '';
  const p = beijingParts(at);
  return `${p.year}-${pad2(p.month)}-${pad2(p.day)} ${pad2(p.hour)}:${pad2(p.minute)}`;
}

/**
 * A period as the forms print it. The assemblers hand over half-open periods [start, end) (a week
 * is Monday 00:00 to the next Monday 00:00, Beijing time), so an end at Beijing midnight prints as
 * the day before — 「2026年11月23日至2026年11月29日」 — and any other end prints with its time.
 * No start means the register covers everything: 「全部」 (or 「截至 …」 with only an end).
 */
export function formatPeriod(start: Date | null | undefined, end: Date | null | undefined): string {
  const s = valid(start) ? formatPeriodEdge(start, false) : '';
  const e = valid(end) ? formatPeriodEdge(end, true) : '';
  if (s && e) return `${s}至${e}`;
  if (s) return `${s}起`;
  if (e) return `截至${e}`;
  return '全部';
}

function formatPeriodEdge(at: Date, isEnd: boolean): string {
  const p = beijingParts(at);
  const midnight = p.hour === 0 && p.minute === 0 && at.getUTCSeconds() === 0 && at.getUTCMilliseconds() === 0;
  if (!midnight) return formatDateTime(at);
  return isEnd ? formatDate(new Date(at.getTime() - 1)) : formatDate(at);
}

export const LEVEL_LABELS: Record<FormLevel, string> = { none: '无', blue: '蓝色', yellow: '黄色', orange: '橙色', red: '红色' };

/** The level in Chinese; an unknown value prints as itself rather than as nothing. */
export function levelLabel(level: FormLevel | string | null | undefined): string {
  if (level == null) return '';
  return (LEVEL_LABELS as Record<string, string>)[level] ?? safeText(level);
}

/**
 * Incident statuses and warning states as the page names them (services/api/web). The contract
 * carries them as strings; an assembler may already hand over Chinese, which passes through.
 */
const STATUS_LABELS: Record<string, string> = {
  new: '新建',
  assessing: '研判中',
  handling: '处置中',
  responded: '已回应',
  closed: '已结案',
  firing: '未确认',
  acknowledged: '已确认',
  resolved: '已解除',
};

export function statusLabel(status: string | null | undefined): string {
  if (status == null) return '';
  return STATUS_LABELS[status] ?? safeText(status);
}

/** 0.125 → 「12.5%」; null (no police-related items) → ''. */
export function formatShare(share: number | null | undefined): string {
  if (share == null || !Number.isFinite(share)) return '';
  return `${(Math.round(share * 1000) / 10).toFixed(1)}%`;
}

export function formatCount(n: number | null | undefined): string {
  return n == null || !Number.isFinite(n) ? '' : String(n);
}

/**
 * Text made safe for a document: null/undefined become '' (a form shows an empty field as blank,
 * never "undefined"/"null"), and characters XML 1.0 cannot carry — C0 controls other than tab,
 * line feed and carriage return, lone surrogates, U+FFFE/U+FFFF — are dropped. Scraped posts do
 * contain such characters, and a single one makes Word refuse the file ("unreadable content")
 * and Excel offer a repair. The libraries escape < & > " themselves.
 */
export function safeText(v: string | number | null | undefined): string {
  if (v == null) return '';
  const s = String(v);
  // eslint-disable-next-line no-control-regex
  return s.replace(/[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g, '').replace(/\r\n?/g, '\n');
}

/** A text's paragraphs (split on line breaks, blank lines dropped); [] for empty text. */
export function paragraphsOf(v: string | null | undefined): string[] {
  return safeText(v)
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l.length > 0);
}
