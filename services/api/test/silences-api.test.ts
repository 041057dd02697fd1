/** Silences through the API: create, list by state, validation, expiry. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '@yuqing/api';
import type { FastifyInstance } from 'fastify';
import { createTestEnv, type TestEnv } from '../../../test/support/test-env';
import { bearer, makeCaller, type Caller } from './auth-fixtures';

let t: TestEnv;
let app: FastifyInstance;
let admin: Caller;
let pr: Caller;
let leader: Caller;
const HOUR = 3_600_000;

beforeAll(async () => {
  t = await createTestEnv('silencesapi');
  [admin, pr, leader] = await Promise.all([makeCaller(t.db, 'admin1', 'admin'), makeCaller(t.db, 'pr1', 'pr'), makeCaller(t.db, 'leader1', 'leader')]);
  app = buildApp({ cfg: t.cfg, db: t.db, redis: t.redis });
  await app.ready();
});
afterAll(async () => {
  await app.close();
  await t.cleanup();
});

const as = (c: Caller) => ({ headers: bearer(c.token) });
const create = (payload: Record<string, unknown>, c: Caller = pr) => app.inject({ method: 'POST', url: '/api/silences', ...as(c), payload });
const list = async (query = '', c: Caller = leader) => {
  const res = await app.inject({ method: 'GET', url: `/api/silences${query}`, ...as(c) });
  expect(res.statusCode, res.body).toBe(200);
  return res.json().silences as Array<{ id: number; status: string }>;
};
const matchers = [{ field: 'place', op: '=~', value: '天河.*' }];

describe('silences', () => {
  let active: number;
  let pending: number;

  it('creates active and pending silences with their creator', async () => {
    const now = Date.now();
    const a = await create({ matchers, endsAt: now + HOUR, comment: '  已知演练  ' });
    expect(a.statusCode, a.body).toBe(201);
    expect(a.json().silence).toMatchObject({ matchers, createdBy: pr.user.id, comment: '已知演练', status: 'active', expiredBy: null });
    expect(Date.parse(a.json().silence.endsAt)).toBe(now + HOUR);
    active = a.json().silence.id;

    const p = await create({ matchers: [{ field: 'level', op: '!=', value: 'red' }], startsAt: new Date(now + HOUR).toISOString(), endsAt: now + 2 * HOUR, comment: '夜间维护' }, admin);
    expect(p.statusCode, p.body).toBe(201);
    expect(p.json().silence).toMatchObject({ status: 'pending', createdBy: admin.user.id });
    pending = p.json().silence.id;

    const { rows } = await t.db.query('SELECT matchers, created_by FROM silences WHERE id = $1', [active]);
    expect(rows[0]).toEqual({ matchers, created_by: pr.user.id });
  });

  it('lists by state', async () => {
    expect((await list()).map((s) => s.id)).toEqual([pending, active]);
    expect((await list('?state=active')).map((s) => s.id)).toEqual([active]);
    expect((await list('?state=pending')).map((s) => s.id)).toEqual([pending]);
    expect(await list('?state=expired')).toEqual([]);
    expect((await app.inject({ method: 'GET', url: '/api/silences?state=old', ...as(pr) })).statusCode).toBe(400);
  });

  it('expires a silence now, once', async () => {
    const res = await app.inject({ method: 'POST', url: `/api/silences/${active}/expire`, ...as(pr) });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toMatchObject({ changed: true, silence: { id: active, status: 'expired', expiredBy: pr.user.id } });
    expect(Date.parse(res.json().silence.endsAt)).toBeLessThanOrEqual(Date.now());
    expect((await list()).map((s) => s.id)).toEqual([pending]);
    expect((await list('?state=expired')).map((s) => s.id)).toEqual([active]);

    const again = await app.inject({ method: 'POST', url: `/api/silences/${active}/expire`, ...as(admin) });
    expect(again.statusCode).toBe(200);
    expect(again.json()).toMatchObject({ changed: false, silence: { status: 'expired', expiredBy: pr.user.id } });

    // A pending silence never starts.
    const p = await app.inject({ method: 'POST', url: `/api/silences/${pending}/expire`, ...as(admin) });
    const s = p.json().silence;
    expect(s.status).toBe('expired');
    expect(Date.parse(s.startsAt)).toBeLessThan(Date.parse(s.endsAt));
    expect(Date.parse(s.endsAt)).toBeLessThanOrEqual(Date.now());
    expect((await list('?state=all')).map((x) => x.status)).toEqual(['expired', 'expired']);

    const missing = await app.inject({ method: 'POST', url: '/api/silences/999999/expire', ...as(pr) });
    expect(missing.statusCode).toBe(404);
    expect(missing.json()).toEqual({ error: { code: 'SILENCE_NOT_FOUND', message: '静默 999999 不存在' } });
  });

  it('refuses invalid silences with 400', async () => {
    const now = Date.now();
    const bad: Array<[Record<string, unknown>, string]> = [
      [{ matchers: [], endsAt: now + HOUR, comment: 'x' }, 'VALIDATION_FAILED'],
      [{ matchers: [{ field: 'colour', op: '=', value: 'x' }], endsAt: now + HOUR, comment: 'x' }, 'VALIDATION_FAILED'],
      [{ matchers: [{ field: 'place', op: '=~', value: '(' }], endsAt: now + HOUR, comment: 'x' }, 'VALIDATION_FAILED'],
      [{ matchers, endsAt: now + HOUR, comment: '   ' }, 'VALIDATION_FAILED'],
      [{ matchers, endsAt: 'tomorrow', comment: 'x' }, 'VALIDATION_FAILED'],
      [{ matchers, endsAt: now + HOUR, comment: 'x', createdBy: admin.user.id }, 'VALIDATION_FAILED'],
      [{ matchers, startsAt: now + 2 * HOUR, endsAt: now + HOUR, comment: 'x' }, 'INVALID_SILENCE'],
      [{ matchers, endsAt: now - HOUR, comment: 'x' }, 'INVALID_SILENCE'],
    ];
    for (const [payload, code] of bad) {
      const res = await create(payload);
      expect(res.statusCode, JSON.stringify(payload)).toBe(400);
      expect(res.json().error.code, JSON.stringify(payload)).toBe(code);
      expect(res.json().error.message).toMatch(/[\u4e00-\u9fa5]/);
    }
    expect((await create({ matchers, startsAt: now + 2 * HOUR, endsAt: now + HOUR, comment: 'x' })).json().error.message).toBe('结束时间必须晚于开始时间');
  });
});
