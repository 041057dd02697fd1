/**
 * The fastify application: plugins and routes, never `listen` (server.ts does that), so tests
 * build it and call `app.inject`. Every route declares its roles (route-access.ts); the auth
 * plugin checks them on every request; errors have one JSON shape (errors.ts).
 */
import type { Config } from '@yuqing/config';
import type { Pool } from '@yuqing/db';
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import { serializerCompiler, validatorCompiler } from 'fastify-type-provider-zod';
import type { Redis } from 'ioredis';
import { installErrorHandling } from './errors';
import { runFormsScheduleWithApp } from './forms';
import { LoginLimiter } from './login-limiter';
import { authPlugin } from './plugins/auth';
import { docsRoutes, openApiPlugin } from './plugins/openapi';
import { frameworkErrors, textGuardPlugin } from './plugins/text-guard';
import { enforceRouteAccessDeclarations } from './route-access';
import { alertRoutes } from './routes/alerts';
import { auditRoutes } from './routes/audit';
import { authRoutes } from './routes/auth';
import { digestRoutes } from './routes/digests';
import { formRoutes } from './routes/forms';
import { incidentRoutes } from './routes/incidents';
import { infoEntryRoutes } from './routes/info-entries';
import { itemRoutes, type ItemRoutesOptions } from './routes/items';
import { livePageRoutes } from './routes/live-page';
import { metricsRoutes } from './routes/metrics';
import { modelRoutes } from './routes/models';
import { opsRoutes } from './routes/ops';
import { receiverRoutes } from './routes/receivers';
import { registerRoutes } from './routes/registers';
import { ruleRoutes } from './routes/rules';
import { schemeRoutes } from './routes/schemes';
import { silenceRoutes } from './routes/silences';
import { sourceRoutes } from './routes/sources';
import { hotListRoutes } from './routes/hot-lists';
import { overviewRoutes } from './routes/overview';
import { overviewStreamPlugin } from './routes/overview-stream';
import { sourceAdminRoutes } from './routes/sources-admin';
import { topicRoutes } from './routes/topics';
import { unitRoutes } from './routes/units';
import { userRoutes } from './routes/users';
import { visitRoutes } from './routes/visits';
import { alertStreamPlugin } from './stream/plugin';

export interface AppDeps {
  cfg: Config;
  db: Pool;
  redis: Redis;
  /** The analyze queue producer for pushed items; by default the app creates one and closes it on close. */
  analyzeQueue?: ItemRoutesOptions['analyzeQueue'];
  /** A pool on a read replica (DATABASE_READ_URL) for the heavy reads; by default `db`. */
  readDb?: Pool;
}

/** Builds the app with its dependencies injected. */
export function buildApp(deps: AppDeps, opts: { logger?: FastifyBaseLogger } = {}): FastifyInstance {
  const app = Fastify({ ...(opts.logger ? { loggerInstance: opts.logger } : { logger: false }), bodyLimit: 10 * 1024 * 1024, frameworkErrors });
  // First, so that it sees every route added after it.
  enforceRouteAccessDeclarations(app);
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  installErrorHandling(app);

  const { cfg, db, redis } = deps;
  // The replica serves reads that tolerate its lag of a moment (searches, lists, the overview).
  const readDb = deps.readDb ?? db;
  const limiter = new LoginLimiter({ redis, prefix: cfg.QUEUE_PREFIX, maxFailures: cfg.AUTH_LOGIN_MAX_FAILURES, windowMs: cfg.AUTH_LOGIN_WINDOW_MS });
  // Registered in order: the auth plugin's hooks must exist before the routes they guard.
  // The OpenAPI collector before any route, so that it sees them all.
  app.register(openApiPlugin, { cookieName: cfg.AUTH_COOKIE_NAME });
  app.register(authPlugin, { cfg, db, redis });
  app.register(textGuardPlugin); // U+0000, lone surrogates and non-UTF-8 bytes refused before validation (plugins/text-guard.ts)
  app.register(opsRoutes, { cfg, db, redis });
  app.register(authRoutes, { cfg, db, limiter });
  app.register(userRoutes, { db });
  app.register(sourceRoutes, { cfg, db });
  app.register(sourceAdminRoutes, { cfg, db });
  app.register(itemRoutes, { cfg, db, readDb, redis, ...(deps.analyzeQueue ? { analyzeQueue: deps.analyzeQueue } : {}) });
  app.register(topicRoutes, { db: readDb });
  app.register(alertStreamPlugin, { cfg, db, redis });
  app.register(metricsRoutes, { cfg, redis });
  app.register(docsRoutes);
  app.register(alertRoutes, { cfg, db, redis });
  app.register(ruleRoutes, { cfg, db });
  app.register(silenceRoutes, { db });
  app.register(receiverRoutes, { cfg, db });
  app.register(auditRoutes, { db });
  app.register(digestRoutes, { cfg, db, redis });
  app.register(incidentRoutes, { cfg, db });
  app.register(registerRoutes, { db });
  app.register(modelRoutes, { cfg, db, redis });
  app.register(hotListRoutes, { db: readDb });
  app.register(overviewRoutes, { db: readDb });
  // After the alert stream: the overview's live stream learns of alert events through its hub.
  app.register(overviewStreamPlugin, { cfg, db: readDb, redis });
  app.register(schemeRoutes, { cfg, db });
  app.register(livePageRoutes, { cfg, db });
  // The forms (报表): the forms themselves, 信息采集 and 走访记录; the periodic drafts' schedule runs once the server listens.
  app.register(formRoutes, { cfg, db });
  app.register(infoEntryRoutes, { cfg, db, redis, ...(deps.analyzeQueue ? { analyzeQueue: deps.analyzeQueue } : {}) });
  app.register(visitRoutes, { cfg, db });
  // Units (单位): the tree, jurisdictions and people (issue 15's first slice).
  app.register(unitRoutes, { db });
  runFormsScheduleWithApp(app, cfg, db);
  return app;
}
