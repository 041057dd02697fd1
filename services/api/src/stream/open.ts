/**
 * What every live stream (the alert stream, the overview stream) does before its first byte: check
 * the caller against PostgreSQL rather than the auth hook's seconds-old cache (a stream lasts, and a
 * session's expiry comes with the answer), then take the response from fastify and send the SSE head.
 */
import type { Pool, Role } from '@yuqing/db';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { ServerResponse } from 'node:http';
import { ApiError } from '../errors';
import { callerOf } from '../plugins/auth';
import { lookUpCredential, type CredentialState, type StreamCredential } from './reauth';
import { openingFrame } from './sse';

/** The caller of a stream as PostgreSQL knows it now; 401/403 when it no longer may read `roles`. */
export async function verifiedStreamCaller(
  db: Pool,
  req: FastifyRequest,
  roles: readonly Role[],
): Promise<{ user: CredentialState['user']; credential: StreamCredential; expiresAt: CredentialState['expiresAt'] }> {
  const caller = callerOf(req);
  const credential: StreamCredential = { kind: caller.via, hash: caller.hash };
  const found = await lookUpCredential(db, credential);
  if (!found || found.user.id !== caller.user.id) throw new ApiError(401, 'UNAUTHENTICATED', '未登录或凭据无效', { 'www-authenticate': 'Bearer' });
  if (!roles.includes(found.user.role)) throw new ApiError(403, 'FORBIDDEN', '当前角色无权访问此接口');
  return { user: found.user, credential, expiresAt: found.expiresAt };
}

/**
 * Takes the response from fastify (it never ends on its own) and writes the SSE head and the
 * opening frame (with `lastEventId`, the id the stream starts after: see openingFrame); null when
 * that failed — the response is then destroyed and logged, since fastify no longer answers for it.
 */
export function openEventStream(req: FastifyRequest, reply: FastifyReply, retryMs: number, what: string, lastEventId?: number): ServerResponse | null {
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
    res.write(openingFrame(retryMs, lastEventId));
    return res;
  } catch (err) {
    req.log.error({ err }, `${what}: could not open`);
    res.destroy();
    return null;
  }
}
