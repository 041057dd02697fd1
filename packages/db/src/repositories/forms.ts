/**
 * Forms (报表, migration 027): a form is one filing — a kind and its period, or the incident it
 * reports — whose content is a series of append-only versions. Creating one assembles it from the
 * database (forms-data.ts) as version 1 of a draft; an analyst's edit appends a version with the
 * text changed and the assembled facts kept; a regeneration appends the facts assembled again with
 * the text the analysts changed kept; the status moves draft → review (提交审核) → filed (报送), and
 * back to draft from review (退回) or, for a filed form, by a revision that starts a new draft version
 * while the filed one stays as it was.
 *
 * One form per kind and period (or kind and incident): the unique indexes make a second creation —
 * another API process, the schedule's catch-up, a second click — a FORM_EXISTS refusal naming the
 * first. Every change made for a person is audited in its own transaction (form.create,
 * form.version, form.status); the schedule's creations are not, like the digests' scheduled runs.
 */
import type { FormDataByKind, FormKind } from '@yuqing/forms';
import { withTransaction, type Pool, type PoolClient, type Queryable } from '../pool';
import type { Role } from '../user-model';
import { recordAudit } from './audit';
import { assembleForm, localDate, localMidnight, wallTimeIn, type AssembleContext, type FormPeriod, type FormTarget } from './forms-data';

export type { FormPeriod, FormTarget } from './forms-data';

export type FormStatus = 'draft' | 'review' | 'filed';
export const FORM_STATUS_VALUES = ['draft', 'review', 'filed'] as const;
export const FORM_STATUS_WORDS: Record<FormStatus, string> = { draft: '草稿', review: '待审核', filed: '已报送' };

export type PeriodUnit = 'week' | 'month' | 'quarter';

/** How each kind is made (the names are @yuqing/forms' FORM_TITLES; a test keeps them equal). */
interface KindRule {
  name: string;
  /** The period a form of this kind covers by default; null: the caller must give one (or an incident). */
  defaultPeriod: PeriodUnit | null;
  /** Whether a form of this kind is about one incident: always, optionally (instead of a period), never. */
  incident: 'required' | 'optional' | 'never';
  /** The text analysts edit, as paths into the data (besides the header's 编号, 密级, 单位). */
  text: readonly string[];
}

export const FORM_KIND_RULES: Record<FormKind, KindRule> = {
  'major-report': {
    name: '重大事项呈报表',
    defaultPeriod: null,
    incident: 'required',
    text: ['title', 'place', 'involved', 'opinion.summary', 'measures', 'response', 'nextSteps', 'reporter'],
  },
  'weekly-report': { name: '警察公共关系工作情况周报表', defaultPeriod: 'week', incident: 'never', text: ['overview', 'mainWork', 'nextWeek', 'filledBy'] },
  'warning-record': { name: '科学预警记录', defaultPeriod: 'month', incident: 'never', text: [] },
  'crisis-register': { name: '危机管理登记表', defaultPeriod: null, incident: 'optional', text: [] },
  'info-collection': { name: '信息采集表', defaultPeriod: null, incident: 'never', text: [] },
  'visit-record': { name: '走访人大代表、政协委员记录表', defaultPeriod: 'quarter', incident: 'never', text: [] },
};

export const FORM_KIND_VALUES = Object.keys(FORM_KIND_RULES) as FormKind[];

/** The header fields every kind lets analysts edit. */
export const FORM_HEADER_FIELDS = ['header.serial', 'header.secrecy', 'header.unit'] as const;

/** Every text path of a kind an edit may change. */
export function formTextPaths(kind: FormKind): string[] {
  return [...FORM_HEADER_FIELDS, ...FORM_KIND_RULES[kind].text];
}

/** The longest span a form may cover. */
export const FORM_MAX_PERIOD_DAYS = 366;

/** A refusal the caller shows as is (Chinese message); FORM_EXISTS names the form that exists. */
export class FormError extends Error {
  constructor(
    readonly status: 400 | 403 | 404 | 409,
    readonly code: string,
    message: string,
    readonly formId: number | null = null,
  ) {
    super(message);
    this.name = 'FormError';
  }
}

/** Who makes a change: the audit names the login name, the form the display name. */
export interface FormActor {
  actorId: number | null;
  /** Login name, 'system', or 'cli:<os user>' (as in the audit log). */
  actorName: string;
  /** The name people read on the form (defaults to actorName). */
  displayName?: string;
  requestId?: string | null;
}

const shownName = (a: FormActor): string => a.displayName || a.actorName;
const auditWho = (a: FormActor) => ({ actorId: a.actorId, actorName: a.actorName, requestId: a.requestId ?? null });

// --- periods and titles ---

/**
 * The last full period ending at or before `at` in the zone: the Monday 00:00 → Monday 00:00 week,
 * the calendar month, or the calendar quarter.
 */
export function lastFullPeriod(unit: PeriodUnit, at: Date, timeZone: string): FormPeriod {
  const w = wallTimeIn(at, timeZone);
  if (unit === 'week') {
    const sinceMonday = (w.weekday + 6) % 7;
    return { from: localMidnight(w.year, w.month, w.day - sinceMonday - 7, timeZone), to: localMidnight(w.year, w.month, w.day - sinceMonday, timeZone) };
  }
  if (unit === 'month') return { from: localMidnight(w.year, w.month - 1, 1, timeZone), to: localMidnight(w.year, w.month, 1, timeZone) };
  const quarterStart = Math.floor((w.month - 1) / 3) * 3 + 1;
  return { from: localMidnight(w.year, quarterStart - 3, 1, timeZone), to: localMidnight(w.year, quarterStart, 1, timeZone) };
}

const QUARTER_WORDS = ['一', '二', '三', '四'];

/** A period as a form's title names it: 2026年3月, 2026年第一季度, or 2026-03-02 至 2026-03-08 (the last day). */
export function periodLabel(p: FormPeriod, timeZone: string): string {
  const a = wallTimeIn(p.from, timeZone);
  const startsADay = localMidnight(a.year, a.month, a.day, timeZone).getTime() === p.from.getTime();
  if (startsADay && a.day === 1) {
    if (localMidnight(a.year, a.month + 1, 1, timeZone).getTime() === p.to.getTime()) return `${a.year}年${a.month}月`;
    if ((a.month - 1) % 3 === 0 && localMidnight(a.year, a.month + 3, 1, timeZone).getTime() === p.to.getTime()) {
      return `${a.year}年第${QUARTER_WORDS[(a.month - 1) / 3]}季度`;
    }
  }
  const first = localDate(p.from, timeZone);
  const last = localDate(new Date(p.to.getTime() - 1), timeZone);
  return first === last ? first : `${first} 至 ${last}`;
}

/** A form's title: the kind's name and its period, or the incident's title. */
export function formTitle(kind: FormKind, target: FormTarget, incidentTitle: string | null, timeZone: string): string {
  const name = FORM_KIND_RULES[kind].name;
  const title = target.period ? `${name}（${periodLabel(target.period, timeZone)}）` : `${name}：${incidentTitle ?? `事件${target.incidentId}`}`;
  return [...title].slice(0, 300).join('');
}

/**
 * What a form of `kind` covers, from what the caller gave; the kind's default period (ending at or
 * before `now`) when it has one and none was given. Refusals are 400 FormErrors in Chinese.
 */
export function formTarget(kind: FormKind, given: { from?: Date; to?: Date; incidentId?: number }, now: Date, timeZone: string): FormTarget {
  const rule = FORM_KIND_RULES[kind];
  const hasPeriod = given.from !== undefined || given.to !== undefined;
  if (given.incidentId !== undefined) {
    if (rule.incident === 'never') throw new FormError(400, 'FORM_BAD_TARGET', `${rule.name}按时段生成，不针对单个事件`);
    if (hasPeriod) throw new FormError(400, 'FORM_BAD_TARGET', `${rule.name}针对单个事件时不能再指定时段`);
    return { incidentId: given.incidentId };
  }
  if (rule.incident === 'required') throw new FormError(400, 'FORM_INCIDENT_REQUIRED', `${rule.name}需要指定事件（incidentId）`);
  if (!hasPeriod) {
    if (!rule.defaultPeriod) {
      throw new FormError(400, 'FORM_PERIOD_REQUIRED', rule.incident === 'optional' ? `${rule.name}需要指定时段（from、to）或事件（incidentId）` : `${rule.name}需要指定时段（from、to）`);
    }
    return { period: lastFullPeriod(rule.defaultPeriod, now, timeZone) };
  }
  if (given.from === undefined || given.to === undefined) throw new FormError(400, 'FORM_PERIOD_REQUIRED', '时段需要同时给出开始（from）和结束（to）');
  if (!(given.to.getTime() > given.from.getTime())) throw new FormError(400, 'FORM_BAD_PERIOD', '时段的结束应晚于开始');
  if (given.to.getTime() - given.from.getTime() > FORM_MAX_PERIOD_DAYS * 86_400_000) throw new FormError(400, 'FORM_BAD_PERIOD', `时段最长 ${FORM_MAX_PERIOD_DAYS} 天`);
  return { period: { from: given.from, to: given.to } };
}

// --- records ---

/** A form as stored (its content is in its versions). */
export interface FormRecord {
  id: number;
  kind: FormKind;
  title: string;
  periodStart: Date | null;
  periodEnd: Date | null;
  incidentId: number | null;
  status: FormStatus;
  version: number;
  filedVersion: number | null;
  /** What the last status change said (a 退回's reason). */
  statusNote: string | null;
  createdAt: Date;
  createdBy: string;
  updatedAt: Date;
  submittedBy: string | null;
  submittedAt: Date | null;
  filedBy: string | null;
  filedAt: Date | null;
}

/** One version of a form's content, without the content. */
export interface FormVersionInfo {
  version: number;
  note: string;
  /** Assembled from the database (creation, regeneration) rather than edited. */
  assembled: boolean;
  createdBy: string;
  createdAt: Date;
}

interface FormRow {
  id: number;
  kind: FormKind;
  title: string;
  period_start: Date | null;
  period_end: Date | null;
  incident_id: number | null;
  status: FormStatus;
  version: number;
  filed_version: number | null;
  status_note: string | null;
  created_at: Date;
  created_by: string;
  updated_at: Date;
  submitted_by: string | null;
  submitted_at: Date | null;
  filed_by: string | null;
  filed_at: Date | null;
}

const formFromRow = (r: FormRow): FormRecord => ({
  id: Number(r.id),
  kind: r.kind,
  title: r.title,
  periodStart: r.period_start,
  periodEnd: r.period_end,
  incidentId: r.incident_id === null ? null : Number(r.incident_id),
  status: r.status,
  version: r.version,
  filedVersion: r.filed_version,
  statusNote: r.status_note,
  createdAt: r.created_at,
  createdBy: r.created_by,
  updatedAt: r.updated_at,
  submittedBy: r.submitted_by,
  submittedAt: r.submitted_at,
  filedBy: r.filed_by,
  filedAt: r.filed_at,
});

/** What an audit entry keeps of a form (not its content: the versions keep that for good). */
export const formAuditView = (f: FormRecord): Record<string, unknown> => ({
  id: f.id,
  kind: f.kind,
  title: f.title,
  periodStart: f.periodStart,
  periodEnd: f.periodEnd,
  incidentId: f.incidentId,
  status: f.status,
  version: f.version,
  filedVersion: f.filedVersion,
});

/** One form, or null; `forUpdate` locks it until the caller's transaction ends. */
export async function getForm(db: Queryable, id: number, opts: { forUpdate?: boolean } = {}): Promise<FormRecord | null> {
  const { rows } = await db.query<FormRow>(`SELECT * FROM forms WHERE id = $1${opts.forUpdate ? ' FOR UPDATE' : ''}`, [id]);
  return rows[0] ? formFromRow(rows[0]) : null;
}

/** The form of this kind for this period or incident, or null. */
export async function findForm(db: Queryable, kind: FormKind, target: FormTarget): Promise<FormRecord | null> {
  const { rows } = target.period
    ? await db.query<FormRow>('SELECT * FROM forms WHERE kind = $1 AND incident_id IS NULL AND period_start = $2 AND period_end = $3', [kind, target.period.from, target.period.to])
    : await db.query<FormRow>('SELECT * FROM forms WHERE kind = $1 AND incident_id = $2', [kind, target.incidentId]);
  return rows[0] ? formFromRow(rows[0]) : null;
}

/** Filters of a form list. */
export interface FormFilter {
  kind?: FormKind;
  status?: FormStatus;
  /** Forms whose period (or, about an incident, creation) reaches past this time… */
  from?: Date;
  /** …and begins before this one. */
  to?: Date;
  limit: number;
  /** Keyset: the sort time (period end, else creation) and id of the last form of the previous page. */
  before?: { at: Date; id: number };
}

/** The sort time of a form in lists: its period's end, else its creation. */
export const formSortTime = (f: Pick<FormRecord, 'periodEnd' | 'createdAt'>): Date => f.periodEnd ?? f.createdAt;

/** Forms, newest period first. */
export async function listForms(db: Queryable, f: FormFilter): Promise<FormRecord[]> {
  const { rows } = await db.query<FormRow>(
    `SELECT * FROM forms
     WHERE ($1::text IS NULL OR kind = $1) AND ($2::text IS NULL OR status = $2)
       AND ($3::timestamptz IS NULL OR COALESCE(period_end, created_at) > $3)
       AND ($4::timestamptz IS NULL OR COALESCE(period_start, created_at) < $4)
       AND ($5::timestamptz IS NULL OR (COALESCE(period_end, created_at), id) < ($5, $6))
     ORDER BY COALESCE(period_end, created_at) DESC, id DESC LIMIT $7`,
    [f.kind ?? null, f.status ?? null, f.from ?? null, f.to ?? null, f.before?.at ?? null, f.before?.id ?? 0, f.limit],
  );
  return rows.map(formFromRow);
}

/** A form's versions, oldest first. */
export async function listFormVersions(db: Queryable, formId: number): Promise<FormVersionInfo[]> {
  const { rows } = await db.query<{ version: number; note: string; assembled: boolean; created_by: string; created_at: Date }>(
    'SELECT version, note, assembled, created_by, created_at FROM form_versions WHERE form_id = $1 ORDER BY version',
    [formId],
  );
  return rows.map((r) => ({ version: r.version, note: r.note, assembled: r.assembled, createdBy: r.created_by, createdAt: r.created_at }));
}

/** One version with its content (dates revived), or null. */
export async function getFormVersion<K extends FormKind>(db: Queryable, formId: number, kind: K, version: number): Promise<(FormVersionInfo & { data: FormDataByKind[K] }) | null> {
  const { rows } = await db.query<{ version: number; note: string; assembled: boolean; created_by: string; created_at: Date; data: unknown }>(
    'SELECT version, note, assembled, created_by, created_at, data FROM form_versions WHERE form_id = $1 AND version = $2',
    [formId, version],
  );
  const r = rows[0];
  if (!r) return null;
  return { version: r.version, note: r.note, assembled: r.assembled, createdBy: r.created_by, createdAt: r.created_at, data: reviveFormData(kind, r.data) };
}

// --- reading stored JSON back ---

const date = (v: unknown): Date => new Date(v as string);
const dateOrNull = (v: unknown): Date | null => (v === null || v === undefined ? null : new Date(v as string));
type Json = Record<string, unknown>;
const list = (v: unknown): Json[] => (Array.isArray(v) ? (v as Json[]) : []);

/** A version's JSON as the model's types: every time field back to a Date. */
export function reviveFormData<K extends FormKind>(kind: K, raw: unknown): FormDataByKind[K] {
  const d = structuredClone(raw) as Json;
  const period = (): void => {
    d['periodStart'] = dateOrNull(d['periodStart']);
    d['periodEnd'] = dateOrNull(d['periodEnd']);
  };
  switch (kind as FormKind) {
    case 'major-report': {
      d['reportedAt'] = date(d['reportedAt']);
      d['occurredAt'] = dateOrNull(d['occurredAt']);
      const o = d['opinion'] as Json;
      const first = o['firstPost'] as Json | null;
      if (first) first['at'] = date(first['at']);
      const peak = o['peak'] as Json | null;
      if (peak) peak['at'] = date(peak['at']);
      break;
    }
    case 'weekly-report':
      period();
      for (const w of list(d['warnings'])) w['at'] = date(w['at']);
      for (const i of list(d['incidents'])) {
        i['openedAt'] = date(i['openedAt']);
        i['respondedAt'] = dateOrNull(i['respondedAt']);
      }
      break;
    case 'warning-record':
      period();
      for (const r of list(d['rows'])) r['at'] = date(r['at']);
      break;
    case 'crisis-register':
      period();
      for (const r of list(d['records'])) {
        r['openedAt'] = date(r['openedAt']);
        for (const k of ['dueAt', 'respondedAt', 'closedAt']) r[k] = dateOrNull(r[k]);
        for (const e of list(r['timeline'])) e['at'] = date(e['at']);
      }
      break;
    case 'info-collection':
      period();
      for (const e of list(d['entries'])) {
        e['occurredAt'] = date(e['occurredAt']);
        e['createdAt'] = date(e['createdAt']);
      }
      break;
    case 'visit-record':
      period();
      for (const e of list(d['entries'])) {
        e['visitedOn'] = date(e['visitedOn']);
        e['createdAt'] = date(e['createdAt']);
      }
      break;
  }
  return d as unknown as FormDataByKind[K];
}

// --- text paths ---

function getText(data: unknown, path: string): string | undefined {
  let v: unknown = data;
  for (const k of path.split('.')) v = v && typeof v === 'object' ? (v as Json)[k] : undefined;
  return typeof v === 'string' ? v : undefined;
}

function setText(data: unknown, path: string, value: string): void {
  const keys = path.split('.');
  let o = data as Json;
  for (const k of keys.slice(0, -1)) {
    if (!o[k] || typeof o[k] !== 'object') o[k] = {};
    o = o[k] as Json;
  }
  o[keys.at(-1)!] = value;
}

/** The text of a version, path by path (what an audit entry of an edit shows). */
export function formTexts(kind: FormKind, data: unknown): Record<string, string> {
  return Object.fromEntries(formTextPaths(kind).map((p) => [p, getText(data, p) ?? '']));
}

/**
 * Freshly assembled data with the analysts' text kept: a text path whose current value differs
 * from the last assembled version's was edited, and stays; the others take the fresh value.
 */
export function keepEditedText<T>(kind: FormKind, current: unknown, lastAssembled: unknown, fresh: T): T {
  const out = structuredClone(fresh);
  for (const path of formTextPaths(kind)) {
    const now = getText(current, path);
    if (now !== undefined && now !== getText(lastAssembled, path)) setText(out, path, now);
  }
  return out;
}

// --- writing ---

/** Runs `fn` in one REPEATABLE READ, READ ONLY snapshot (every figure of a form of the same moment). */
function inSnapshot<T>(pool: Pool, fn: (c: PoolClient) => Promise<T>): Promise<T> {
  return withTransaction(pool, fn, 'BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
}

async function insertVersion(c: Queryable, formId: number, version: number, data: unknown, note: string, assembled: boolean, actor: FormActor, at: Date): Promise<void> {
  await c.query(
    `INSERT INTO form_versions (form_id, version, data, note, assembled, created_by_id, created_by, created_at)
     VALUES ($1, $2, $3::jsonb, $4, $5, $6, $7, $8)`,
    [formId, version, JSON.stringify(data), note, assembled, actor.actorId, shownName(actor), at],
  );
}

/** What assembling needs besides the kind and target. */
export interface FormAssembleOptions {
  /** BUREAU_UNIT_NAME. */
  unitName: string;
  /** DIGEST_TIMEZONE: periods, titles and the prose's times. */
  timeZone: string;
  /** The generation time; default the clock. */
  now?: Date;
}

const contextOf = (o: FormAssembleOptions, actor: FormActor, now: Date): AssembleContext => ({
  unitName: o.unitName,
  timeZone: o.timeZone,
  now,
  // The schedule fills in no one: 填报人 is for a person to sign.
  reporter: actor.actorName === 'system' ? '' : shownName(actor),
});

/** The incident title a form about one incident is named after. */
function incidentTitleOf(kind: FormKind, data: unknown): string | null {
  if (kind === 'major-report') return getText(data, 'title') ?? null;
  const first = list((data as Json)['records'])[0];
  return first && typeof first['title'] === 'string' ? first['title'] : null;
}

const exists = (f: FormRecord): FormError =>
  new FormError(409, 'FORM_EXISTS', `已有该${f.incidentId !== null ? '事件' : '时段'}的${FORM_KIND_RULES[f.kind].name}（#${f.id}「${f.title}」），请打开它继续编辑`, f.id);

/**
 * Creates a form: assembled from the database as version 1 of a draft. FORM_EXISTS (409, with the
 * form's id) when the kind already has one for the target; 404 when the incident does not exist.
 * Audited as form.create unless `audit: false` (the schedule).
 */
export async function createForm(
  pool: Pool,
  req: FormAssembleOptions & { kind: FormKind; target: FormTarget; note?: string },
  actor: FormActor,
  opts: { audit?: boolean } = {},
): Promise<{ form: FormRecord; data: FormDataByKind[FormKind] }> {
  const now = req.now ?? new Date();
  const { kind, target } = req;
  const found = await findForm(pool, kind, target);
  if (found) throw exists(found);
  const data = await inSnapshot(pool, (c) => assembleForm(c, kind, target, contextOf(req, actor, now)));
  if (!data) throw new FormError(404, 'INCIDENT_NOT_FOUND', `事件 ${target.incidentId} 不存在`);
  const title = formTitle(kind, target, incidentTitleOf(kind, data), req.timeZone);
  return withTransaction(pool, async (c) => {
    const { rows } = await c.query<FormRow>(
      `INSERT INTO forms (kind, title, period_start, period_end, incident_id, created_by_id, created_by, created_at, updated_at)
       VALUES ($1, $2, $3, $4, $5, (SELECT id FROM users WHERE id = $6), $7, $8, $8)
       ON CONFLICT DO NOTHING RETURNING *`,
      [kind, title, target.period?.from ?? null, target.period?.to ?? null, target.incidentId ?? null, actor.actorId, shownName(actor), now],
    );
    const row = rows[0];
    if (!row) {
      // Another creation of the same target committed between the check and the insert.
      const first = await findForm(c, kind, target);
      if (!first) throw new Error('form neither created nor found');
      throw exists(first);
    }
    const form = formFromRow(row);
    await insertVersion(c, form.id, 1, data, req.note ?? '生成', true, actor, now);
    if (opts.audit !== false) await recordAudit(c, { ...auditWho(actor), action: 'form.create', entity: 'form', entityId: form.id, before: null, after: formAuditView(form) });
    return { form, data };
  });
}

const notFound = (id: number): FormError => new FormError(404, 'FORM_NOT_FOUND', `报表 ${id} 不存在`);
const filedRefusal = (f: FormRecord): FormError =>
  new FormError(409, 'FORM_FILED', `「${f.title}」已报送，不能直接修改；如需更正，请以修订（revise）方式开始新的草稿版本，已报送的版本保持不变`, f.id);

/** Appends a version and moves the form to it (a filed form revised becomes a draft again). */
async function appendVersion(
  c: PoolClient,
  form: FormRecord,
  v: { data: unknown; note: string; assembled: boolean; revise: boolean; title?: string },
  actor: FormActor,
  now: Date,
): Promise<FormRecord> {
  const version = form.version + 1;
  await insertVersion(c, form.id, version, v.data, v.note, v.assembled, actor, now);
  const { rows } = await c.query<FormRow>(
    `UPDATE forms SET version = $2, updated_at = $3, title = COALESCE($4, title),
       status = CASE WHEN $5 THEN 'draft' ELSE status END, status_note = CASE WHEN $5 THEN NULL ELSE status_note END
     WHERE id = $1 RETURNING *`,
    [form.id, version, now, v.title ?? null, v.revise && form.status === 'filed'],
  );
  return formFromRow(rows[0]!);
}

/** An analyst's edit: text values by path (formTextPaths); anything else is refused. */
export type FormTextEdit = Record<string, string>;

/**
 * Appends a version with the edited text and the rest of the current version kept. 409
 * FORM_VERSION_CONFLICT when `expectVersion` is not the current one (someone saved in between),
 * FORM_FILED for a filed form unless `revise`. An edit that changes nothing appends nothing.
 */
export async function editForm(
  pool: Pool,
  id: number,
  e: { edit: FormTextEdit; note?: string; expectVersion: number; revise?: boolean },
  actor: FormActor,
  now: Date = new Date(),
): Promise<{ form: FormRecord; data: FormDataByKind[FormKind]; changed: boolean }> {
  return withTransaction(pool, async (c) => {
    const form = await getForm(c, id, { forUpdate: true });
    if (!form) throw notFound(id);
    const allowed = new Set(formTextPaths(form.kind));
    const bad = Object.keys(e.edit).filter((p) => !allowed.has(p));
    if (bad.length) throw new FormError(400, 'FORM_FIELD_NOT_EDITABLE', `这些内容由系统生成，不能修改：${bad.join('、')}`);
    if (e.expectVersion !== form.version) {
      throw new FormError(409, 'FORM_VERSION_CONFLICT', `报表已被他人更新为第 ${form.version} 版（您编辑的是第 ${e.expectVersion} 版），请刷新后重新修改`, form.id);
    }
    const revise = e.revise === true;
    if (form.status === 'filed' && !revise) throw filedRefusal(form);
    const current = await getFormVersion(c, form.id, form.kind, form.version);
    if (!current) throw new Error(`form ${form.id} has no version ${form.version}`);
    const before = formTexts(form.kind, current.data);
    const data = structuredClone(current.data);
    for (const [path, value] of Object.entries(e.edit)) setText(data, path, value);
    const after = formTexts(form.kind, data);
    const changed = formTextPaths(form.kind).some((p) => before[p] !== after[p]);
    if (!changed && !(revise && form.status === 'filed')) return { form, data: current.data, changed: false };
    const title = form.kind === 'major-report' && before['title'] !== after['title'] ? formTitle(form.kind, { incidentId: form.incidentId! }, after['title'] ?? null, 'Asia/Shanghai') : undefined;
    const next = await appendVersion(c, form, { data, note: e.note ?? (revise && form.status === 'filed' ? '修订' : '修改'), assembled: false, revise, ...(title ? { title } : {}) }, actor, now);
    await recordAudit(c, {
      ...auditWho(actor),
      action: 'form.version',
      entity: 'form',
      entityId: form.id,
      before: { version: form.version, status: form.status, text: before },
      after: { version: next.version, status: next.status, note: e.note ?? null, text: after },
    });
    return { form: next, data, changed: true };
  });
}

/**
 * Assembles the form's facts again into a new version, keeping the text analysts changed since the
 * last assembled version. FORM_FILED for a filed form unless `revise`.
 */
export async function regenerateForm(
  pool: Pool,
  id: number,
  req: FormAssembleOptions & { note?: string; revise?: boolean },
  actor: FormActor,
): Promise<{ form: FormRecord; data: FormDataByKind[FormKind] }> {
  const now = req.now ?? new Date();
  const first = await getForm(pool, id);
  if (!first) throw notFound(id);
  if (first.status === 'filed' && !req.revise) throw filedRefusal(first);
  const target: FormTarget = first.periodStart && first.periodEnd ? { period: { from: first.periodStart, to: first.periodEnd } } : { incidentId: first.incidentId! };
  const fresh = await inSnapshot(pool, (c) => assembleForm(c, first.kind, target, contextOf(req, actor, now)));
  if (!fresh) throw new FormError(404, 'INCIDENT_NOT_FOUND', `事件 ${first.incidentId} 不存在`);
  return withTransaction(pool, async (c) => {
    const form = await getForm(c, id, { forUpdate: true });
    if (!form) throw notFound(id);
    if (form.status === 'filed' && !req.revise) throw filedRefusal(form);
    const current = await getFormVersion(c, form.id, form.kind, form.version);
    const base = await c.query<{ version: number }>('SELECT max(version) AS version FROM form_versions WHERE form_id = $1 AND assembled', [form.id]);
    const assembled = await getFormVersion(c, form.id, form.kind, base.rows[0]?.version ?? 1);
    if (!current || !assembled) throw new Error(`form ${form.id} lacks its versions`);
    const data = keepEditedText(form.kind, current.data, assembled.data, fresh);
    const next = await appendVersion(c, form, { data, note: req.note ?? '重新生成', assembled: true, revise: req.revise === true }, actor, now);
    await recordAudit(c, {
      ...auditWho(actor),
      action: 'form.version',
      entity: 'form',
      entityId: form.id,
      before: { version: form.version, status: form.status, text: formTexts(form.kind, current.data) },
      after: { version: next.version, status: next.status, note: req.note ?? '重新生成', regenerated: true, text: formTexts(form.kind, data) },
    });
    return { form: next, data };
  });
}

const ROLE_WORDS: Partial<Record<Role, string>> = { admin: '管理员', leader: '领导', analyst: '分析员', pr: '值班民警' };

/** The status changes there are, and who may make each. */
export const FORM_TRANSITIONS: ReadonlyArray<{ from: FormStatus; to: FormStatus; roles: readonly Role[]; label: string; needsNote: boolean }> = [
  { from: 'draft', to: 'review', roles: ['admin', 'analyst'], label: '提交审核', needsNote: false },
  { from: 'review', to: 'filed', roles: ['admin', 'leader'], label: '审核通过并报送', needsNote: false },
  { from: 'review', to: 'draft', roles: ['admin', 'leader'], label: '退回修改', needsNote: true },
];

/** The transitions a role may make from a status. */
export function allowedFormTransitions(status: FormStatus, role: Role): Array<{ to: FormStatus; label: string; needsNote: boolean }> {
  return FORM_TRANSITIONS.filter((t) => t.from === status && t.roles.includes(role)).map((t) => ({ to: t.to, label: t.label, needsNote: t.needsNote }));
}

/**
 * Moves a form: draft → review (提交审核), review → filed (报送: the current version becomes the
 * filed one), review → draft (退回, with a note). 409 FORM_BAD_TRANSITION for any other, 403
 * FORM_TRANSITION_FORBIDDEN for a role that may not make this one, 400 FORM_NOTE_REQUIRED.
 */
export async function changeFormStatus(pool: Pool, id: number, t: { to: FormStatus; note?: string; role: Role }, actor: FormActor, now: Date = new Date()): Promise<FormRecord> {
  return withTransaction(pool, async (c) => {
    const form = await getForm(c, id, { forUpdate: true });
    if (!form) throw notFound(id);
    const rule = FORM_TRANSITIONS.find((x) => x.from === form.status && x.to === t.to);
    if (!rule) {
      const next = FORM_TRANSITIONS.filter((x) => x.from === form.status).map((x) => `${x.label}（${FORM_STATUS_WORDS[x.to]}）`);
      throw new FormError(
        409,
        'FORM_BAD_TRANSITION',
        `报表当前为「${FORM_STATUS_WORDS[form.status]}」，不能改为「${FORM_STATUS_WORDS[t.to]}」${next.length ? `；可以：${next.join('、')}` : ''}`,
        form.id,
      );
    }
    if (!rule.roles.includes(t.role)) throw new FormError(403, 'FORM_TRANSITION_FORBIDDEN', `「${rule.label}」需由${rule.roles.map((r) => ROLE_WORDS[r] ?? r).join('或')}操作`, form.id);
    const note = t.note?.trim() || null;
    if (rule.needsNote && !note) throw new FormError(400, 'FORM_NOTE_REQUIRED', `${rule.label}需要填写说明（note）`, form.id);
    const who = shownName(actor);
    const { rows } = await c.query<FormRow>(
      `UPDATE forms SET status = $2, status_note = $3, updated_at = $4,
         submitted_by_id = CASE WHEN $2 = 'review' THEN (SELECT id FROM users WHERE id = $5) ELSE submitted_by_id END,
         submitted_by = CASE WHEN $2 = 'review' THEN $6 ELSE submitted_by END,
         submitted_at = CASE WHEN $2 = 'review' THEN $4 ELSE submitted_at END,
         filed_by_id = CASE WHEN $2 = 'filed' THEN (SELECT id FROM users WHERE id = $5) ELSE filed_by_id END,
         filed_by = CASE WHEN $2 = 'filed' THEN $6 ELSE filed_by END,
         filed_at = CASE WHEN $2 = 'filed' THEN $4 ELSE filed_at END,
         filed_version = CASE WHEN $2 = 'filed' THEN version ELSE filed_version END
       WHERE id = $1 RETURNING *`,
      [form.id, t.to, note, now, actor.actorId, who],
    );
    const after = formFromRow(rows[0]!);
    await recordAudit(c, {
      ...auditWho(actor),
      action: 'form.status',
      entity: 'form',
      entityId: form.id,
      before: { status: form.status, version: form.version },
      after: { status: after.status, version: after.version, filedVersion: after.filedVersion, note },
    });
    return after;
  });
}

