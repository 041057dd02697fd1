// What the 报表 modules share: the forms API's answers as the page reads them, the kinds' and
// statuses' names, Beijing-time periods (a form's period is [start, end) with end at a Beijing
// midnight; people read and type it as inclusive dates), and the download links.
import type { allowedFormTransitions, FormVersionInfo, FormRecord as StoredForm, FormStatus as StoredStatus } from '@yuqing/db';
import type { FormDataByKind, FormKind, InfoChannel, VISITED_ROLES } from '@yuqing/forms';
import { beijing, beijingMinute, el } from './core';
import type { Wire } from './wire';

// --- the API's answers (services/api/src/routes/forms.ts, info-entries.ts, visits.ts) ---
export type FormStatus = StoredStatus;
export type DocFormat = 'docx' | 'xlsx';

/**
 * A form as GET /api/forms and every form route answer it (formView in routes/forms.ts): the stored
 * record, the documents it is filed as, and the status changes the caller may make now.
 */
export type FormRecord = Wire<StoredForm & { formats: DocFormat[]; allowedTransitions: ReturnType<typeof allowedFormTransitions> }>;
export type Transition = FormRecord['allowedTransitions'][number];

export type FormData<K extends FormKind = FormKind> = Wire<FormDataByKind[K]>;

/** One version in a form's history. */
export type VersionInfo = Wire<FormVersionInfo>;
/** GET /api/forms/:id. */
export interface FormDetail {
  form: FormRecord;
  data: FormData;
  versions: VersionInfo[];
}
/** GET /api/forms/:id/versions/:version. */
export type VersionDetail = VersionInfo & { data: FormData };
/** POST /api/forms, PUT /api/forms/:id, POST …/regenerate. */
export interface FormAnswer {
  form: FormRecord;
  data: FormData;
}
/** GET /api/forms. */
export interface FormPage {
  forms: FormRecord[];
  nextCursor: string | null;
}
/** 409 FORM_EXISTS: the form of that kind and period (or incident) that is already there. */
export interface FormExists {
  error: { code: string; message: string };
  formId?: number;
}

export type InfoEntry = FormData<'info-collection'>['entries'][number];
export type VisitEntry = FormData<'visit-record'>['entries'][number];
export type VisitedRole = (typeof VISITED_ROLES)[number];

// --- names ---
/** Each kind's name as the bureau writes it (the same as FORM_TITLES of @yuqing/forms, which is not bundled). */
export const KIND_TITLES: Record<FormKind, string> = {
  'major-report': '重大事项呈报表',
  'weekly-report': '警察公共关系工作情况周报表',
  'warning-record': '科学预警记录',
  'crisis-register': '危机管理登记表',
  'info-collection': '信息采集表',
  'visit-record': '走访人大代表、政协委员记录表',
};
/** The short names the tabs use. */
export const KIND_TABS: Record<FormKind, string> = {
  'major-report': '重大事项呈报表',
  'weekly-report': '周报表',
  'warning-record': '科学预警记录',
  'crisis-register': '危机管理登记表',
  'info-collection': '信息采集表',
  'visit-record': '走访记录',
};
export const KINDS = Object.keys(KIND_TABS) as FormKind[];
export const isKind = (s: string | null): s is FormKind => s !== null && (KINDS as string[]).includes(s);

export const STATUS_LABELS: Record<FormStatus, string> = { draft: '草稿', review: '审核中', filed: '已报送' };
const STATUS_TEXT: Readonly<Record<string, string | undefined>> = STATUS_LABELS;
export function statusBadge(status: string): HTMLSpanElement {
  return el('span', `form-status form-status-${status}`, STATUS_TEXT[status] || status);
}

// Exhaustive lists of the model's choices (its arrays are values of a server package, not bundled):
// a choice added to the model fails tsc here until the page offers it.
const channelSet: Record<InfoChannel, true> = { 走访: true, 来电: true, 来信: true, 网友反映: true, 其他: true };
export const CHANNELS = Object.keys(channelSet) as InfoChannel[];
const roleSet: Record<VisitedRole, true> = { 人大代表: true, 政协委员: true };
export const VISITED = Object.keys(roleSet) as VisitedRole[];

/** A person in a form's history as people read it: 'system' is the schedule, 'cli:<user>' the command line. */
export function whoText(who: string | null): string {
  if (!who) return '';
  if (who === 'system') return '定时生成';
  if (who.startsWith('cli:')) return `命令行（${who.slice(4)}）`;
  return who;
}

// --- Beijing-time dates ---
const DAY = 86_400_000;
const BEIJING = 8 * 3_600_000;

/** `YYYY-MM-DD` of an instant in Beijing time. */
export const beijingDay = (iso: string | Date | null | undefined): string => beijing(iso).slice(0, 10);

/** The Beijing date `days` after a `YYYY-MM-DD` one. */
export function addDays(day: string, days: number): string {
  return new Date(Date.parse(`${day}T00:00:00Z`) + days * DAY).toISOString().slice(0, 10);
}

/** Today's date in Beijing as [year, month (1–12), day, weekday (Mon=1…Sun=7)]. */
function today(now: number): [number, number, number, number] {
  const d = new Date(now + BEIJING);
  return [d.getUTCFullYear(), d.getUTCMonth() + 1, d.getUTCDate(), d.getUTCDay() || 7];
}
const ymd = (y: number, m: number, d: number): string => new Date(Date.UTC(y, m - 1, d)).toISOString().slice(0, 10);

/** An inclusive period of Beijing dates: what the date inputs hold. */
export interface DayRange {
  first: string;
  last: string;
}
/** Last full week (Monday–Sunday), last month, last quarter: the forms' usual periods. */
export function lastWeek(now = Date.now()): DayRange {
  const [y, m, d, wd] = today(now);
  const monday = ymd(y, m, d - (wd - 1) - 7);
  return { first: monday, last: addDays(monday, 6) };
}
export function lastMonth(now = Date.now()): DayRange {
  const [y, m] = today(now);
  return { first: ymd(y, m - 1, 1), last: ymd(y, m, 0) };
}
export function lastQuarter(now = Date.now()): DayRange {
  const [y, m] = today(now);
  const q = Math.floor((m - 1) / 3);
  return { first: ymd(y, q * 3 - 2, 1), last: ymd(y, q * 3 + 1, 0) };
}
/** The quarter `n` (1–4) of a year. */
export function quarter(year: number, n: number): DayRange {
  return { first: ymd(year, n * 3 - 2, 1), last: ymd(year, n * 3 + 1, 0) };
}
/** The quarter a Beijing date falls in: [year, 1–4]. */
export function quarterOf(day: string): [number, number] {
  return [Number(day.slice(0, 4)), Math.floor((Number(day.slice(5, 7)) - 1) / 3) + 1];
}

/** What the API is sent for an inclusive period: `from` the first day, `to` the day after the last (both Beijing midnights). */
export const rangeQuery = (r: DayRange): { from: string; to: string } => ({ from: r.first, to: addDays(r.last, 1) });

/** A period as people read it: `2026-03-02 至 2026-03-08` (inclusive), or with minutes when it does not run midnight to midnight. */
export function periodText(start: string | null | undefined, end: string | null | undefined): string {
  if (!start || !end) return '';
  const s = Date.parse(start);
  const e = Date.parse(end);
  const midnights = (s + BEIJING) % DAY === 0 && (e + BEIJING) % DAY === 0;
  if (midnights) {
    const first = beijingDay(start);
    const last = beijingDay(new Date(e - DAY));
    return first === last ? first : `${first} 至 ${last}`;
  }
  return `${beijingMinute(start)} 至 ${beijingMinute(end)}`;
}

/** `2026年3月1日` (Beijing date) as the paper forms write it. */
export function cnDate(iso: string | null | undefined): string {
  const t = beijing(iso);
  if (!t) return '';
  return `${Number(t.slice(0, 4))}年${Number(t.slice(5, 7))}月${Number(t.slice(8, 10))}日`;
}
/** `2026年3月1日 16:20`. */
export function cnMinute(iso: string | null | undefined): string {
  const t = beijing(iso);
  return t ? `${cnDate(iso)} ${t.slice(11, 16)}` : '';
}
/** A form's period on paper: `2026年3月2日至2026年3月8日`. */
export function cnPeriod(start: string | null | undefined, end: string | null | undefined): string {
  if (!start || !end) return '';
  const e = Date.parse(end);
  const lastDay = (e + BEIJING) % DAY === 0 ? new Date(e - DAY).toISOString() : end;
  const a = cnDate(start);
  const b = cnDate(lastDay);
  return a === b ? a : `${a}至${b}`;
}

// --- documents ---
export const FORMAT_LABELS: Record<DocFormat, string> = { docx: 'Word 文档（.docx）', xlsx: 'Excel 表格（.xlsx）' };
export const FORMAT_SHORT: Record<DocFormat, string> = { docx: 'Word', xlsx: 'Excel' };

/** A download link of a form's document, of one version (the current one when none). */
export function documentLink(form: FormRecord, format: DocFormat, version?: number, text?: string): HTMLAnchorElement {
  const a = el('a', `button-link download download-${format}`, text ?? `下载 ${FORMAT_SHORT[format]}`);
  a.href = `/api/forms/${form.id}/document.${format}${version ? `?version=${version}` : ''}`;
  a.setAttribute('download', '');
  a.dataset.format = format;
  if (version) a.dataset.version = String(version);
  a.title = `${FORMAT_LABELS[format]}${version ? `，第 ${version} 版` : ''}`;
  return a;
}

/** A card with a heading. */
export function card(title: string | null, cls?: string): HTMLElement {
  const c = el('section', `card ${cls || ''}`.trim());
  if (title) c.append(el('h3', null, title));
  return c;
}

/** An error paragraph, announced when it is filled. */
export function errorLine(): HTMLParagraphElement {
  const p = el('p', 'error');
  p.setAttribute('role', 'alert');
  p.hidden = true;
  return p;
}
/** A confirmation line (saved, filed …), announced politely. */
export function doneLine(): HTMLParagraphElement {
  const p = el('p', 'done');
  p.setAttribute('role', 'status');
  p.hidden = true;
  return p;
}
