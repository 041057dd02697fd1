/**
 * GET /api/alerts/stream: the live alert stream (Server-Sent Events). `id:` is the event's id in
 * alert_events, `event:` its type, `data:` JSON (stream/sse.ts). Resume with the Last-Event-ID
 * header (EventSource sends it on reconnect) or `?lastEventId=` (a page opening a new EventSource);
 * without either the stream starts at the newest event. The opening frame carries `id:` of the
 * event the stream starts after (no data, so no event), so that EventSource resumes from there even
 * when it received nothing before a reconnect. Each user sees only events whose audience names
 * their role.
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
import type { AlertStreamHub } from '../stream/hub';
import { openEventStream, verifiedStreamCaller } from '../stream/open';
import { parseLastEventId } from '../stream/sse';

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
      const requested = parseLastEventId(req.headers['last-event-id'], req.query.lastEventId);
      if (requested === 'invalid') throw new ApiError(400, 'INVALID_LAST_EVENT_ID', 'Last-Event-ID 无效');
      if (hub.isClosing) throw new ApiError(503, 'SHUTTING_DOWN', '服务正在停止，请稍后重连', { 'retry-after': '1' });
      // An id beyond the log's end (a restored database) resumes from the end, not from a future
      // id that would hide the next events.
      const head = await lastAlertEventId(db);
      const after = requested === null ? head : Math.min(requested, head);
      // A change announced during the lookup makes the hub check the credential again (the stamp).
      const reauthStamp = hub.reauthStamp();
      const { user, credential, expiresAt } = await verifiedStreamCaller(db, req, ALERT_READERS);
      // The opening frame names `after` as the last event id: a client that receives nothing before
      // its connection drops still resumes from here, not from wherever the log ends by then.
      const res = openEventStream(req, reply, retryMs, 'alert stream', after);
      if (!res) return;
      hub.add({ res, user: { id: user.id, name: user.name, role: user.role }, credential, expiresAt, reauthStamp, after });
      req.log.info({ user: user.name, after, resumed: requested !== null, clients: hub.size }, 'alert stream opened');
    },
  );
};
