/**
 * Notification receivers (admin only) and their delivery log. A receiver's signing secret is
 * write-only: responses say whether one is set (`hasSecret`), never what it is. The URL may carry
 * a vendor token too, which is why every route here is for admins, including `allowPrivate`
 * (letting a receiver reach a loopback/private address).
 */
import {
  DELIVERY_STATUSES,
  deleteReceiver,
  getReceiver,
  getReceiverForDelivery,
  insertReceiver,
  listDeliveries,
  listReceivers,
  RECEIVER_KINDS,
  recordAudit,
  updateReceiver,
  withTransaction,
  type Pool,
  type Receiver,
} from '@yuqing/db';
import type { Config } from '@yuqing/config';
import { checkDestination, createAddressPolicy, type AddressPolicy } from '@yuqing/net';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { auditActor } from '../audit-actor';
import { ApiError } from '../errors';
import { notificationSchema, receiverInputSchema, receiverPatchSchema, receiverWarnings, sendToReceiver } from '../receivers';
import { idParams } from '../schemas';
import { checkUnit } from './units';

const ADMIN = { roles: ['admin'] } as const;

/** A receiver as the API shows it (the serializer emits only these fields: never `secret`). */
export const receiverOut = z.object({
  id: z.number(),
  name: z.string(),
  kind: z.enum(RECEIVER_KINDS),
  url: z.string(),
  hasSecret: z.boolean(),
  enabled: z.boolean(),
  allowPrivate: z.boolean(),
  /** The unit it belongs to (issue 15). */
  unitId: z.number(),
  createdAt: z.date(),
  updatedAt: z.date(),
});

/** The unit a receiver belongs to (issue 15); left out on creation: the root unit. */
const unitIdField = z.number({ error: '单位编号应为数字' }).int().positive();
const receiverBody = receiverInputSchema.extend({ unitId: unitIdField.optional() }).strict();
const receiverPatchBody = receiverPatchSchema.extend({ unitId: unitIdField.optional() }).strict();

/** One row of the delivery log. */
export const deliveryOut = z.object({
  id: z.number(),
  receiverId: z.number(),
  receiverName: z.string(),
  dedupKey: z.string(),
  payload: z.unknown(),
  status: z.enum(DELIVERY_STATUSES),
  attempts: z.number(),
  lastError: z.string().nullable(),
  lastStatus: z.number().nullable(),
  createdAt: z.date(),
  sentAt: z.date().nullable(),
  updatedAt: z.date(),
});

const isUniqueViolation = (err: unknown): boolean => (err as { code?: unknown } | null)?.code === '23505';
const nameTaken = (name: string | undefined) => new ApiError(409, 'RECEIVER_EXISTS', `接收端「${name ?? ''}」已存在`);
const notFound = (id: number) => new ApiError(404, 'RECEIVER_NOT_FOUND', `接收端 ${id} 不存在`);

/**
 * A receiver as the audit log keeps it: never the secret (the row has none), and the URL without
 * its query and path, where DingTalk/WeCom/Feishu put their access tokens.
 */
function audited(r: Receiver | null): Record<string, unknown> | null {
  if (!r) return null;
  let url = '[无效 URL]';
  try {
    url = `${new URL(r.url).origin}/…`;
  } catch {
    // keep the placeholder
  }
  return { ...r, url };
}

const withWarnings = z.object({ receiver: receiverOut, warnings: z.array(z.string()) });

/**
 * Refuses, when a receiver is saved, a URL that points at this machine or the internal network
 * (unless the admin allowed private addresses for it, or its host is on RECEIVER_ALLOWLIST): the
 * admin hears of it at once, not from a dead delivery later. A name that does not resolve from
 * here is saved with a warning (an intranet relay may resolve only where the deliverer runs); every
 * send is checked again at connect time.
 */
async function destinationWarnings(url: string, allowPrivate: boolean, policy: AddressPolicy): Promise<string[]> {
  if (allowPrivate) return [];
  const d = await checkDestination(url, policy);
  if (d.ok) return [];
  if (d.blocked) {
    throw new ApiError(
      400,
      'RECEIVER_ADDRESS_BLOCKED',
      `接收端地址 ${d.host} 指向本机或内网地址（${d.address}），已拒绝；如确为内网中转地址，请勾选「允许内网地址」，或将其主机加入 RECEIVER_ALLOWLIST`,
    );
  }
  return [`暂时无法解析主机 ${d.host}（${d.reason}），发送时将再次检查`];
}

/** GET/POST /api/receivers, PATCH/DELETE /api/receivers/:id, POST /api/receivers/:id/test, GET /api/receivers/:id/deliveries. */
export const receiverRoutes: FastifyPluginAsyncZod<{ cfg: Config; db: Pool }> = async (app, { cfg, db }) => {
  app.get('/api/receivers', { config: ADMIN, schema: { response: { 200: z.object({ receivers: z.array(receiverOut) }) } } }, async () => ({
    receivers: await listReceivers(db),
  }));

  const policy = createAddressPolicy(cfg.RECEIVER_ALLOWLIST);

  app.post('/api/receivers', { config: ADMIN, schema: { body: receiverBody, response: { 201: withWarnings } } }, async (req, reply) => {
    const destination = await destinationWarnings(req.body.url, req.body.allowPrivate ?? false, policy);
    const receiver = await withTransaction(db, async (c) => {
      if (req.body.unitId !== undefined) await checkUnit(c, req.body.unitId);
      const r = await insertReceiver(c, req.body);
      if (r) await recordAudit(c, { ...auditActor(req), action: 'receiver.create', entity: 'receiver', entityId: r.id, after: audited(r) });
      return r;
    });
    if (!receiver) throw nameTaken(req.body.name);
    return reply.code(201).send({ receiver, warnings: [...receiverWarnings(req.body), ...destination] });
  });

  app.patch(
    '/api/receivers/:id',
    { config: ADMIN, schema: { params: idParams, body: receiverPatchBody, response: { 200: withWarnings } } },
    async (req) => {
      const patch = Object.fromEntries(Object.entries(req.body).filter(([, v]) => v !== undefined));
      // A new URL, or private addresses no longer allowed: where it would connect is checked again.
      let destination: string[] = [];
      if (req.body.url !== undefined || req.body.allowPrivate === false) {
        const current = await getReceiver(db, req.params.id);
        if (!current) throw notFound(req.params.id);
        destination = await destinationWarnings(req.body.url ?? current.url, req.body.allowPrivate ?? current.allowPrivate, policy);
      }
      let receiver;
      try {
        receiver = Object.keys(patch).length
          ? await withTransaction(db, async (c) => {
              if (req.body.unitId !== undefined) await checkUnit(c, req.body.unitId);
              const before = await getReceiver(c, req.params.id);
              const r = await updateReceiver(c, req.params.id, patch);
              // secretChanged: that the secret was set or removed, never its value.
              const after = r ? { ...audited(r), ...(patch.secret !== undefined ? { secretChanged: true } : {}) } : null;
              if (r) await recordAudit(c, { ...auditActor(req), action: 'receiver.update', entity: 'receiver', entityId: r.id, before: audited(before), after });
              return r;
            })
          : await getReceiver(db, req.params.id);
      } catch (err) {
        if (isUniqueViolation(err)) throw nameTaken(req.body.name);
        throw err;
      }
      if (!receiver) throw notFound(req.params.id);
      // Warnings about the receiver as it now is; whether a secret is set is all that is known of it here.
      const secret = req.body.secret !== undefined ? req.body.secret : receiver.hasSecret ? 'set' : null;
      const warnings = receiverWarnings({ kind: receiver.kind, url: receiver.url, secret }).filter((w) => !(secret === 'set' && w.includes('SEC')));
      return { receiver, warnings: [...warnings, ...destination] };
    },
  );

  // 发送测试消息: one message now, through the same formatting, signing and address policy as a
  // warning, and the vendor's answer shown at once (not queued, not retried, not in the delivery log).
  app.post(
    '/api/receivers/:id/test',
    { config: ADMIN, schema: { params: idParams, response: { 200: z.object({ ok: z.boolean(), httpStatus: z.number().nullable(), error: z.string().nullable(), durationMs: z.number() }) } } },
    async (req) => {
      const receiver = await getReceiverForDelivery(db, req.params.id);
      if (!receiver) throw notFound(req.params.id);
      const started = Date.now();
      const notification = notificationSchema.parse({
        title: `测试消息：接收端「${receiver.name}」`,
        level: 'blue',
        summary: '这是 yuqing 舆情系统发出的测试消息，用于确认接收端配置正确。收到即表示预警能送达本群，无需处理。',
        heat: 0,
        at: new Date().toISOString(),
        kind: 'firing',
      });
      const sent = await sendToReceiver(receiver, notification, 0, { cfg, policy: createAddressPolicy(cfg.RECEIVER_ALLOWLIST) });
      const result = { ok: sent.ok, httpStatus: sent.httpStatus ?? null, error: sent.ok ? null : sent.error, durationMs: Date.now() - started };
      await recordAudit(db, { ...auditActor(req), action: 'receiver.test', entity: 'receiver', entityId: receiver.id, after: { ok: result.ok, httpStatus: result.httpStatus, error: result.error } });
      return result;
    },
  );

  app.delete('/api/receivers/:id', { config: ADMIN, schema: { params: idParams, response: { 200: z.object({ receiver: receiverOut }) } } }, async (req) => {
    const receiver = await withTransaction(db, async (c) => {
      const r = await getReceiver(c, req.params.id);
      if (!r || !(await deleteReceiver(c, req.params.id))) return null;
      await recordAudit(c, { ...auditActor(req), action: 'receiver.delete', entity: 'receiver', entityId: r.id, before: audited(r) });
      return r;
    });
    if (!receiver) throw notFound(req.params.id);
    return { receiver };
  });

  app.get(
    '/api/receivers/:id/deliveries',
    {
      config: ADMIN,
      schema: {
        params: idParams,
        querystring: z
          .object({
            status: z.enum(DELIVERY_STATUSES).optional(),
            limit: z.coerce.number().int().min(1).max(500).default(100),
            /** nextCursor of the previous page. */
            cursor: z.coerce.number().int().positive().optional(),
          })
          .strict(),
        response: { 200: z.object({ deliveries: z.array(deliveryOut), nextCursor: z.number().nullable() }) },
      },
    },
    async (req) => {
      if (!(await getReceiver(db, req.params.id))) throw notFound(req.params.id);
      const { status, limit, cursor } = req.query;
      const deliveries = await listDeliveries(db, { receiverId: req.params.id, limit, ...(status ? { status } : {}), ...(cursor ? { beforeId: cursor } : {}) });
      const last = deliveries.at(-1);
      return { deliveries, nextCursor: deliveries.length === limit && last ? last.id : null };
    },
  );
};
