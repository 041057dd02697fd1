/** Operations endpoints, public so that load balancers and orchestrators need no credentials. */
import type { Config } from '@yuqing/config';
import { schemaStatus, type Pool } from '@yuqing/db';
import type { FastifyPluginAsync } from 'fastify';
import type { Redis } from 'ioredis';

/** /healthz and /readyz. */
export const opsRoutes: FastifyPluginAsync<{ cfg: Config; db: Pool; redis: Redis }> = async (app, { cfg, db, redis }) => {
  // Liveness: the process answers. Nothing external is checked, so a database outage does not
  // get the process killed and restarted in a loop.
  app.get('/healthz', { config: { public: true } }, async () => ({ status: 'ok' }));

  // Readiness: can this process do its job right now?
  app.get('/readyz', { config: { public: true } }, async (_req, reply) => {
    const checks: Record<string, { ok: boolean; detail?: string }> = {};
    try {
      const s = await schemaStatus(db, cfg.DATABASE_SCHEMA);
      checks.postgres = { ok: true };
      checks.schema = s.pending.length
        ? { ok: false, detail: `version ${s.current} of ${s.expected}: run pnpm db:migrate` }
        : { ok: true, detail: `version ${s.current}` };
    } catch {
      checks.postgres = { ok: false, detail: 'unreachable' };
    }
    try {
      checks.redis = { ok: (await redis.ping()) === 'PONG' };
    } catch {
      checks.redis = { ok: false, detail: 'unreachable' };
    }
    const ready = Object.values(checks).every((c) => c.ok);
    return reply.code(ready ? 200 : 503).send({ status: ready ? 'ready' : 'not_ready', checks });
  });
};
