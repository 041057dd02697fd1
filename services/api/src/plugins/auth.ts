/**
 * Authentication and role checks for every request. Credentials are either an API token
 * (`Authorization: Bearer yq_…`) or the session cookie set by POST /api/auth/login; both are
 * looked up by their SHA-256, and a revoked token, an expired session or a disabled user is
 * refused at once because every request checks the database.
 *
 * 401 means "who are you?" (no or bad credentials); 403 means "you may not" (wrong role).
 */
import cookie from '@fastify/cookie';
import type { Config } from '@yuqing/config';
import { authenticateApiToken, authenticateSession, hashSecret, type Pool, type User } from '@yuqing/db';
import type { FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { createHash, timingSafeEqual } from 'node:crypto';
import { ApiError } from '../errors';

/** Who is calling and how they proved it. */
export interface Auth {
  user: User;
  via: 'token' | 'session';
}

declare module 'fastify' {
  interface FastifyRequest {
    /** Set on every non-public route before its handler runs. */
    auth: Auth | null;
  }
}

// Real tokens and session secrets are ~46 characters; anything far longer is not worth hashing.
const MAX_SECRET_LENGTH = 200;

async function authenticate(req: FastifyRequest, db: Pool, cookieName: string): Promise<Auth | null> {
  const header = req.headers.authorization;
  if (header !== undefined) {
    // A request that sends an Authorization header is judged by it alone: falling back to the
    // cookie would hide a broken token behind a browser session.
    const m = /^Bearer\s+(\S+)$/i.exec(header);
    if (!m?.[1] || m[1].length > MAX_SECRET_LENGTH) return null;
    const user = await authenticateApiToken(db, hashSecret(m[1]));
    return user ? { user, via: 'token' } : null;
  }
  const secret = req.cookies[cookieName];
  if (!secret || secret.length > MAX_SECRET_LENGTH) return null;
  const user = await authenticateSession(db, hashSecret(secret));
  return user ? { user, via: 'session' } : null;
}

const sha256 = (s: string): Buffer => createHash('sha256').update(s).digest();

/** Whether the request's bearer token is the one hashed (compared in constant time). */
function presentsToken(req: FastifyRequest, expectedHash: Buffer): boolean {
  const m = /^Bearer\s+(\S+)$/i.exec(req.headers.authorization ?? '');
  if (!m?.[1] || m[1].length > MAX_SECRET_LENGTH) return false;
  return timingSafeEqual(sha256(m[1]), expectedHash);
}

/** The auth plugin: cookie parsing, `request.auth`, and the role check every route declared. */
export const authPlugin = fp<{ cfg: Config; db: Pool }>(
  async (app, { cfg, db }) => {
    await app.register(cookie);
    const metricsTokenHash = cfg.METRICS_TOKEN ? sha256(cfg.METRICS_TOKEN) : null;
    app.decorateRequest('auth', null);

    // onRequest, before the body is read: an anonymous caller learns nothing from validation errors.
    app.addHook('onRequest', async (req) => {
      if (req.is404) return;
      const access = req.routeOptions.config;
      if (access.public === true) return;
      if (access.metricsToken && metricsTokenHash && presentsToken(req, metricsTokenHash)) return; // Prometheus: no user
      const auth = await authenticate(req, db, cfg.AUTH_COOKIE_NAME);
      if (!auth) throw new ApiError(401, 'UNAUTHENTICATED', '未登录或凭据无效', { 'www-authenticate': 'Bearer' });
      req.auth = auth;
      // Routes without roles never get this far (route-access.ts), but deny by default all the same.
      if (!access.roles?.includes(auth.user.role)) throw new ApiError(403, 'FORBIDDEN', '当前角色无权访问此接口');
    });
  },
  { name: 'yuqing-auth', fastify: '5.x' },
);

/** The authenticated caller of a non-public route (the auth hook guarantees one). */
export function callerOf(req: FastifyRequest): Auth {
  if (!req.auth) throw new Error(`no authenticated caller on ${req.method} ${req.url}`);
  return req.auth;
}
