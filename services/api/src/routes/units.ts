/**
 * Units (单位, issue 15 — see packages/db repositories/units.ts): the tree, each unit's jurisdiction
 * and its people.
 * - GET    /api/units                          the tree in pre-order, with places and counts;
 * - POST   /api/units {parentId, name, kind?}  a unit under another (kind: one level below the parent's);
 * - PATCH  /api/units/:id {name?, kind?, parentId?}  rename, change kind, move (no cycle; the root stays);
 * - DELETE /api/units/:id                      only a unit that holds nothing (the message says what holds it);
 * - PUT    /api/units/:id/places {places}      the jurisdiction, replaced as a whole (the gazetteer's entries);
 * - GET    /api/units/:id/people?subtree=&duty=&all=   its people (current ones unless all=true);
 * - POST   /api/units/:id/people               a person;
 * - PATCH  /api/unit-people/:id, DELETE /api/unit-people/:id   change (end: `until`) or remove a record;
 * - GET    /api/unit-people.xlsx?unitId=&duty=&all=   the 联络员台账 (duty 联络员), 公关民警登记表 (duty
 *          公关民警), or any duty's list: the unit's subtree (default the root), current people unless all=true.
 *
 * Roles: the tree — every signed-in role (later slices scope what each unit sees by it); people and
 * their registers carry phone numbers — the four roles people sign in as (not the ingest account);
 * every change — admin, audited in its transaction (unit.create, unit.update, unit.move,
 * unit.delete, unit.places, unit_person.create, unit_person.update, unit_person.delete).
 */
import {
  createUnit,
  deleteUnit,
  deleteUnitPerson,
  getRootUnit,
  getUnitPlaces,
  insertUnitPerson,
  listUnitPeople,
  listUnitTree,
  recordAudit,
  requireUnit,
  setUnitPlaces,
  UNIT_KINDS,
  UNIT_PERSON_DUTIES,
  UNIT_PLACE_KINDS,
  unitFullName,
  unitPath,
  unitPlacesInputSchema,
  UnitError,
  updateUnit,
  updateUnitPerson,
  withTransaction,
  type Pool,
  type Queryable,
  type UnitKind,
} from '@yuqing/db';
import { renderPeopleRegister, peopleRegisterTitle } from '@yuqing/forms';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { auditActor } from '../audit-actor';
import { ApiError } from '../errors';
import { ANY_ROLE } from '../route-access';
import { idParams } from '../schemas';
import { attachment, XLSX_TYPE } from './forms';

const READ_TREE = { roles: ANY_ROLE } as const;
const READ_PEOPLE = { roles: ['admin', 'pr', 'analyst', 'leader'] } as const;
const ADMIN = { roles: ['admin'] } as const;

const kindEnum = z.enum(UNIT_KINDS, { error: '单位类型只能是 city（市局）、branch（分局）、station（派出所）或 other（其他）' });
const dutyEnum = z.enum(UNIT_PERSON_DUTIES, { error: `职责只能是 ${UNIT_PERSON_DUTIES.join('、')}` });
const unitName = z.string({ error: '单位名称应为文字' }).trim().min(1, '单位名称不能为空').max(100, '单位名称最多 100 字');
const unitIdField = z.number({ error: '单位编号应为数字' }).int().positive();

/** A unit as the API shows it. */
export const unitOut = z.object({
  id: z.number(),
  parentId: z.number().nullable(),
  name: z.string(),
  kind: kindEnum,
  createdAt: z.date(),
  updatedAt: z.date(),
});

const placeOut = z.object({ name: z.string(), aliases: z.array(z.string()), kind: z.enum(UNIT_PLACE_KINDS) });

/** A unit in the tree. */
export const unitNodeOut = unitOut.extend({
  depth: z.number(),
  /** Names from the root down to the unit. */
  path: z.array(z.string()),
  places: z.array(placeOut),
  counts: z.object({ children: z.number(), users: z.number(), receivers: z.number(), people: z.number(), peopleAll: z.number() }),
});

/** A person of a unit (dates: Beijing calendar dates, YYYY-MM-DD). */
export const unitPersonOut = z.object({
  id: z.number(),
  unitId: z.number(),
  unitName: z.string(),
  unitFullName: z.string(),
  name: z.string(),
  duty: dutyEnum,
  position: z.string(),
  phone: z.string(),
  since: z.string(),
  until: z.string().nullable(),
  note: z.string(),
  current: z.boolean(),
  createdAt: z.date(),
  updatedAt: z.date(),
});

/** A calendar date, YYYY-MM-DD (Beijing), that exists. */
const dateField = (name: string) =>
  z
    .string({ error: `${name}应为日期` })
    .trim()
    .regex(/^\d{4}-\d{2}-\d{2}$/, `${name}应为 YYYY-MM-DD 格式的日期，如 2026-03-01`)
    .refine((s) => {
      const d = new Date(`${s}T00:00:00Z`);
      return !Number.isNaN(d.getTime()) && d.toISOString().slice(0, 10) === s;
    }, `${name}不是有效的日期`);

const text = (name: string, max: number) => z.string({ error: `${name}应为文字` }).trim().max(max, `${name}最多 ${max} 字`);

const personFields = {
  name: text('姓名', 50).min(1, '姓名不能为空'),
  duty: dutyEnum,
  /** 职务, e.g. 副所长. */
  position: text('职务', 100),
  phone: text('联系电话', 50).regex(/^[0-9+\-()（）转、,，/ ]*$/, '联系电话只能包含数字、空格和 + - ( ) 转 、 ， / 等符号'),
  /** Default: today (Beijing). */
  since: dateField('起始日期'),
  /** The day they left the duty; null: in it. */
  until: dateField('离任日期').nullable(),
  note: text('备注', 1000),
};

export const personBody = z
  .object({
    name: personFields.name,
    duty: personFields.duty,
    position: personFields.position.optional(),
    phone: personFields.phone.optional(),
    since: personFields.since.optional(),
    until: personFields.until.optional(),
    note: personFields.note.optional(),
  })
  .strict();
export const personPatchBody = z
  .object({ ...personFields, unitId: unitIdField })
  .partial()
  .strict();

const boolParam = z.enum(['true', 'false']).transform((v) => v === 'true');

/** A new unit's kind when none is given: one level below its parent's. */
const CHILD_KIND: Record<UnitKind, UnitKind> = { city: 'branch', branch: 'station', station: 'other', other: 'other' };

/** Runs a repository call, turning its refusals into API errors. */
async function refusalsAsErrors<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    if (err instanceof UnitError) throw new ApiError(err.status, err.code, err.message);
    throw err;
  }
}

/**
 * A unit named by another resource (a user's, a receiver's) must exist: 404 UNIT_NOT_FOUND
 * otherwise. Its row is locked in the caller's transaction, so it cannot be deleted before the
 * reference commits.
 */
export async function checkUnit(db: Queryable, id: number): Promise<void> {
  await refusalsAsErrors(() => requireUnit(db, id, '单位', { forUpdate: true }));
}

const personNotFound = (id: number) => new ApiError(404, 'UNIT_PERSON_NOT_FOUND', `人员记录 ${id} 不存在`);

/** The unit routes (see the header). */
export const unitRoutes: FastifyPluginAsyncZod<{ db: Pool }> = async (app, { db }) => {
  app.get(
    '/api/units',
    { config: READ_TREE, schema: { response: { 200: z.object({ rootId: z.number(), units: z.array(unitNodeOut) }) } } },
    async () => {
      const units = await listUnitTree(db);
      return { rootId: units[0]!.id, units };
    },
  );

  app.post(
    '/api/units',
    {
      config: ADMIN,
      schema: { body: z.object({ parentId: unitIdField, name: unitName, kind: kindEnum.optional() }).strict(), response: { 201: z.object({ unit: unitOut }) } },
    },
    async (req, reply) => {
      const unit = await refusalsAsErrors(() =>
        withTransaction(db, async (c) => {
          const parent = await requireUnit(c, req.body.parentId, '上级单位');
          const u = await createUnit(c, { parentId: parent.id, name: req.body.name, kind: req.body.kind ?? CHILD_KIND[parent.kind] });
          await recordAudit(c, { ...auditActor(req), action: 'unit.create', entity: 'unit', entityId: u.id, after: u });
          return u;
        }),
      );
      return reply.code(201).send({ unit });
    },
  );

  app.patch(
    '/api/units/:id',
    {
      config: ADMIN,
      schema: {
        params: idParams,
        body: z.object({ name: unitName, kind: kindEnum, parentId: unitIdField }).partial().strict(),
        response: { 200: z.object({ unit: unitOut }) },
      },
    },
    async (req) => {
      const unit = await refusalsAsErrors(() =>
        withTransaction(db, async (c) => {
          const { before, after } = await updateUnit(c, req.params.id, req.body);
          const changed = before.name !== after.name || before.kind !== after.kind || before.parentId !== after.parentId;
          if (changed) {
            const action = before.parentId !== after.parentId ? 'unit.move' : 'unit.update';
            await recordAudit(c, { ...auditActor(req), action, entity: 'unit', entityId: after.id, before, after });
          }
          return after;
        }),
      );
      return { unit };
    },
  );

  app.delete('/api/units/:id', { config: ADMIN, schema: { params: idParams, response: { 200: z.object({ unit: unitOut }) } } }, async (req) => {
    const unit = await refusalsAsErrors(() =>
      withTransaction(db, async (c) => {
        const u = await deleteUnit(c, req.params.id);
        await recordAudit(c, { ...auditActor(req), action: 'unit.delete', entity: 'unit', entityId: u.id, before: u });
        return u;
      }),
    );
    return { unit };
  });

  app.put(
    '/api/units/:id/places',
    {
      config: ADMIN,
      schema: { params: idParams, body: z.object({ places: unitPlacesInputSchema }).strict(), response: { 200: z.object({ places: z.array(placeOut) }) } },
    },
    async (req) => {
      const places = await refusalsAsErrors(() =>
        withTransaction(db, async (c) => {
          const before = await getUnitPlaces(c, req.params.id);
          const after = await setUnitPlaces(c, req.params.id, req.body.places);
          await recordAudit(c, { ...auditActor(req), action: 'unit.places', entity: 'unit', entityId: req.params.id, before: { places: before }, after: { places: after } });
          return after;
        }),
      );
      return { places };
    },
  );

  app.get(
    '/api/units/:id/people',
    {
      config: READ_PEOPLE,
      schema: {
        params: idParams,
        querystring: z.object({ subtree: boolParam.optional(), duty: dutyEnum.optional(), all: boolParam.optional() }).strict(),
        response: { 200: z.object({ people: z.array(unitPersonOut) }) },
      },
    },
    async (req) => {
      await refusalsAsErrors(() => requireUnit(db, req.params.id));
      const people = await listUnitPeople(db, {
        unitId: req.params.id,
        subtree: req.query.subtree ?? false,
        ...(req.query.duty ? { duty: req.query.duty } : {}),
        currentOnly: !(req.query.all ?? false),
      });
      return { people };
    },
  );

  app.post(
    '/api/units/:id/people',
    { config: ADMIN, schema: { params: idParams, body: personBody, response: { 201: z.object({ person: unitPersonOut }) } } },
    async (req, reply) => {
      const person = await refusalsAsErrors(() =>
        withTransaction(db, async (c) => {
          const p = await insertUnitPerson(c, { ...req.body, unitId: req.params.id });
          await recordAudit(c, { ...auditActor(req), action: 'unit_person.create', entity: 'unit_person', entityId: p.id, after: p });
          return p;
        }),
      );
      return reply.code(201).send({ person });
    },
  );

  app.patch(
    '/api/unit-people/:id',
    { config: ADMIN, schema: { params: idParams, body: personPatchBody, response: { 200: z.object({ person: unitPersonOut }) } } },
    async (req) => {
      const person = await refusalsAsErrors(() =>
        withTransaction(db, async (c) => {
          const r = await updateUnitPerson(c, req.params.id, req.body);
          if (!r) throw personNotFound(req.params.id);
          await recordAudit(c, { ...auditActor(req), action: 'unit_person.update', entity: 'unit_person', entityId: r.after.id, before: r.before, after: r.after });
          return r.after;
        }),
      );
      return { person };
    },
  );

  app.delete('/api/unit-people/:id', { config: ADMIN, schema: { params: idParams, response: { 200: z.object({ person: unitPersonOut }) } } }, async (req) => {
    const person = await withTransaction(db, async (c) => {
      const p = await deleteUnitPerson(c, req.params.id);
      if (!p) throw personNotFound(req.params.id);
      await recordAudit(c, { ...auditActor(req), action: 'unit_person.delete', entity: 'unit_person', entityId: p.id, before: p });
      return p;
    });
    return { person };
  });

  app.get(
    '/api/unit-people.xlsx',
    {
      config: READ_PEOPLE,
      schema: {
        querystring: z
          .object({
            /** The unit whose subtree is listed; default the root (everyone). */
            unitId: z.coerce.number({ error: '单位编号应为数字' }).int().positive().optional(),
            duty: dutyEnum.optional(),
            /** true: people no longer in their duty too. */
            all: boolParam.optional(),
          })
          .strict(),
      },
    },
    async (req, reply) => {
      const unit = req.query.unitId === undefined ? await getRootUnit(db) : await refusalsAsErrors(() => requireUnit(db, req.query.unitId!));
      const withEnded = req.query.all ?? false;
      const people = await listUnitPeople(db, { unitId: unit.id, subtree: true, ...(req.query.duty ? { duty: req.query.duty } : {}), currentOnly: !withEnded });
      const unitName = unitFullName(await unitPath(db, unit.id));
      const { rows } = await db.query<{ d: string }>(`SELECT to_char((now() AT TIME ZONE 'Asia/Shanghai')::date, 'YYYY-MM-DD') AS d`);
      const xlsx = await renderPeopleRegister({
        duty: req.query.duty ?? null,
        unit: unitName,
        asOf: rows[0]!.d,
        withEnded,
        rows: people.map((p) => ({ unit: p.unitFullName, name: p.name, position: p.position, duty: p.duty, phone: p.phone, since: p.since, until: p.until, note: p.note })),
      });
      return reply
        .header('content-type', XLSX_TYPE)
        .header('content-disposition', attachment(`${peopleRegisterTitle(req.query.duty)}（${unitName}）`, 'unit-people', 'xlsx'))
        .header('cache-control', 'private, no-cache')
        .send(xlsx);
    },
  );
};
