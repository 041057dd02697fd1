/**
 * Browser login: POST /api/auth/login sets an HttpOnly, SameSite=Strict session cookie.
 * POST /api/auth/screen does the same for the duty-room screen (态势大屏), from an API token.
 */
import type { Config } from '@yuqing/config';
import { authenticateApiToken, endSession, getLoginCandidate, hashSecret, insertSession, newSessionSecret, recordAudit, verifyNoPassword, verifyPassword, withTransaction, type Pool, type Role } from '@yuqing/db';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { ApiError } from '../errors';
import type { LoginLimiter } from '../login-limiter';
import { callerOf } from '../plugins/auth';
import { ANY_ROLE } from '../route-access';
import { userOut } from '../schemas';

const loginBody = z.object({ name: z.string().trim().min(1).max(64), password: z.string().min(1).max(256) }).strict();
const screenBody = z.object({ token: z.string().trim().min(1).max(200) }).strict();

/**
 * Whose tokens may become a duty-room screen's session: those who read the overview, but not an
 * admin — a screen runs unattended in a room many walk through, and an admin session there would
 * let anyone at its keyboard change users, rules and receivers. (The API itself still takes an
 * admin's token as a bearer: that is another system holding it, not a screen on a wall.)
 */
export const SCREEN_ROLES: readonly Role[] = ['leader', 'pr', 'analyst'];
/** The limiter's name for screen-token attempts: counted per client address, like a login name. */
const SCREEN_LIMIT_NAME = '\u0000screen-token';

/** Login, logout and who-am-I. */
export const authRoutes: FastifyPluginAsyncZod<{ cfg: Config; db: Pool; limiter: LoginLimiter }> = async (app, { cfg, db, limiter }) => {
  const cookieOptions = { path: '/', httpOnly: true, sameSite: 'strict', secure: cfg.AUTH_COOKIE_SECURE } as const;

  app.post(
    '/api/auth/login',
    { config: { public: true }, schema: { body: loginBody, response: { 200: z.object({ user: userOut }) } } },
    async (req, reply) => {
      const { name, password } = req.body;
      const attempt = await limiter.attempt(name, req.ip).catch((err: unknown) => {
        req.log.error({ err }, 'login limiter unavailable');
        throw new ApiError(503, 'LOGIN_UNAVAILABLE', '登录暂时不可用，请稍后再试');
      });
      if (!attempt.allowed) {
        throw new ApiError(429, 'TOO_MANY_ATTEMPTS', `登录失败次数过多，请 ${Math.ceil(attempt.retryAfterSeconds / 60)} 分钟后再试`, {
          'retry-after': String(attempt.retryAfterSeconds),
        });
      }
      const candidate = await getLoginCandidate(db, name);
      const ok = candidate ? await verifyPassword(password, candidate.passwordHash) : await verifyNoPassword(password);
      // One answer for a wrong name, a wrong password and a disabled user: no name enumeration.
      if (!candidate || !ok) throw new ApiError(401, 'INVALID_CREDENTIALS', '用户名或密码错误');
      await limiter.succeeded(attempt.key);
      const { secret, id } = newSessionSecret();
      const expires = await insertSession(db, { id, userId: candidate.user.id, ttlMs: cfg.AUTH_SESSION_TTL_MS });
      reply.setCookie(cfg.AUTH_COOKIE_NAME, secret, { ...cookieOptions, expires });
      req.log.info({ user: candidate.user.name }, 'login');
      return { user: candidate.user };
    },
  );

  /**
   * The duty-room screen's login: an API token an admin made for a (leader, duty officer or
   * analyst) user, entered once on that machine, exchanged for a session cookie as a login would
   * give. Sessions run out; the screen exchanges its token again whenever its session is gone, so
   * it never falls back to the login form while the token is valid. A revoked token, a disabled
   * user or an unknown token get one answer (nothing to learn by guessing); attempts are limited per
   * address like logins, and each exchange is audited — a token turned into a browser session is
   * worth a record.
   */
  app.post(
    '/api/auth/screen',
    { config: { public: true }, schema: { body: screenBody, response: { 200: z.object({ user: userOut }) } } },
    async (req, reply) => {
      const { token } = req.body;
      const attempt = await limiter.attempt(SCREEN_LIMIT_NAME, req.ip).catch((err: unknown) => {
        req.log.error({ err }, 'login limiter unavailable');
        throw new ApiError(503, 'LOGIN_UNAVAILABLE', '登录暂时不可用，请稍后再试');
      });
      if (!attempt.allowed) {
        throw new ApiError(429, 'TOO_MANY_ATTEMPTS', `大屏令牌验证失败次数过多，请 ${Math.ceil(attempt.retryAfterSeconds / 60)} 分钟后再试`, {
          'retry-after': String(attempt.retryAfterSeconds),
        });
      }
      const user = await authenticateApiToken(db, hashSecret(token));
      if (!user) {
        req.log.warn({ ip: req.ip }, 'screen login refused: unknown or revoked token');
        throw new ApiError(401, 'INVALID_SCREEN_TOKEN', '大屏令牌无效、已撤销或所属账号已停用');
      }
      if (!SCREEN_ROLES.includes(user.role)) {
        req.log.warn({ user: user.name, role: user.role }, 'screen login refused: role');
        throw new ApiError(403, 'SCREEN_ROLE_NOT_ALLOWED', '该令牌所属账号不能用于大屏，请使用领导、值班员或研判员账号的令牌');
      }
      await limiter.succeeded(attempt.key);
      const { secret, id } = newSessionSecret();
      // The session and its audit row together: no screen session nobody can account for.
      const expires = await withTransaction(db, async (c) => {
        const until = await insertSession(c, { id, userId: user.id, ttlMs: cfg.AUTH_SESSION_TTL_MS });
        await recordAudit(c, {
          actorId: user.id,
          actorName: user.name,
          action: 'session.screen_login',
          entity: 'user',
          entityId: user.id,
          // The token's visible prefix only (as the token list shows it), never the token.
          after: { tokenPrefix: token.slice(0, 9), ip: req.ip, expiresAt: until },
          requestId: req.id,
        });
        return until;
      });
      reply.setCookie(cfg.AUTH_COOKIE_NAME, secret, { ...cookieOptions, expires });
      req.log.info({ user: user.name }, 'screen login');
      return { user };
    },
  );

  // Public and idempotent: logging out with an expired or unknown cookie still clears it. Every
  // API process forgets the session at once (it may have remembered it: auth-cache.ts).
  app.post('/api/auth/logout', { config: { public: true } }, async (req, reply) => {
    const secret = req.cookies[cfg.AUTH_COOKIE_NAME];
    const userId = secret ? await endSession(db, hashSecret(secret)) : null;
    if (userId !== null) await app.credentialsChanged(userId, req.log);
    reply.clearCookie(cfg.AUTH_COOKIE_NAME, cookieOptions);
    return reply.code(204).send();
  });

  app.get(
    '/api/auth/me',
    { config: { roles: ANY_ROLE }, schema: { response: { 200: z.object({ user: userOut, via: z.enum(['token', 'session']) }) } } },
    async (req) => callerOf(req),
  );
};
