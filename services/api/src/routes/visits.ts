/**
 * 走访人大代表、政协委员记录: a small register kept by hand.
 * - GET    /api/visits?from=&to=       the visits whose day is in [from, to), by date;
 * - POST   /api/visits                 a visit (visit.create);
 * - PATCH  /api/visits/:id             change it (visit.update);
 * - DELETE /api/visits/:id             remove it (visit.delete; forms made before keep their copy);
 * - GET    /api/visits.xlsx?from=&to=  the register (default: the last full quarter).
 * Every change is audited in its transaction. Roles: reading — admin, pr, analyst, leader;
 * recording — admin, analyst, pr; changing and removing — admin, analyst.
 */
import type { Config } from '@yuqing/config';
import { assembleVisitRecord, deleteVisit, getVisit, insertVisit, lastFullPeriod, listVisits, recordAudit, updateVisit, VISITED_ROLE_VALUES, withTransaction, type Pool } from '@yuqing/db';
import { renderXlsx } from '@yuqing/forms';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { auditActor } from '../audit-actor';
import { ApiError } from '../errors';
import { callerOf } from '../plugins/auth';
import { idParams, timeInput, timeParam } from '../schemas';
import { attachment, XLSX_TYPE } from './forms';

const READ = { roles: ['admin', 'pr', 'analyst', 'leader'] } as const;
const RECORD = { roles: ['admin', 'analyst', 'pr'] } as const;
const CHANGE = { roles: ['admin', 'analyst'] } as const;

const roleEnum = z.enum(VISITED_ROLE_VALUES, { error: '身份只能是 人大代表 或 政协委员' });

/** A visit as the API shows it (visitedOn: 00:00 Beijing time of the day). */
export const visitOut = z.object({
  id: z.number(),
  visitedOn: z.date(),
  person: z.string(),
  role: roleEnum,
  organisation: z.string(),
  views: z.string(),
  followUp: z.string(),
  officer: z.string(),
  createdAt: z.date(),
});

const field = (name: string, max: number) => z.string({ error: `${name}应为文字` }).trim().max(max, `${name}最多 ${max} 字`);

const fields = {
  /** The day (a Beijing date such as 2026-03-05, or any time of it). */
  visitedOn: timeInput,
  person: field('姓名', 100).min(1, '姓名不能为空'),
  role: roleEnum,
  organisation: field('单位及职务', 200),
  views: field('意见建议', 5000),
  followUp: field('办理情况', 5000),
  officer: field('走访民警', 50).min(1, '走访民警不能为空'),
};

export const visitBody = z
  .object({ ...fields, organisation: fields.organisation.default(''), views: fields.views.default(''), followUp: fields.followUp.default('') })
  .strict();
export const visitPatchBody = z.object(fields).partial().strict();

const rangeQuery = z.object({ from: timeParam.optional(), to: timeParam.optional() }).strict();

/** The visit routes (see the header). */
export const visitRoutes: FastifyPluginAsyncZod<{ cfg: Config; db: Pool }> = async (app, { cfg, db }) => {
  const notFound = (id: number) => new ApiError(404, 'VISIT_NOT_FOUND', `走访记录 ${id} 不存在`);

  app.get('/api/visits', { config: READ, schema: { querystring: rangeQuery, response: { 200: z.object({ visits: z.array(visitOut) }) } } }, async (req) => ({
    visits: await listVisits(db, { ...(req.query.from ? { from: req.query.from } : {}), ...(req.query.to ? { to: req.query.to } : {}) }),
  }));

  app.post('/api/visits', { config: RECORD, schema: { body: visitBody, response: { 201: z.object({ visit: visitOut }) } } }, async (req, reply) => {
    const { user } = callerOf(req);
    const visit = await withTransaction(db, async (c) => {
      const v = await insertVisit(c, req.body, { id: user.id, name: user.displayName || user.name });
      await recordAudit(c, { ...auditActor(req), action: 'visit.create', entity: 'visit', entityId: v.id, before: null, after: v });
      return v;
    });
    return reply.code(201).send({ visit });
  });

  app.patch('/api/visits/:id', { config: CHANGE, schema: { params: idParams, body: visitPatchBody, response: { 200: z.object({ visit: visitOut }) } } }, async (req) => {
    const visit = await withTransaction(db, async (c) => {
      const before = await getVisit(c, req.params.id, { forUpdate: true });
      if (!before) throw notFound(req.params.id);
      const after = await updateVisit(c, req.params.id, req.body);
      if (!after) throw notFound(req.params.id);
      await recordAudit(c, { ...auditActor(req), action: 'visit.update', entity: 'visit', entityId: after.id, before, after });
      return after;
    });
    return { visit };
  });

  app.delete('/api/visits/:id', { config: CHANGE, schema: { params: idParams, response: { 200: z.object({ visit: visitOut }) } } }, async (req) => {
    const visit = await withTransaction(db, async (c) => {
      const before = await deleteVisit(c, req.params.id);
      if (!before) throw notFound(req.params.id);
      await recordAudit(c, { ...auditActor(req), action: 'visit.delete', entity: 'visit', entityId: before.id, before, after: null });
      return before;
    });
    return { visit };
  });

  app.get('/api/visits.xlsx', { config: READ, schema: { querystring: rangeQuery } }, async (req, reply) => {
    const now = new Date();
    const tz = cfg.DIGEST_TIMEZONE;
    const quarter = lastFullPeriod('quarter', now, tz);
    const from = req.query.from ?? quarter.from;
    const to = req.query.to ?? (req.query.from ? now : quarter.to);
    if (!(to.getTime() > from.getTime())) throw new ApiError(400, 'FORM_BAD_PERIOD', '时段的结束应晚于开始');
    const data = await assembleVisitRecord(db, { from, to }, { unitName: cfg.BUREAU_UNIT_NAME, timeZone: tz, now, reporter: '' });
    return reply
      .header('content-type', XLSX_TYPE)
      .header('content-disposition', attachment('走访人大代表、政协委员记录表', 'visits', 'xlsx'))
      .header('cache-control', 'private, no-cache')
      .send(await renderXlsx('visit-record', data));
  });
};
