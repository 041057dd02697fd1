/** Read access to the configured sources. */
import { listSources, type Pool, type Source } from '@yuqing/db';
import type { FastifyPluginAsync } from 'fastify';
import { callerOf } from '../plugins/auth';

// Request headers of a source may carry a site's cookie or credentials: only admins see them.
function forRole(s: Source, isAdmin: boolean): Partial<Source> {
  if (isAdmin) return s;
  const { headers: _headers, ...rest } = s;
  return rest;
}

/** GET /api/sources. */
export const sourceRoutes: FastifyPluginAsync<{ db: Pool }> = async (app, { db }) => {
  app.get('/api/sources', { config: { roles: ['admin', 'pr', 'analyst', 'leader'] } }, async (req) => {
    const isAdmin = callerOf(req).user.role === 'admin';
    return { sources: (await listSources(db)).map((s) => forRole(s, isAdmin)) };
  });
};
