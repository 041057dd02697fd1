/**
 * Cross-site request forgery (issue 14's hostile-input table): a write made with the session
 * cookie from another site's page is refused, whether the browser says so with Sec-Fetch-Site or
 * only with Origin; so is a cross-site login or logout (login CSRF). The page's own writes
 * (same-origin), bearer-token clients and non-browser clients without those headers go through.
 * And session fixation: a session id planted in the browser before login is never the one used.
 */
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '@yuqing/api';
import { createTestEnv, type TestEnv } from '../../../test/support/test-env';
import { bearer, makeCaller, type Caller } from './auth-fixtures';

let t: TestEnv;
let app: FastifyInstance;
let admin: Caller;
let cookie: Record<string, string>;

const HOST = '127.0.0.1:3000';
/** A write the admin may make: a new incident needs nothing else to exist. */
const write = (headers: Record<string, string>, cookies?: Record<string, string>) =>
  app.inject({ method: 'POST', url: '/api/incidents', headers: { host: HOST, ...headers }, ...(cookies ? { cookies } : {}), payload: { title: `csrf ${Math.random()}`, level: 'blue' } });

beforeAll(async () => {
  t = await createTestEnv('csrf');
  admin = await makeCaller(t.db, 'csrf-admin', 'admin', 'csrf-password-1');
  app = buildApp({ cfg: t.cfg, db: t.db, redis: t.redis });
  await app.ready();
  const login = await app.inject({ method: 'POST', url: '/api/auth/login', headers: { host: HOST }, payload: { name: 'csrf-admin', password: 'csrf-password-1' } });
  expect(login.statusCode).toBe(200);
  cookie = { [t.cfg.AUTH_COOKIE_NAME]: login.cookies.find((c) => c.name === t.cfg.AUTH_COOKIE_NAME)?.value ?? '' };
});
afterAll(async () => {
  await app?.close();
  await t?.cleanup();
});

describe('writes with the session cookie', () => {
  it('are refused from another site (Sec-Fetch-Site or Origin), and nothing is stored', async () => {
    const before = (await t.db.query('SELECT count(*)::int AS n FROM incidents')).rows[0].n;
    const crossSiteHeaders: Array<Record<string, string>> = [{ 'sec-fetch-site': 'cross-site' }, { 'sec-fetch-site': 'same-site' }, { origin: 'http://evil.example' }, { origin: 'null' }];
    for (const headers of crossSiteHeaders) {
      const res = await write(headers, cookie);
      expect(res.statusCode, JSON.stringify(headers)).toBe(403);
      expect(res.json().error).toMatchObject({ code: 'CROSS_SITE_REQUEST', message: expect.stringContaining('其他网站') });
    }
    expect((await t.db.query('SELECT count(*)::int AS n FROM incidents')).rows[0].n).toBe(before);
  });

  it('go through from the page itself, from a client without browser headers, and with a bearer token from anywhere', async () => {
    expect((await write({ 'sec-fetch-site': 'same-origin', origin: `http://${HOST}` }, cookie)).statusCode).toBe(201);
    expect((await write({ origin: `http://${HOST}` }, cookie)).statusCode).toBe(201);
    expect((await write({}, cookie)).statusCode).toBe(201);
    expect((await write({ ...bearer(admin.token), origin: 'http://evil.example', 'sec-fetch-site': 'cross-site' })).statusCode).toBe(201);
  });

  it('reads are not affected (a cross-site GET changes nothing)', async () => {
    const res = await app.inject({ method: 'GET', url: '/api/auth/me', headers: { host: HOST, 'sec-fetch-site': 'cross-site' }, cookies: cookie });
    expect(res.statusCode).toBe(200);
  });
});

describe('login and logout', () => {
  it('a cross-site login or logout is refused (no session set or ended by another site)', async () => {
    const login = await app.inject({ method: 'POST', url: '/api/auth/login', headers: { host: HOST, origin: 'http://evil.example' }, payload: { name: 'csrf-admin', password: 'csrf-password-1' } });
    expect(login.statusCode).toBe(403);
    expect(login.cookies.find((c) => c.name === t.cfg.AUTH_COOKIE_NAME)).toBeUndefined();
    const logout = await app.inject({ method: 'POST', url: '/api/auth/logout', headers: { host: HOST, 'sec-fetch-site': 'cross-site' }, cookies: cookie });
    expect(logout.statusCode).toBe(403);
    expect((await app.inject({ method: 'GET', url: '/api/auth/me', headers: { host: HOST }, cookies: cookie })).statusCode).toBe(200);
  });
});

describe('session fixation', () => {
  it('a session id planted before login is never the session login hands out, and stays invalid', async () => {
    const planted = 'planted-session-secret-0123456789abcdef';
    const login = await app.inject({ method: 'POST', url: '/api/auth/login', headers: { host: HOST }, cookies: { [t.cfg.AUTH_COOKIE_NAME]: planted }, payload: { name: 'csrf-admin', password: 'csrf-password-1' } });
    expect(login.statusCode).toBe(200);
    const issued = login.cookies.find((c) => c.name === t.cfg.AUTH_COOKIE_NAME)?.value;
    expect(issued).toBeTruthy();
    expect(issued).not.toBe(planted);
    expect((await app.inject({ method: 'GET', url: '/api/auth/me', headers: { host: HOST }, cookies: { [t.cfg.AUTH_COOKIE_NAME]: planted } })).statusCode).toBe(401);
    expect((await app.inject({ method: 'GET', url: '/api/auth/me', headers: { host: HOST }, cookies: { [t.cfg.AUTH_COOKIE_NAME]: issued ?? '' } })).statusCode).toBe(200);
  });
});
