/**
 * GET /api/alerts/stream: the live alert stream (Server-Sent Events). `id:` is the event's id in
 * alert_events, `event:` its type, `data:` JSON (stream/sse.ts). Resume with the Last-Event-ID
 * header (EventSource sends it on reconnect) or `?lastEventId=` (a page opening a new EventSource);
 * without either the stream starts at the newest event. Each user sees only events whose
 * audience names their role.
 *
 * The stream lasts only as long as the credential it was opened with: when the token is revoked,
 * the user disabled, the session logged out or run out, a last `event: auth` with data
 * `{"reason":"revoked"|"expired"|"role-changed","message":"登录已失效，请重新登录"…}` ends it
 * (stream/reauth.ts). A client should then sign in again rather than reconnect.
 */
import { lastAlertEventId, type Pool } from '@yuqing/db';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { ApiError } from '../errors';
import { callerOf } from '../plugins/auth';
import type { AlertStreamHub } from '../stream/hub';
import { lookUpCredential } from '../stream/reauth';
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
      const caller = callerOf(req);
      const requested = parseLastEventId(req.headers['last-event-id'], req.query.lastEventId);
      if (requested === 'invalid') throw new ApiError(400, 'INVALID_LAST_EVENT_ID', 'Last-Event-ID 无效');
      if (hub.isClosing) throw new ApiError(503, 'SHUTTING_DOWN', '服务正在停止，请稍后重连', { 'retry-after': '1' });
      // An id beyond the log's end (a restored database) resumes from the end, not from a future
      // id that would hide the next events.
      const head = await lastAlertEventId(db);
      const after = requested === null ? head : Math.min(requested, head);
      // The auth hook may have answered from its cache (seconds old); a stream lasts, so it starts
      // from PostgreSQL's answer, which also gives a session's expiry. A change announced during
      // the lookup makes the hub check again (the stamp).
      const reauthStamp = hub.reauthStamp();
      const credential = { kind: caller.via, hash: caller.hash };
      const found = await lookUpCredential(db, credential);
      if (!found || found.user.id !== caller.user.id) throw new ApiError(401, 'UNAUTHENTICATED', '未登录或凭据无效', { 'www-authenticate': 'Bearer' });
      const user = found.user;
      if (!(ALERT_READERS as readonly string[]).includes(user.role)) throw new ApiError(403, 'FORBIDDEN', '当前角色无权访问此接口');

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
        hub.add({ res, user: { id: user.id, name: user.name, role: user.role }, credential, expiresAt: found.expiresAt, reauthStamp, after });
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
