/**
 * The live alert stream as a plugin: one hub per app (so one Redis subscriber per process), the
 * route, and the lifecycle — the hub starts when the app is ready, and on close the streams end
 * first (preClose), before the server waits for open connections, then the subscriber stops.
 * Every credential change the auth plugin learns of is passed on, so that the streams of that user
 * check theirs (stream/reauth.ts).
 */
import type { Config } from '@yuqing/config';
import type { Pool } from '@yuqing/db';
import fp from 'fastify-plugin';
import type { Redis } from 'ioredis';
import { alertStreamRoutes } from '../routes/alerts-stream';
import { AlertStreamHub } from './hub';

declare module 'fastify' {
  interface FastifyInstance {
    /** The live alert stream of this process. */
    alertStream: AlertStreamHub;
  }
}

/** Registers the hub, its hooks and GET /api/alerts/stream. */
export const alertStreamPlugin = fp<{ cfg: Config; db: Pool; redis: Redis }>(
  async (app, { cfg, db, redis }) => {
    const hub = new AlertStreamHub({
      db,
      redis,
      prefix: cfg.QUEUE_PREFIX,
      log: app.log,
      heartbeatMs: cfg.SSE_HEARTBEAT_MS,
      pollMs: cfg.SSE_POLL_MS,
      maxBufferedBytes: cfg.SSE_MAX_BUFFERED_BYTES,
      reauthMs: cfg.SSE_REAUTH_MS,
    });
    app.decorate('alertStream', hub);
    app.onCredentialsChanged((userId) => hub.credentialsChanged(userId));
    app.addHook('onReady', async () => hub.start());
    app.addHook('preClose', async () => hub.closeStreams());
    app.addHook('onClose', async () => hub.stop());
    await app.register(alertStreamRoutes, { db, hub, retryMs: cfg.SSE_RETRY_MS });
  },
  { name: 'yuqing-alert-stream', fastify: '5.x', dependencies: ['yuqing-auth'] },
);
