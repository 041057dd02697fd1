/** Receivers through the API: CRUD, secrets never shown, validation, the delivery log. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '@yuqing/api';
import { getReceiverForDelivery, insertDelivery, markDeliveryFailed, markDeliverySent } from '@yuqing/db';
import type { FastifyInstance } from 'fastify';
import { createTestEnv, type TestEnv } from '../../../test/support/test-env';
import { bearer, makeCaller, type Caller } from './auth-fixtures';

let t: TestEnv;
let app: FastifyInstance;
let admin: Caller;
const SECRET = 'SECf00dfeedc0ffee-very-secret';
const SECRET2 = 'another-hmac-key-9f8e7d';

beforeAll(async () => {
  t = await createTestEnv('receiversapi');
  admin = await makeCaller(t.db, 'admin1', 'admin');
  app = buildApp({ cfg: t.cfg, db: t.db, redis: t.redis });
  await app.ready();
});
afterAll(async () => {
  await app.close();
  await t.cleanup();
});

const call = (method: 'GET' | 'POST' | 'PATCH' | 'DELETE', url: string, payload?: Record<string, unknown>) =>
  app.inject({ method, url, headers: bearer(admin.token), ...(payload ? { payload } : {}) });

describe('receivers', () => {
  let id: number;

  it('creates a receiver, keeps the secret, never shows it', async () => {
    const res = await call('POST', '/api/receivers', {
      name: '值班钉钉群',
      kind: 'dingtalk',
      url: 'https://oapi.dingtalk.com/robot/send?access_token=abc',
      secret: SECRET,
      allowPrivate: true,
    });
    expect(res.statusCode, res.body).toBe(201);
    expect(res.body).not.toContain(SECRET);
    const body = res.json();
    expect(body.receiver).toMatchObject({ name: '值班钉钉群', kind: 'dingtalk', hasSecret: true, enabled: true, allowPrivate: true });
    expect(body.receiver).not.toHaveProperty('secret');
    expect(body.warnings).toEqual([]);
    id = body.receiver.id;
    expect((await getReceiverForDelivery(t.db, id))?.secret).toBe(SECRET);

    // An internal address is refused when it is saved, not first at delivery; allowed when the admin says so.
    const refused = await call('POST', '/api/receivers', { name: '内网中转', kind: 'webhook', url: 'http://10.0.0.5/hook' });
    expect(refused.statusCode).toBe(400);
    expect(refused.json().error).toMatchObject({ code: 'RECEIVER_ADDRESS_BLOCKED', message: expect.stringContaining('10.0.0.5') });
    const webhook = await call('POST', '/api/receivers', { name: '内网中转', kind: 'webhook', url: 'http://10.0.0.5/hook', allowPrivate: true });
    expect(webhook.statusCode).toBe(201);
    expect(webhook.json().receiver).toMatchObject({ hasSecret: false, allowPrivate: true });
    expect(webhook.json().warnings.join('')).toContain('未设置密钥');

    const listed = await call('GET', '/api/receivers');
    expect(listed.statusCode).toBe(200);
    expect(listed.body).not.toContain(SECRET);
    expect(listed.json().receivers.map((r: { name: string; hasSecret: boolean }) => [r.name, r.hasSecret])).toEqual([
      ['值班钉钉群', true],
      ['内网中转', false],
    ]);
  });

  it('patches a receiver: fields, secret replaced and removed, still never shown', async () => {
    const renamed = await call('PATCH', `/api/receivers/${id}`, { name: '指挥中心钉钉', enabled: false });
    expect(renamed.statusCode, renamed.body).toBe(200);
    expect(renamed.json().receiver).toMatchObject({ id, name: '指挥中心钉钉', enabled: false, hasSecret: true, allowPrivate: true });
    expect(renamed.body).not.toContain(SECRET);

    const rekeyed = await call('PATCH', `/api/receivers/${id}`, { secret: SECRET2 });
    expect(rekeyed.body).not.toContain(SECRET2);
    expect(rekeyed.json().receiver.hasSecret).toBe(true);
    expect((await getReceiverForDelivery(t.db, id))?.secret).toBe(SECRET2);

    const cleared = await call('PATCH', `/api/receivers/${id}`, { secret: null, allowPrivate: false });
    expect(cleared.json().receiver).toMatchObject({ hasSecret: false, allowPrivate: false });
    expect(cleared.json().warnings.join('')).toContain('未设置加签密钥');
    expect((await getReceiverForDelivery(t.db, id))?.secret).toBeNull();

    const empty = await call('PATCH', `/api/receivers/${id}`, {});
    expect(empty.statusCode).toBe(200);
    expect(empty.json().receiver.name).toBe('指挥中心钉钉');
  });

  it('refuses loopback, link-local and private destinations in every spelling, by name too, at creation and on edit', async () => {
    for (const url of [
      'http://127.0.0.1:8080/hook',
      'http://2130706433/hook', // 127.0.0.1 as one decimal number
      'http://0x7f.0.0.1/hook', // hexadecimal
      'http://0177.0.0.1/hook', // octal
      'http://[::ffff:127.0.0.1]/hook', // IPv4-mapped IPv6
      'http://[::1]/hook',
      'http://169.254.169.254/latest/meta-data', // cloud metadata
      'http://192.168.1.20/hook',
      'http://localhost/hook', // a name that resolves to loopback
    ]) {
      const res = await call('POST', '/api/receivers', { name: `ssrf-${url}`, kind: 'webhook', url });
      expect(res.statusCode, url).toBe(400);
      expect(res.json().error.code, url).toBe('RECEIVER_ADDRESS_BLOCKED');
    }
    expect((await call('GET', '/api/receivers')).json().receivers.some((r: { name: string }) => r.name.startsWith('ssrf-'))).toBe(false);
    // On edit: pointing an existing receiver at loopback, or taking away its permission while it points inward.
    const moved = await call('PATCH', `/api/receivers/${id}`, { url: 'http://127.0.0.1/hook' });
    expect(moved.statusCode).toBe(400);
    const relay = (await call('GET', '/api/receivers')).json().receivers.find((r: { name: string }) => r.name === '内网中转');
    const revoked = await call('PATCH', `/api/receivers/${relay.id}`, { allowPrivate: false });
    expect(revoked.statusCode).toBe(400);
    expect(revoked.json().error.code).toBe('RECEIVER_ADDRESS_BLOCKED');
  });

  it('refuses invalid input, duplicate names and unknown receivers', async () => {
    const bad: Array<Record<string, unknown>> = [
      { name: 'x', kind: 'dingtalk', url: 'ftp://example.com/' },
      { name: 'x', kind: 'telegram', url: 'https://example.com/' },
      { name: '', kind: 'webhook', url: 'https://example.com/' },
      { name: 'x', kind: 'webhook', url: 'https://example.com/', secretValue: 'x' },
    ];
    for (const payload of bad) {
      const res = await call('POST', '/api/receivers', payload);
      expect(res.statusCode, JSON.stringify(payload)).toBe(400);
      expect(res.json().error).toMatchObject({ code: 'VALIDATION_FAILED', message: '请求体无效', issues: expect.any(Array) });
    }
    const dup = await call('POST', '/api/receivers', { name: '内网中转', kind: 'webhook', url: 'https://example.com/' });
    expect(dup.statusCode).toBe(409);
    expect(dup.json()).toEqual({ error: { code: 'RECEIVER_EXISTS', message: '接收端「内网中转」已存在' } });
    const dupPatch = await call('PATCH', `/api/receivers/${id}`, { name: '内网中转' });
    expect(dupPatch.statusCode).toBe(409);
    expect((await call('PATCH', `/api/receivers/${id}`, { url: 'javascript:alert(1)' })).statusCode).toBe(400);
    const missing = await call('PATCH', '/api/receivers/999999', { enabled: true });
    expect(missing.statusCode).toBe(404);
    expect(missing.json()).toEqual({ error: { code: 'RECEIVER_NOT_FOUND', message: '接收端 999999 不存在' } });
  });

  it('shows the delivery log newest first, by status, paged', async () => {
    const d1 = (await insertDelivery(t.db, { receiverId: id, dedupKey: 'ev:1', payload: { title: '一' } })).delivery;
    const d2 = (await insertDelivery(t.db, { receiverId: id, dedupKey: 'ev:2', payload: { title: '二' } })).delivery;
    const d3 = (await insertDelivery(t.db, { receiverId: id, dedupKey: 'ev:3', payload: { title: '三' } })).delivery;
    await markDeliverySent(t.db, d1.id, 200);
    await markDeliveryFailed(t.db, d2.id, { dead: true, error: 'HTTP 500', httpStatus: 500 });
    const res = await call('GET', `/api/receivers/${id}/deliveries`);
    expect(res.statusCode, res.body).toBe(200);
    const log = res.json().deliveries;
    expect(log.map((d: { id: number; status: string }) => [d.id, d.status])).toEqual([
      [d3.id, 'pending'],
      [d2.id, 'dead'],
      [d1.id, 'sent'],
    ]);
    expect(log[1]).toMatchObject({ attempts: 1, lastError: 'HTTP 500', lastStatus: 500, receiverName: '指挥中心钉钉', payload: { title: '二' } });
    expect(res.json().nextCursor).toBeNull();
    expect((await call('GET', `/api/receivers/${id}/deliveries?status=dead`)).json().deliveries.map((d: { id: number }) => d.id)).toEqual([d2.id]);
    const page = (await call('GET', `/api/receivers/${id}/deliveries?limit=2`)).json();
    expect(page.nextCursor).toBe(d2.id);
    expect((await call('GET', `/api/receivers/${id}/deliveries?cursor=${page.nextCursor}`)).json().deliveries.map((d: { id: number }) => d.id)).toEqual([d1.id]);
    expect((await call('GET', `/api/receivers/${id}/deliveries?status=lost`)).statusCode).toBe(400);
    expect((await call('GET', '/api/receivers/999999/deliveries')).statusCode).toBe(404);
  });

  it('deletes a receiver and its log', async () => {
    const res = await call('DELETE', `/api/receivers/${id}`);
    expect(res.statusCode).toBe(200);
    expect(res.json().receiver.id).toBe(id);
    expect(res.body).not.toContain(SECRET2);
    expect((await call('DELETE', `/api/receivers/${id}`)).statusCode).toBe(404);
    expect((await call('GET', '/api/receivers')).json().receivers.map((r: { name: string }) => r.name)).toEqual(['内网中转']);
    expect((await t.db.query('SELECT count(*)::int AS n FROM deliveries')).rows[0].n).toBe(0);
  });
});
