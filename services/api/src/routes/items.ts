/**
 * Items: push ingestion from other crawlers, and the filtered list with each item's analysis.
 *
 * POST /api/items takes up to 1,000 items (a JSON array, or `{"items": [...]}`), each in the
 * schema of `yuqing ingest` (pushedItemSchema), and stores them through the same code path
 * (ingestItems: validation, canonical URL, idempotent insert by url_hash, hand-off to analysis).
 * The answer is 200 whenever the request itself is well formed, like WebDAV's 207 Multi-Status:
 * `invalid` lists the items refused (index and reason), the rest are stored; a pushed item seen
 * before counts as a duplicate and changes nothing. More than 1,000 items: 413, nothing stored.
 *
 * Analyst feedback (人工校正): GET /api/items/:id shows an item's automatic analysis, the
 * analyst's correction (`label`) and the values that count (`effective`) side by side; PUT
 * /api/items/:id/label replaces the correction, DELETE withdraws it. The correction's history is
 * the audit log's (item.label, item.label.withdraw), written in the same transaction.
 */
import type { Config, Logger } from '@yuqing/config';
import { ingestItems } from '@yuqing/crawler/ingest';
import {
  deleteItemLabel,
  getItemLabel,
  getItemView,
  LABEL_SENTIMENTS,
  listItems,
  lockItemForLabel,
  putItemLabel,
  recordAudit,
  withTransaction,
  type ItemFilter,
  type ItemLabel,
  type ItemView,
  type Pool,
} from '@yuqing/db';
import { createAnalyzeQueue } from '@yuqing/queue';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type { Redis } from 'ioredis';
import { z } from 'zod';
import { auditActor } from '../audit-actor';
import { ApiError } from '../errors';
import { effectiveValues } from '../item-feedback';
import { callerOf } from '../plugins/auth';
import { idParams, timeParam } from '../schemas';
import { searchTerms } from '../search-terms';

/** Most items one push may carry. */
export const MAX_PUSH_ITEMS = 1000;

const READ = { roles: ['admin', 'pr', 'analyst', 'leader'] } as const;
const PUSH = { roles: ['admin', 'ingest'] } as const;
/** Who may correct an item's analysis. */
const LABEL = { roles: ['admin', 'analyst'] } as const;


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
    /** true: only items an analyst corrected; false: only uncorrected ones. */
    labelled: boolParam.optional(),
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
  /** Which stance cues toward the police fired: distrust, sarcasm, inaction, coverup, accountability, rhetorical, ridicule, fear, question, misconduct kinds, model. */
  policeNegativeCues: z.array(z.string()),
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
  origin: z.enum(['crawl', 'ingest', 'push', 'manual']),
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

const sentimentOut = z.enum(LABEL_SENTIMENTS);

/** An analyst's correction: null values leave the automatic ones standing. */
export const itemLabelOut = z.object({
  policeRelated: z.boolean().nullable(),
  policeNegative: z.boolean().nullable(),
  sentiment: sentimentOut.nullable(),
  note: z.string(),
  /** Who corrected it (the id is null once the user is deleted; the name stays). */
  by: z.object({ id: z.number().nullable(), name: z.string() }),
  at: z.date(),
});

/** The values that count: the correction where given, else the automatic ones (null: neither). */
export const itemEffectiveOut = z.object({
  policeRelated: z.boolean().nullable(),
  policeNegative: z.boolean().nullable(),
  sentiment: sentimentOut.nullable(),
  /** The values the correction decided. */
  corrected: z.array(z.enum(['policeRelated', 'policeNegative', 'sentiment'])),
});

/** An item in the list of GET /api/items: with its correction and the values that count. */
export const labelledItemOut = itemOut.extend({ label: itemLabelOut.nullable(), effective: itemEffectiveOut });

/** One item (GET /api/items/:id): as in the list, with its full text. */
export const itemDetailOut = labelledItemOut.extend({ text: z.string() });

const labelValue = (name: string) => z.boolean({ error: `${name}应为 true、false 或 null` }).nullable().optional();

/** The body of PUT /api/items/:id/label: a correction replaces the previous one entirely. */
export const itemLabelBody = z
  .object(
    {
      policeRelated: labelValue('涉警 (policeRelated) '),
      policeNegative: labelValue('涉警负面 (policeNegative) '),
      sentiment: z.enum(LABEL_SENTIMENTS, { error: '情感 (sentiment) 只能是 negative、neutral、positive 或 null' }).nullable().optional(),
      note: z.string({ error: '备注应为文字' }).trim().max(500, '备注最多 500 字').optional(),
    },
    { error: (iss) => (iss.code === 'unrecognized_keys' ? `不支持的字段：${iss.keys.join('、')}` : undefined) },
  )
  .strict()
  .superRefine((b, ctx) => {
    if (b.policeRelated == null && b.policeNegative == null && b.sentiment == null) {
      ctx.addIssue({ code: 'custom', message: '请至少校正一项：涉警 (policeRelated)、涉警负面 (policeNegative) 或情感 (sentiment)' });
    }
    if (b.policeRelated === false && b.policeNegative === true) {
      ctx.addIssue({ code: 'custom', path: ['policeNegative'], message: '不涉警的条目不能标为涉警负面' });
    }
  });

const labelOut = (l: ItemLabel): z.infer<typeof itemLabelOut> => ({
  policeRelated: l.policeRelated,
  policeNegative: l.policeNegative,
  sentiment: l.sentiment,
  note: l.note,
  by: { id: l.labelledBy, name: l.labelledByName },
  at: l.labelledAt,
});

/** An item as the feedback routes show it: automatic analysis, correction and effective values. */
export function withFeedback<T extends ItemView>(item: T): T & { label: z.infer<typeof itemLabelOut> | null; effective: z.infer<typeof itemEffectiveOut> } {
  return { ...item, label: item.label ? labelOut(item.label) : null, effective: effectiveValues(item.analysis, item.label) };
}

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
  /** Where the list and search read (a replica when configured); writes and single reads use `db`. */
  readDb?: Pool;
  redis: Redis;
  /** The analyze queue producer; when absent the plugin creates one and closes it with the app. */
  analyzeQueue?: ReturnType<typeof createAnalyzeQueue>;
}

/** POST /api/items, GET /api/items. */
export const itemRoutes: FastifyPluginAsyncZod<ItemRoutesOptions> = async (app, { cfg, db, readDb = db, redis, analyzeQueue }) => {
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
    { config: READ, schema: { querystring: itemListQuery, response: { 200: z.object({ items: z.array(labelledItemOut), nextCursor: z.string().nullable() }) } } },
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
      if (q.labelled !== undefined) filter.labelled = q.labelled;
      if (q.cursor) filter.before = { publishedAt: q.cursor.at, id: q.cursor.id };
      const items = await listItems(readDb, filter);
      const last = items.at(-1);
      return { items: items.map(withFeedback), nextCursor: items.length === q.limit && last ? `${last.publishedAt.getTime()}_${last.id}` : null };
    },
  );

  const itemResponse = z.object({ item: itemDetailOut });
  const notFound = (id: number) => new ApiError(404, 'ITEM_NOT_FOUND', `条目 ${id} 不存在`);

  app.get('/api/items/:id', { config: READ, schema: { params: idParams, response: { 200: itemResponse } } }, async (req) => {
    const item = await getItemView(db, req.params.id);
    if (!item) throw notFound(req.params.id);
    return { item: withFeedback(item) };
  });

  app.put('/api/items/:id/label', { config: LABEL, schema: { params: idParams, body: itemLabelBody, response: { 200: itemResponse } } }, async (req) => {
    const { user } = callerOf(req);
    const b = req.body;
    const item = await withTransaction(db, async (c) => {
      if (!(await lockItemForLabel(c, req.params.id))) throw notFound(req.params.id);
      const before = await getItemLabel(c, req.params.id);
      const after = await putItemLabel(c, {
        itemId: req.params.id,
        policeRelated: b.policeRelated ?? null,
        policeNegative: b.policeNegative ?? null,
        sentiment: b.sentiment ?? null,
        note: b.note ?? '',
        by: user.id,
        byName: user.displayName || user.name,
      });
      await recordAudit(c, { ...auditActor(req), action: 'item.label', entity: 'item', entityId: req.params.id, before, after });
      return getItemView(c, req.params.id);
    });
    if (!item) throw notFound(req.params.id);
    return { item: withFeedback(item) };
  });

  app.delete(
    '/api/items/:id/label',
    { config: LABEL, schema: { params: idParams, response: { 200: itemResponse.extend({ changed: z.boolean() }) } } },
    async (req) => {
      const result = await withTransaction(db, async (c) => {
        if (!(await lockItemForLabel(c, req.params.id))) throw notFound(req.params.id);
        const withdrawn = await deleteItemLabel(c, req.params.id);
        // Withdrawing what is not there changes nothing and is not recorded.
        if (withdrawn) await recordAudit(c, { ...auditActor(req), action: 'item.label.withdraw', entity: 'item', entityId: req.params.id, before: withdrawn, after: null });
        return { item: await getItemView(c, req.params.id), changed: withdrawn !== null };
      });
      if (!result.item) throw notFound(req.params.id);
      return { item: withFeedback(result.item), changed: result.changed };
    },
  );
};
