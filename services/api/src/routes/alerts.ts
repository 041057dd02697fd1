/**
 * Alerts as people see and handle them: the list (open ones by default, newest first), one alert
 * with its events, and acknowledge / resolve. A state change goes through the same lifecycle as
 * the alerter's (nextAlertState), updates the row and appends its event in one transaction, and is
 * announced on the stream after the commit. Acknowledging twice, or resolving a resolved alert,
 * changes nothing and answers with the alert as it is.
 *
 * Each caller sees the alerts whose audience (that of their latest event) names their role, the
 * same rule the live stream applies.
 *
 * PATCH /api/alerts/:id/level sets the level by hand, with a reason (who, when and why are kept on
 * the alert; the automatic level stays in the events). It goes through the same lifecycle
 * (nextAlertState 'manual_level'): a raise is an escalation, anything else an update, and the
 * live alerter then keeps that level against the topic's automatic changes unless the automatic
 * level rises above it (see @yuqing/alerting lifecycle.ts).
 */
import { ALERT_LEVELS, ALERT_STATES, nextAlertState, type AlertEventDraft, type AlertInput, type AlertState as LifecycleAlert } from '@yuqing/alerting';
import type { Config } from '@yuqing/config';
import {
  ALERT_AUDIENCE_ROLES,
  ALERT_EVENT_TYPES,
  ALERT_KINDS,
  appendAlertEvent,
  getAdminAlert,
  listAdminAlertEvents,
  listAdminAlerts,
  recordAudit,
  setAdminAlertLevel,
  setAdminAlertState,
  withTransaction,
  type AdminAlert,
  type AlertEvent,
  type Pool,
  type PoolClient,
} from '@yuqing/db';
import { metrics } from '@yuqing/metrics';
import { publishAlertEvents } from '@yuqing/queue';
import type { FastifyRequest } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type { Redis } from 'ioredis';
import { z } from 'zod';
import { AlertListCache, alertListKey } from '../alerts-list-cache';
import { auditActor } from '../audit-actor';
import { ApiError } from '../errors';
import { callerOf } from '../plugins/auth';
import { idParams, timeParam } from '../schemas';

const READ = { roles: ['admin', 'pr', 'analyst', 'leader'] } as const;
const HANDLE = { roles: ['admin', 'pr'] } as const;
/** Who may set an alert's level by hand: the duty officers and the analysts who assess it. */
const SET_LEVEL = { roles: ['admin', 'pr', 'analyst'] } as const;

/** An alert as the API shows it. */
export const alertOut = z.object({
  id: z.number(),
  kind: z.enum(ALERT_KINDS),
  ruleId: z.number().nullable(),
  ruleName: z.string().nullable(),
  topicId: z.number().nullable(),
  sourceId: z.number().nullable(),
  /** The incident an overdue-incident alert (kind incident) is about. */
  incidentId: z.number().nullable(),
  level: z.enum(ALERT_LEVELS),
  state: z.enum(ALERT_STATES),
  title: z.string(),
  summary: z.string(),
  heat: z.number().nullable(),
  createdAt: z.date(),
  updatedAt: z.date(),
  acknowledgedBy: z.number().nullable(),
  acknowledgedAt: z.date().nullable(),
  resolvedBy: z.number().nullable(),
  resolvedAt: z.date().nullable(),
  /** A level set by hand that automatic changes keep; null when none stands (any more). */
  manualLevel: z.enum(ALERT_LEVELS).nullable(),
  /** The last change of the level by hand: who, when and why. */
  levelChangedBy: z.number().nullable(),
  levelChangedAt: z.date().nullable(),
  levelChangeReason: z.string().nullable(),
});

/** One event of an alert (its id is the stream's event id). */
export const alertEventOut = z.object({
  id: z.number(),
  alertId: z.number(),
  type: z.enum(ALERT_EVENT_TYPES),
  level: z.enum(ALERT_LEVELS),
  payload: z.record(z.string(), z.unknown()),
  createdAt: z.date(),
});

const LEVEL_RANK = Object.fromEntries(ALERT_LEVELS.map((l, i) => [l, i])) as Record<(typeof ALERT_LEVELS)[number], number>;

const stateList = z.preprocess(
  (v) => (typeof v === 'string' ? v.split(',').map((s) => s.trim()).filter(Boolean) : v),
  z.array(z.union([z.enum(ALERT_STATES), z.literal('all')], { error: '状态只能是 firing、acknowledged、resolved 或 all' })).min(1),
);


/** Filters of GET /api/alerts. */
export const alertListQuery = z
  .object({
    /** Comma-separated or repeated; `all` for every state. Default: firing and acknowledged. */
    state: stateList.default(['firing', 'acknowledged']),
    /** Minimum level. */
    level: z.enum(ALERT_LEVELS).optional(),
    kind: z.enum(ALERT_KINDS).optional(),
    /** Alerts changed at or after this time. */
    since: timeParam.optional(),
    limit: z.coerce.number().int().min(1).max(200).default(50),
    /** nextCursor of the previous page. */
    cursor: z.coerce.number().int().positive().optional(),
  })
  .strict();

const actionBody = z
  .object({ comment: z.string().trim().max(500, '备注最多 500 字').optional() })
  .strict()
  // No body at all arrives as null or undefined.
  .nullish();

const actionResponse = z.object({ alert: alertOut, changed: z.boolean(), event: alertEventOut.nullable() });

/** The body of PATCH /api/alerts/:id/level. */
export const alertLevelBody = z
  .object(
    {
      level: z.enum(ALERT_LEVELS, { error: '级别只能是 blue、yellow、orange 或 red' }),
      reason: z.string({ error: '请填写调整级别的原因' }).trim().min(1, '请填写调整级别的原因').max(500, '原因最多 500 字'),
    },
    { error: (iss) => (iss.code === 'unrecognized_keys' ? `不支持的字段：${iss.keys.join('、')}` : undefined) },
  )
  .strict();

/** The stored alert as the lifecycle sees it (labels are not needed by acknowledge and resolve). */
function lifecycleView(a: AdminAlert): LifecycleAlert {
  return {
    key: a.dedupKey,
    kind: a.kind,
    ruleId: a.ruleId,
    ruleName: a.ruleName,
    topicId: a.topicId,
    sourceId: a.sourceId,
    level: a.level,
    state: a.state,
    title: a.title,
    labels: { categories: [], places: [], sources: [], keywords: [] },
    audienceRoles: a.audienceRoles.length ? [...a.audienceRoles] : [...ALERT_AUDIENCE_ROLES],
    cause: 'firing',
    manualLevel: a.manualLevel,
    createdAt: a.createdAt.getTime(),
    updatedAt: a.updatedAt.getTime(),
    firedAt: a.createdAt.getTime(),
    reopenCount: 0,
    acknowledgedBy: a.acknowledgedBy,
    acknowledgedAt: a.acknowledgedAt?.getTime() ?? null,
    resolvedBy: a.resolvedBy,
    resolvedAt: a.resolvedAt?.getTime() ?? null,
  };
}

const toDate = (ms: number | null): Date | null => (ms === null ? null : new Date(ms));

/** What fastify sends for a JSON body (a cached list is sent as bytes and must say the same). */
const JSON_TYPE = 'application/json; charset=utf-8';

/** GET /api/alerts, GET /api/alerts/:id, POST /api/alerts/:id/acknowledge, POST /api/alerts/:id/resolve, PATCH /api/alerts/:id/level. */
export const alertRoutes: FastifyPluginAsyncZod<{ cfg: Config; db: Pool; redis: Redis }> = async (app, { cfg, db, redis }) => {
  // The list as serialized JSON per role and query (alerts-list-cache.ts), emptied whenever the
  // process's live stream hears of new alert events (stream/hub.ts) and, before the answer leaves,
  // by every write made through these routes (acknowledge, resolve, level): the writer's next read
  // sees its change.
  const listCache = new AlertListCache({ ttlMs: cfg.ALERT_LIST_CACHE_TTL_MS });
  if (cfg.ALERT_LIST_CACHE_TTL_MS > 0) app.alertStream.watch({ changed: () => listCache.invalidate(), live: (live) => listCache.setLive(live) });
  app.addHook('onSend', async (req) => {
    if (req.method !== 'GET' && req.method !== 'HEAD') listCache.invalidate();
  });

  app.get(
    '/api/alerts',
    { config: READ, schema: { querystring: alertListQuery, response: { 200: z.object({ alerts: z.array(alertOut), nextCursor: z.number().nullable() }) } } },
    async (req, reply) => {
      const q = req.query;
      const role = callerOf(req).user.role;
      const states = q.state.includes('all') ? [...ALERT_STATES] : [...new Set(q.state.filter((s) => s !== 'all'))];
      const levels = q.level ? ALERT_LEVELS.filter((l) => LEVEL_RANK[l] >= LEVEL_RANK[q.level ?? 'blue']) : undefined;
      const key = alertListKey(role, { states, levels, kind: q.kind, since: q.since, cursor: q.cursor, limit: q.limit });
      const cached = key ? listCache.get(key) : null;
      // Bytes, not the schema's type: `as never` tells the type provider so (they are that type, serialized).
      if (cached) return reply.type(JSON_TYPE).send(cached as never);
      const stamp = listCache.stamp();
      const alerts = await listAdminAlerts(db, {
        states,
        ...(levels ? { levels } : {}),
        ...(q.kind ? { kind: q.kind } : {}),
        ...(q.since ? { since: q.since } : {}),
        ...(q.cursor ? { beforeId: q.cursor } : {}),
        limit: q.limit,
        role,
      });
      const last = alerts.at(-1);
      const body = { alerts, nextCursor: alerts.length === q.limit && last ? last.id : null };
      if (!key || !listCache.isLive) return body;
      // Serialized by this route's own response schema: a cached answer is byte for byte an uncached one.
      const serialized = reply.serialize(body);
      if (typeof serialized !== 'string') return body;
      const json = Buffer.from(serialized);
      listCache.store(key, json, stamp);
      return reply.type(JSON_TYPE).send(json as never);
    },
  );

  app.get(
    '/api/alerts/:id',
    { config: READ, schema: { params: idParams, response: { 200: z.object({ alert: alertOut, events: z.array(alertEventOut) }) } } },
    async (req) => {
      const role = callerOf(req).user.role;
      const alert = await getAdminAlert(db, req.params.id, role);
      if (!alert) throw new ApiError(404, 'ALERT_NOT_FOUND', `预警 ${req.params.id} 不存在`);
      return { alert, events: await listAdminAlertEvents(db, alert.id, role) };
    },
  );

  /**
   * A change a person makes to an alert, the way the alerter makes its own: in one transaction the
   * alert is locked, the lifecycle decides (nothing changes → the alert as it is, no event, no audit),
   * `write` stores the row, the event is appended and the audit entry recorded; after the commit the
   * event is announced — only a wake-up for the streams, which read PostgreSQL.
   */
  async function changeAlert(
    req: FastifyRequest,
    id: number,
    action: string,
    change: {
      input: AlertInput;
      /** An error when the change may not be made to this alert at all. */
      refuse?: (current: AdminAlert) => ApiError | null;
      write(client: PoolClient, current: AdminAlert, next: LifecycleAlert, updatedAt: Date, draft: AlertEventDraft): Promise<AdminAlert>;
    },
  ): Promise<{ alert: AdminAlert; changed: boolean; event: AlertEvent | null }> {
    const { user } = callerOf(req);
    const result = await withTransaction(db, async (client): Promise<{ alert: AdminAlert; event: AlertEvent | null }> => {
      const current = await getAdminAlert(client, id, user.role, { forUpdate: true });
      if (!current) throw new ApiError(404, 'ALERT_NOT_FOUND', `预警 ${id} 不存在`);
      const refusal = change.refuse?.(current);
      if (refusal) throw refusal;
      const t = nextAlertState(lifecycleView(current), change.input, Date.now());
      const draft = t.events[0];
      if (!t.changed || !t.alert || !draft) return { alert: current, event: null };
      const alert = await change.write(client, current, t.alert, new Date(t.alert.updatedAt), draft);
      const event = await appendAlertEvent(client, {
        alertId: current.id,
        type: draft.type,
        level: draft.level,
        payload: { ...draft.payload, byName: user.displayName || user.name },
        audienceRoles: draft.audienceRoles,
      });
      await recordAudit(client, { ...auditActor(req), action, entity: 'alert', entityId: current.id, before: current, after: alert });
      return { alert, event };
    });
    if (result.event) {
      metrics().alertEvents.inc({ type: result.event.type });
      await publishAlertEvents(redis, cfg.QUEUE_PREFIX, [result.event.id]).catch((err: unknown) => req.log.warn({ err }, 'alert event publish failed'));
    }
    return { alert: result.alert, changed: result.event !== null, event: result.event };
  }

  for (const action of ['acknowledge', 'resolve'] as const) {
    app.post(
      `/api/alerts/:id/${action}`,
      { config: HANDLE, schema: { params: idParams, body: actionBody, response: { 200: actionResponse } } },
      async (req) => {
        const { user } = callerOf(req);
        const comment = req.body?.comment || undefined;
        return changeAlert(req, req.params.id, `alert.${action}`, {
          input: { type: action, by: user.id, ...(comment ? { comment } : {}) },
          async write(client, current, next, updatedAt) {
            const changes = {
              state: next.state,
              acknowledgedBy: next.acknowledgedBy,
              acknowledgedAt: toDate(next.acknowledgedAt),
              resolvedBy: next.resolvedBy,
              resolvedAt: toDate(next.resolvedAt),
              updatedAt,
            };
            await setAdminAlertState(client, current.id, changes);
            return { ...current, ...changes };
          },
        });
      },
    );
  }

  app.patch(
    '/api/alerts/:id/level',
    { config: SET_LEVEL, schema: { params: idParams, body: alertLevelBody, response: { 200: actionResponse } } },
    async (req) => {
      const { user } = callerOf(req);
      const { level, reason } = req.body;
      return changeAlert(req, req.params.id, 'alert.level', {
        input: { type: 'manual_level', level, by: user.id, reason },
        refuse: (current) => (current.state === 'resolved' ? new ApiError(409, 'ALERT_RESOLVED', `预警 ${current.id} 已解除，不能再调整级别`) : null),
        async write(client, current, next, updatedAt, draft) {
          await setAdminAlertLevel(client, current.id, {
            level: next.level,
            manualLevel: next.manualLevel ?? null,
            state: next.state,
            cause: draft.type === 'escalated' ? 'escalated' : null,
            acknowledgedBy: next.acknowledgedBy,
            acknowledgedAt: toDate(next.acknowledgedAt),
            by: user.id,
            reason,
            updatedAt,
          });
          return {
            ...current,
            level: next.level,
            manualLevel: next.manualLevel ?? null,
            state: next.state,
            acknowledgedBy: next.acknowledgedBy,
            acknowledgedAt: toDate(next.acknowledgedAt),
            levelChangedBy: user.id,
            levelChangedAt: updatedAt,
            levelChangeReason: reason,
            updatedAt,
          };
        },
      });
    },
  );
};
