/**
 * GET /api/alerts/stream: the live alert stream (Server-Sent Events). `id:` is the event's id in
 * alert_events, `event:` its type, `data:` JSON (stream/sse.ts). Resume with the Last-Event-ID
 * header (EventSource sends it on reconnect) or `?lastEventId=` (a page opening a new EventSource);
 * without either the stream starts at the newest event. Each user sees only events whose
 * audience names their role.
 */
import { lastAlertEventId, type Pool } from '@yuqing/db';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { ApiError } from '../errors';
import { callerOf } from '../plugins/auth';
import type { AlertStreamHub } from '../stream/hub';
import { openingFrame, parseLastEventId } from '../stream/sse';

/** Roles that read alerts. */
export const ALERT_READERS = ['admin', 'pr', 'analyst', 'leader'] as const;

/** The stream route; the hub (stream/plugin.ts) owns the connections. */
export const alertStreamRoutes: FastifyPluginAsyncZod<{ db: Pool; hub: AlertStreamHub; retryMs: number }> = async (app, { db, hub, retryMs }) => {
  app.get(
    '/api/alerts/stream',
    {
      config: { roles: ALERT_READERS },
      schema: { querystring: z.object({ lastEventId: z.string().max(32).optional() }) },
    },
    async (req, reply) => {
      const { user } = callerOf(req);
      const requested = parseLastEventId(req.headers['last-event-id'], req.query.lastEventId);
      if (requested === 'invalid') throw new ApiError(400, 'INVALID_LAST_EVENT_ID', 'Last-Event-ID 无效');
      if (hub.isClosing) throw new ApiError(503, 'SHUTTING_DOWN', '服务正在停止，请稍后重连', { 'retry-after': '1' });
      // An id beyond the log's end (a restored database) resumes from the end, not from a future
      // id that would hide the next events.
      const head = await lastAlertEventId(db);
      const after = requested === null ? head : Math.min(requested, head);

      // From here the response is ours, not fastify's: it never ends on its own.
      reply.hijack();
      const res = reply.raw;
      try {
        res.writeHead(200, {
          'content-type': 'text/event-stream; charset=utf-8',
          'cache-control': 'no-cache, no-transform',
          connection: 'keep-alive',
          // nginx and similar proxies would otherwise buffer the stream
          'x-accel-buffering': 'no',
        });
        res.write(openingFrame(retryMs));
        hub.add({ res, user: { id: user.id, name: user.name, role: user.role }, after });
      } catch (err) {
        // fastify no longer answers for this response: log and cut it, or nobody would know.
        req.log.error({ err }, 'alert stream: could not open');
        res.destroy();
        return;
      }
      req.log.info({ user: user.name, after, resumed: requested !== null, clients: hub.size }, 'alert stream opened');
    },
  );
};
