/**
 * 信息采集: what officers learned offline (走访, 来电, 来信, 网友反映, 其他).
 * - GET  /api/info-entries?from=&to=&channel=&limit=&cursor=  the entries, the latest occurrence first;
 * - POST /api/info-entries {channel, occurredAt, place, people, content, followUp?, officer}  an entry,
 *        stored with the item it becomes (origin 'manual', source 「信息采集」) in one transaction and
 *        audited (info_entry.create); the item is then handed to analysis like a pushed one, so it
 *        joins topics and can raise warnings. If Redis is away the item waits, un-enqueued, for the
 *        crawler's reconciler (PostgreSQL is the source of truth);
 * - GET  /api/info-entries.xlsx?from=&to=  the 信息采集表 register (default: this month so far).
 * Roles: reading — admin, pr, analyst, leader; entering — admin, analyst, pr.
 */
import type { Config, Logger } from '@yuqing/config';
import { assembleInfoCollection, INFO_CHANNEL_VALUES, insertInfoEntry, listInfoEntries, markEnqueued, recordAudit, withTransaction, wallTimeIn, localMidnight, type Pool } from '@yuqing/db';
import { renderXlsx } from '@yuqing/forms';
import { createAnalyzeQueue, enqueueAnalysis } from '@yuqing/queue';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type { Redis } from 'ioredis';
import { z } from 'zod';
import { auditActor } from '../audit-actor';
import { ApiError } from '../errors';
import { callerOf } from '../plugins/auth';
import { timeInput, timeParam } from '../schemas';
import { attachment, XLSX_TYPE } from './forms';
import { cursorParam } from './items';

const READ = { roles: ['admin', 'pr', 'analyst', 'leader'] } as const;
const ENTER = { roles: ['admin', 'analyst', 'pr'] } as const;

const channelEnum = z.enum(INFO_CHANNEL_VALUES, { error: `渠道只能是 ${INFO_CHANNEL_VALUES.join('、')}` });

/** An entry as the API shows it. */
export const infoEntryOut = z.object({
  id: z.number(),
  channel: channelEnum,
  occurredAt: z.date(),
  place: z.string(),
  people: z.string(),
  content: z.string(),
  followUp: z.string(),
  officer: z.string(),
  /** The item it became (null once that item is gone). */
  itemId: z.number().nullable(),
  createdAt: z.date(),
});

const field = (name: string, max: number) => z.string({ error: `${name}应为文字` }).trim().max(max, `${name}最多 ${max} 字`);

export const infoEntryBody = z
  .object({
    channel: channelEnum,
    /** When what it records happened (the item's published time). */
    occurredAt: timeInput,
    place: field('地点', 200),
    people: field('人员', 500),
    content: field('内容', 5000).min(1, '内容不能为空'),
    followUp: field('后续处理', 2000).optional(),
    officer: field('采集人', 50).min(1, '采集人不能为空'),
  })
  .strict();

const listQuery = z
  .object({
    from: timeParam.optional(),
    to: timeParam.optional(),
    channel: channelEnum.optional(),
    limit: z.coerce.number().int().min(1).max(200).default(50),
    cursor: cursorParam.optional(),
  })
  .strict();

const rangeQuery = z.object({ from: timeParam.optional(), to: timeParam.optional() }).strict();

export interface InfoEntryRoutesOptions {
  cfg: Config;
  db: Pool;
  redis: Redis;
  /** The analyze queue producer; when absent the plugin creates one and closes it with the app (as the items routes do). */
  analyzeQueue?: ReturnType<typeof createAnalyzeQueue>;
}

/** The info entry routes (see the header). */
export const infoEntryRoutes: FastifyPluginAsyncZod<InfoEntryRoutesOptions> = async (app, { cfg, db, redis, analyzeQueue: given }) => {
  const analyzeQueue = given ?? createAnalyzeQueue(redis, cfg.QUEUE_PREFIX);
  if (!given) app.addHook('onClose', async () => analyzeQueue.close());

  app.get(
    '/api/info-entries',
    { config: READ, schema: { querystring: listQuery, response: { 200: z.object({ entries: z.array(infoEntryOut), nextCursor: z.string().nullable() }) } } },
    async (req) => {
      const q = req.query;
      const entries = await listInfoEntries(db, {
        ...(q.from ? { from: q.from } : {}),
        ...(q.to ? { to: q.to } : {}),
        ...(q.channel ? { channel: q.channel } : {}),
        ...(q.cursor ? { before: { at: q.cursor.at, id: q.cursor.id } } : {}),
        limit: q.limit,
      });
      const last = entries.at(-1);
      return { entries, nextCursor: entries.length === q.limit && last ? `${last.occurredAt.getTime()}_${last.id}` : null };
    },
  );

  app.post('/api/info-entries', { config: ENTER, schema: { body: infoEntryBody, response: { 201: z.object({ entry: infoEntryOut }) } } }, async (req, reply) => {
    const b = req.body;
    if (b.occurredAt.getTime() > Date.now() + 5 * 60_000) throw new ApiError(400, 'INFO_ENTRY_IN_FUTURE', '发生时间不能晚于现在');
    const { user } = callerOf(req);
    const entry = await withTransaction(db, async (c) => {
      const e = await insertInfoEntry(c, { ...b, followUp: b.followUp ?? '' }, { id: user.id, name: user.displayName || user.name });
      await recordAudit(c, { ...auditActor(req), action: 'info_entry.create', entity: 'info_entry', entityId: e.id, before: null, after: e });
      return e;
    });
    // After the commit, as every stored item is (services/crawler/src/store.ts handToAnalysis).
    if (entry.itemId !== null) {
      try {
        await enqueueAnalysis(analyzeQueue, [entry.itemId]);
        await markEnqueued(db, [entry.itemId]);
      } catch (err) {
        (req.log as unknown as Logger).warn({ err: err instanceof Error ? err.message : String(err), itemId: entry.itemId }, 'could not enqueue analysis; the reconciler will retry');
      }
    }
    return reply.code(201).send({ entry });
  });

  app.get('/api/info-entries.xlsx', { config: READ, schema: { querystring: rangeQuery } }, async (req, reply) => {
    const now = new Date();
    const tz = cfg.DIGEST_TIMEZONE;
    const w = wallTimeIn(now, tz);
    const from = req.query.from ?? localMidnight(w.year, w.month, 1, tz);
    const to = req.query.to ?? now;
    if (!(to.getTime() > from.getTime())) throw new ApiError(400, 'FORM_BAD_PERIOD', '时段的结束应晚于开始');
    const data = await assembleInfoCollection(db, { from, to }, { unitName: cfg.BUREAU_UNIT_NAME, timeZone: tz, now, reporter: '' });
    return reply
      .header('content-type', XLSX_TYPE)
      .header('content-disposition', attachment('信息采集表', 'info-entries', 'xlsx'))
      .header('cache-control', 'private, no-cache')
      .send(await renderXlsx('info-collection', data));
  });
};
