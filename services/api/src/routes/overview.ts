/**
 * 态势总览 (the leadership overview): GET /api/overview, for leaders, the duty room and analysts —
 * today against the same hours last week, 30 days, open warnings, rising topics, places of the
 * jurisdiction, incidents (overdue first) and failing sources, as of now. The page reads it live
 * from GET /api/overview/stream (overview-stream.ts), which sends the same object.
 */
import { loadOverview, type Pool } from '@yuqing/db';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';

/** GET /api/overview. */
export const overviewRoutes: FastifyPluginAsyncZod<{ db: Pool }> = async (app, { db }) => {
  app.get('/api/overview', { config: { roles: ['admin', 'pr', 'analyst', 'leader'] } }, async () => ({ overview: await loadOverview(db) }));
};
