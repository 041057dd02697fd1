/**
 * Incidents (危机管理登记): the register, one incident with its links, timeline, the transitions the
 * caller may make and the topic heat around the official response; opening one from alerts, topics
 * or items; editing it; walking it through the workflow; notes and leaders' instructions; more
 * links; and the controlled tag vocabulary.
 *
 * The workflow (which transition, by whom, with what) is @yuqing/alerting's incident-workflow, the
 * same for every caller; the route only admits the roles that take part in it at all. Every change
 * commits with its timeline entries and one audit entry (the repository writes both).
 */
import {
  allowedTransitions,
  decideTransition,
  dueAtFor,
  INCIDENT_LEVELS,
  INCIDENT_STATUS_LABELS,
  INCIDENT_STATUSES,
  isOverdue,
  levelChangeError,
  levelFromAuto,
  levelReasonRequired,
  mainCategory,
  obviousPlace,
  type IncidentLevel,
  type IncidentRole,
  type Level,
} from '@yuqing/alerting';
import type { Config } from '@yuqing/config';
import {
  addIncidentLinks,
  addIncidentNote,
  assertIncidentLinks,
  createIncident,
  createIncidentTag,
  deleteIncidentTag,
  getIncident,
  getIncidentLinks,
  incidentHeat,
  incidentOrigin,
  listIncidentOwners,
  topicsOfAlerts,
  IncidentError,
  listIncidents,
  listIncidentTags,
  listIncidentTimeline,
  transitionIncident,
  updateIncident,
  withTransaction,
  type Incident,
  type IncidentActor,
  type IncidentLinkIds,
  type IncidentTimelineEntry,
  type Pool,
  type PoolClient,
  type Queryable,
} from '@yuqing/db';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type { FastifyRequest } from 'fastify';
import { z } from 'zod';
import { ApiError } from '../errors';
import { callerOf } from '../plugins/auth';
import { idParams, timeInput } from '../schemas';

const READ = { roles: ['admin', 'pr', 'analyst', 'leader'] } as const;
const WRITE = { roles: ['admin', 'analyst', 'pr'] } as const;
/** Everyone who takes part in the workflow; what each may do is the workflow's decision. */
const WORKFLOW = { roles: ['admin', 'analyst', 'pr', 'leader'] } as const;
const ADMIN = { roles: ['admin'] } as const;
/** Who may write a 领导批示. */
const INSTRUCTION_ROLES = ['leader', 'admin'] as const;

/** How many hours before and after the response the heat compares. */
export const HEAT_HOURS = 24;

const LEVEL_RANK = Object.fromEntries(INCIDENT_LEVELS.map((l, i) => [l, i])) as Record<IncidentLevel, number>;


const statusList = z.preprocess(
  (v) => (typeof v === 'string' ? v.split(',').map((s) => s.trim()).filter(Boolean) : v),
  z.array(z.enum(INCIDENT_STATUSES, { error: '状态只能是 new、assessing、handling、responded、closed' })).min(1),
);

const idList = z.array(z.number().int().positive()).max(200, '一次最多关联 200 个');
const tagList = z.array(z.string().trim().min(1, '标签不能为空').max(40, '标签最多 40 字')).max(20, '标签最多 20 个');

/** Filters of GET /api/incidents. */
export const incidentListQuery = z
  .object({
    /** Comma-separated or repeated; default every status. */
    status: statusList.optional(),
    /** Minimum level (blue < yellow < orange < red). */
    level: z.enum(INCIDENT_LEVELS).optional(),
    /** An owner's user id, `me`, or `none` (no owner). */
    owner: z.union([z.literal('me'), z.literal('none'), z.coerce.number().int().positive()]).optional(),
    /** true: only overdue incidents; false: only those not overdue. */
    overdue: z.enum(['true', 'false']).transform((v) => v === 'true').optional(),
    /** Part of the title. */
    q: z.string().trim().min(1).max(100).optional(),
    /** Created at or after. */
    from: timeInput.optional(),
    /** Created before. */
    to: timeInput.optional(),
    limit: z.coerce.number().int().min(1).max(200).default(50),
    /** nextCursor of the previous page. */
    cursor: z.coerce.number().int().positive().optional(),
  })
  .strict();

/** An incident as the API shows it. */
export const incidentOut = z.object({
  id: z.number(),
  title: z.string(),
  category: z.string(),
  status: z.enum(INCIDENT_STATUSES),
  statusLabel: z.string(),
  level: z.enum(INCIDENT_LEVELS),
  autoLevel: z.string().nullable(),
  levelChangedBy: z.number().nullable(),
  levelChangedAt: z.date().nullable(),
  levelChangeReason: z.string().nullable(),
  jurisdiction: z.string(),
  ownerId: z.number().nullable(),
  ownerName: z.string().nullable(),
  dueAt: z.date(),
  overdue: z.boolean(),
  tags: z.array(z.string()),
  freeTags: z.array(z.string()),
  summary: z.string(),
  responseAt: z.date().nullable(),
  responseChannel: z.string().nullable(),
  responseText: z.string().nullable(),
  closedAt: z.date().nullable(),
  closingSummary: z.string().nullable(),
  reopenCount: z.number(),
  createdBy: z.number().nullable(),
  createdByName: z.string(),
  createdAt: z.date(),
  updatedAt: z.date(),
});

/** One timeline entry. */
export const timelineOut = z.object({
  id: z.number(),
  at: z.date(),
  kind: z.string(),
  actorName: z.string(),
  body: z.string(),
  data: z.record(z.string(), z.unknown()),
});

const heatSide = z.object({ items: z.number(), perHour: z.array(z.number()) });

/** An incident with everything its page shows. */
export const incidentDetailOut = incidentOut.extend({
  links: z.object({
    alerts: z.array(z.object({ id: z.number(), title: z.string(), level: z.string(), state: z.string() })),
    topics: z.array(z.object({ id: z.number(), title: z.string(), level: z.string(), stage: z.string().nullable() })),
    items: z.array(z.object({ id: z.number(), title: z.string().nullable(), url: z.string(), publishedAt: z.date(), sourceName: z.string().nullable() })),
  }),
  timeline: z.array(timelineOut),
  allowedTransitions: z.array(z.object({ to: z.enum(INCIDENT_STATUSES), label: z.string(), needs: z.enum(['response', 'closingSummary', 'reason']).nullable() })),
  heat: z
    .object({ responseAt: z.date(), hoursBefore: z.number(), before: heatSide, after: heatSide })
    .nullable(),
});

/** What a caller may set on an incident, when opening it or later; every field may be left out. */
const editable = {
  title: z.string().trim().min(1, '标题不能为空').max(200, '标题最多 200 字').optional(),
  category: z.string().trim().max(50, '类别最多 50 字').optional(),
  level: z.enum(INCIDENT_LEVELS).optional(),
  /** Why the level differs from the automatic one (create) or changes (update). */
  levelReason: z.string().trim().max(500, '原因最多 500 字').optional(),
  jurisdiction: z.string().trim().max(100, '属地最多 100 字').optional(),
  ownerId: z.number().int().positive().nullable().optional(),
  /** When the official response is due (by default: now + the level's response clock). */
  dueAt: timeInput.optional(),
  /** Controlled tags: each must be in the tag vocabulary (GET /api/incident-tags). */
  tags: tagList.optional(),
  freeTags: tagList.optional(),
  summary: z.string().trim().max(5000, '摘要最多 5000 字').optional(),
};

/** The body of POST /api/incidents: a title or at least one link; what is left out comes from the first linked alert or topic. */
export const incidentCreateBody = z
  .object({
    ...editable,
    alertIds: idList.optional(),
    topicIds: idList.optional(),
    itemIds: idList.optional(),
  })
  .strict();

/** The body of PATCH /api/incidents/:id. */
export const incidentPatchBody = z.object(editable).strict();

/** The body of POST /api/incidents/:id/transition. */
export const transitionBody = z
  .object({
    to: z.enum(INCIDENT_STATUSES),
    /** Why (required to reopen); recorded on the timeline with any transition. */
    reason: z.string().trim().max(1000, '原因最多 1000 字').optional(),
    /** The official response (required for 已回应): when (default now), where, what. */
    response: z
      .object({
        at: timeInput.optional(),
        channel: z.string().trim().min(1, '回应渠道不能为空').max(100, '回应渠道最多 100 字'),
        text: z.string().trim().min(1, '回应内容不能为空').max(5000, '回应内容最多 5000 字'),
      })
      .strict()
      .optional(),
    /** Required for 已结案. */
    closingSummary: z.string().trim().max(5000, '结案说明最多 5000 字').optional(),
  })
  .strict();

export const noteBody = z
  .object({
    body: z.string().trim().min(1, '内容不能为空').max(5000, '内容最多 5000 字'),
    /** note: 备注; instruction: 领导批示 (leader, admin). */
    kind: z.enum(['note', 'instruction']).default('note'),
  })
  .strict();

export const linksBody = z.object({ alertIds: idList.optional(), topicIds: idList.optional(), itemIds: idList.optional() }).strict();

export const tagOut = z.object({ tag: z.string(), description: z.string() });
const tagBody = z
  .object({ tag: z.string().trim().min(1, '标签不能为空').max(40, '标签最多 40 字'), description: z.string().trim().max(200, '说明最多 200 字').optional() })
  .strict();

/** The actor of a change made through the API. */
function actorOf(req: FastifyRequest): IncidentActor {
  const { user } = callerOf(req);
  return { actorId: user.id, actorName: user.name, displayName: user.displayName || user.name, requestId: req.id };
}

const roleOf = (req: FastifyRequest): IncidentRole => callerOf(req).user.role;

/** Runs `fn` in a transaction; the repository's refusals become API errors. */
async function tx<T>(db: Pool, fn: (c: PoolClient) => Promise<T>): Promise<T> {
  try {
    return await withTransaction(db, fn);
  } catch (err) {
    if (err instanceof IncidentError) throw new ApiError(err.status, err.code, err.message);
    throw err;
  }
}

const notFound = (id: number) => new ApiError(404, 'INCIDENT_NOT_FOUND', `事件 ${id} 不存在`);

/** An incident as the API shows it, at `now`. */
export function incidentView(i: Incident, now: number = Date.now()): z.infer<typeof incidentOut> {
  return {
    id: i.id,
    title: i.title,
    category: i.category,
    status: i.status,
    statusLabel: INCIDENT_STATUS_LABELS[i.status],
    level: i.level,
    autoLevel: i.autoLevel,
    levelChangedBy: i.levelChangedBy,
    levelChangedAt: i.levelChangedAt,
    levelChangeReason: i.levelChangeReason,
    jurisdiction: i.jurisdiction,
    ownerId: i.ownerId,
    ownerName: i.ownerName,
    dueAt: i.dueAt,
    overdue: isOverdue(i, now),
    tags: i.tags,
    freeTags: i.freeTags,
    summary: i.summary,
    responseAt: i.responseAt,
    responseChannel: i.responseChannel,
    responseText: i.responseText,
    closedAt: i.closedAt,
    closingSummary: i.closingSummary,
    reopenCount: i.reopenCount,
    createdBy: i.createdBy,
    createdByName: i.createdByName,
    createdAt: i.createdAt,
    updatedAt: i.updatedAt,
  };
}

const timelineView = (e: IncidentTimelineEntry) => ({ id: e.id, at: e.at, kind: e.kind, actorName: e.actorName, body: e.body, data: e.data });

/** Everything GET /api/incidents/:id shows, for a caller of `role`. */
async function detailOf(db: Queryable, i: Incident, role: IncidentRole): Promise<z.infer<typeof incidentDetailOut>> {
  const now = new Date();
  const [links, timeline, heat] = await Promise.all([getIncidentLinks(db, i.id, role), listIncidentTimeline(db, i.id), incidentHeat(db, i, { hours: HEAT_HOURS, now })]);
  return { ...incidentView(i, now.getTime()), links, timeline: timeline.map(timelineView), allowedTransitions: allowedTransitions(i.status, role), heat };
}

const LEVELS: readonly Level[] = ['none', 'blue', 'yellow', 'orange', 'red'];
const asLevel = (v: string | null): Level | null => (v !== null && (LEVELS as readonly string[]).includes(v) ? (v as Level) : null);

/** The incident routes (see the header); `cfg` gives the response clocks. */
export const incidentRoutes: FastifyPluginAsyncZod<{ cfg: Config; db: Pool }> = async (app, { cfg, db }) => {
  const clocks = cfg.INCIDENT_RESPONSE_CLOCKS;

  app.get(
    '/api/incidents',
    { config: READ, schema: { querystring: incidentListQuery, response: { 200: z.object({ incidents: z.array(incidentOut), nextCursor: z.number().nullable() }) } } },
    async (req) => {
      const q = req.query;
      const now = new Date();
      const incidents = await listIncidents(db, {
        ...(q.status ? { statuses: [...new Set(q.status)] } : {}),
        ...(q.level ? { levels: INCIDENT_LEVELS.filter((l) => LEVEL_RANK[l] >= LEVEL_RANK[q.level!]) } : {}),
        ...(q.owner === undefined ? {} : { ownerId: q.owner === 'me' ? callerOf(req).user.id : q.owner === 'none' ? null : q.owner }),
        ...(q.overdue === undefined ? {} : { overdue: q.overdue, now }),
        ...(q.q ? { q: q.q } : {}),
        ...(q.from ? { from: q.from } : {}),
        ...(q.to ? { to: q.to } : {}),
        ...(q.cursor ? { beforeId: q.cursor } : {}),
        limit: q.limit,
      });
      const last = incidents.at(-1);
      return { incidents: incidents.map((i) => incidentView(i, now.getTime())), nextCursor: incidents.length === q.limit && last ? last.id : null };
    },
  );

  app.post('/api/incidents', { config: WRITE, schema: { body: incidentCreateBody, response: { 201: incidentDetailOut } } }, async (req, reply) => {
    const b = req.body;
    const links: IncidentLinkIds = { alertIds: b.alertIds ?? [], topicIds: b.topicIds ?? [], itemIds: b.itemIds ?? [] };
    const linkCount = links.alertIds!.length + links.topicIds!.length + links.itemIds!.length;
    if (!b.title && linkCount === 0) throw new ApiError(400, 'INCIDENT_EMPTY', '请填写事件标题，或关联至少一条预警、话题或信息');
    const incident = await tx(db, async (c) => {
      await assertIncidentLinks(c, links, roleOf(req));
      links.topicIds = [...new Set([...(links.topicIds ?? []), ...(await topicsOfAlerts(c, links.alertIds))])];
      const origin = await incidentOrigin(c, links);
      const autoLevel = asLevel(origin?.autoLevel ?? null);
      const level = b.level ?? levelFromAuto(autoLevel);
      const levelError = levelChangeError({ previous: null, next: level, autoLevel, reason: b.levelReason });
      if (levelError) throw new ApiError(400, 'INCIDENT_LEVEL_REASON_REQUIRED', levelError);
      const title = b.title ?? [...(origin?.title ?? '')].slice(0, 200).join('');
      if (!title.trim()) throw new ApiError(400, 'INCIDENT_EMPTY', '关联对象没有标题，请填写事件标题');
      const now = new Date();
      return createIncident(
        c,
        {
          title,
          category: b.category ?? mainCategory(origin?.categories),
          level,
          autoLevel,
          levelReason: levelReasonRequired({ previous: null, next: level, autoLevel }) ? (b.levelReason ?? null) : null,
          jurisdiction: b.jurisdiction ?? obviousPlace(origin?.places),
          ownerId: b.ownerId ?? null,
          dueAt: b.dueAt ?? dueAtFor(level, now, clocks),
          dueAtManual: b.dueAt !== undefined,
          clockFrom: now,
          tags: b.tags ?? [],
          freeTags: b.freeTags ?? [],
          summary: b.summary ?? '',
          links,
        },
        actorOf(req),
      );
    });
    return reply.code(201).send(await detailOf(db, incident, roleOf(req)));
  });

  app.get('/api/incidents/:id', { config: READ, schema: { params: idParams, response: { 200: incidentDetailOut } } }, async (req) => {
    const incident = await getIncident(db, req.params.id);
    if (!incident) throw notFound(req.params.id);
    return detailOf(db, incident, roleOf(req));
  });

  app.patch('/api/incidents/:id', { config: WRITE, schema: { params: idParams, body: incidentPatchBody, response: { 200: incidentDetailOut } } }, async (req) => {
    const b = req.body;
    const result = await tx(db, async (c) => {
      const current = await getIncident(c, req.params.id, { forUpdate: true });
      if (!current) throw notFound(req.params.id);
      const levelChanges = b.level !== undefined && b.level !== current.level;
      if (levelChanges) {
        const levelError = levelChangeError({ previous: current.level, next: b.level!, autoLevel: asLevel(current.autoLevel), reason: b.levelReason });
        if (levelError) throw new ApiError(400, 'INCIDENT_LEVEL_REASON_REQUIRED', levelError);
      }
      return updateIncident(
        c,
        current.id,
        {
          ...(b.title !== undefined ? { title: b.title } : {}),
          ...(b.category !== undefined ? { category: b.category } : {}),
          ...(levelChanges ? { level: b.level!, levelReason: b.levelReason ?? null, levelDueAt: dueAtFor(b.level!, current.responseClockFrom, clocks) } : {}),
          ...(b.jurisdiction !== undefined ? { jurisdiction: b.jurisdiction } : {}),
          ...(b.ownerId !== undefined ? { ownerId: b.ownerId } : {}),
          ...(b.dueAt !== undefined ? { dueAt: b.dueAt } : {}),
          ...(b.tags !== undefined ? { tags: b.tags } : {}),
          ...(b.freeTags !== undefined ? { freeTags: b.freeTags } : {}),
          ...(b.summary !== undefined ? { summary: b.summary } : {}),
        },
        actorOf(req),
      );
    });
    if (!result) throw notFound(req.params.id);
    return detailOf(db, result.after, roleOf(req));
  });

  app.post(
    '/api/incidents/:id/transition',
    { config: WORKFLOW, schema: { params: idParams, body: transitionBody, response: { 200: incidentDetailOut } } },
    async (req) => {
      const b = req.body;
      const role = roleOf(req);
      const incident = await tx(db, async (c) => {
        const current = await getIncident(c, req.params.id, { forUpdate: true });
        if (!current) throw notFound(req.params.id);
        const now = Date.now();
        const d = decideTransition(
          current.status,
          b.to,
          role,
          { reason: b.reason ?? null, response: b.response ? { at: b.response.at?.getTime(), channel: b.response.channel, text: b.response.text } : null, closingSummary: b.closingSummary ?? null },
          now,
        );
        if (!d.ok) throw new ApiError(d.status, d.code, d.message);
        const ch = d.changes;
        return transitionIncident(
          c,
          current.id,
          {
            from: current.status,
            to: ch.status,
            reason: ch.reason,
            ...(ch.response ? { response: { at: new Date(ch.response.at), channel: ch.response.channel, text: ch.response.text } } : {}),
            ...(ch.closed ? { closed: { at: new Date(ch.closed.at), summary: ch.closed.summary } } : {}),
            reopened: ch.reopened,
            // A reopen starts the response clock again: a new response is due.
            ...(ch.restartClock ? { restartClock: { from: new Date(now), dueAt: dueAtFor(current.level, now, clocks) } } : {}),
          },
          actorOf(req),
        );
      });
      if (!incident) throw notFound(req.params.id);
      return detailOf(db, incident, role);
    },
  );

  app.post('/api/incidents/:id/notes', { config: WORKFLOW, schema: { params: idParams, body: noteBody, response: { 201: timelineOut } } }, async (req, reply) => {
    const role = roleOf(req);
    if (req.body.kind === 'instruction' && !(INSTRUCTION_ROLES as readonly string[]).includes(role)) {
      throw new ApiError(403, 'INCIDENT_INSTRUCTION_FORBIDDEN', '只有领导或管理员可以填写领导批示');
    }
    const entry = await tx(db, (c) => addIncidentNote(c, req.params.id, { kind: req.body.kind, body: req.body.body }, actorOf(req)));
    if (!entry) throw notFound(req.params.id);
    return reply.code(201).send(timelineView(entry));
  });

  app.post('/api/incidents/:id/links', { config: WRITE, schema: { params: idParams, body: linksBody, response: { 200: incidentDetailOut } } }, async (req) => {
    const links = req.body;
    if (!links.alertIds?.length && !links.topicIds?.length && !links.itemIds?.length) throw new ApiError(400, 'INCIDENT_LINKS_EMPTY', '请至少选择一条要关联的预警、话题或信息');
    const incident = await tx(db, async (c) => {
      const current = await getIncident(c, req.params.id, { forUpdate: true });
      if (!current) throw notFound(req.params.id);
      await assertIncidentLinks(c, links, roleOf(req));
      const topicIds = [...new Set([...(links.topicIds ?? []), ...(await topicsOfAlerts(c, links.alertIds))])];
      await addIncidentLinks(c, current.id, { ...links, topicIds }, actorOf(req));
      return getIncident(c, current.id);
    });
    if (!incident) throw notFound(req.params.id);
    return detailOf(db, incident, roleOf(req));
  });

  // Who an incident may be assigned to, for every role that sees incidents (the user list itself is an admin's).
  app.get(
    '/api/incident-owners',
    { config: READ, schema: { response: { 200: z.object({ owners: z.array(z.object({ id: z.number(), name: z.string(), displayName: z.string(), role: z.string() })) }) } } },
    async () => ({ owners: await listIncidentOwners(db) }),
  );

  app.get('/api/incident-tags', { config: READ, schema: { response: { 200: z.object({ tags: z.array(tagOut) }) } } }, async () => ({
    tags: (await listIncidentTags(db)).map((t) => ({ tag: t.tag, description: t.description })),
  }));

  app.post('/api/incident-tags', { config: ADMIN, schema: { body: tagBody, response: { 201: z.object({ tag: tagOut }) } } }, async (req, reply) => {
    const tag = await tx(db, (c) => createIncidentTag(c, { tag: req.body.tag, ...(req.body.description !== undefined ? { description: req.body.description } : {}) }, actorOf(req)));
    if (!tag) throw new ApiError(409, 'INCIDENT_TAG_EXISTS', `标签「${req.body.tag}」已存在`);
    return reply.code(201).send({ tag: { tag: tag.tag, description: tag.description } });
  });

  app.delete(
    '/api/incident-tags/:tag',
    { config: ADMIN, schema: { params: z.object({ tag: z.string().trim().min(1).max(40) }), response: { 200: z.object({ tag: tagOut }) } } },
    async (req) => {
      const tag = await tx(db, (c) => deleteIncidentTag(c, req.params.tag, actorOf(req)));
      if (!tag) throw new ApiError(404, 'INCIDENT_TAG_NOT_FOUND', `标签「${req.params.tag}」不存在`);
      return { tag: { tag: tag.tag, description: tag.description } };
    },
  );
};
