/**
 * Items: push ingestion from other crawlers, and the filtered list with each item's analysis.
 *
 * POST /api/items takes up to 1,000 items (a JSON array, or `{"items": [...]}`), each in the
 * schema of `yuqing ingest` (pushedItemSchema), and stores them through the same code path
 * (ingestItems: validation, canonical URL, idempotent insert by url_hash, hand-off to analysis).
 * The answer is 200 whenever the request itself is well formed, like WebDAV's 207 Multi-Status:
 * `invalid` lists the items refused (index and reason), the rest are stored; a pushed item seen
 * before counts as a duplicate and changes nothing. More than 1,000 items: 413, nothing stored.
 */
import type { Config, Logger } from '@yuqing/config';
import { ingestItems } from '@yuqing/crawler/ingest';
import { listItems, type ItemFilter, type Pool } from '@yuqing/db';
import { createAnalyzeQueue } from '@yuqing/queue';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type { Redis } from 'ioredis';
import { z } from 'zod';
import { ApiError } from '../errors';
import { searchTerms } from '../search-terms';

/** Most items one push may carry. */
export const MAX_PUSH_ITEMS = 1000;

const READ = { roles: ['admin', 'pr', 'analyst', 'leader'] } as const;
const PUSH = { roles: ['admin', 'ingest'] } as const;

/** A time in a query: ISO 8601 or epoch milliseconds. */
export const timeParam = z
  .string()
  .trim()
  .transform((s, ctx) => {
    const ms = /^\d+$/.test(s) ? Number(s) : Date.parse(s);
    if (!Number.isFinite(ms)) {
      ctx.addIssue({ code: 'custom', message: '时间应为 ISO 8601 或毫秒时间戳' });
      return z.NEVER;
    }
    return new Date(ms);
  });

/** A boolean in a query string. */
const boolParam = z.enum(['true', 'false', '1', '0']).transform((v) => v === 'true' || v === '1');

/** A keyset cursor `<epoch ms>_<id>` (the nextCursor of the previous page). */
export const cursorParam = z
  .string()
  .regex(/^\d{1,16}_\d{1,18}$/, '游标无效')
  .transform((s) => {
    const [ms, id] = s.split('_');
    return { at: new Date(Number(ms)), id: Number(id) };
  });

/** Filters of GET /api/items. */
export const itemListQuery = z
  .object({
    from: timeParam.optional(),
    to: timeParam.optional(),
    /** A source id or name. */
    source: z.string().trim().min(1).max(200).optional(),
    policeRelated: boolParam.optional(),
    policeNegative: boolParam.optional(),
    sentiment: z.enum(['negative', 'neutral', 'positive']).optional(),
    category: z.string().trim().min(1).max(100).optional(),
    place: z.string().trim().min(1).max(100).optional(),
    /** Keyword search (Chinese): every segmented term must occur in the item. */
    q: z.string().trim().min(1).max(200).optional(),
    topicId: z.coerce.number().int().positive().optional(),
    limit: z.coerce.number().int().min(1).max(200).default(50),
    cursor: cursorParam.optional(),
  })
  .strict();

export const itemAnalysisOut = z.object({
  policeRelated: z.boolean(),
  policeScore: z.number(),
  sentiment: z.enum(['negative', 'neutral', 'positive']),
  sentimentScore: z.number(),
  policeNegative: z.boolean(),
  policeNegativeScore: z.number(),
  keywords: z.array(z.string()),
  categories: z.array(z.string()),
  places: z.array(z.string()),
  jurisdictionHits: z.array(z.string()),
  engineVersion: z.string(),
  modelVersion: z.string().nullable(),
  analyzedAt: z.date(),
});

/** An item in a list: text cut to an excerpt, analysis null until analysed. */
export const itemOut = z.object({
  id: z.number(),
  sourceId: z.number().nullable(),
  source: z.string().nullable(),
  origin: z.enum(['crawl', 'ingest', 'push']),
  url: z.string(),
  title: z.string().nullable(),
  summary: z.string().nullable(),
  excerpt: z.string(),
  author: z.string().nullable(),
  publishedAt: z.date(),
  fetchedAt: z.date(),
  metrics: z.record(z.string(), z.unknown()).nullable(),
  analysis: itemAnalysisOut.nullable(),
});

const pushBody = z.union([z.array(z.unknown()), z.object({ items: z.array(z.unknown()) })], {
  error: '请求体应为条目数组，或 {"items": [...]}',
});

const pushResponse = z.object({
  received: z.number(),
  inserted: z.number(),
  duplicates: z.number(),
  invalid: z.array(z.object({ index: z.number(), error: z.string() })),
  unknownFields: z.array(z.object({ index: z.number(), fields: z.array(z.string()) })),
});

export interface ItemRoutesOptions {
  cfg: Config;
  db: Pool;
  redis: Redis;
  /** The analyze queue producer; when absent the plugin creates one and closes it with the app. */
  analyzeQueue?: ReturnType<typeof createAnalyzeQueue>;
}

/** POST /api/items, GET /api/items. */
export const itemRoutes: FastifyPluginAsyncZod<ItemRoutesOptions> = async (app, { cfg, db, redis, analyzeQueue }) => {
  // One producer per app, created here (not per request) and closed with the app when it is ours.
  const queue = analyzeQueue ?? createAnalyzeQueue(redis, cfg.QUEUE_PREFIX);
  if (!analyzeQueue) app.addHook('onClose', async () => queue.close());

  app.post('/api/items', { config: PUSH, schema: { body: pushBody, response: { 200: pushResponse } } }, async (req) => {
    const values = Array.isArray(req.body) ? req.body : req.body.items;
    if (values.length > MAX_PUSH_ITEMS) {
      throw new ApiError(413, 'TOO_MANY_ITEMS', `一次最多推送 ${MAX_PUSH_ITEMS} 条，本次 ${values.length} 条：请分批推送`);
    }
    // fastify's logger is pino (the server passes createLogger's); its type only lacks pino's extras.
    const log = req.log as unknown as Logger;
    return ingestItems({ db, analyzeQueue: queue, log }, values, { origin: 'push' });
  });

  app.get(
    '/api/items',
    { config: READ, schema: { querystring: itemListQuery, response: { 200: z.object({ items: z.array(itemOut), nextCursor: z.string().nullable() }) } } },
    async (req) => {
      const q = req.query;
      const filter: ItemFilter = { limit: q.limit };
      if (q.from) filter.from = q.from;
      if (q.to) filter.to = q.to;
      if (q.source) filter.source = /^\d+$/.test(q.source) ? Number(q.source) : q.source;
      if (q.policeRelated !== undefined) filter.policeRelated = q.policeRelated;
      if (q.policeNegative !== undefined) filter.policeNegative = q.policeNegative;
      if (q.sentiment) filter.sentiment = q.sentiment;
      if (q.category) filter.category = q.category;
      if (q.place) filter.place = q.place;
      if (q.q) filter.search = { terms: await searchTerms(q.q), raw: q.q };
      if (q.topicId) filter.topicId = q.topicId;
      if (q.cursor) filter.before = { publishedAt: q.cursor.at, id: q.cursor.id };
      const items = await listItems(db, filter);
      const last = items.at(-1);
      return { items, nextCursor: items.length === q.limit && last ? `${last.publishedAt.getTime()}_${last.id}` : null };
    },
  );
};
