/**
 * Topics and stories as the topic stage stored them: the list by last activity, one topic with
 * its indicators, time series (event-time buckets), stories (first poster, first time and source,
 * amplifiers) and level history with the explanation of every change, and one story with its items.
 * Reactions (reposts' own words about the police) are counted per topic and story: a story whose
 * root reads neutral counts as police-negative when enough of its reactions are.
 */
import { getStoryDetail, getTopicDetail, listTopics, topicSpread, type Pool, type TopicFilter } from '@yuqing/db';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { ApiError } from '../errors';
import { idParams, timeParam } from '../schemas';
import { cursorParam, itemOut } from './items';

const READ = { roles: ['admin', 'pr', 'analyst', 'leader'] } as const;
const LEVELS = ['none', 'blue', 'yellow', 'orange', 'red'] as const;
const STATUSES = ['open', 'closed', 'merged'] as const;
/** Most items GET /api/stories/:id returns (the earliest ones: the story's start matters most). */
const STORY_ITEMS = 500;

const statusList = z.preprocess(
  (v) => (typeof v === 'string' ? v.split(',').map((s) => s.trim()).filter(Boolean) : v),
  z.array(z.union([z.enum(STATUSES), z.literal('all')], { error: '状态只能是 open、closed、merged 或 all' })).min(1),
);

/** Filters of GET /api/topics. */
export const topicListQuery = z
  .object({
    /** Comma-separated or repeated; `all` for every status. Default: open and closed (not merged). */
    status: statusList.default(['open', 'closed']),
    /** Minimum level (blue < yellow < orange < red). */
    level: z.enum(LEVELS).optional(),
    /** Topics active at or after this time. */
    since: timeParam.optional(),
    limit: z.coerce.number().int().min(1).max(200).default(50),
    cursor: cursorParam.optional(),
  })
  .strict();

export const topicOut = z.object({
  id: z.number(),
  status: z.enum(STATUSES),
  mergedInto: z.number().nullable(),
  title: z.string(),
  keywords: z.array(z.string()),
  stage: z.string().nullable(),
  level: z.string(),
  autoLevel: z.string(),
  manualLevel: z.string().nullable(),
  firstItemId: z.number().nullable(),
  firstSource: z.string().nullable(),
  createdAt: z.date(),
  lastAt: z.date(),
  indicators: z.object({
    items: z.number(),
    stories: z.number(),
    policeRelated: z.number(),
    policeNegative: z.number(),
    negative: z.number(),
    /** Reposts with words of their own about the police, police-negative ones, their mean stance score (0–1). */
    reactions: z.number(),
    reactionsNegative: z.number(),
    reactionScore: z.number(),
    /** Items of stories counted police-negative because of their reactions (part of policeNegative). */
    reactionNegativeItems: z.number(),
    reach: z.number(),
    jurisdictionHits: z.number(),
    sources: z.array(z.string()),
    places: z.record(z.string(), z.number()),
    categories: z.record(z.string(), z.number()),
  }),
});

export const storyOut = z.object({
  id: z.number(),
  topicId: z.number(),
  root: z.string(),
  firstItemId: z.number().nullable(),
  firstAt: z.date(),
  firstSource: z.string().nullable(),
  firstAuthor: z.string().nullable(),
  firstTitle: z.string().nullable(),
  firstUrl: z.string().nullable(),
  lastAt: z.date(),
  items: z.number(),
  /** Counts as police-negative: its root does (rootNegative), or its reactions do. */
  policeNegative: z.boolean(),
  rootNegative: z.boolean(),
  reactions: z.number(),
  reactionsNegative: z.number(),
  reactionScore: z.number(),
  amplifiers: z.array(z.unknown()),
});

const levelChangeOut = z.object({
  id: z.number(),
  at: z.date(),
  recordedAt: z.date(),
  level: z.string(),
  previous: z.string(),
  automatic: z.boolean(),
  applied: z.boolean(),
  indicators: z.record(z.string(), z.unknown()),
  /** Why the level changed, in words. */
  reason: z.string(),
  actor: z.string().nullable(),
});

const topicDetailOut = z.object({
  topic: topicOut,
  series: z.array(z.object({ bucketStart: z.date(), items: z.number() })),
  stories: z.array(storyOut),
  levelHistory: z.array(levelChangeOut),
});

/** GET /api/topics, GET /api/topics/:id, GET /api/stories/:id. */
export const topicRoutes: FastifyPluginAsyncZod<{ db: Pool }> = async (app, { db }) => {
  app.get(
    '/api/topics',
    { config: READ, schema: { querystring: topicListQuery, response: { 200: z.object({ topics: z.array(topicOut), nextCursor: z.string().nullable() }) } } },
    async (req) => {
      const q = req.query;
      const filter: TopicFilter = { limit: q.limit };
      if (!q.status.includes('all')) filter.statuses = [...new Set(q.status)];
      if (q.level) {
        const min = LEVELS.indexOf(q.level);
        filter.levels = LEVELS.filter((_, i) => i >= min);
      }
      if (q.since) filter.since = q.since;
      if (q.cursor) filter.before = { lastAt: q.cursor.at, id: q.cursor.id };
      const topics = await listTopics(db, filter);
      const last = topics.at(-1);
      return { topics, nextCursor: topics.length === q.limit && last ? `${last.lastAt.getTime()}_${last.id}` : null };
    },
  );

  // How the topic spread: items per hour by source, each story's first poster and biggest amplifiers.
  app.get('/api/topics/:id/spread', { config: READ, schema: { params: idParams } }, async (req) => {
    const spread = await topicSpread(db, req.params.id);
    if (!spread) throw new ApiError(404, 'TOPIC_NOT_FOUND', `话题 ${req.params.id} 不存在`);
    return spread;
  });

  app.get('/api/topics/:id', { config: READ, schema: { params: idParams, response: { 200: topicDetailOut } } }, async (req) => {
    const detail = await getTopicDetail(db, req.params.id);
    if (!detail) throw new ApiError(404, 'TOPIC_NOT_FOUND', `话题 ${req.params.id} 不存在`);
    return detail;
  });

  app.get(
    '/api/stories/:id',
    { config: READ, schema: { params: idParams, response: { 200: z.object({ story: storyOut, items: z.array(itemOut) }) } } },
    async (req) => {
      const detail = await getStoryDetail(db, req.params.id, STORY_ITEMS);
      if (!detail) throw new ApiError(404, 'STORY_NOT_FOUND', `传播链 ${req.params.id} 不存在`);
      return detail;
    },
  );
};
