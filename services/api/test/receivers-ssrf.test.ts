/**
 * The SSRF address policy on receiver URLs, with NO allowlist: a receiver on loopback is refused
 * before any request is made, unless an admin set allow_private on it. Also the request timeout.
 */
import { getDelivery, insertReceiver, type Delivery } from '@yuqing/db';
import { createAddressPolicy } from '@yuqing/net';
import type { DeliverPayload } from '@yuqing/queue';
import type { Queue } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, status, type TestServer } from '../../../test/support/misbehaving-server';
import { createTestEnv, type TestEnv } from '../../../test/support/test-env';
import { createDeliveryQueue, enqueueNotification, postJson, PostError, startDeliveryWorker, type DeliveryWorker, type NotificationInput } from '../src/receivers';

let t: TestEnv;
let server: TestServer;
let queue: Queue<DeliverPayload>;
let worker: DeliveryWorker;

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
});
afterAll(async () => {
  await worker?.close();
  await queue?.close();
  await server?.close();
  await t?.cleanup();
});

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
