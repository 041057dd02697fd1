/**
 * Hot lists (热榜): each list source with the entries on it now (rank, heat, since when, best rank,
 * the item stored for an entry that names the police or the jurisdiction), and one entry's rank
 * over time, from when it entered to when it left.
 */
import { hotListEntryHistory, listHotLists, type Pool } from '@yuqing/db';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { ApiError } from '../errors';
import { idParams } from '../schemas';

const READERS = { roles: ['admin', 'pr', 'analyst', 'leader'] } as const;

/** GET /api/hotlists, GET /api/hotlists/entries/:id. */
export const hotListRoutes: FastifyPluginAsyncZod<{ db: Pool }> = async (app, { db }) => {
  app.get('/api/hotlists', { config: READERS }, async () => ({ lists: await listHotLists(db) }));

  app.get('/api/hotlists/entries/:id', { config: READERS, schema: { params: idParams } }, async (req) => {
    const found = await hotListEntryHistory(db, req.params.id);
    if (!found) throw new ApiError(404, 'HOT_LIST_ENTRY_NOT_FOUND', `热榜条目 ${req.params.id} 不存在`);
    return found;
  });
};
