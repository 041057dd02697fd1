/**
 * The fastify application: plugins and routes, never `listen` (server.ts does that), so tests
 * build it and call `app.inject`. Today it serves the operations endpoints; the alerting API
 * grows here.
 */
import type { Config } from '@yuqing/config';
import { schemaStatus, type Pool } from '@yuqing/db';
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import type { Redis } from 'ioredis';

export interface AppDeps {
  cfg: Config;
  db: Pool;
  redis: Redis;
}

/** Builds the app with its dependencies injected. */
export function buildApp(deps: AppDeps, opts: { logger?: FastifyBaseLogger } = {}): FastifyInstance {
  const app = Fastify({ ...(opts.logger ? { loggerInstance: opts.logger } : { logger: false }), bodyLimit: 10 * 1024 * 1024 });

  // Liveness: the process answers. Nothing external is checked, so a database outage does not
  // get the process killed and restarted in a loop.
  app.get('/healthz', async () => ({ status: 'ok' }));

  // Readiness: can this process do its job right now?
  app.get('/readyz', async (_req, reply) => {
    const checks: Record<string, { ok: boolean; detail?: string }> = {};
    try {
      const s = await schemaStatus(deps.db, deps.cfg.DATABASE_SCHEMA);
      checks.postgres = { ok: true };
      checks.schema = s.pending.length
        ? { ok: false, detail: `version ${s.current} of ${s.expected}: run pnpm db:migrate` }
        : { ok: true, detail: `version ${s.current}` };
    } catch {
      checks.postgres = { ok: false, detail: 'unreachable' };
    }
    try {
      checks.redis = { ok: (await deps.redis.ping()) === 'PONG' };
    } catch {
      checks.redis = { ok: false, detail: 'unreachable' };
    }
    const ready = Object.values(checks).every((c) => c.ok);
    return reply.code(ready ? 200 : 503).send({ status: ready ? 'ready' : 'not_ready', checks });
  });

  return app;
}
