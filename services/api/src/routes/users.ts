/** Admin routes for users and API tokens. Secrets appear in a response only when created. */
import {
  getUserByName,
  hashPassword,
  insertApiToken,
  insertUser,
  listApiTokens,
  listUsers,
  newApiToken,
  randomPassword,
  recordAudit,
  revokeApiToken,
  setUserDisabled,
  setUserPassword,
  setUserUnit,
  userInputSchema,
  userNameSchema,
  withTransaction,
  type Pool,
} from '@yuqing/db';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { auditActor } from '../audit-actor';
import { ApiError } from '../errors';
import { callerOf } from '../plugins/auth';
import { idParams, tokenOut, userOut } from '../schemas';
import { checkUnit } from './units';

const ADMIN = { roles: ['admin'] } as const;

/** The unit a user belongs to (issue 15); left out: the root unit. */
const unitIdField = z.number({ error: '单位编号应为数字' }).int().positive();

/** GET/POST /api/users, PATCH /api/users/:name (disable/enable, unit), POST /api/users/:name/password, GET/POST /api/tokens, DELETE /api/tokens/:id. */
export const userRoutes: FastifyPluginAsyncZod<{ db: Pool }> = async (app, { db }) => {
  app.get('/api/users', { config: ADMIN, schema: { response: { 200: z.object({ users: z.array(userOut) }) } } }, async () => ({
    users: await listUsers(db),
  }));

  app.post(
    '/api/users',
    {
      config: ADMIN,
      schema: { body: userInputSchema.extend({ unitId: unitIdField.optional() }), response: { 201: z.object({ user: userOut, password: z.string().optional() }) } },
    },
    async (req, reply) => {
      const { name, displayName, role, password, unitId } = req.body;
      // A user created without a password gets a random one, shown in this response only.
      const generated = password === undefined && role !== 'ingest' ? randomPassword() : undefined;
      const secret = password ?? generated;
      const passwordHash = secret ? await hashPassword(secret) : null;
      const user = await withTransaction(db, async (c) => {
        if (unitId !== undefined) await checkUnit(c, unitId);
        const u = await insertUser(c, { name, displayName: displayName ?? name, role, passwordHash, ...(unitId !== undefined ? { unitId } : {}) });
        if (u) await recordAudit(c, { ...auditActor(req), action: 'user.create', entity: 'user', entityId: u.id, after: u });
        return u;
      });
      if (!user) throw new ApiError(409, 'USER_EXISTS', `用户 ${name} 已存在`);
      return reply.code(201).send({ user, ...(generated ? { password: generated } : {}) });
    },
  );

  // Disable or enable an account, or move it to another unit. An admin cannot lock themselves
  // out, nor disable the last admin.
  app.patch(
    '/api/users/:name',
    {
      config: ADMIN,
      schema: {
        params: z.object({ name: userNameSchema }),
        body: z.object({ disabled: z.boolean().optional(), unitId: unitIdField.optional() }).strict(),
        response: { 200: z.object({ user: userOut }) },
      },
    },
    async (req) => {
      const me = callerOf(req).user;
      const { disabled, unitId } = req.body;
      const target = await getUserByName(db, req.params.name);
      if (!target) throw new ApiError(404, 'USER_NOT_FOUND', `用户 ${req.params.name} 不存在`);
      if (disabled && target.id === me.id) throw new ApiError(409, 'CANNOT_DISABLE_SELF', '不能停用自己的账号');
      if (disabled && target.role === 'admin' && (await listUsers(db)).filter((u) => u.role === 'admin' && !u.disabled).length <= 1) {
        throw new ApiError(409, 'LAST_ADMIN', '不能停用最后一个管理员账号');
      }
      const toggle = disabled !== undefined && target.disabled !== disabled;
      const move = unitId !== undefined && target.unitId !== unitId;
      if (!toggle && !move) return { user: target };
      const user = await withTransaction(db, async (c) => {
        let u = target;
        if (move) {
          await checkUnit(c, unitId);
          const moved = await setUserUnit(c, target.name, unitId);
          if (!moved) return null;
          await recordAudit(c, { ...auditActor(req), action: 'user.update', entity: 'user', entityId: moved.id, before: u, after: moved });
          u = moved;
        }
        if (toggle) {
          const changed = await setUserDisabled(c, target.name, disabled);
          if (!changed) return null;
          await recordAudit(c, { ...auditActor(req), action: disabled ? 'user.disable' : 'user.enable', entity: 'user', entityId: changed.id, before: u, after: changed });
          u = changed;
        }
        return u;
      });
      if (!user) throw new ApiError(404, 'USER_NOT_FOUND', `用户 ${req.params.name} 不存在`);
      // Every API process forgets the cached user: a disabled one is refused, a moved one is seen in its new unit.
      await app.credentialsChanged(user.id, req.log);
      return { user };
    },
  );

  // Reset a password: a new random one, shown in this response only; the user is signed out everywhere.
  app.post(
    '/api/users/:name/password',
    { config: ADMIN, schema: { params: z.object({ name: userNameSchema }), response: { 200: z.object({ user: userOut, password: z.string() }) } } },
    async (req) => {
      const target = await getUserByName(db, req.params.name);
      if (!target) throw new ApiError(404, 'USER_NOT_FOUND', `用户 ${req.params.name} 不存在`);
      if (target.role === 'ingest') throw new ApiError(409, 'NO_PASSWORD_FOR_ROLE', '数据推送账号只用令牌，没有密码');
      const password = randomPassword();
      const passwordHash = await hashPassword(password);
      const user = await withTransaction(db, async (c) => {
        const u = await setUserPassword(c, target.name, passwordHash);
        // What changed, never the password or its hash.
        if (u) await recordAudit(c, { ...auditActor(req), action: 'user.password_reset', entity: 'user', entityId: u.id, after: { name: u.name, passwordReset: true } });
        return u;
      });
      if (!user) throw new ApiError(404, 'USER_NOT_FOUND', `用户 ${req.params.name} 不存在`);
      await app.credentialsChanged(user.id, req.log);
      return { user, password };
    },
  );

  app.get('/api/tokens', { config: ADMIN, schema: { response: { 200: z.object({ tokens: z.array(tokenOut) }) } } }, async () => ({ tokens: await listApiTokens(db) }));

  app.post(
    '/api/tokens',
    {
      config: ADMIN,
      schema: {
        body: z.object({ user: userNameSchema, name: z.string().trim().max(100).default('') }).strict(),
        response: { 201: z.object({ token: z.string(), record: tokenOut }) },
      },
    },
    async (req, reply) => {
      const user = await getUserByName(db, req.body.user);
      if (!user) throw new ApiError(404, 'USER_NOT_FOUND', `用户 ${req.body.user} 不存在`);
      if (user.disabled) throw new ApiError(409, 'USER_DISABLED', `用户 ${user.name} 已停用`);
      const { token, hash, prefix } = newApiToken();
      const record = await withTransaction(db, async (c) => {
        const r = await insertApiToken(c, { userId: user.id, name: req.body.name, hash, prefix });
        await recordAudit(c, { ...auditActor(req), action: 'token.create', entity: 'token', entityId: r.id, after: r });
        return r;
      });
      return reply.code(201).send({ token, record });
    },
  );

  app.delete('/api/tokens/:id', { config: ADMIN, schema: { params: idParams, response: { 200: z.object({ record: tokenOut }) } } }, async (req) => {
    const record = await withTransaction(db, async (c) => {
      const was = await c.query<{ revoked_at: Date | null }>('SELECT revoked_at FROM api_tokens WHERE id = $1 FOR UPDATE', [req.params.id]);
      const r = await revokeApiToken(c, req.params.id);
      // Revoking a revoked token changes nothing, so records nothing.
      if (r && was.rows[0]?.revoked_at === null) await recordAudit(c, { ...auditActor(req), action: 'token.revoke', entity: 'token', entityId: r.id, before: { ...r, revokedAt: null }, after: r });
      return r;
    });
    if (!record) throw new ApiError(404, 'TOKEN_NOT_FOUND', `令牌 ${req.params.id} 不存在`);
    // Committed: every API process forgets the token now rather than at the end of its cache lifetime.
    await app.credentialsChanged(record.userId, req.log);
    return { record };
  });
};
