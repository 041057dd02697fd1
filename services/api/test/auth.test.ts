/** Tokens, sessions, login limits, validation and the error shape, against real PostgreSQL and Redis. */
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '@yuqing/api';
import { setUserDisabled } from '@yuqing/db';
import type { FastifyInstance } from 'fastify';
import { pino } from 'pino';
import { createLogger } from '@yuqing/config';
import { createTestEnv, type TestEnv } from '../../../test/support/test-env';
import { bearer, makeCaller, type Caller } from './auth-fixtures';

let t: TestEnv;
let app: FastifyInstance;
let admin: Caller;
const logLines: string[] = [];
const PASSWORD = '正确的密码-correct horse';

/** Logs in and returns the response and the session cookie (name=value). */
async function login(name: string, password: string, remoteAddress = '10.0.0.1') {
  const res = await app.inject({ method: 'POST', url: '/api/auth/login', payload: { name, password }, remoteAddress });
  const cookie = res.cookies.find((c) => c.name === t.cfg.AUTH_COOKIE_NAME);
  return { res, cookie: cookie ? `${cookie.name}=${cookie.value}` : undefined };
}

beforeAll(async () => {
  t = await createTestEnv('apiauth');
  admin = await makeCaller(t.db, 'admin1', 'admin', PASSWORD);
  // A real pino logger at the most verbose level, captured: secrets must not appear in it.
  const sink = new Writable({ write: (c: Buffer, _e, cb) => (logLines.push(c.toString('utf8')), cb()) });
  const logger = pino({ level: 'trace' }, sink);
  app = buildApp({ cfg: t.cfg, db: t.db, redis: t.redis }, { logger });
  app.get('/boom', { config: { roles: ['admin'] } }, async () => {
    throw new Error('relation "secret_table" does not exist at /srv/yuqing/db.ts:42');
  });
  await app.ready();
});
afterAll(async () => {
  await app.close();
  await t.cleanup();
});

describe('API tokens', () => {
  it('authenticate, record last use, and stop working the moment they are revoked', async () => {
    const c = await makeCaller(t.db, 'analyst1', 'analyst');
    const me = await app.inject({ url: '/api/auth/me', headers: bearer(c.token) });
    expect(me.statusCode).toBe(200);
    expect(me.json()).toMatchObject({ user: { name: 'analyst1', role: 'analyst' }, via: 'token' });
    const { rows } = await t.db.query<{ last_used_at: Date | null }>('SELECT last_used_at FROM api_tokens WHERE id = $1', [c.tokenId]);
    expect(rows[0]?.last_used_at).toBeInstanceOf(Date);

    const revoked = await app.inject({ method: 'DELETE', url: `/api/tokens/${c.tokenId}`, headers: bearer(admin.token) });
    expect(revoked.statusCode).toBe(200);
    expect(revoked.json().record.revokedAt).toEqual(expect.any(String));
    const after = await app.inject({ url: '/api/auth/me', headers: bearer(c.token) });
    expect(after.statusCode).toBe(401);
    expect(after.headers['www-authenticate']).toBe('Bearer');
  });

  it('are refused for a disabled user, and so is the user’s login and session', async () => {
    const c = await makeCaller(t.db, 'pr-disabled', 'pr', PASSWORD);
    const { cookie } = await login('pr-disabled', PASSWORD);
    expect(cookie).toBeDefined();
    expect((await app.inject({ url: '/api/auth/me', headers: bearer(c.token) })).statusCode).toBe(200);
    await setUserDisabled(t.db, 'pr-disabled', true);
    // What `yuqing users disable` does after its commit: this process remembered the token (auth-cache.ts).
    await app.credentialsChanged(c.user.id, app.log);
    expect((await app.inject({ url: '/api/auth/me', headers: bearer(c.token) })).statusCode).toBe(401);
    expect((await app.inject({ url: '/api/auth/me', headers: { cookie: cookie! } })).statusCode).toBe(401);
    expect((await login('pr-disabled', PASSWORD, '10.0.0.9')).res.statusCode).toBe(401);
  });

  it('malformed or unknown credentials are 401, and a bad bearer header does not fall back to the cookie', async () => {
    for (const authorization of ['Bearer', 'Basic YWRtaW46eA==', 'Bearer yq_unknown', `Bearer ${'x'.repeat(5000)}`]) {
      const res = await app.inject({ url: '/api/users', headers: { authorization } });
      expect(res.statusCode, authorization.slice(0, 20)).toBe(401);
    }
    const { cookie } = await login('admin1', PASSWORD);
    const res = await app.inject({ url: '/api/users', headers: { cookie: cookie!, authorization: 'Bearer yq_wrong' } });
    expect(res.statusCode).toBe(401);
  });

  it('are shown once: POST /api/tokens returns the token, nothing else ever does', async () => {
    const created = await app.inject({ method: 'POST', url: '/api/tokens', headers: bearer(admin.token), payload: { user: 'admin1', name: '采集器' } });
    expect(created.statusCode).toBe(201);
    const { token, record } = created.json() as { token: string; record: { prefix: string; name: string } };
    expect(token).toMatch(/^yq_[A-Za-z0-9_-]{43}$/);
    expect(token.startsWith(record.prefix)).toBe(true);
    expect(record).not.toHaveProperty('tokenHash');
    expect((await app.inject({ url: '/api/auth/me', headers: bearer(token) })).statusCode).toBe(200);
    const { rows } = await t.db.query<{ token_hash: string }>('SELECT token_hash FROM api_tokens WHERE prefix = $1', [record.prefix]);
    expect(rows[0]?.token_hash).toMatch(/^[0-9a-f]{64}$/);
    expect(rows[0]?.token_hash).not.toContain(token);
    const users = await app.inject({ url: '/api/users', headers: bearer(admin.token) });
    expect(users.body).not.toMatch(/scrypt|password_hash|passwordHash/);
    expect(users.json().users[0]).toEqual(expect.objectContaining({ name: 'admin1', hasPassword: true }));
  });
});

describe('login sessions', () => {
  it('login sets an HttpOnly SameSite=Strict cookie that authenticates; logout ends the session', async () => {
    const { res, cookie } = await login('admin1', PASSWORD);
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ user: { name: 'admin1', role: 'admin' } });
    expect(res.body).not.toContain(PASSWORD);
    const setCookie = String(res.headers['set-cookie']);
    expect(setCookie).toMatch(/HttpOnly/);
    expect(setCookie).toMatch(/SameSite=Strict/);
    expect(setCookie).toMatch(/Path=\//);
    expect(setCookie).toMatch(/Expires=/);
    expect(setCookie).not.toMatch(/Secure/); // AUTH_COOKIE_SECURE defaults to false (plain-HTTP intranets)

    const me = await app.inject({ url: '/api/auth/me', headers: { cookie: cookie! } });
    expect(me.statusCode).toBe(200);
    expect(me.json()).toMatchObject({ user: { name: 'admin1' }, via: 'session' });
    expect((await app.inject({ url: '/api/users', headers: { cookie: cookie! } })).statusCode).toBe(200);
    // The database holds the hash of the cookie's secret, not the secret.
    const secret = cookie!.split('=')[1]!;
    const { rows } = await t.db.query<{ n: number }>('SELECT count(*)::int AS n FROM sessions WHERE id = $1', [secret]);
    expect(rows[0]?.n).toBe(0);

    const out = await app.inject({ method: 'POST', url: '/api/auth/logout', headers: { cookie: cookie! } });
    expect(out.statusCode).toBe(204);
    expect(String(out.headers['set-cookie'])).toMatch(new RegExp(`${t.cfg.AUTH_COOKIE_NAME}=;`));
    expect((await app.inject({ url: '/api/auth/me', headers: { cookie: cookie! } })).statusCode).toBe(401);
    // Logging out again (or without a session) is harmless.
    expect((await app.inject({ method: 'POST', url: '/api/auth/logout' })).statusCode).toBe(204);
  });

  it('an expired session is refused', async () => {
    const { cookie } = await login('admin1', PASSWORD, '10.0.0.2');
    await t.db.query(`UPDATE sessions SET expires_at = now() - interval '1 second'`);
    const res = await app.inject({ url: '/api/auth/me', headers: { cookie: cookie! } });
    expect(res.statusCode).toBe(401);
  });

  it('marks the cookie Secure and uses the configured lifetime when told to', async () => {
    const secureApp = buildApp({ cfg: { ...t.cfg, AUTH_COOKIE_SECURE: true, AUTH_SESSION_TTL_MS: 3_600_000 }, db: t.db, redis: t.redis });
    const res = await secureApp.inject({ method: 'POST', url: '/api/auth/login', payload: { name: 'admin1', password: PASSWORD }, remoteAddress: '10.0.0.3' });
    await secureApp.close();
    expect(res.statusCode).toBe(200);
    expect(String(res.headers['set-cookie'])).toMatch(/; Secure/);
    const expires = res.cookies[0]?.expires;
    expect(expires).toBeInstanceOf(Date);
    expect(Math.abs(expires!.getTime() - Date.now() - 3_600_000)).toBeLessThan(60_000);
  });

  it('a wrong password and an unknown name get the same 401', async () => {
    const wrong = await login('admin1', 'not the password', '10.0.0.4');
    const unknown = await login('nobody-here', 'not the password', '10.0.0.4');
    expect(wrong.res.statusCode).toBe(401);
    expect(unknown.res.statusCode).toBe(401);
    expect(wrong.res.json()).toEqual(unknown.res.json());
    expect(wrong.cookie).toBeUndefined();
  });

  it('rate-limits failed logins per name and address: the 6th attempt in the window is 429, even with the right password', async () => {
    await makeCaller(t.db, 'leader1', 'leader', PASSWORD);
    for (let i = 0; i < 5; i++) expect((await login('leader1', `wrong-${i}`, '10.9.9.9')).res.statusCode).toBe(401);
    const limited = await login('leader1', PASSWORD, '10.9.9.9');
    expect(limited.res.statusCode).toBe(429);
    expect(limited.res.json().error.code).toBe('TOO_MANY_ATTEMPTS');
    expect(Number(limited.res.headers['retry-after'])).toBeGreaterThan(800);
    expect(limited.cookie).toBeUndefined();
    // Another address is not locked out by this one's guesses.
    expect((await login('leader1', PASSWORD, '10.9.9.10')).res.statusCode).toBe(200);
  });

  it('a successful login clears earlier failures', async () => {
    for (let i = 0; i < 4; i++) await login('admin1', 'wrong', '10.8.8.8');
    expect((await login('admin1', PASSWORD, '10.8.8.8')).res.statusCode).toBe(200);
    for (let i = 0; i < 5; i++) expect((await login('admin1', 'wrong', '10.8.8.8')).res.statusCode).toBe(401);
    expect((await login('admin1', PASSWORD, '10.8.8.8')).res.statusCode).toBe(429);
  });
});

describe('validation and errors', () => {
  it('a bad body is 400 with every problem listed', async () => {
    const res = await app.inject({ method: 'POST', url: '/api/users', headers: bearer(admin.token), payload: { name: 'a b', role: 'chief', extra: 1 } });
    expect(res.statusCode).toBe(400);
    const body = res.json() as { error: { code: string; message: string; issues: Array<{ path: string; message: string }> } };
    expect(body.error.code).toBe('VALIDATION_FAILED');
    expect(body.error.message).toEqual(expect.any(String));
    const paths = body.error.issues.map((i) => i.path);
    expect(paths).toEqual(expect.arrayContaining(['/name', '/role']));
    expect(body.error.issues.some((i) => /extra/.test(i.message))).toBe(true);
  });

  it('bad path parameters, login bodies and JSON are 400 in the same shape', async () => {
    const badId = await app.inject({ method: 'DELETE', url: '/api/tokens/abc', headers: bearer(admin.token) });
    expect(badId.statusCode).toBe(400);
    expect(badId.json().error.issues[0].path).toBe('/id');
    const badLogin = await app.inject({ method: 'POST', url: '/api/auth/login', payload: { name: 'admin1' } });
    expect(badLogin.statusCode).toBe(400);
    expect(badLogin.json().error.code).toBe('VALIDATION_FAILED');
    const badJson = await app.inject({ method: 'POST', url: '/api/users', headers: { ...bearer(admin.token), 'content-type': 'application/json' }, payload: '{"name":' });
    expect(badJson.statusCode).toBe(400);
    expect(badJson.json()).toEqual({ error: { code: expect.any(String), message: expect.any(String) } });
  });

  it('an anonymous caller gets 401 before the body is validated', async () => {
    const res = await app.inject({ method: 'POST', url: '/api/users', payload: { nonsense: true } });
    expect(res.statusCode).toBe(401);
  });

  it('conflicts and missing things are 409/404 with a code', async () => {
    const dup = await app.inject({ method: 'POST', url: '/api/users', headers: bearer(admin.token), payload: { name: 'admin1', role: 'pr' } });
    expect(dup.statusCode).toBe(409);
    expect(dup.json().error.code).toBe('USER_EXISTS');
    const noUser = await app.inject({ method: 'POST', url: '/api/tokens', headers: bearer(admin.token), payload: { user: 'ghost' } });
    expect(noUser.statusCode).toBe(404);
    const noToken = await app.inject({ method: 'DELETE', url: '/api/tokens/999999', headers: bearer(admin.token) });
    expect(noToken.statusCode).toBe(404);
    expect((await app.inject({ url: '/no/such/route' })).json()).toEqual({ error: { code: 'NOT_FOUND', message: expect.any(String) } });
  });

  it('a server error is 500 with a generic message; the details go to the log only', async () => {
    const res = await app.inject({ url: '/boom', headers: bearer(admin.token) });
    expect(res.statusCode).toBe(500);
    expect(res.json()).toEqual({ error: { code: 'INTERNAL', message: '服务器内部错误' } });
    expect(res.body).not.toContain('secret_table');
    expect(logLines.join('')).toContain('secret_table');
  });

  it('POST /api/users without a password returns a generated one once; ingest users get none', async () => {
    const res = await app.inject({ method: 'POST', url: '/api/users', headers: bearer(admin.token), payload: { name: 'duty-officer', role: 'pr', displayName: '值班员' } });
    expect(res.statusCode).toBe(201);
    const { user, password } = res.json() as { user: { displayName: string }; password: string };
    expect(user.displayName).toBe('值班员');
    expect((await login('duty-officer', password, '10.0.0.5')).res.statusCode).toBe(200);
    const ingest = await app.inject({ method: 'POST', url: '/api/users', headers: bearer(admin.token), payload: { name: 'crawler-b', role: 'ingest' } });
    expect(ingest.json()).not.toHaveProperty('password');
    expect(ingest.json().user.hasPassword).toBe(false);
  });

  it('non-admins read sources without their request headers (they may hold a site’s credentials)', async () => {
    await t.db.query(`INSERT INTO sources (name, kind, url, headers) VALUES ('内网', 'rss', 'http://127.0.0.1:9/f.xml', '{"Cookie": "sid=secret"}')`);
    const pr = await makeCaller(t.db, 'pr-reader', 'pr');
    const asPr = await app.inject({ url: '/api/sources', headers: bearer(pr.token) });
    expect(asPr.json().sources[0]).toMatchObject({ name: '内网' });
    expect(asPr.body).not.toContain('sid=secret');
    const asAdmin = await app.inject({ url: '/api/sources', headers: bearer(admin.token) });
    expect(asAdmin.json().sources[0].headers).toEqual({ Cookie: 'sid=secret' });
  });

  it('no password or token reached the log', () => {
    const text = logLines.join('');
    expect(text.length).toBeGreaterThan(0);
    expect(text).not.toContain(PASSWORD);
    expect(text).not.toContain(admin.token);
  });
});

describe('startup', () => {
  it('refuses a route that declares no roles, or unknown roles; public routes need saying so', async () => {
    const a = buildApp({ cfg: t.cfg, db: t.db, redis: t.redis });
    a.register(async (scope) => {
      scope.get('/forgotten', async () => 'open to all?');
    });
    await expect(a.ready()).rejects.toThrow(/GET \/forgotten declares no roles/);
    await a.close().catch(() => undefined);

    const b = buildApp({ cfg: t.cfg, db: t.db, redis: t.redis });
    b.register(async (scope) => {
      scope.get('/typo', { config: { roles: ['admni' as 'admin'] } }, async () => 'x');
    });
    await expect(b.ready()).rejects.toThrow(/unknown roles: admni/);
    await b.close().catch(() => undefined);

    const c = buildApp({ cfg: t.cfg, db: t.db, redis: t.redis });
    c.get('/open', { config: { public: true } }, async () => ({ ok: true }));
    expect((await c.inject('/open')).statusCode).toBe(200);
    await c.close();
  });

  it('the service logger redacts credentials even if a request is logged whole', () => {
    const lines: string[] = [];
    const log = createLogger('t', 'info', new Writable({ write: (c: Buffer, _e, cb) => (lines.push(String(c)), cb()) }));
    log.info({ req: { headers: { authorization: 'Bearer yq_leak', cookie: 'yuqing_session=leak' } }, body: { password: 'leak-pw', token: 'yq_leak2' } }, 'x');
    expect(lines.join('')).not.toMatch(/leak/);
    expect(lines.join('')).toContain('[redacted]');
  });
});
