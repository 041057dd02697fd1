/**
 * Analyst feedback through the API against real PostgreSQL: correcting an item shows the
 * automatic and the corrected values side by side, the list shows and filters corrections, every
 * change lands in the audit log with before and after, and withdrawing restores the automatic values.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '@yuqing/api';
import type { FastifyInstance } from 'fastify';
import { createTestEnv, type TestEnv } from '../../../test/support/test-env';
import { bearer, callerPerRole, type Caller } from './auth-fixtures';
import { seedAnalysis, seedItem } from './read-fixtures';

let t: TestEnv;
let app: FastifyInstance;
let analyst: Caller;
let admin: Caller;
let pr: Caller;
let leader: Caller;

beforeAll(async () => {
  t = await createTestEnv('itemlabels');
  ({ analyst, admin, pr, leader } = await callerPerRole(t.db));
  app = buildApp({ cfg: t.cfg, db: t.db, redis: t.redis });
  await app.ready();
});
afterAll(async () => {
  await app.close();
  await t.cleanup();
});

const call = async (c: Caller, method: 'GET' | 'PUT' | 'DELETE', url: string, payload?: unknown) =>
  app.inject({ method, url, headers: bearer(c.token), ...(payload === undefined ? {} : { payload: payload as object }) });

/** An analysed item: police-related, not police-negative, neutral (what the analyzer thought). */
async function analysedItem(title = '网友发帖称民警态度恶劣'): Promise<number> {
  const id = await seedItem(t.db, { title, text: '网友发帖称某派出所民警接警后态度恶劣，引发讨论。' });
  await seedAnalysis(t.db, id, {
    policeRelated: true,
    policeScore: 0.91,
    policeNegative: false,
    policeNegativeScore: 0.31,
    sentiment: 'neutral',
    sentimentScore: 0.05,
    keywords: ['民警', '态度'],
    categories: ['服务态度'],
    places: ['广州市'],
  });
  return id;
}

const auditOf = async (itemId: number) =>
  (
    await t.db.query<{ action: string; actor_id: number | null; actor_name: string; entity: string; before: unknown; after: unknown }>(
      `SELECT action, actor_id, actor_name, entity, before, after FROM audit_log WHERE entity = 'item' AND entity_id = $1 ORDER BY id`,
      [String(itemId)],
    )
  ).rows;

describe('correcting an item', () => {
  it('stores the correction and shows automatic, corrected and effective values side by side', async () => {
    const id = await analysedItem();
    const res = await call(analyst, 'PUT', `/api/items/${id}/label`, { policeNegative: true, sentiment: 'negative', note: '评论区大量指责民警' });
    expect(res.statusCode, res.body).toBe(200);
    const put = res.json().item;

    const got = await call(leader, 'GET', `/api/items/${id}`);
    expect(got.statusCode, got.body).toBe(200);
    const item = got.json().item;
    expect(item).toEqual(put);
    expect(item).toMatchObject({ id, title: '网友发帖称民警态度恶劣', text: '网友发帖称某派出所民警接警后态度恶劣，引发讨论。' });
    // The analyzer's values are still there, untouched ...
    expect(item.analysis).toMatchObject({
      policeRelated: true,
      policeScore: expect.closeTo(0.91, 5),
      policeNegative: false,
      policeNegativeScore: expect.closeTo(0.31, 5),
      sentiment: 'neutral',
      keywords: ['民警', '态度'],
      categories: ['服务态度'],
      places: ['广州市'],
    });
    expect(typeof item.analysis.analyzedAt).toBe('string');
    // ... next to the correction ...
    expect(item.label).toEqual({
      policeRelated: null,
      policeNegative: true,
      sentiment: 'negative',
      note: '评论区大量指责民警',
      by: { id: analyst.user.id, name: analyst.user.name },
      at: expect.any(String),
    });
    // ... and the values that count.
    expect(item.effective).toEqual({ policeRelated: true, policeNegative: true, sentiment: 'negative', corrected: ['policeNegative', 'sentiment'] });

    const { rows } = await t.db.query('SELECT police_related, police_negative, sentiment, note, labelled_by FROM item_labels WHERE item_id = $1', [id]);
    expect(rows).toEqual([{ police_related: null, police_negative: true, sentiment: 'negative', note: '评论区大量指责民警', labelled_by: analyst.user.id }]);
    // The automatic analysis row is not changed by a correction.
    const { rows: auto } = await t.db.query('SELECT police_negative, sentiment FROM item_analysis WHERE item_id = $1', [id]);
    expect(auto).toEqual([{ police_negative: false, sentiment: 'neutral' }]);
  });

  it('a new correction replaces the previous one; the audit log keeps each with before and after', async () => {
    const id = await analysedItem();
    expect((await call(analyst, 'PUT', `/api/items/${id}/label`, { policeNegative: true })).statusCode).toBe(200);
    const second = await call(admin, 'PUT', `/api/items/${id}/label`, { sentiment: 'positive', note: '实为表扬' });
    expect(second.statusCode, second.body).toBe(200);
    expect(second.json().item.label).toMatchObject({ policeRelated: null, policeNegative: null, sentiment: 'positive', note: '实为表扬', by: { id: admin.user.id } });
    expect(second.json().item.effective).toEqual({ policeRelated: true, policeNegative: false, sentiment: 'positive', corrected: ['sentiment'] });

    const audit = await auditOf(id);
    expect(audit.map((a) => [a.action, a.actor_id])).toEqual([
      ['item.label', analyst.user.id],
      ['item.label', admin.user.id],
    ]);
    expect(audit[0]).toMatchObject({ before: null, after: { itemId: id, policeNegative: true, sentiment: null, labelledBy: analyst.user.id } });
    expect(audit[1]).toMatchObject({
      before: { policeNegative: true, sentiment: null, labelledBy: analyst.user.id },
      after: { policeNegative: null, sentiment: 'positive', note: '实为表扬', labelledBy: admin.user.id },
    });
  });

  it('keeps police-related and police-negative consistent where only one is corrected', async () => {
    const negative = await seedItem(t.db, { title: '警方通报' });
    await seedAnalysis(t.db, negative, { policeRelated: true, policeNegative: true, sentiment: 'negative' });
    const res = await call(analyst, 'PUT', `/api/items/${negative}/label`, { policeRelated: false });
    expect(res.json().item.effective).toEqual({ policeRelated: false, policeNegative: false, sentiment: 'negative', corrected: ['policeRelated', 'policeNegative'] });

    const unrelated = await seedItem(t.db, { title: '天气预报' });
    await seedAnalysis(t.db, unrelated, { policeRelated: false, policeNegative: false });
    const res2 = await call(analyst, 'PUT', `/api/items/${unrelated}/label`, { policeNegative: true });
    expect(res2.json().item.effective).toMatchObject({ policeRelated: true, policeNegative: true, corrected: ['policeRelated', 'policeNegative'] });
  });

  it('an item not analysed yet can be corrected: analysis null, effective from the correction only', async () => {
    const id = await seedItem(t.db, { title: '尚未分析的条目' });
    const res = await call(analyst, 'PUT', `/api/items/${id}/label`, { sentiment: 'negative' });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json().item).toMatchObject({ analysis: null, effective: { policeRelated: null, policeNegative: null, sentiment: 'negative', corrected: ['sentiment'] } });
  });
});

describe('the list', () => {
  it('shows each item with its correction (or null) and filters by labelled', async () => {
    const topic = `筛选${Date.now()}`;
    const labelled = await analysedItem(`${topic} 已校正`);
    const plain = await analysedItem(`${topic} 未校正`);
    expect((await call(analyst, 'PUT', `/api/items/${labelled}/label`, { sentiment: 'negative' })).statusCode).toBe(200);

    const list = async (query: string): Promise<Array<{ id: number; label: unknown; effective: { sentiment: string } }>> => {
      const res = await call(pr, 'GET', `/api/items?limit=200${query}`);
      expect(res.statusCode, res.body).toBe(200);
      return res.json().items.filter((i: { id: number }) => i.id === labelled || i.id === plain);
    };
    const all = await list('');
    expect(all.map((i) => i.id).sort()).toEqual([labelled, plain].sort());
    expect(all.find((i) => i.id === labelled)).toMatchObject({ label: { sentiment: 'negative', by: { name: analyst.user.name } }, effective: { sentiment: 'negative' } });
    expect(all.find((i) => i.id === plain)).toMatchObject({ label: null, effective: { sentiment: 'neutral' } });
    expect((await list('&labelled=true')).map((i) => i.id)).toEqual([labelled]);
    expect((await list('&labelled=false')).map((i) => i.id)).toEqual([plain]);
    expect((await call(pr, 'GET', '/api/items?labelled=maybe')).statusCode).toBe(400);
  });
});

describe('withdrawing a correction', () => {
  it('restores the automatic values, is audited, and a second withdrawal changes nothing', async () => {
    const id = await analysedItem();
    await call(analyst, 'PUT', `/api/items/${id}/label`, { policeNegative: true, note: '误判' });
    const res = await call(analyst, 'DELETE', `/api/items/${id}/label`);
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toMatchObject({ changed: true, item: { id, label: null, effective: { policeRelated: true, policeNegative: false, sentiment: 'neutral', corrected: [] } } });
    expect((await t.db.query('SELECT 1 FROM item_labels WHERE item_id = $1', [id])).rowCount).toBe(0);

    const again = await call(admin, 'DELETE', `/api/items/${id}/label`);
    expect(again.statusCode).toBe(200);
    expect(again.json().changed).toBe(false);

    const audit = await auditOf(id);
    expect(audit.map((a) => a.action)).toEqual(['item.label', 'item.label.withdraw']);
    expect(audit[1]).toMatchObject({ actor_id: analyst.user.id, before: { policeNegative: true, note: '误判' }, after: null });
  });
});

describe('refusals', () => {
  it('refuses unknown fields, an empty correction, bad values and a contradiction, in Chinese, storing nothing', async () => {
    const id = await analysedItem();
    const cases: Array<[unknown, RegExp]> = [
      [{ sentiment: 'negative', policeNegatve: true }, /不支持的字段：policeNegatve/],
      [{}, /请至少校正一项/],
      [{ note: '只有备注' }, /请至少校正一项/],
      [{ policeRelated: null, sentiment: null }, /请至少校正一项/],
      [{ sentiment: 'angry' }, /情感/],
      [{ policeNegative: 'yes' }, /涉警负面/],
      [{ policeRelated: false, policeNegative: true }, /不涉警的条目不能标为涉警负面/],
      [{ sentiment: 'negative', note: '长'.repeat(501) }, /备注最多 500 字/],
    ];
    for (const [body, message] of cases) {
      const res = await call(analyst, 'PUT', `/api/items/${id}/label`, body);
      expect(res.statusCode, JSON.stringify(body)).toBe(400);
      expect(res.json().error.code).toBe('VALIDATION_FAILED');
      expect(JSON.stringify(res.json().error.issues), JSON.stringify(body)).toMatch(message);
    }
    expect((await t.db.query('SELECT 1 FROM item_labels WHERE item_id = $1', [id])).rowCount).toBe(0);
    expect(await auditOf(id)).toEqual([]);
  });

  it('answers 404 for an item that does not exist', async () => {
    const { rows } = await t.db.query<{ n: number }>('SELECT coalesce(max(id), 0) + 1000 AS n FROM items');
    const missing = rows[0]!.n;
    for (const [method, url, body] of [
      ['GET', `/api/items/${missing}`, undefined],
      ['PUT', `/api/items/${missing}/label`, { sentiment: 'negative' }],
      ['DELETE', `/api/items/${missing}/label`, undefined],
    ] as const) {
      const res = await call(analyst, method, url, body);
      expect(res.statusCode, `${method} ${url}`).toBe(404);
      expect(res.json().error).toMatchObject({ code: 'ITEM_NOT_FOUND', message: `条目 ${missing} 不存在` });
    }
  });

  it('only analysts and admins correct; duty officers and leaders read', async () => {
    const id = await analysedItem();
    for (const c of [pr, leader]) {
      expect((await call(c, 'PUT', `/api/items/${id}/label`, { sentiment: 'negative' })).statusCode).toBe(403);
      expect((await call(c, 'DELETE', `/api/items/${id}/label`)).statusCode).toBe(403);
      expect((await call(c, 'GET', `/api/items/${id}`)).statusCode).toBe(200);
    }
  });
});
