/**
 * Silences (after Alertmanager's): matchers over an alert's fields, a start and an end, who and
 * why. A silenced alert still fires and is recorded; only its notifications wait. Expiring a
 * silence ends it now; expiring an ended one changes nothing.
 */
import { silenceMatcherSchema, silenceSchema } from '@yuqing/alerting';
import { expireAdminSilence, insertAdminSilence, listAdminSilences, recordAudit, withTransaction, type AdminSilence, type Pool } from '@yuqing/db';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { auditActor } from '../audit-actor';
import { ApiError } from '../errors';
import { callerOf } from '../plugins/auth';
import { idParams } from '../schemas';

const READ = { roles: ['admin', 'pr', 'analyst', 'leader'] } as const;
const WRITE = { roles: ['admin', 'pr'] } as const;

const SILENCE_STATUSES = ['active', 'pending', 'expired'] as const;

/** A silence as the API shows it; times are ISO strings, `status` relative to the response. */
export const silenceOut = z.object({
  id: z.number(),
  /** As stored (validated against SILENCE_FIELDS / SILENCE_OPS when created). */
  matchers: z.array(z.object({ field: z.string(), op: z.string(), value: z.string() })),
  startsAt: z.date(),
  endsAt: z.date(),
  createdBy: z.number().nullable(),
  comment: z.string(),
  createdAt: z.date(),
  expiredBy: z.number().nullable(),
  status: z.enum(SILENCE_STATUSES),
});

/** A time in a request: milliseconds since the epoch, or an ISO 8601 string with its offset. */
const timeInput = z.union([z.number().int().nonnegative(), z.iso.datetime({ offset: true })], { error: '时间应为毫秒时间戳或带时区的 ISO 8601' }).transform((v) => (typeof v === 'number' ? v : Date.parse(v)));

/** The body of POST /api/silences: the creator is the caller; the start defaults to now. */
export const silenceInputSchema = z
  .object({
    matchers: z.array(silenceMatcherSchema).min(1, '至少需要一个匹配条件').max(20, '匹配条件最多 20 个'),
    startsAt: timeInput.optional(),
    endsAt: timeInput,
    comment: z.string().trim().min(1, '请填写静默原因').max(500, '备注最多 500 字'),
  })
  .strict();

function statusOf(s: AdminSilence, now: number): (typeof SILENCE_STATUSES)[number] {
  if (s.endsAt.getTime() <= now) return 'expired';
  return s.startsAt.getTime() > now ? 'pending' : 'active';
}

const shown = (s: AdminSilence, now: number) => ({ ...s, status: statusOf(s, now) });

/** GET/POST /api/silences, POST /api/silences/:id/expire. */
export const silenceRoutes: FastifyPluginAsyncZod<{ db: Pool }> = async (app, { db }) => {
  app.get(
    '/api/silences',
    {
      config: READ,
      schema: {
        querystring: z.object({ state: z.enum(['current', 'active', 'pending', 'expired', 'all']).default('current') }).strict(),
        response: { 200: z.object({ silences: z.array(silenceOut) }) },
      },
    },
    async (req) => {
      const now = Date.now();
      return { silences: (await listAdminSilences(db, req.query.state, new Date(now))).map((s) => shown(s, now)) };
    },
  );

  app.post('/api/silences', { config: WRITE, schema: { body: silenceInputSchema, response: { 201: z.object({ silence: silenceOut }) } } }, async (req, reply) => {
    const now = Date.now();
    const { user } = callerOf(req);
    const startsAt = req.body.startsAt ?? now;
    if (req.body.endsAt <= startsAt) throw new ApiError(400, 'INVALID_SILENCE', '结束时间必须晚于开始时间');
    if (req.body.endsAt <= now) throw new ApiError(400, 'INVALID_SILENCE', '结束时间必须晚于当前时间');
    // The package's own definition, so the alerter reads back exactly what it would accept.
    const parsed = silenceSchema.safeParse({ matchers: req.body.matchers, startsAt, endsAt: req.body.endsAt, createdBy: user.id, comment: req.body.comment });
    if (!parsed.success) throw new ApiError(400, 'INVALID_SILENCE', '静默规则无效');
    const s = parsed.data;
    const silence = await withTransaction(db, async (c) => {
      const created = await insertAdminSilence(c, { matchers: s.matchers, startsAt: new Date(s.startsAt), endsAt: new Date(s.endsAt), createdBy: s.createdBy, comment: s.comment });
      await recordAudit(c, { ...auditActor(req), action: 'silence.create', entity: 'silence', entityId: created.id, after: created });
      return created;
    });
    return reply.code(201).send({ silence: shown(silence, now) });
  });

  app.post(
    '/api/silences/:id/expire',
    { config: WRITE, schema: { params: idParams, response: { 200: z.object({ silence: silenceOut, changed: z.boolean() }) } } },
    async (req) => {
      const now = Date.now();
      const r = await withTransaction(db, async (c) => {
        // The row as it was, locked, so the entry's before is exactly what the update replaced.
        const { rows } = await c.query<{ starts_at: Date; ends_at: Date; expired_by: number | null }>('SELECT starts_at, ends_at, expired_by FROM silences WHERE id = $1 FOR UPDATE', [req.params.id]);
        const out = await expireAdminSilence(c, req.params.id, callerOf(req).user.id, new Date(now));
        const was = rows[0];
        if (out?.changed && was) {
          const before = { ...out.silence, startsAt: was.starts_at, endsAt: was.ends_at, expiredBy: was.expired_by };
          await recordAudit(c, { ...auditActor(req), action: 'silence.expire', entity: 'silence', entityId: out.silence.id, before, after: out.silence });
        }
        return out;
      });
      if (!r) throw new ApiError(404, 'SILENCE_NOT_FOUND', `静默 ${req.params.id} 不存在`);
      return { silence: shown(r.silence, now), changed: r.changed };
    },
  );
};
