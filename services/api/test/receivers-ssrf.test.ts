/**
 * The SSRF address policy on receiver URLs, with NO allowlist: a receiver on loopback is refused
 * before any request is made, unless an admin set allow_private on it. Also the request timeout.
 *
 * Every inward spelling (packages/net/test/inward.ts: loopback, private, link-local, metadata, in
 * decimal/octal/hex/IPv4-mapped forms, localhost names, this machine's name and LAN addresses) is
 * refused when a receiver is saved or edited, and — for a receiver stored before (or behind) that
 * check — at connect time, by the delivery worker and by the test message; a redirect to one is
 * never followed, even for a receiver allowed to reach private addresses. A victim server listening
 * on every address of this machine counts what reaches it: nothing.
 */
import { buildApp } from '@yuqing/api';
import { getDelivery, insertReceiver, type Delivery } from '@yuqing/db';
import { createAddressPolicy } from '@yuqing/net';
import type { DeliverPayload } from '@yuqing/queue';
import type { Queue } from 'bullmq';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ALL_FORMS, redirectTo, startCountingServer, startVictim, type CountingServer } from '../../../packages/net/test/inward';
import { startTestServer, status, type TestServer } from '../../../test/support/misbehaving-server';
import { createTestEnv, type TestEnv } from '../../../test/support/test-env';
import { createDeliveryQueue, enqueueNotification, postJson, PostError, startDeliveryWorker, type DeliveryWorker, type NotificationInput } from '../src/receivers';
import { bearer, makeCaller, type Caller } from './auth-fixtures';

let t: TestEnv;
let server: TestServer;
let queue: Queue<DeliverPayload>;
let worker: DeliveryWorker;
let victim: CountingServer;
let entry: CountingServer;
let app: FastifyInstance;
let admin: Caller;

const NOTE: NotificationInput = { title: '测试预警', level: 'yellow', heat: 12, at: '2024-06-01T02:00:00Z', kind: 'firing' };

async function settled(id: number): Promise<Delivery> {
  const until = Date.now() + 15_000;
  for (;;) {
    const d = await getDelivery(t.db, id);
    if (d && (d.status === 'sent' || d.status === 'dead')) return d;
    if (Date.now() > until) throw new Error(`delivery ${id} still ${d?.status}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

beforeAll(async () => {
  // RECEIVER_ALLOWLIST deliberately empty (the crawler's FETCH_ALLOWLIST does not apply to receivers).
  t = await createTestEnv('receiversssrf', { RECEIVER_ALLOWLIST: '', DELIVERY_MAX_ATTEMPTS: '3', DELIVERY_BACKOFF_MS: '20', DELIVERY_RECONCILE_MS: '0' });
  server = await startTestServer({
    '/hook': status(200, 'ok'),
    '/silent': () => undefined, // never answers
  });
  queue = createDeliveryQueue(t.cfg, t.redis);
  worker = await startDeliveryWorker(t.cfg, { db: t.db });
  victim = await startVictim();
  entry = await startCountingServer('127.0.0.3', (_req, res) => {
    res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
  });
  admin = await makeCaller(t.db, 'ssrf-admin', 'admin');
  app = buildApp({ cfg: t.cfg, db: t.db, redis: t.redis });
  await app.ready();
});
afterAll(async () => {
  await app?.close();
  await worker?.close();
  await queue?.close();
  await server?.close();
  await victim?.close();
  await entry?.close();
  await t?.cleanup();
});

const victimUrl = (host: string, path: string): string => `http://${host}:${victim.port}${path}`;
const api = (method: 'POST' | 'PATCH', url: string, payload?: Record<string, unknown>) =>
  app.inject({ method, url, headers: bearer(admin.token), ...(payload ? { payload } : {}) });

describe('receiver address policy', () => {
  it('refuses a receiver on 127.0.0.1 without allowlisting: no request reaches the server, the delivery is dead', async () => {
    const r = await insertReceiver(t.db, { name: 'loopback', kind: 'webhook', url: `${server.url}/hook`, secret: 's' });
    const { delivery } = await enqueueNotification({ db: t.db, queue }, r!.id, NOTE, 'loopback-1');
    const done = await settled(delivery.id);
    expect(done).toMatchObject({ status: 'dead', attempts: 1, lastStatus: null });
    expect(done.lastError).toContain('SSRF');
    expect(done.lastError).toContain('127.0.0.1');
    expect(done.lastError).toContain('allow_private');
    expect(server.hits.get('/hook') ?? 0).toBe(0);
  });

  it('refuses a host name that resolves to loopback (checked at connect time)', async () => {
    const r = await insertReceiver(t.db, { name: 'localhost-name', kind: 'dingtalk', url: `http://localhost:${server.port}/hook?access_token=x` });
    const { delivery } = await enqueueNotification({ db: t.db, queue }, r!.id, NOTE, 'localhost-1');
    const done = await settled(delivery.id);
    expect(done.status).toBe('dead');
    expect(done.lastError).toContain('SSRF');
    expect(server.hits.get('/hook') ?? 0).toBe(0);
  });

  it('delivers to a loopback receiver an admin allowlisted with allow_private', async () => {
    const r = await insertReceiver(t.db, { name: 'intranet-relay', kind: 'webhook', url: `${server.url}/hook`, allowPrivate: true });
    const { delivery } = await enqueueNotification({ db: t.db, queue }, r!.id, NOTE, 'relay-1');
    expect(await settled(delivery.id)).toMatchObject({ status: 'sent', lastStatus: 200 });
    expect(server.hits.get('/hook')).toBe(1);
  });
});

describe('postJson', () => {
  it('gives up after the total timeout on a server that never answers', async () => {
    const policy = createAddressPolicy(['127.0.0.1']);
    const started = Date.now();
    const err = await postJson(`${server.url}/silent`, {}, '{}', { policy, connectTimeoutMs: 1000, totalTimeoutMs: 300 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PostError);
    expect((err as PostError).code).toBe('timeout');
    expect((err as PostError).retryable).toBe(true);
    expect(Date.now() - started).toBeLessThan(2000);
  });

  it('refuses link-local and private literals without connecting', async () => {
    const policy = createAddressPolicy([]);
    for (const url of ['http://169.254.169.254/latest/meta-data/', 'http://10.0.0.1/', 'http://[::1]:9/']) {
      const err = await postJson(url, {}, '{}', { policy, connectTimeoutMs: 500, totalTimeoutMs: 500 }).catch((e: unknown) => e);
      expect((err as PostError).code, url).toBe('blocked_address');
    }
  });
});

describe('every inward spelling, at creation, on edit and at connect', () => {
  let publicId: number;
  beforeAll(async () => {
    // A receiver on a public name (not resolvable here: saved with a warning) to point elsewhere on edit.
    const res = await api('POST', '/api/receivers', { name: '公网机器人', kind: 'webhook', url: 'https://hooks.example.cn/robot' });
    expect(res.statusCode, res.body).toBe(201);
    publicId = res.json().receiver.id;
  });

  it.each(ALL_FORMS)('$host ($label)', async ({ id, host }) => {
    const before = victim.requests.length;

    // Saved: refused at once, nothing stored.
    const created = await api('POST', '/api/receivers', { name: `inward-${id}`, kind: 'webhook', url: victimUrl(host, `/create/${id}`) });
    expect(created.statusCode, created.body).toBe(400);
    expect(created.json().error).toEqual({ code: 'RECEIVER_ADDRESS_BLOCKED', message: expect.stringMatching(/^接收端地址 .+ 指向本机或内网地址（.+），已拒绝；/) });
    expect((await t.db.query('SELECT 1 FROM receivers WHERE name = $1', [`inward-${id}`])).rowCount).toBe(0);

    // Edited: a public receiver pointed here is refused, and keeps its URL.
    const edited = await api('PATCH', `/api/receivers/${publicId}`, { url: victimUrl(host, `/edit/${id}`) });
    expect(edited.statusCode, edited.body).toBe(400);
    expect(edited.json().error.code).toBe('RECEIVER_ADDRESS_BLOCKED');
    expect((await t.db.query<{ url: string }>('SELECT url FROM receivers WHERE id = $1', [publicId])).rows[0]?.url).toBe('https://hooks.example.cn/robot');

    // Stored anyway (before the check existed, or by the database): refused at connect, by the worker...
    const stored = await insertReceiver(t.db, { name: `stored-${id}`, kind: 'webhook', url: victimUrl(host, `/connect/${id}`) });
    const { delivery } = await enqueueNotification({ db: t.db, queue }, stored!.id, NOTE, `inward-${id}`);
    const done = await settled(delivery.id);
    // Dead after ONE attempt with no HTTP status: refused before connecting, not a connection that failed and was retried.
    expect(done).toMatchObject({ status: 'dead', attempts: 1, lastStatus: null });
    expect(done.lastError).toContain('SSRF');

    // ...and by the test message.
    const test = await api('POST', `/api/receivers/${stored!.id}/test`);
    expect(test.statusCode, test.body).toBe(200);
    expect(test.json()).toMatchObject({ ok: false, httpStatus: null, error: expect.stringContaining('SSRF') });

    expect(victim.requests.slice(before)).toEqual([]);
  });
});

describe('a receiver that redirects inward', () => {
  it.each(ALL_FORMS)('postJson to an allowed server answering 307 to $host ($label): the answer is the redirect, not followed', async ({ id, host }) => {
    const before = victim.requests.length;
    entry.routes.set(`/hook/${id}`, redirectTo(307, victimUrl(host, `/redirected/${id}`)));
    const policy = createAddressPolicy(['127.0.0.3']);
    const res = await postJson(`http://127.0.0.3:${entry.port}/hook/${id}`, {}, '{}', { policy, connectTimeoutMs: 1000, totalTimeoutMs: 3000 });
    expect(res.status).toBe(307);
    expect(entry.requests.filter((r) => r.path === `/hook/${id}`)).toHaveLength(1);
    expect(victim.requests.slice(before)).toEqual([]);
  });

  it.each([301, 302, 303, 307, 308])('a receiver allowed private addresses, answering %i to localhost: dead, not followed', async (code) => {
    const before = victim.requests.length;
    entry.routes.set(`/relay/${code}`, redirectTo(code, victimUrl('localhost', `/relayed/${code}`)));
    const r = await insertReceiver(t.db, { name: `relay-${code}`, kind: 'webhook', url: `http://127.0.0.3:${entry.port}/relay/${code}`, allowPrivate: true });
    const { delivery } = await enqueueNotification({ db: t.db, queue }, r!.id, NOTE, `relay-${code}`);
    const done = await settled(delivery.id);
    expect(done).toMatchObject({ status: 'dead', attempts: 1, lastStatus: code });
    expect(done.lastError).toContain('不跟随重定向');
    expect(entry.requests.filter((q) => q.path === `/relay/${code}`)).toHaveLength(1);
    expect(victim.requests.slice(before)).toEqual([]);
  });

  it('control: the victim does answer a receiver allowed private addresses that names it directly', async () => {
    const r = await insertReceiver(t.db, { name: 'victim-direct', kind: 'webhook', url: victimUrl('127.0.0.2', '/direct'), allowPrivate: true });
    const { delivery } = await enqueueNotification({ db: t.db, queue }, r!.id, NOTE, 'victim-direct');
    expect(await settled(delivery.id)).toMatchObject({ status: 'sent', lastStatus: 200 });
    expect(victim.requests.filter((q) => q.path === '/direct')).toHaveLength(1);
  });
});
