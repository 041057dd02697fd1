/**
 * 发送测试消息: an admin sends one test message to a receiver and sees at once what the other side
 * answered — sent and signed like a warning, a vendor's refusal in its own words, an HTTP error, an
 * address the SSRF policy refuses — and each test is audited; nothing enters the delivery log.
 */
import { createHmac } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '@yuqing/api';
import { insertReceiver, type Role } from '@yuqing/db';
import type { FastifyInstance } from 'fastify';
import { startTestServer, type TestServer } from '../../../test/support/misbehaving-server';
import { createTestEnv, type TestEnv } from '../../../test/support/test-env';
import { bearer, callerPerRole, type Caller } from './auth-fixtures';

let t: TestEnv;
let app: FastifyInstance;
let server: TestServer;
let callers: Record<Role, Caller>;
const received: Array<{ path: string; body: string; headers: Record<string, string | string[] | undefined> }> = [];

beforeAll(async () => {
  server = await startTestServer({
    '/hook': (req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString('utf8')));
      req.on('end', () => {
        received.push({ path: '/hook', body, headers: req.headers });
        res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}');
      });
    },
    '/robot/send': (_req, res) => void res.writeHead(200, { 'content-type': 'application/json' }).end('{"errcode":310000,"errmsg":"keywords not in content"}'),
    '/broken': (_req, res) => void res.writeHead(500, { 'content-type': 'text/plain' }).end('internal error'),
  });
  // Loopback allowed for receivers only where a test says so (allowPrivate), never by the allow-list.
  t = await createTestEnv('receivertest', { RECEIVER_ALLOWLIST: '' });
  callers = await callerPerRole(t.db);
  app = buildApp({ cfg: t.cfg, db: t.db, redis: t.redis });
});
afterAll(async () => {
  await app?.close();
  await server?.close();
  await t?.cleanup();
});

const test = (id: number, role: Role = 'admin') => app.inject({ method: 'POST', url: `/api/receivers/${id}/test`, headers: bearer(callers[role].token) });

describe('POST /api/receivers/:id/test', () => {
  it('sends a signed test message and says it arrived', async () => {
    const r = await insertReceiver(t.db, { name: '值班群', kind: 'webhook', url: `${server.url}/hook`, secret: 'test-secret', enabled: true, allowPrivate: true });
    const res = await test(r!.id);
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toMatchObject({ ok: true, httpStatus: 200, error: null });
    expect(received).toHaveLength(1);
    const { body, headers } = received[0]!;
    expect(body).toContain('测试消息');
    const ts = String(headers['x-yuqing-timestamp']);
    expect(headers['x-yuqing-signature']).toBe(`sha256=${createHmac('sha256', 'test-secret').update(`${ts}.${body}`).digest('hex')}`);
    const audit = (await t.db.query(`SELECT actor_name, after FROM audit_log WHERE action = 'receiver.test' AND entity_id = $1`, [String(r!.id)])).rows;
    expect(audit).toHaveLength(1);
    expect(audit[0].after).toMatchObject({ ok: true, httpStatus: 200 });
    expect(JSON.stringify(audit[0].after)).not.toContain('test-secret');
    expect((await t.db.query('SELECT count(*)::int AS n FROM deliveries')).rows[0].n).toBe(0);
  });

  it('shows a vendor’s refusal, an HTTP error and an address the SSRF policy refuses, in Chinese where it is ours', async () => {
    const ding = await insertReceiver(t.db, { name: '钉钉群', kind: 'dingtalk', url: `${server.url}/robot/send?access_token=abc`, secret: null, enabled: true, allowPrivate: true });
    const refused = (await test(ding!.id)).json();
    expect(refused).toMatchObject({ ok: false, httpStatus: 200 });
    expect(refused.error).toContain('errcode=310000');
    expect(refused.error).not.toContain('access_token');

    const broken = await insertReceiver(t.db, { name: '坏的接收端', kind: 'webhook', url: `${server.url}/broken`, secret: null, enabled: true, allowPrivate: true });
    const failed = (await test(broken!.id)).json();
    expect(failed).toMatchObject({ ok: false, httpStatus: 500 });
    expect(failed.error).toContain('HTTP 500');

    const inner = await insertReceiver(t.db, { name: '内网地址', kind: 'webhook', url: `${server.url}/hook`, secret: null, enabled: true, allowPrivate: false });
    const before = received.length;
    const blocked = (await test(inner!.id)).json();
    expect(blocked).toMatchObject({ ok: false, httpStatus: null });
    expect(blocked.error).toContain('SSRF');
    expect(received.length).toBe(before); // nothing reached the server
  });

  it('is for admins only, and answers 404 for a receiver that does not exist', async () => {
    const r = await insertReceiver(t.db, { name: '仅管理员', kind: 'webhook', url: `${server.url}/hook`, secret: null, enabled: true, allowPrivate: true });
    for (const role of ['pr', 'analyst', 'leader', 'ingest'] as const) expect((await test(r!.id, role)).statusCode, role).toBe(403);
    expect((await app.inject({ method: 'POST', url: `/api/receivers/${r!.id}/test` })).statusCode).toBe(401);
    const missing = await test(999999);
    expect(missing.statusCode).toBe(404);
    expect(missing.json().error.message).toContain('不存在');
  });
});
