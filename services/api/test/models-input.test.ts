/**
 * Bad input at the model routes (issue 10's learning loop) against real PostgreSQL and Redis:
 * malformed JSON, unknown fields, wrong types, over-long reasons and impossible versions are refused
 * with a clear error, and nothing is queued, activated or audited.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '@yuqing/api';
import { createModelQueue } from '@yuqing/queue';
import type { FastifyInstance } from 'fastify';
import { createTestEnv, type TestEnv } from '../../../test/support/test-env';
import { bearer, callerPerRole, type Caller } from './auth-fixtures';

let t: TestEnv;
let app: FastifyInstance;
let admin: Caller;
let queue: ReturnType<typeof createModelQueue>;

beforeAll(async () => {
  t = await createTestEnv('modelsinput');
  ({ admin } = await callerPerRole(t.db));
  app = buildApp({ cfg: t.cfg, db: t.db, redis: t.redis });
  await app.ready();
  queue = createModelQueue(t.redis, t.cfg.QUEUE_PREFIX);
});
afterAll(async () => {
  await queue.close();
  await app.close();
  await t.cleanup();
});

const post = (url: string, payload: string) =>
  app.inject({ method: 'POST', url, headers: { ...bearer(admin.token), 'content-type': 'application/json' }, payload });
const audited = async () => (await t.db.query<{ n: number }>("SELECT count(*)::int AS n FROM audit_log WHERE action LIKE 'model.%'")).rows[0]!.n;

describe('model routes refuse bad input and change nothing', () => {
  it('retrain: malformed JSON, unknown fields and wrong types are 400 with a message; no job, no audit entry', async () => {
    for (const body of ['{"activate": tru', '{"activate": true, "epochs": 99}', '{"activate": "yes"}', '[]']) {
      const r = await post('/api/models/retrain', body);
      expect(r.statusCode, body).toBe(400);
      expect(r.json().error.message, body).toBeTruthy();
    }
    const counts = await queue.getJobCounts('waiting', 'delayed', 'active', 'prioritized');
    expect(Object.values(counts).reduce((a, b) => a + b, 0)).toBe(0);
    expect(await audited()).toBe(0);
  });

  it('activate: a version that is no number, an unknown version and an over-long reason are refused; nothing is activated', async () => {
    expect((await post('/api/models/abc/activate', '{}')).statusCode).toBe(400);
    expect((await post('/api/models/-1/activate', '{}')).statusCode).toBe(400);
    expect((await post('/api/models/1/activate', JSON.stringify({ reason: 'x'.repeat(501) }))).statusCode).toBe(400);
    const unknown = await post('/api/models/999999/activate', '{}');
    expect(unknown.statusCode).toBe(404);
    const active = await t.db.query("SELECT 1 FROM models WHERE status = 'active'");
    expect(active.rowCount).toBe(0);
    expect(await audited()).toBe(0);
  });

  it('a good retrain request is still taken (the refusals above are about the input, not the route)', async () => {
    const r = await post('/api/models/retrain', '{"activate": false}');
    expect(r.statusCode).toBe(202);
    expect(r.json()).toMatchObject({ trigger: 'manual', activate: false });
    expect((await queue.getJobCounts('waiting')).waiting).toBe(1);
    expect(await audited()).toBe(1);
  });
});
