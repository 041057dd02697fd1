/**
 * The bureau's forms (报表), see packages/db repositories/forms.ts for what a form and its versions are:
 * - GET  /api/forms?kind=&status=&from=&to=&limit=&cursor=   the forms, newest period first;
 * - POST /api/forms {kind, from?, to?, incidentId?}          a new draft assembled from the database
 *        (default period: the last full week / month / quarter in Beijing time); 409 FORM_EXISTS with
 *        `formId` when the kind already has one for that period or incident;
 * - POST /api/incidents/:id/major-report                     the 重大事项呈报表 of an incident (the duty officer too);
 * - GET  /api/forms/:id, GET /api/forms/:id/versions/:version  a form with its current (or any) version;
 * - PUT  /api/forms/:id {data, note?, expectVersion, revise?}  an edit of the text, as a new version;
 * - POST /api/forms/:id/regenerate {note?, revise?}           the facts assembled again, the edited text kept;
 * - POST /api/forms/:id/status {to, note?}                    提交审核 / 审核通过并报送 / 退回;
 * - GET  /api/forms/:id/document.docx|.xlsx?version=N         the Word document or Excel register.
 *
 * Every change is audited (form.create, form.version, form.status) in its own transaction.
 * Roles: reading — admin, pr, analyst, leader; writing — admin, analyst; the major report from an
 * incident — admin, analyst, pr; status — who may make each transition (FORM_TRANSITIONS).
 */
import type { Config } from '@yuqing/config';
import {
  allowedFormTransitions,
  changeFormStatus,
  createForm,
  editForm,
  FORM_KIND_VALUES,
  FORM_STATUS_VALUES,
  FormError,
  formSortTime,
  formTarget,
  getForm,
  getFormVersion,
  listForms,
  listFormVersions,
  regenerateForm,
  type FormActor,
  type FormRecord,
  type FormTextEdit,
  type Pool,
  type Role,
} from '@yuqing/db';
import { FORM_FORMATS, renderDocx, renderXlsx, type FormDataByKind, type FormKind } from '@yuqing/forms';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { ApiError } from '../errors';
import { callerOf } from '../plugins/auth';
import { idParams, timeParam, timeInput } from '../schemas';
import { cursorParam } from './items';

const READ = { roles: ['admin', 'pr', 'analyst', 'leader'] } as const;
const WRITE = { roles: ['admin', 'analyst'] } as const;
/** The major report from an incident: the duty officer who handles it may start it too. */
const MAJOR_REPORT = { roles: ['admin', 'analyst', 'pr'] } as const;
/** Everyone who makes some transition; which one each may make is FORM_TRANSITIONS'. */
const STATUS = { roles: ['admin', 'analyst', 'leader'] } as const;

export const DOCX_TYPE = 'application/vnd.openxmlformats-officedocument.wordprocessingml.document';
export const XLSX_TYPE = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';

const kindEnum = z.enum(FORM_KIND_VALUES as [FormKind, ...FormKind[]], {
  error: '报表类型只能是 major-report、weekly-report、warning-record、crisis-register、info-collection 或 visit-record',
});
const statusEnum = z.enum(FORM_STATUS_VALUES, { error: '状态只能是 draft（草稿）、review（待审核）或 filed（已报送）' });
const formatEnum = z.enum(['docx', 'xlsx']);

/** A form as the API shows it. */
export const formOut = z.object({
  id: z.number(),
  kind: kindEnum,
  title: z.string(),
  periodStart: z.date().nullable(),
  periodEnd: z.date().nullable(),
  incidentId: z.number().nullable(),
  status: statusEnum,
  version: z.number(),
  filedVersion: z.number().nullable(),
  /** What the last status change said (a 退回's reason). */
  statusNote: z.string().nullable(),
  createdAt: z.date(),
  createdBy: z.string(),
  updatedAt: z.date(),
  submittedBy: z.string().nullable(),
  submittedAt: z.date().nullable(),
  filedBy: z.string().nullable(),
  filedAt: z.date().nullable(),
  /** The documents this kind is filed as. */
  formats: z.array(formatEnum),
  /** The status changes the caller may make now. */
  allowedTransitions: z.array(z.object({ to: statusEnum, label: z.string(), needsNote: z.boolean() })),
});

/** A version's content (the model of @yuqing/forms; times as ISO 8601). */
const dataOut = z.record(z.string(), z.unknown());
const versionInfoOut = z.object({ version: z.number(), note: z.string(), assembled: z.boolean(), createdBy: z.string(), createdAt: z.date() });
const formWithData = z.object({ form: formOut, data: dataOut });
const errorOut = z.object({ code: z.string(), message: z.string() });
/** 409 FORM_EXISTS: open this form instead. */
export const formExistsOut = z.object({ error: errorOut, formId: z.number() });

export const formListQuery = z
  .object({
    kind: kindEnum.optional(),
    status: statusEnum.optional(),
    from: timeParam.optional(),
    to: timeParam.optional(),
    limit: z.coerce.number().int().min(1).max(200).default(50),
    /** nextCursor of the previous page. */
    cursor: cursorParam.optional(),
  })
  .strict();

export const formCreateBody = z
  .object({
    kind: kindEnum,
    /** The period [from, to); left out: the kind's default period (weekly, monthly, quarterly kinds). */
    from: timeInput.optional(),
    to: timeInput.optional(),
    /** The incident of a 重大事项呈报表 or of one 危机管理登记表 record. */
    incidentId: z.number().int().positive().optional(),
  })
  .strict();

const text = (max: number) => z.string({ error: '应为文字' }).max(max, `最多 ${max} 字`);
const headerEdit = z.object({ serial: text(50).optional(), secrecy: text(20).optional(), unit: text(100).optional() });

/**
 * The text an edit may change, per kind. Other fields may come along (the page sends back the
 * whole version) and are ignored: the assembled facts are kept from the current version.
 */
const EDITS: Record<FormKind, z.ZodType<Record<string, unknown>>> = {
  'major-report': z.object({
    header: headerEdit.optional(),
    title: z.string({ error: '应为文字' }).trim().min(1, '事项名称不能为空').max(200, '最多 200 字').optional(),
    place: text(200).optional(),
    involved: text(1000).optional(),
    opinion: z.object({ summary: text(5000).optional() }).optional(),
    measures: text(5000).optional(),
    response: text(5000).optional(),
    nextSteps: text(5000).optional(),
    reporter: text(50).optional(),
  }),
  'weekly-report': z.object({
    header: headerEdit.optional(),
    overview: text(5000).optional(),
    mainWork: text(5000).optional(),
    nextWeek: text(5000).optional(),
    filledBy: text(50).optional(),
  }),
  'warning-record': z.object({ header: headerEdit.optional() }),
  'crisis-register': z.object({ header: headerEdit.optional() }),
  'info-collection': z.object({ header: headerEdit.optional() }),
  'visit-record': z.object({ header: headerEdit.optional() }),
};

/** The string leaves of a parsed edit, by path (header.serial, opinion.summary, …). */
function editPaths(v: Record<string, unknown>, prefix = ''): FormTextEdit {
  const out: FormTextEdit = {};
  for (const [k, x] of Object.entries(v)) {
    if (typeof x === 'string') out[`${prefix}${k}`] = x;
    else if (x && typeof x === 'object') Object.assign(out, editPaths(x as Record<string, unknown>, `${prefix}${k}.`));
  }
  return out;
}

export const formEditBody = z
  .object({
    data: z.record(z.string(), z.unknown(), { error: 'data 应为报表内容（对象）' }),
    note: z.string().trim().max(500, '说明最多 500 字').optional(),
    /** The version the edit was made on (its `version`): a later save by someone else is a conflict. */
    expectVersion: z.number().int().positive(),
    /** Edit a filed form: starts a new draft version; the filed version stays as it was. */
    revise: z.boolean().optional(),
  })
  .strict();

const regenerateBody = z
  .object({ note: z.string().trim().max(500, '说明最多 500 字').optional(), revise: z.boolean().optional() })
  .strict()
  // No body at all is fine (fastify hands the schema null then).
  .nullish();

const statusBody = z.object({ to: statusEnum, note: z.string().trim().max(1000, '说明最多 1000 字').optional() }).strict();
const versionParams = z.object({ id: z.coerce.number().int().positive(), version: z.coerce.number().int().positive() });
const documentQuery = z.object({ version: z.coerce.number().int().positive().optional() }).strict();

/** The actor of a change made through the API. */
export function formActorOf(req: FastifyRequest): FormActor {
  const { user } = callerOf(req);
  return { actorId: user.id, actorName: user.name, displayName: user.displayName || user.name, requestId: req.id };
}

/** A form as the API shows it to a caller of `role`. */
export function formView(f: FormRecord, role: Role): z.infer<typeof formOut> {
  return { ...f, formats: [...FORM_FORMATS[f.kind]], allowedTransitions: allowedFormTransitions(f.status, role) };
}

/** A refusal of the forms repository as the API answers it; FORM_EXISTS carries the form's id. */
async function answer<T>(reply: FastifyReply, fn: () => Promise<T>): Promise<T | FastifyReply> {
  try {
    return await fn();
  } catch (err) {
    if (!(err instanceof FormError)) throw err;
    if (err.code === 'FORM_EXISTS' && err.formId !== null) return reply.code(409).send({ error: { code: err.code, message: err.message }, formId: err.formId });
    throw new ApiError(err.status, err.code, err.message);
  }
}

/** `attachment; filename="form-12.docx"; filename*=UTF-8''<title>.docx` (RFC 6266: the ASCII name for old clients). */
export function attachment(title: string, fallback: string, ext: 'docx' | 'xlsx'): string {
  // Characters no file system takes in a name (and control characters: below U+0020).
  const safe = [...title].map((c) => (/[\\/:*?"<>|]/.test(c) || c.charCodeAt(0) < 0x20 ? '_' : c)).join('').trim() || fallback;
  return `attachment; filename="${fallback}.${ext}"; filename*=UTF-8''${encodeURIComponent(`${safe}.${ext}`)}`;
}

/** Renders a version of a form as one of its documents. */
export async function renderFormDocument(kind: FormKind, data: FormDataByKind[FormKind], format: 'docx' | 'xlsx', incidentId: number | null): Promise<Buffer> {
  if (format === 'docx') {
    const k = kind as 'major-report' | 'weekly-report' | 'warning-record' | 'crisis-register';
    // One crisis record: that incident's full 登记表, not a one-row register.
    return renderDocx(k, data as FormDataByKind[typeof k], kind === 'crisis-register' && incidentId !== null ? { incidentId } : {});
  }
  const k = kind as 'warning-record' | 'crisis-register' | 'info-collection' | 'visit-record';
  return renderXlsx(k, data as FormDataByKind[typeof k]);
}

/** The forms routes (see the header). */
export const formRoutes: FastifyPluginAsyncZod<{ cfg: Config; db: Pool }> = async (app, { cfg, db }) => {
  const assemble = { unitName: cfg.BUREAU_UNIT_NAME, timeZone: cfg.DIGEST_TIMEZONE };
  const roleOf = (req: FastifyRequest): Role => callerOf(req).user.role;
  const notFound = (id: number) => new ApiError(404, 'FORM_NOT_FOUND', `报表 ${id} 不存在`);

  app.get(
    '/api/forms',
    { config: READ, schema: { querystring: formListQuery, response: { 200: z.object({ forms: z.array(formOut), nextCursor: z.string().nullable() }) } } },
    async (req) => {
      const q = req.query;
      const forms = await listForms(db, {
        ...(q.kind ? { kind: q.kind } : {}),
        ...(q.status ? { status: q.status } : {}),
        ...(q.from ? { from: q.from } : {}),
        ...(q.to ? { to: q.to } : {}),
        ...(q.cursor ? { before: { at: q.cursor.at, id: q.cursor.id } } : {}),
        limit: q.limit,
      });
      const last = forms.at(-1);
      const role = roleOf(req);
      return { forms: forms.map((f) => formView(f, role)), nextCursor: forms.length === q.limit && last ? `${formSortTime(last).getTime()}_${last.id}` : null };
    },
  );

  const create = async (req: FastifyRequest, reply: FastifyReply, kind: FormKind, given: { from?: Date; to?: Date; incidentId?: number }) =>
    answer(reply, async () => {
      const now = new Date();
      const target = formTarget(kind, given, now, cfg.DIGEST_TIMEZONE);
      const r = await createForm(db, { ...assemble, kind, target, now }, formActorOf(req));
      return reply.code(201).send({ form: formView(r.form, roleOf(req)), data: r.data as unknown as Record<string, unknown> });
    });

  app.post('/api/forms', { config: WRITE, schema: { body: formCreateBody, response: { 201: formWithData, 409: formExistsOut } } }, async (req, reply) => {
    const b = req.body;
    return create(req, reply, b.kind, { ...(b.from ? { from: b.from } : {}), ...(b.to ? { to: b.to } : {}), ...(b.incidentId ? { incidentId: b.incidentId } : {}) });
  });

  app.post(
    '/api/incidents/:id/major-report',
    { config: MAJOR_REPORT, schema: { params: idParams, response: { 201: formWithData, 409: formExistsOut } } },
    async (req, reply) => create(req, reply, 'major-report', { incidentId: req.params.id }),
  );

  app.get(
    '/api/forms/:id',
    { config: READ, schema: { params: idParams, response: { 200: z.object({ form: formOut, data: dataOut, versions: z.array(versionInfoOut) }) } } },
    async (req) => {
      const form = await getForm(db, req.params.id);
      if (!form) throw notFound(req.params.id);
      const current = await getFormVersion(db, form.id, form.kind, form.version);
      if (!current) throw notFound(req.params.id);
      return { form: formView(form, roleOf(req)), data: current.data as unknown as Record<string, unknown>, versions: await listFormVersions(db, form.id) };
    },
  );

  app.get(
    '/api/forms/:id/versions/:version',
    { config: READ, schema: { params: versionParams, response: { 200: versionInfoOut.extend({ data: dataOut }) } } },
    async (req) => {
      const form = await getForm(db, req.params.id);
      if (!form) throw notFound(req.params.id);
      const v = await getFormVersion(db, form.id, form.kind, req.params.version);
      if (!v) throw new ApiError(404, 'FORM_VERSION_NOT_FOUND', `报表 ${form.id} 没有第 ${req.params.version} 版`);
      return { ...v, data: v.data as unknown as Record<string, unknown> };
    },
  );

  app.put('/api/forms/:id', { config: WRITE, schema: { params: idParams, body: formEditBody, response: { 200: formWithData } } }, async (req, reply) =>
    answer(reply, async () => {
      const form = await getForm(db, req.params.id);
      if (!form) throw notFound(req.params.id);
      const parsed = EDITS[form.kind].safeParse(req.body.data);
      if (!parsed.success) {
        const issues = parsed.error.issues.map((i) => `${['data', ...i.path].join('.')}：${i.message}`);
        throw new ApiError(400, 'FORM_DATA_INVALID', `报表内容无效：${issues.join('；')}`);
      }
      const b = req.body;
      const r = await editForm(
        db,
        form.id,
        { edit: editPaths(parsed.data), expectVersion: b.expectVersion, ...(b.note ? { note: b.note } : {}), ...(b.revise !== undefined ? { revise: b.revise } : {}) },
        formActorOf(req),
      );
      return { form: formView(r.form, roleOf(req)), data: r.data as unknown as Record<string, unknown> };
    }),
  );

  app.post(
    '/api/forms/:id/regenerate',
    { config: WRITE, schema: { params: idParams, body: regenerateBody, response: { 200: formWithData } } },
    async (req, reply) =>
      answer(reply, async () => {
        const b = req.body ?? {};
        const r = await regenerateForm(db, req.params.id, { ...assemble, ...(b.note ? { note: b.note } : {}), ...(b.revise !== undefined ? { revise: b.revise } : {}) }, formActorOf(req));
        return { form: formView(r.form, roleOf(req)), data: r.data as unknown as Record<string, unknown> };
      }),
  );

  app.post('/api/forms/:id/status', { config: STATUS, schema: { params: idParams, body: statusBody, response: { 200: z.object({ form: formOut }) } } }, async (req, reply) =>
    answer(reply, async () => {
      const role = roleOf(req);
      const form = await changeFormStatus(db, req.params.id, { to: req.body.to, role, ...(req.body.note ? { note: req.body.note } : {}) }, formActorOf(req));
      return { form: formView(form, role) };
    }),
  );

  for (const format of ['docx', 'xlsx'] as const) {
    app.get(`/api/forms/:id/document.${format}`, { config: READ, schema: { params: idParams, querystring: documentQuery } }, async (req, reply) => {
      const form = await getForm(db, req.params.id);
      if (!form) throw notFound(req.params.id);
      if (!FORM_FORMATS[form.kind].includes(format)) {
        throw new ApiError(404, 'FORM_FORMAT_UNAVAILABLE', `「${form.title}」没有 ${format === 'docx' ? 'Word（.docx）' : 'Excel（.xlsx）'} 格式`);
      }
      const version = req.query.version ?? form.version;
      const v = await getFormVersion(db, form.id, form.kind, version);
      if (!v) throw new ApiError(404, 'FORM_VERSION_NOT_FOUND', `报表 ${form.id} 没有第 ${version} 版`);
      const file = await renderFormDocument(form.kind, v.data, format, form.incidentId);
      return reply
        .header('content-type', format === 'docx' ? DOCX_TYPE : XLSX_TYPE)
        .header('content-disposition', attachment(version === form.version ? form.title : `${form.title}（第${version}版）`, `form-${form.id}-v${version}`, format))
        .header('cache-control', 'private, no-cache')
        .send(file);
    });
  }
};
