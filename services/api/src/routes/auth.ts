/** Browser login: POST /api/auth/login sets an HttpOnly, SameSite=Strict session cookie. */
import type { Config } from '@yuqing/config';
import { endSession, getLoginCandidate, hashSecret, insertSession, newSessionSecret, verifyNoPassword, verifyPassword, type Pool } from '@yuqing/db';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { ApiError } from '../errors';
import type { LoginLimiter } from '../login-limiter';
import { callerOf } from '../plugins/auth';
import { ANY_ROLE } from '../route-access';
import { userOut } from '../schemas';

const loginBody = z.object({ name: z.string().trim().min(1).max(64), password: z.string().min(1).max(256) }).strict();

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
