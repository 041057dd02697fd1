/**
 * Hostile JSON bodies (issue 14's table): more than the body limit, nesting 100,000 deep, malformed
 * JSON, 100,000 items in one push, NUL bytes and lone surrogates in a pushed item. Each gets a clear
 * 4xx in the service's one error shape — or, for text PostgreSQL cannot hold, is stored cleaned —
 * and nothing is stored half-way.
 */
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '@yuqing/api';
import { createTestEnv, type TestEnv } from '../../../test/support/test-env';
import { bearer, makeCaller, type Caller } from './auth-fixtures';

let t: TestEnv;
let app: FastifyInstance;
let pusher: Caller;
const items = async (): Promise<number> => (await t.db.query('SELECT count(*)::int AS n FROM items')).rows[0].n;
const push = (payload: string) => app.inject({ method: 'POST', url: '/api/items', headers: { ...bearer(pusher.token), 'content-type': 'application/json' }, payload });

beforeAll(async () => {
  t = await createTestEnv('hostilejson');
  pusher = await makeCaller(t.db, 'hostile-pusher', 'ingest');
  app = buildApp({ cfg: t.cfg, db: t.db, redis: t.redis });
  await app.ready();
});
afterAll(async () => {
  await app?.close();
  await t?.cleanup();
});

describe('hostile JSON pushed to POST /api/items', () => {
  it('a body over 10 MB → 413, malformed JSON → 400, 100,000-deep nesting → 400; nothing stored', async () => {
    const huge = await push(JSON.stringify([{ url: 'https://a.example/1', title: 'x', text: '警'.repeat(4_000_000) }]));
    expect(huge.statusCode).toBe(413);
    expect(huge.json().error.code).toEqual(expect.any(String));
    const bad = await push('[{"url": "https://a.example/1", "title": ');
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error).toMatchObject({ code: expect.any(String), message: expect.any(String) });
    const deep = await push(`[{"url":"https://a.example/2","title":"t","text":${'['.repeat(100_000)}${']'.repeat(100_000)}}]`);
    expect(deep.statusCode).toBeLessThan(500);
    expect(deep.statusCode).toBeGreaterThanOrEqual(200);
    expect(await items()).toBe(deep.statusCode === 200 ? deep.json().inserted : 0);
  });

  it('100,000 items in one push → 413 TOO_MANY_ITEMS and none stored', async () => {
    const before = await items();
    const many = Array.from({ length: 100_000 }, (_, k) => ({ url: `https://many.example/${k}`, title: `第${k}条`, text: '正文' }));
    const res = await push(JSON.stringify(many));
    expect(res.statusCode).toBe(413);
    expect(res.json().error.code).toBe('TOO_MANY_ITEMS');
    expect(await items()).toBe(before);
  });

  it('NUL bytes and lone surrogates in every text field are stored cleaned, the item kept', async () => {
    const body = `[{"url":"https://nul.example/1?q=\\u0000","title":"标题\\u0000含空字符\\ud800","text":"正文\\u0000\\udc00","author":"作者\\u0000","summary":"摘要\\u0000"}]`;
    const res = await push(body);
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json().inserted).toBe(1);
    const row = (await t.db.query(`SELECT title, text, author, summary FROM items WHERE url LIKE 'https://nul.example/%'`)).rows[0];
    expect(row).toEqual({ title: '标题含空字符\uFFFD', text: '正文\uFFFD', author: '作者', summary: '摘要' });
  });
});
