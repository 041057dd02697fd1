/**
 * The audit log: every mutating route records exactly one entry (actor, before/after, request id)
 * in the transaction of its change; the database refuses UPDATE, DELETE and TRUNCATE; secrets never
 * reach a row; GET /api/audit pages newest first; the CSV opens in Excel (BOM, Chinese headers,
 * RFC 4180 quoting, checked by parsing it back here).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '@yuqing/api';
import { ruleSchema } from '@yuqing/alerting';
import { appendAlertEvent, insertAdminRule, insertAdminSilence, insertAlert, insertReceiver, recordAudit, type Pool } from '@yuqing/db';
import type { FastifyInstance, InjectOptions } from 'fastify';
import { parseCsv } from '../../../test/support/csv';
import { createTestEnv, type TestEnv } from '../../../test/support/test-env';
import { bearer, makeCaller, type Caller } from './auth-fixtures';

let t: TestEnv;
let app: FastifyInstance;
let admin: Caller;
let pr: Caller;
let seq = 0;

beforeAll(async () => {
  t = await createTestEnv('auditapi');
  [admin, pr] = await Promise.all([makeCaller(t.db, 'admin1', 'admin'), makeCaller(t.db, 'pr1', 'pr')]);
  app = buildApp({ cfg: t.cfg, db: t.db, redis: t.redis });
  await app.ready();
});
afterAll(async () => {
  await app.close();
  await t.cleanup();
});

interface Row {
  id: number;
  actor_id: number | null;
  actor_name: string;
  action: string;
  entity: string;
  entity_id: string | null;
  before: Record<string, unknown> | null;
  after: Record<string, unknown> | null;
  request_id: string | null;
}

const maxId = async (db: Pool): Promise<number> => (await db.query<{ m: number }>('SELECT coalesce(max(id), 0)::int AS m FROM audit_log')).rows[0]?.m ?? 0;
const rowsAfter = async (id: number): Promise<Row[]> => (await t.db.query<Row>('SELECT * FROM audit_log WHERE id > $1 ORDER BY id', [id])).rows;

async function newAlert(): Promise<number> {
  const a = await insertAlert(t.db, { kind: 'topic', dedupKey: `audit:${++seq}`, level: 'yellow', title: '测试预警' });
  if (!a) throw new Error('alert not created');
  await appendAlertEvent(t.db, { alertId: a.id, type: 'firing', level: 'yellow', audienceRoles: ['admin', 'pr', 'analyst', 'leader'] });
  return a.id;
}
async function newRule(): Promise<number> {
  const r = await insertAdminRule(t.db, { spec: ruleSchema.parse({ name: `审计规则 ${++seq}` }), by: admin.user.id });
  if (!r) throw new Error('rule not created');
  return r.id;
}
async function newSilence(): Promise<number> {
  const now = Date.now();
  return (await insertAdminSilence(t.db, { matchers: [{ field: 'level', op: '=', value: 'blue' }], startsAt: new Date(now), endsAt: new Date(now + 3_600_000), createdBy: admin.user.id, comment: '演练' })).id;
}
async function newReceiver(): Promise<number> {
  const r = await insertReceiver(t.db, { name: `审计接收端 ${++seq}`, kind: 'dingtalk', url: 'https://oapi.dingtalk.com/robot/send?access_token=SECRETURLTOKEN', secret: 'SECSECRETVALUE' });
  if (!r) throw new Error('receiver not created');
  return r.id;
}
async function newToken(): Promise<number> {
  return (await makeCaller(t.db, `victim-${++seq}`, 'analyst')).tokenId;
}

interface Case {
  action: string;
  entity: string;
  caller: () => Caller;
  request: () => Promise<Omit<InjectOptions, 'headers'>>;
  /** Whether the entry has a before / an after. */
  before: boolean;
  after: boolean;
  check?: (row: Row) => void;
}

const cases: Case[] = [
  { action: 'rule.create', entity: 'rule', caller: () => pr, before: false, after: true, request: async () => ({ method: 'POST', url: '/api/rules', payload: { name: `新规则 ${++seq}` } }) },
  {
    action: 'rule.update',
    entity: 'rule',
    caller: () => pr,
    before: true,
    after: true,
    request: async () => ({ method: 'PUT', url: `/api/rules/${await newRule()}`, payload: { name: `改名 ${++seq}`, minLevel: 'red' } }),
    check: (r) => {
      expect(r.before?.['name']).toMatch(/^审计规则/);
      expect(r.after?.['name']).toMatch(/^改名/);
    },
  },
  { action: 'rule.delete', entity: 'rule', caller: () => pr, before: true, after: false, request: async () => ({ method: 'DELETE', url: `/api/rules/${await newRule()}` }) },
  {
    action: 'alert.acknowledge',
    entity: 'alert',
    caller: () => pr,
    before: true,
    after: true,
    request: async () => ({ method: 'POST', url: `/api/alerts/${await newAlert()}/acknowledge` }),
    check: (r) => {
      expect(r.before?.['state']).toBe('firing');
      expect(r.after?.['state']).toBe('acknowledged');
    },
  },
  {
    action: 'alert.resolve',
    entity: 'alert',
    caller: () => admin,
    before: true,
    after: true,
    request: async () => ({ method: 'POST', url: `/api/alerts/${await newAlert()}/resolve`, payload: { comment: '已处置' } }),
    check: (r) => expect(r.after?.['state']).toBe('resolved'),
  },
  {
    action: 'silence.create',
    entity: 'silence',
    caller: () => pr,
    before: false,
    after: true,
    request: async () => ({ method: 'POST', url: '/api/silences', payload: { matchers: [{ field: 'level', op: '=', value: 'blue' }], endsAt: Date.now() + 3_600_000, comment: '演练' } }),
  },
  {
    action: 'silence.expire',
    entity: 'silence',
    caller: () => pr,
    before: true,
    after: true,
    request: async () => ({ method: 'POST', url: `/api/silences/${await newSilence()}/expire` }),
    check: (r) => expect(Date.parse(String(r.before?.['endsAt']))).toBeGreaterThan(Date.parse(String(r.after?.['endsAt']))),
  },
  {
    action: 'receiver.create',
    entity: 'receiver',
    caller: () => admin,
    before: false,
    after: true,
    request: async () => ({
      method: 'POST',
      url: '/api/receivers',
      payload: { name: `钉钉 ${++seq}`, kind: 'dingtalk', url: 'https://oapi.dingtalk.com/robot/send?access_token=SECRETURLTOKEN', secret: 'SECSECRETVALUE' },
    }),
    check: (r) => expect(r.after).toMatchObject({ url: 'https://oapi.dingtalk.com/…', hasSecret: true }),
  },
  {
    action: 'receiver.update',
    entity: 'receiver',
    caller: () => admin,
    before: true,
    after: true,
    request: async () => ({ method: 'PATCH', url: `/api/receivers/${await newReceiver()}`, payload: { enabled: false, secret: 'SECNEWSECRETVALUE' } }),
    check: (r) => {
      expect(r.before?.['enabled']).toBe(true);
      expect(r.after).toMatchObject({ enabled: false, secretChanged: true });
    },
  },
  { action: 'receiver.delete', entity: 'receiver', caller: () => admin, before: true, after: false, request: async () => ({ method: 'DELETE', url: `/api/receivers/${await newReceiver()}` }) },
  {
    action: 'user.create',
    entity: 'user',
    caller: () => admin,
    before: false,
    after: true,
    request: async () => ({ method: 'POST', url: '/api/users', payload: { name: `new-user-${++seq}`, role: 'pr', password: 'PASSWORDVALUE-123456' } }),
    check: (r) => expect(r.after).toMatchObject({ role: 'pr', hasPassword: true }),
  },
  { action: 'token.create', entity: 'token', caller: () => admin, before: false, after: true, request: async () => ({ method: 'POST', url: '/api/tokens', payload: { user: 'pr1', name: `label ${++seq}` } }) },
  {
    action: 'token.revoke',
    entity: 'token',
    caller: () => admin,
    before: true,
    after: true,
    request: async () => ({ method: 'DELETE', url: `/api/tokens/${await newToken()}` }),
    check: (r) => {
      expect(r.before?.['revokedAt']).toBeNull();
      expect(r.after?.['revokedAt']).not.toBeNull();
    },
  },
];

describe.each(cases)('$action', (c) => {
  it('records exactly one entry with the actor, before/after and the request id', async () => {
    const req = await c.request();
    const since = await maxId(t.db);
    const res = await app.inject({ ...req, headers: bearer(c.caller().token) });
    expect(res.statusCode, res.body).toBeGreaterThanOrEqual(200);
    expect(res.statusCode, res.body).toBeLessThan(300);
    const rows = await rowsAfter(since);
    expect(rows).toHaveLength(1);
    const [row] = rows as [Row];
    expect(row).toMatchObject({ action: c.action, entity: c.entity, actor_id: c.caller().user.id, actor_name: c.caller().user.name });
    expect(row.entity_id).toMatch(/^\d+$/);
    expect(row.request_id).toBeTruthy();
    expect(row.before !== null).toBe(c.before);
    expect(row.after !== null).toBe(c.after);
    c.check?.(row);
    // No secret in any form: receiver secrets and URL tokens, passwords and hashes, token values.
    const stored = JSON.stringify(row);
    for (const secret of ['SECSECRETVALUE', 'SECNEWSECRETVALUE', 'SECRETURLTOKEN', 'PASSWORDVALUE', 'scrypt', '"hash"']) expect(stored).not.toContain(secret);
    const body = res.json() as { token?: string; password?: string };
    if (body.token) expect(stored).not.toContain(body.token);
    if (body.password) expect(stored).not.toContain(body.password);
  });
});

describe('no change, no entry', () => {
  it('acknowledging twice and expiring an expired silence record once; a failed request records nothing', async () => {
    const alertId = await newAlert();
    const silenceId = await newSilence();
    const since = await maxId(t.db);
    for (let i = 0; i < 2; i++) {
      expect((await app.inject({ method: 'POST', url: `/api/alerts/${alertId}/acknowledge`, headers: bearer(pr.token) })).statusCode).toBe(200);
      expect((await app.inject({ method: 'POST', url: `/api/silences/${silenceId}/expire`, headers: bearer(pr.token) })).statusCode).toBe(200);
    }
    const dup = await app.inject({ method: 'POST', url: '/api/users', headers: bearer(admin.token), payload: { name: 'pr1', role: 'pr' } });
    expect(dup.statusCode).toBe(409);
    expect((await rowsAfter(since)).map((r) => r.action)).toEqual(['alert.acknowledge', 'silence.expire']);
  });
});

describe('append-only in the database', () => {
  it('refuses UPDATE, DELETE and TRUNCATE with the trigger error', async () => {
    await recordAudit(t.db, { actorId: null, actorName: 'system', action: 'test.write', entity: 'test', entityId: 1, after: { ok: true } });
    await expect(t.db.query(`UPDATE audit_log SET actor_name = 'someone else'`)).rejects.toThrow(/audit_log is append-only: UPDATE refused/);
    await expect(t.db.query('DELETE FROM audit_log')).rejects.toThrow(/audit_log is append-only: DELETE refused/);
    await expect(t.db.query('TRUNCATE audit_log')).rejects.toThrow(/audit_log is append-only: TRUNCATE refused/);
    const { rows } = await t.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM audit_log WHERE actor_name = 'someone else'`);
    expect(rows[0]?.n).toBe(0);
  });

  it('redacts secret-named keys at any depth', async () => {
    const e = await recordAudit(t.db, {
      actorId: null,
      actorName: 'system',
      action: 'test.redact',
      entity: 'test',
      entityId: null,
      before: { secret: 'S1', nested: { passwordHash: 'S2', list: [{ token: 'S3', keep: 'visible' }] }, headers: { Authorization: 'Bearer S4' } },
    });
    expect(JSON.stringify(e.before)).not.toMatch(/S[1-4]/);
    expect(JSON.stringify(e.before)).toContain('visible');
  });
});

describe('GET /api/audit', () => {
  it('lists newest first with filters and cursor paging; admin only', async () => {
    const page1 = await app.inject({ method: 'GET', url: '/api/audit?limit=2', headers: bearer(admin.token) });
    expect(page1.statusCode, page1.body).toBe(200);
    const p1 = page1.json() as { entries: Array<{ id: number }>; nextCursor: number };
    expect(p1.entries).toHaveLength(2);
    expect(p1.entries[0]!.id).toBeGreaterThan(p1.entries[1]!.id);
    const page2 = (await app.inject({ method: 'GET', url: `/api/audit?limit=2&cursor=${p1.nextCursor}`, headers: bearer(admin.token) })).json() as { entries: Array<{ id: number }> };
    expect(page2.entries[0]!.id).toBeLessThan(p1.entries[1]!.id);

    const rules = (await app.inject({ method: 'GET', url: '/api/audit?action=rule&actor=pr1', headers: bearer(admin.token) })).json() as { entries: Array<{ action: string; actorName: string }> };
    expect(rules.entries.map((e) => e.action).sort()).toEqual(['rule.create', 'rule.delete', 'rule.update']);
    const exact = (await app.inject({ method: 'GET', url: '/api/audit?action=rule.update', headers: bearer(admin.token) })).json() as { entries: unknown[] };
    expect(exact.entries).toHaveLength(1);
    const future = (await app.inject({ method: 'GET', url: `/api/audit?from=${Date.now() + 60_000}`, headers: bearer(admin.token) })).json() as { entries: unknown[] };
    expect(future.entries).toEqual([]);

    expect((await app.inject({ method: 'GET', url: '/api/audit', headers: bearer(pr.token) })).statusCode).toBe(403);
  });

  it('offers no way to edit or delete an entry', async () => {
    for (const method of ['PUT', 'PATCH', 'DELETE', 'POST'] as const) {
      const res = await app.inject({ method, url: '/api/audit', headers: bearer(admin.token), payload: {} });
      expect(res.statusCode).toBe(404);
      expect((await app.inject({ method, url: '/api/audit/1', headers: bearer(admin.token), payload: {} })).statusCode).toBe(404);
    }
  });
});

describe('GET /api/audit.csv', () => {
  it('is UTF-8 with BOM, Chinese headers, RFC 4180 quoting, an attachment; 403 for non-admins', async () => {
    const tricky = { note: '逗号, "引号" 与\n换行\r\n结束', n: 1 };
    await recordAudit(t.db, { actorId: null, actorName: 'cli:张三, "ops"', action: 'test.csv', entity: 'test', entityId: 'x,1', before: null, after: tricky });
    const res = await app.inject({ method: 'GET', url: '/api/audit.csv', headers: bearer(admin.token) });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.headers['content-type']).toBe('text/csv; charset=utf-8');
    expect(res.headers['content-disposition']).toMatch(/^attachment; filename="audit-\d{8}\.csv"$/);
    const bytes = res.rawPayload;
    expect([...bytes.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    const text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(bytes.subarray(3));
    const rows = parseCsv(text);
    expect(rows[0]).toEqual(['时间(北京时间)', '操作人', '操作', '对象', '对象ID', '变更前', '变更后']);
    expect(rows.every((r) => r.length === 7)).toBe(true);
    const mine = rows.find((r) => r[2] === 'test.csv');
    expect(mine).toBeDefined();
    expect(mine![0]).toMatch(/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/);
    expect(mine![1]).toBe('cli:张三, "ops"');
    expect(mine![4]).toBe('x,1');
    expect(mine![5]).toBe('');
    expect(JSON.parse(mine![6]!)).toEqual(tricky);
    // Newest first, as the list: the entry just written is the first data row.
    expect(rows[1]![2]).toBe('test.csv');

    const filtered = parseCsv((await app.inject({ method: 'GET', url: '/api/audit.csv?action=rule.update', headers: bearer(admin.token) })).body.slice(1));
    expect(filtered.slice(1).map((r) => r[2])).toEqual(['rule.update']);

    const forbidden = await app.inject({ method: 'GET', url: '/api/audit.csv', headers: bearer(pr.token) });
    expect(forbidden.statusCode).toBe(403);
    expect((await app.inject({ method: 'GET', url: '/api/audit.csv' })).statusCode).toBe(401);
  });
});
