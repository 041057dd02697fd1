/**
 * Authentication and role checks for every request. Credentials are either an API token
 * (`Authorization: Bearer yq_…`) or the session cookie set by POST /api/auth/login; both are
 * looked up by their SHA-256. A successful lookup is remembered for a few seconds in the process
 * (auth-cache.ts): a revoked token, a disabled user or a logout is announced over Redis by the code
 * that makes it, and every process forgets that user at once; an expired session ends at its
 * expiry, cached or not. Open alert streams are told of every such change too
 * (onCredentialsChanged), and check their credential again (stream/reauth.ts).
 *
 * 401 means "who are you?" (no or bad credentials); 403 means "you may not" (wrong role).
 */
import cookie from '@fastify/cookie';
import type { Config } from '@yuqing/config';
import { authenticateApiToken, authenticateSessionUntil, hashSecret, type Pool, type User } from '@yuqing/db';
import { authEventMessage, authEventsChannel, publishAuthChange } from '@yuqing/queue';
import type { FastifyBaseLogger, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import type { Redis } from 'ioredis';
import { createHash, timingSafeEqual } from 'node:crypto';
import { CredentialCache } from '../auth-cache';
import { ApiError } from '../errors';
import { InvalidationFeed } from '../invalidation-feed';

/** Who is calling and how they proved it. */
export interface Auth {
  user: User;
  via: 'token' | 'session';
  /**
   * The SHA-256 of the secret (the token's stored hash, or the session's id): what a long-lived
   * response (the alert stream) keeps in order to check the credential again. Never sent out.
   */
  hash: string;
}

declare module 'fastify' {
  interface FastifyRequest {
    /** Set on every non-public route before its handler runs. */
    auth: Auth | null;
  }
  interface FastifyInstance {
    /** The credentials this process remembers (auth-cache.ts). */
    credentialCache: CredentialCache;
    /**
     * Call after committing a change to a user's credentials (token revoked, user disabled, enabled
     * or given another role, logout): forgets the user here at once and tells the other processes.
     */
    credentialsChanged(userId: number, log: FastifyBaseLogger): Promise<void>;
    /**
     * Calls `listener` on every credential change this process learns of — made here, or announced
     * by another process or the CLI — with the user's id, or null when it cannot be told whose
     * (an unreadable message; the subscription back after an outage, when some may have been missed).
     */
    onCredentialsChanged(listener: (userId: number | null) => void): void;
  }
}

// Real tokens and session secrets are ~46 characters; anything far longer is not worth hashing.
const MAX_SECRET_LENGTH = 200;

async function authenticate(req: FastifyRequest, db: Pool, cookieName: string, cache: CredentialCache): Promise<Auth | null> {
  const header = req.headers.authorization;
  if (header !== undefined) {
    // A request that sends an Authorization header is judged by it alone: falling back to the
    // cookie would hide a broken token behind a browser session.
    const m = /^Bearer\s+(\S+)$/i.exec(header);
    if (!m?.[1] || m[1].length > MAX_SECRET_LENGTH) return null;
    const hash = hashSecret(m[1]);
    const cached = cache.get('token', hash);
    if (cached) return { user: cached, via: 'token', hash };
    const stamp = cache.stamp();
    const user = await authenticateApiToken(db, hash);
    if (!user) return null;
    cache.store('token', hash, user, stamp);
    return { user, via: 'token', hash };
  }
  const secret = req.cookies[cookieName];
  if (!secret || secret.length > MAX_SECRET_LENGTH) return null;
  const id = hashSecret(secret);
  const cached = cache.get('session', id);
  if (cached) return { user: cached, via: 'session', hash: id };
  const stamp = cache.stamp();
  const session = await authenticateSessionUntil(db, id);
  if (!session) return null;
  cache.store('session', id, session.user, stamp, session.expiresAt);
  return { user: session.user, via: 'session', hash: id };
}

/** The user an auth event names, or null for a message that cannot be read. */
function userOfAuthEvent(message: string): number | null {
  try {
    const parsed = authEventMessage.safeParse(JSON.parse(message));
    return parsed.success ? parsed.data.userId : null;
  } catch {
    return null;
  }
}

const sha256 = (s: string): Buffer => createHash('sha256').update(s).digest();

/** Whether the request's bearer token is the one hashed (compared in constant time). */
function presentsToken(req: FastifyRequest, expectedHash: Buffer): boolean {
  const m = /^Bearer\s+(\S+)$/i.exec(req.headers.authorization ?? '');
  if (!m?.[1] || m[1].length > MAX_SECRET_LENGTH) return false;
  return timingSafeEqual(sha256(m[1]), expectedHash);
}

const UNSAFE_METHODS = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);
/** Public routes that set or end a browser session: a cross-site form must not log a browser in or out. */
const SESSION_ROUTES = new Set(['/api/auth/login', '/api/auth/logout', '/api/auth/screen']);

/**
 * Whether a browser says this request comes from another site. Sec-Fetch-Site when the browser
 * sends it (all current ones do), else the Origin header against the Host (and PUBLIC_BASE_URL,
 * for a reverse proxy that rewrites Host). A request with neither is not a browser's cross-site
 * form or fetch (curl, a script with the cookie): it is let through; SameSite=Strict on the cookie
 * is the first defence, this the second.
 */
function isCrossSite(req: FastifyRequest, publicOrigin: string | null): boolean {
  const site = req.headers['sec-fetch-site'];
  if (typeof site === 'string') return site !== 'same-origin' && site !== 'none';
  const origin = req.headers.origin;
  if (!origin) return false;
  if (origin === 'null') return true;
  let host: string;
  try {
    host = new URL(origin).host;
  } catch {
    return true;
  }
  return host !== req.headers.host && origin !== publicOrigin;
}

/** The auth plugin: cookie parsing, `request.auth`, and the role check every route declared. */
export const authPlugin = fp<{ cfg: Config; db: Pool; redis: Redis }>(
  async (app, { cfg, db, redis }) => {
    await app.register(cookie);
    const metricsTokenHash = cfg.METRICS_TOKEN ? sha256(cfg.METRICS_TOKEN) : null;
    app.decorateRequest('auth', null);

    const cache = new CredentialCache({ ttlMs: cfg.AUTH_CACHE_TTL_MS });
    const listeners = new Set<(userId: number | null) => void>();
    const tell = (userId: number | null): void => {
      for (const l of listeners) {
        try {
          l(userId);
        } catch (err) {
          app.log.error({ err, userId }, 'credential change listener failed');
        }
      }
    };
    const feed = new InvalidationFeed({
      redis,
      channel: authEventsChannel(cfg.QUEUE_PREFIX),
      name: 'auth',
      log: app.log,
      onMessage: (message) => {
        const userId = userOfAuthEvent(message);
        // A message we cannot read still says that something changed: forget everything.
        if (userId === null) cache.clear();
        else cache.invalidateUser(userId);
        tell(userId);
      },
      onLive: (live) => {
        cache.setLive(live);
        // Back after an outage: whatever was announced meanwhile is lost, and nobody knows whose.
        if (live) tell(null);
      },
    });
    // Also without a cache: open streams rely on the feed to end at once.
    app.addHook('onReady', async () => feed.start());
    app.addHook('onClose', async () => feed.stop());
    app.decorate('credentialCache', cache);
    app.decorate('onCredentialsChanged', (listener: (userId: number | null) => void) => {
      listeners.add(listener);
    });
    app.decorate('credentialsChanged', async (userId: number, log: FastifyBaseLogger) => {
      cache.invalidateUser(userId);
      // Here at once, not only when our own message comes back (Redis may be down).
      tell(userId);
      // The change is committed; without the message the other processes notice within the TTL.
      await publishAuthChange(redis, cfg.QUEUE_PREFIX, userId).catch((err: unknown) =>
        log.warn({ err: err instanceof Error ? err.message : String(err), userId }, 'credential change publish failed; other API processes apply it within AUTH_CACHE_TTL_MS'),
      );
    });

    const publicOrigin = cfg.PUBLIC_BASE_URL ? new URL(cfg.PUBLIC_BASE_URL).origin : null;
    const crossSite = () => new ApiError(403, 'CROSS_SITE_REQUEST', '拒绝来自其他网站的请求：请在本系统页面内操作');

    // onRequest, before the body is read: an anonymous caller learns nothing from validation errors.
    app.addHook('onRequest', async (req) => {
      if (req.is404) return;
      const access = req.routeOptions.config;
      const unsafeCrossSite = UNSAFE_METHODS.has(req.method) && isCrossSite(req, publicOrigin);
      if (access.public === true) {
        if (unsafeCrossSite && SESSION_ROUTES.has(req.routeOptions.url ?? '')) throw crossSite();
        return;
      }
      if (access.metricsToken && metricsTokenHash && presentsToken(req, metricsTokenHash)) return; // Prometheus: no user
      const auth = await authenticate(req, db, cfg.AUTH_COOKIE_NAME, cache);
      if (!auth) throw new ApiError(401, 'UNAUTHENTICATED', '未登录或凭据无效', { 'www-authenticate': 'Bearer' });
      req.auth = auth;
      // A write with the session cookie from another site (CSRF): refused. A bearer token cannot be
      // sent by another site's page, so token requests are not affected.
      if (auth.via === 'session' && unsafeCrossSite) throw crossSite();
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
