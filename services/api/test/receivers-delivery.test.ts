/**
 * Delivery through the real deliver queue: real PostgreSQL and Redis, the real worker, and a
 * real local HTTP server standing in for the vendors. 127.0.0.1 is allowlisted explicitly.
 */
import { createHmac } from 'node:crypto';
import type http from 'node:http';
import { getDelivery, insertDelivery, insertReceiver, listDeliveries, updateReceiver, type Delivery, type NewReceiver, type Receiver } from '@yuqing/db';
import type { DeliverPayload } from '@yuqing/queue';
import type { Queue } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type Handler, type TestServer } from '../../../test/support/misbehaving-server';
import { createTestEnv, type TestEnv } from '../../../test/support/test-env';
import { createDeliveryQueue, enqueueNotification, notificationSchema, requeueStaleDeliveries, startDeliveryWorker, UnknownReceiverError, type DeliveryWorker, type NotificationInput } from '../src/receivers';

const MAX_ATTEMPTS = 3;
let t: TestEnv;
let server: TestServer;
let queue: Queue<DeliverPayload>;
let worker: DeliveryWorker;
/** Requests as received: path, raw query, headers, raw body. */
const received: Array<{ path: string; query: string; headers: http.IncomingHttpHeaders; body: string }> = [];
/** Per-path answers, in order; the last one repeats. */
const script = new Map<string, Array<{ status: number; body: string }>>();

const recording: Handler = async (req, res) => {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  const u = new URL(req.url ?? '/', 'http://x');
  received.push({ path: u.pathname, query: u.search, headers: req.headers, body: Buffer.concat(chunks).toString('utf8') });
  const answers = script.get(u.pathname) ?? [{ status: 200, body: '{}' }];
  const answer = answers.length > 1 ? answers.shift()! : answers[0]!;
  res.writeHead(answer.status, { 'content-type': 'application/json; charset=utf-8' }).end(answer.body);
};

const NOTE: NotificationInput = {
  title: '某县交警执法争议视频持续发酵',
  level: 'orange',
  summary: '多个平台出现相关转发，负面评论占比上升。',
  heat: 63.2,
  trend: 'up',
  link: 'https://yuqing.example.gov.cn/topics/7',
  at: '2024-06-01T02:00:00Z',
  kind: 'escalated',
};

async function receiver(name: string, r: Omit<NewReceiver, 'name'>): Promise<Receiver> {
  const made = await insertReceiver(t.db, { name, ...r });
  if (!made) throw new Error(`receiver ${name} exists`);
  return made;
}

/** Waits until the delivery is sent or dead. */
async function settled(id: number, timeoutMs = 15_000): Promise<Delivery> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const d = await getDelivery(t.db, id);
    if (d && (d.status === 'sent' || d.status === 'dead')) return d;
    if (Date.now() > until) throw new Error(`delivery ${id} still ${d?.status} after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

const hitsOf = (path: string) => received.filter((r) => r.path === path);

beforeAll(async () => {
  t = await createTestEnv('receiversdlv', {
    RECEIVER_ALLOWLIST: '127.0.0.1',
    DELIVERY_MAX_ATTEMPTS: String(MAX_ATTEMPTS),
    DELIVERY_BACKOFF_MS: '20',
    DELIVERY_TIMEOUT_MS: '5000',
    DELIVERY_RECONCILE_MS: '0',
  });
  server = await startTestServer(
    Object.fromEntries(['/ding-ok', '/ding-flaky', '/ding-310000', '/feishu', '/hook', '/hook-400', '/hook-dedup', '/wecom', '/hook-disabled', '/hook-lost'].map((p) => [p, recording])),
  );
  queue = createDeliveryQueue(t.cfg, t.redis);
  worker = await startDeliveryWorker(t.cfg, { db: t.db });
});
afterAll(async () => {
  await worker?.close();
  await queue?.close();
  await server?.close();
  await t?.cleanup();
});

describe('delivery', () => {
  it('sends a signed DingTalk markdown message and marks the delivery sent', async () => {
    const secret = 'SEC0123456789abcdef';
    const r = await receiver('钉钉值班群', { kind: 'dingtalk', url: `${server.url}/ding-ok?access_token=tok1`, secret });
    script.set('/ding-ok', [{ status: 200, body: '{"errcode":0,"errmsg":"ok"}' }]);
    const { delivery, created, queued } = await enqueueNotification({ db: t.db, queue }, r.id, NOTE, 'ding-ok-1');
    expect({ created, queued, status: delivery.status }).toEqual({ created: true, queued: true, status: 'pending' });
    const done = await settled(delivery.id);
    expect(done).toMatchObject({ status: 'sent', attempts: 1, lastStatus: 200, lastError: null });
    expect(done.sentAt).toBeInstanceOf(Date);

    const [req] = hitsOf('/ding-ok');
    const q = new URLSearchParams(req!.query);
    expect(q.get('access_token')).toBe('tok1');
    const ts = q.get('timestamp')!;
    expect(Math.abs(Number(ts) - Date.now())).toBeLessThan(60_000);
    expect(q.get('sign')).toBe(createHmac('sha256', secret).update(`${ts}\n${secret}`).digest('base64'));
    const body = JSON.parse(req!.body);
    expect(body.msgtype).toBe('markdown');
    expect(body.markdown.title).toBe('【橙色预警】预警升级：某县交警执法争议视频持续发酵');
    expect(body.markdown.text).toContain('**时间**：2024-06-01 10:00:00（北京时间）');
  });

  it('retries a 500 and marks the delivery sent after the retry', async () => {
    const r = await receiver('钉钉-偶发故障', { kind: 'dingtalk', url: `${server.url}/ding-flaky?access_token=tok2`, secret: 'SECflaky' });
    script.set('/ding-flaky', [
      { status: 500, body: 'upstream error' },
      { status: 200, body: '{"errcode":0,"errmsg":"ok"}' },
    ]);
    const { delivery } = await enqueueNotification({ db: t.db, queue }, r.id, NOTE, 'ding-flaky-1');
    const done = await settled(delivery.id);
    expect(done).toMatchObject({ status: 'sent', attempts: 2, lastStatus: 200, lastError: null });
    const hits = hitsOf('/ding-flaky');
    expect(hits).toHaveLength(2);
    // Each attempt is signed afresh with its own timestamp.
    for (const h of hits) {
      const q = new URLSearchParams(h.query);
      expect(q.get('sign')).toBe(createHmac('sha256', 'SECflaky').update(`${q.get('timestamp')}\nSECflaky`).digest('base64'));
    }
  });

  it(`treats a vendor errcode 310000 as a failure: retried, then dead after ${MAX_ATTEMPTS} attempts, and kept`, async () => {
    const r = await receiver('钉钉-关键词不符', { kind: 'dingtalk', url: `${server.url}/ding-310000?access_token=tok3`, secret: 'SECx' });
    script.set('/ding-310000', [{ status: 200, body: '{"errcode":310000,"errmsg":"keywords not in content"}' }]);
    const { delivery } = await enqueueNotification({ db: t.db, queue }, r.id, NOTE, 'ding-310000-1');
    const done = await settled(delivery.id);
    expect(done).toMatchObject({ status: 'dead', attempts: MAX_ATTEMPTS, lastStatus: 200 });
    expect(done.lastError).toContain('errcode=310000');
    expect(done.lastError).toContain('keywords not in content');
    expect(hitsOf('/ding-310000')).toHaveLength(MAX_ATTEMPTS);
    // Dead deliveries stay readable in the log.
    const dead = await listDeliveries(t.db, { status: 'dead', receiverId: r.id });
    expect(dead.map((d) => d.id)).toEqual([delivery.id]);
    expect(dead[0]!.payload).toMatchObject({ title: NOTE.title, levelLabel: '橙色预警' });
  });

  it('checks Feishu answers by code: 19021 is retried, then code 0 is sent; the body carries timestamp and sign', async () => {
    const secret = 'feishu-secret';
    const r = await receiver('飞书舆情群', { kind: 'feishu', url: `${server.url}/feishu`, secret });
    script.set('/feishu', [
      { status: 200, body: '{"code":19021,"msg":"sign match fail or timestamp is not within one hour from current time"}' },
      { status: 200, body: '{"code":0,"msg":"success","data":{}}' },
    ]);
    const { delivery } = await enqueueNotification({ db: t.db, queue }, r.id, NOTE, 'feishu-1');
    const done = await settled(delivery.id);
    expect(done).toMatchObject({ status: 'sent', attempts: 2 });
    for (const h of hitsOf('/feishu')) {
      const body = JSON.parse(h.body);
      expect(body.msg_type).toBe('interactive');
      expect(body.card.header.template).toBe('orange');
      expect(body.sign).toBe(createHmac('sha256', `${body.timestamp}\n${secret}`).update('').digest('base64'));
    }
  });

  it('sends WeCom markdown unsigned, the key staying in the URL', async () => {
    const r = await receiver('企业微信群', { kind: 'wecom', url: `${server.url}/wecom?key=k-1` });
    script.set('/wecom', [{ status: 200, body: '{"errcode":0,"errmsg":"ok"}' }]);
    const { delivery } = await enqueueNotification({ db: t.db, queue }, r.id, NOTE, 'wecom-1');
    expect((await settled(delivery.id)).status).toBe('sent');
    const [h] = hitsOf('/wecom');
    expect(h!.query).toBe('?key=k-1');
    expect(JSON.parse(h!.body).markdown.content).toContain('<font color="warning">橙色预警</font>');
  });

  it('signs the generic webhook with X-Yuqing-Signature over timestamp.body', async () => {
    const secret = 'hook-secret';
    const r = await receiver('指挥中心系统', { kind: 'webhook', url: `${server.url}/hook`, secret });
    script.set('/hook', [{ status: 204, body: '' }]);
    const { delivery } = await enqueueNotification({ db: t.db, queue }, r.id, NOTE, 'hook-1');
    expect(await settled(delivery.id)).toMatchObject({ status: 'sent', lastStatus: 204 });
    const [h] = hitsOf('/hook');
    const ts = h!.headers['x-yuqing-timestamp'] as string;
    const expected = createHmac('sha256', secret).update(`${ts}.${h!.body}`).digest('hex');
    expect(h!.headers['x-yuqing-signature']).toBe(`sha256=${expected}`);
    expect(h!.headers['x-yuqing-delivery']).toBe(String(delivery.id));
    expect(JSON.parse(h!.body)).toEqual({ ...NOTE, levelLabel: '橙色预警' });
  });

  it('does not retry a 4xx: dead after one attempt', async () => {
    const r = await receiver('webhook-400', { kind: 'webhook', url: `${server.url}/hook-400` });
    script.set('/hook-400', [{ status: 400, body: '{"error":"bad payload"}' }]);
    const { delivery } = await enqueueNotification({ db: t.db, queue }, r.id, NOTE, 'hook-400-1');
    const done = await settled(delivery.id);
    expect(done).toMatchObject({ status: 'dead', attempts: 1, lastStatus: 400 });
    expect(done.lastError).toContain('HTTP 400');
    expect(hitsOf('/hook-400')).toHaveLength(1);
  });

  it('makes one delivery per dedup key, however often it is enqueued', async () => {
    const r = await receiver('去重', { kind: 'webhook', url: `${server.url}/hook-dedup` });
    script.set('/hook-dedup', [{ status: 200, body: 'ok' }]);
    const first = await enqueueNotification({ db: t.db, queue }, r.id, NOTE, 'dedup-key-1');
    const again = await Promise.all([1, 2, 3].map(() => enqueueNotification({ db: t.db, queue }, r.id, { ...NOTE, heat: 99 }, 'dedup-key-1')));
    expect(first.created).toBe(true);
    expect(again.map((a) => [a.created, a.delivery.id])).toEqual([1, 2, 3].map(() => [false, first.delivery.id]));
    await settled(first.delivery.id);
    const later = await enqueueNotification({ db: t.db, queue }, r.id, NOTE, 'dedup-key-1');
    expect(later).toMatchObject({ created: false, queued: false, delivery: { status: 'sent' } });
    await new Promise((res) => setTimeout(res, 300));
    expect(hitsOf('/hook-dedup')).toHaveLength(1);
    expect(await listDeliveries(t.db, { receiverId: r.id })).toHaveLength(1);
  });

  it('marks deliveries to a disabled receiver dead without sending, and refuses an unknown receiver', async () => {
    const r = await receiver('已停用', { kind: 'webhook', url: `${server.url}/hook-disabled` });
    await updateReceiver(t.db, r.id, { enabled: false });
    const { delivery } = await enqueueNotification({ db: t.db, queue }, r.id, NOTE, 'disabled-1');
    const done = await settled(delivery.id);
    expect(done).toMatchObject({ status: 'dead', attempts: 1 });
    expect(done.lastError).toContain('停用');
    expect(hitsOf('/hook-disabled')).toHaveLength(0);
    await expect(enqueueNotification({ db: t.db, queue }, 999_999, NOTE, 'nobody-1')).rejects.toBeInstanceOf(UnknownReceiverError);
    await expect(enqueueNotification({ db: t.db, queue }, r.id, { ...NOTE, level: 'purple' } as unknown as NotificationInput, 'bad-1')).rejects.toThrow();
  });

  it('re-derives a delivery whose job was lost (row written, Redis never got the job)', async () => {
    const r = await receiver('任务丢失', { kind: 'webhook', url: `${server.url}/hook-lost` });
    script.set('/hook-lost', [{ status: 200, body: 'ok' }]);
    const { delivery } = await insertDelivery(t.db, { receiverId: r.id, dedupKey: 'lost-1', payload: notificationSchema.parse(NOTE) });
    await new Promise((res) => setTimeout(res, 200));
    expect((await getDelivery(t.db, delivery.id))?.status).toBe('pending');
    expect(await requeueStaleDeliveries({ db: t.db, queue }, 0)).toBeGreaterThanOrEqual(1);
    expect(await settled(delivery.id)).toMatchObject({ status: 'sent', attempts: 1 });
    expect(hitsOf('/hook-lost')).toHaveLength(1);
  });

  it('lists the delivery log newest first, by receiver and by status', async () => {
    const all = await listDeliveries(t.db);
    expect(all.length).toBeGreaterThanOrEqual(9);
    expect(all.map((d) => d.id)).toEqual([...all.map((d) => d.id)].sort((a, b) => b - a));
    const sent = await listDeliveries(t.db, { status: 'sent' });
    expect(sent.length).toBeGreaterThan(0);
    expect(sent.every((d) => d.status === 'sent')).toBe(true);
    const page = await listDeliveries(t.db, { limit: 2 });
    const next = await listDeliveries(t.db, { limit: 2, beforeId: page.at(-1)!.id });
    expect(next[0]!.id).toBeLessThan(page.at(-1)!.id);
    expect(all.find((d) => d.receiverName === '钉钉值班群')).toBeDefined();
  });
});
