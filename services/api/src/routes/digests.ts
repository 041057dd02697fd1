/**
 * Leadership digests (日报 / 周报 / 专报):
 * - GET  /api/digests?kind=&limit=      the stored digests, newest period first (title and headline figures);
 * - GET  /api/digests/:id               the digest's JSON (every figure; what the pages are rendered from);
 * - GET  /api/digests/:id/html          the standalone page (print it on A4), under a CSP that allows
 *                                       only its inline style and data: images — no script, nothing from elsewhere;
 * - GET  /api/digests/:id/markdown      the robot message;
 * - GET  /api/digests/latest/html?kind= 302 to the newest digest's page (what a bookmark opens at 08:00);
 * - POST /api/digests {kind, from, to, push?}  (re)generate a period now; replaces the stored one, audited
 *                                       (digest.generate); with push, also sends it to DIGEST_RECEIVERS.
 *
 * Roles: reading is for everyone who reads alerts — leaders, analysts, admins and the PR duty
 * officers (pr), who see every figure in it elsewhere already; generating is for leaders, analysts
 * and admins (the issue's "regenerate any period on demand").
 */
import type { Config } from '@yuqing/config';
import { DIGEST_KIND_VALUES, getDigest, latestDigestId, listDigests, type DigestSummary, type Pool } from '@yuqing/db';
import { addLocalDays, formatDateTime, zoneLabel } from '@yuqing/digest';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type { Redis } from 'ioredis';
import { z } from 'zod';
import { auditActor } from '../audit-actor';
import { generateDigest, pushDigest } from '../digests';
import { createDeliveryQueue } from '../receivers';
import { ApiError } from '../errors';
import { callerOf } from '../plugins/auth';
import { idParams } from '../schemas';

const READ = { roles: ['admin', 'leader', 'analyst', 'pr'] } as const;
const GENERATE = { roles: ['admin', 'leader', 'analyst'] } as const;

/** The longest period one digest may cover (a quarter): the hourly rows stay bounded. */
export const DIGEST_MAX_DAYS = 92;

/** The policy of a digest page: its own inline style and data: images, nothing else; framable by our own pages only. */
export const DIGEST_PAGE_CSP = [
  "default-src 'none'",
  "style-src 'unsafe-inline'",
  'img-src data:',
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'self'",
].join('; ');

const PAGE_HEADERS = {
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  // Figures about the bureau's handling of opinion: never kept by a shared cache.
  'cache-control': 'private, no-cache',
} as const;

const kindEnum = z.enum(DIGEST_KIND_VALUES, { error: '类型只能是 daily（日报）、weekly（周报）或 custom（专报）' });

/** A time with its zone (`2026-11-28T08:00+08:00`, `…Z`) or milliseconds since 1970: never a zoneless local time. */
const zonedTime = z.union([z.string().trim(), z.number().int()]).transform((v, ctx) => {
  const ok = typeof v === 'number' || /(?:Z|[+-]\d{2}:?\d{2})$/i.test(v);
  const ms = typeof v === 'number' ? v : Date.parse(v);
  if (!ok || !Number.isFinite(ms)) {
    ctx.addIssue({ code: 'custom', message: '时间应为带时区的 ISO 8601（例如 2026-11-28T08:00+08:00）或毫秒时间戳' });
    return z.NEVER;
  }
  return new Date(ms);
});

const figureOut = z.object({ value: z.number(), previous: z.number(), change: z.number(), changeRatio: z.number().nullable() });

/** The headline figures a list shows. */
export const digestHeadlineOut = z.object({
  items: figureOut,
  policeRelated: figureOut,
  policeNegative: figureOut,
  negativeShare: z.object({
    value: z.number().nullable(),
    previous: z.number().nullable(),
    changePoints: z.number().nullable(),
    numerator: z.string(),
    denominator: z.string(),
    definition: z.string(),
  }),
  analyzed: z.number(),
});

/** A stored digest in a list. */
export const digestSummaryOut = z.object({
  id: z.number(),
  kind: z.enum(DIGEST_KIND_VALUES),
  periodStart: z.date(),
  periodEnd: z.date(),
  timeZone: z.string(),
  generatedAt: z.date(),
  generatedBy: z.string(),
  title: z.string(),
  headline: digestHeadlineOut.nullable(),
});

const summaryOf = (d: DigestSummary) => ({ ...d, headline: digestHeadlineOut.nullable().parse(d.headline ?? null) });

export const digestListQuery = z
  .object({
    kind: kindEnum.optional(),
    limit: z.coerce.number().int().min(1).max(200).default(30),
  })
  .strict();

export const digestGenerateBody = z
  .object({
    kind: kindEnum,
    from: zonedTime,
    to: zonedTime,
    /** Also push the Markdown to DIGEST_RECEIVERS (as the scheduled runs do). */
    push: z.boolean().default(false),
  })
  .strict();

/**
 * Refuses a period that cannot be a digest: empty, longer than DIGEST_MAX_DAYS, or not one local
 * day (daily) / seven local days (weekly) — a 日报 of any other length would sit in the list of
 * daily digests and read as one. Returns the Chinese reason, or null.
 */
export function periodProblem(kind: 'daily' | 'weekly' | 'custom', from: Date, to: Date, timeZone: string): string | null {
  if (!(to.getTime() > from.getTime())) return '结束时间应晚于开始时间';
  if (to.getTime() - from.getTime() > DIGEST_MAX_DAYS * 86_400_000) return `一份简报最长覆盖 ${DIGEST_MAX_DAYS} 天`;
  const days = kind === 'daily' ? 1 : kind === 'weekly' ? 7 : null;
  if (days !== null && addLocalDays(from, days, timeZone).getTime() !== to.getTime()) {
    const expected = addLocalDays(from, days, timeZone);
    return `${kind === 'daily' ? '日报' : '周报'}应覆盖 ${days} 天：${formatDateTime(from, timeZone)} 起应止于 ${formatDateTime(expected, timeZone)}（${zoneLabel(timeZone)}）；其他时段请用 custom（专报）`;
  }
  return null;
}

/** GET/POST /api/digests, GET /api/digests/:id[/html|/markdown], GET /api/digests/latest/html. */
export const digestRoutes: FastifyPluginAsyncZod<{ cfg: Config; db: Pool; redis: Redis }> = async (app, { cfg, db, redis }) => {
  // The delivery queue for pushes on request, made on first use (most API calls never push).
  let deliveryQueue: ReturnType<typeof createDeliveryQueue> | null = null;
  const deliveries = (): ReturnType<typeof createDeliveryQueue> => (deliveryQueue ??= createDeliveryQueue(cfg, redis));
  app.addHook('onClose', async () => {
    await deliveryQueue?.close();
  });

  app.get('/api/digests', { config: READ, schema: { querystring: digestListQuery, response: { 200: z.object({ digests: z.array(digestSummaryOut) }) } } }, async (req) => ({
    digests: (await listDigests(db, { ...(req.query.kind ? { kind: req.query.kind } : {}), limit: req.query.limit })).map(summaryOf),
  }));

  // Static segment: matched before /api/digests/:id/html.
  app.get(
    '/api/digests/latest/html',
    { config: READ, schema: { querystring: z.object({ kind: kindEnum.default('daily') }).strict() } },
    async (req, reply) => {
      const id = await latestDigestId(db, req.query.kind);
      const word = { daily: '日报', weekly: '周报', custom: '专报' }[req.query.kind];
      if (id === null) throw new ApiError(404, 'DIGEST_NOT_FOUND', `还没有${word}`);
      return reply.header('cache-control', 'no-store').redirect(`/api/digests/${id}/html`, 302);
    },
  );

  app.get(
    '/api/digests/:id',
    {
      config: READ,
      schema: {
        params: idParams,
        // The Digest JSON of @yuqing/digest as stored, with the row's id and who generated it.
        response: { 200: z.looseObject({ id: z.number(), generatedBy: z.string(), kind: z.enum(DIGEST_KIND_VALUES), title: z.string() }) },
      },
    },
    async (req) => {
      const d = await getDigest(db, req.params.id);
      if (!d) throw new ApiError(404, 'DIGEST_NOT_FOUND', `简报 ${req.params.id} 不存在`);
      return { ...(d.data as Record<string, unknown>), id: d.id, generatedBy: d.generatedBy, kind: d.kind, title: d.title };
    },
  );

  app.get('/api/digests/:id/html', { config: READ, schema: { params: idParams } }, async (req, reply) => {
    const d = await getDigest(db, req.params.id);
    if (!d) throw new ApiError(404, 'DIGEST_NOT_FOUND', `简报 ${req.params.id} 不存在`);
    return reply
      .headers({ ...PAGE_HEADERS, 'content-type': 'text/html; charset=utf-8', 'content-security-policy': DIGEST_PAGE_CSP })
      .send(d.html);
  });

  app.get('/api/digests/:id/markdown', { config: READ, schema: { params: idParams } }, async (req, reply) => {
    const d = await getDigest(db, req.params.id);
    if (!d) throw new ApiError(404, 'DIGEST_NOT_FOUND', `简报 ${req.params.id} 不存在`);
    return reply.headers({ ...PAGE_HEADERS, 'content-type': 'text/markdown; charset=utf-8' }).send(d.markdown);
  });

  app.post(
    '/api/digests',
    { config: GENERATE, schema: { body: digestGenerateBody, response: { 201: z.object({ digest: digestSummaryOut, created: z.boolean(), pushed: z.number() }) } } },
    async (req, reply) => {
      const { kind, from, to, push } = req.body;
      if (push && cfg.DIGEST_RECEIVERS.length === 0) throw new ApiError(400, 'DIGEST_NO_RECEIVERS', '未配置日报推送接收端（DIGEST_RECEIVERS），无法推送');
      const problem = periodProblem(kind, from, to, cfg.DIGEST_TIMEZONE);
      if (problem) throw new ApiError(400, 'DIGEST_PERIOD_INVALID', problem);
      const g = await generateDigest(db, {
        kind,
        from,
        to,
        now: new Date(),
        by: callerOf(req).user.name,
        timeZone: cfg.DIGEST_TIMEZONE,
        baseUrl: cfg.PUBLIC_BASE_URL,
        replace: true,
        audit: auditActor(req),
      });
      // The edition is the generation time: pushing a regenerated digest again is a new message, not a repeat.
      const pushed = push ? await pushDigest({ db, queue: deliveries() }, cfg.DIGEST_RECEIVERS, g, cfg.PUBLIC_BASE_URL, String(g.stored.generatedAt.getTime())) : 0;
      return reply.code(201).send({ digest: summaryOf(g.stored), created: g.created, pushed });
    },
  );
};
