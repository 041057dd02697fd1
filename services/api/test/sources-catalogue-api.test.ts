/**
 * The source catalogue through the API: browsing it (filters, which entries are already sources),
 * adding entries as sources (templates with their values, all or nothing, audited, twice changes
 * nothing, hostile values kept inside one route segment) and the health of the RSSHub instances.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '@yuqing/api';
import { filterCatalogue, listSources, loadCatalogue, recordRsshubFailure, recordRsshubSuccess, type Role, type Source } from '@yuqing/db';
import type { FastifyInstance, InjectOptions } from 'fastify';
import { createTestEnv, type TestEnv } from '../../../test/support/test-env';
import { bearer, callerPerRole, type Caller } from './auth-fixtures';

const FAILING = 'http://127.0.0.1:9/';
const UNTRIED = 'http://rsshub.internal:1200';
const KEYWORD_URL = 'rsshub:/weibo/keyword/%E8%AD%A6%E6%96%B9%E9%80%9A%E6%8A%A5';

let t: TestEnv;
let app: FastifyInstance;
let callers: Record<Role, Caller>;

beforeAll(async () => {
  t = await createTestEnv('sourcescatalogue', { RSSHUB_URL: `${FAILING},${UNTRIED}` });
  callers = await callerPerRole(t.db);
  app = buildApp({ cfg: t.cfg, db: t.db, redis: t.redis });
  await app.ready();
});
afterAll(async () => {
  await app?.close();
  await t?.cleanup();
});

type Who = Role | 'anonymous';
const call = (who: Who, method: 'GET' | 'POST', url: string, extra: Omit<InjectOptions, 'method' | 'url'> = {}) =>
  app.inject({ method, url, ...extra, headers: { ...(who === 'anonymous' ? {} : bearer(callers[who].token)), ...(extra.headers ?? {}) } });
const add = (payload: unknown, who: Who = 'admin') => call(who, 'POST', '/api/sources/catalogue', { payload: payload as InjectOptions['payload'] });

interface ListedEntry {
  id: string;
  category: string;
  tier: number;
  hotList: boolean;
  template: boolean;
  sourceIds: number[];
  needs: string[];
  params?: Record<string, string>;
}
const browse = async (query = '', who: Who = 'analyst') => {
  const res = await call(who, 'GET', `/api/sources/catalogue${query}`);
  expect(res.statusCode, res.body).toBe(200);
  return res.json() as { version: number; updated: string; entries: ListedEntry[] };
};

async function sourceAudit(): Promise<Array<{ actor_id: string; actor_name: string; entity: string; entity_id: string; after: Source & { url: string } }>> {
  return (await t.db.query(`SELECT actor_id, actor_name, entity, entity_id, after FROM audit_log WHERE action = 'source.add' ORDER BY id`)).rows;
}
/** The stored sources and the audit rows, to show a refused request changed nothing. */
async function snapshot(): Promise<{ sources: string[]; audits: number }> {
  return { sources: (await listSources(t.db)).map((s) => `${s.id} ${s.url} ${s.enabled}`), audits: (await sourceAudit()).length };
}
const byCatalogue = async (id: string) => (await listSources(t.db)).filter((s) => s.catalogueId === id);
const entry = (id: string) => {
  const e = loadCatalogue().entries.find((x) => x.id === id);
  if (!e) throw new Error(`catalogue has no ${id}`);
  return e;
};

describe('who may use the catalogue routes', () => {
  it('lets admins and analysts browse; pr, leader and ingest are refused; anonymous must log in', async () => {
    for (const role of ['admin', 'analyst'] as const) expect((await call(role, 'GET', '/api/sources/catalogue')).statusCode, role).toBe(200);
    for (const role of ['pr', 'leader', 'ingest'] as const) {
      const res = await call(role, 'GET', '/api/sources/catalogue');
      expect(res.statusCode, role).toBe(403);
      expect(res.body).not.toContain('people-top');
    }
    expect((await call('anonymous', 'GET', '/api/sources/catalogue')).statusCode).toBe(401);
    expect((await app.inject({ method: 'GET', url: '/api/sources/catalogue', headers: bearer('yq_not-a-real-token') })).statusCode).toBe(401);
  });

  it('lets only admins add entries and see the RSSHub instances', async () => {
    const before = await snapshot();
    for (const role of ['analyst', 'pr', 'leader', 'ingest'] as const) {
      expect((await add({ entries: [{ id: 'people-top' }] }, role)).statusCode, role).toBe(403);
      const rsshub = await call(role, 'GET', '/api/sources/rsshub');
      expect(rsshub.statusCode, role).toBe(403);
      expect(rsshub.body).not.toContain('rsshub.internal');
    }
    expect((await add({ entries: [{ id: 'people-top' }] }, 'anonymous')).statusCode).toBe(401);
    expect((await call('anonymous', 'GET', '/api/sources/rsshub')).statusCode).toBe(401);
    expect(await snapshot()).toEqual(before);
    expect(before).toEqual({ sources: [], audits: 0 });
    expect((await call('admin', 'GET', '/api/sources/rsshub')).statusCode).toBe(200);
  });
});

describe('GET /api/sources/catalogue', () => {
  it('lists the whole shipped catalogue, marking templates, nothing added yet', async () => {
    const cat = loadCatalogue();
    const body = await browse();
    expect(body.version).toBe(1);
    expect(body.updated).toBe(cat.updated);
    expect(body.entries.map((e) => e.id)).toEqual(cat.entries.map((e) => e.id));
    expect(body.entries.length).toBeGreaterThan(20);
    expect(body.entries.every((e) => Array.isArray(e.sourceIds) && e.sourceIds.length === 0)).toBe(true);
    const byId = new Map(body.entries.map((e) => [e.id, e]));
    expect(byId.get('people-top')).toMatchObject({ template: false, kind: 'rsshub', route: '/people', category: 'central', tier: 1 });
    expect(byId.get('weibo-keyword')).toMatchObject({ template: true, needs: expect.arrayContaining(['WEIBO_COOKIES']), params: { keyword: expect.any(String) } });
    expect(byId.get('weibo-user')).toMatchObject({ template: true, params: { uid: expect.any(String) } });
    expect(byId.get('weibo-keyword-jingfang')?.template).toBe(false);
  });

  it('filters by category, tier and hot list', async () => {
    const cat = loadCatalogue();
    const police = await browse('?category=police-legal');
    expect(police.entries.length).toBeGreaterThan(0);
    expect(police.entries.length).toBeLessThan(cat.entries.length);
    expect(police.entries.every((e) => e.category === 'police-legal')).toBe(true);
    expect(police.entries.map((e) => e.id)).toEqual(filterCatalogue(cat, { category: 'police-legal' }).map((e) => e.id));

    const hot = await browse('?tier=4&hot=true');
    expect(hot.entries.length).toBeGreaterThan(0);
    expect(hot.entries.every((e) => e.tier === 4 && e.hotList)).toBe(true);
    expect(hot.entries.map((e) => e.id)).toContain('weibo-hot');
    expect(hot.entries.map((e) => e.id)).toEqual(cat.entries.filter((e) => e.tier === 4 && e.hotList).map((e) => e.id));

    const notHot = await browse('?category=platform&tier=4&hot=false');
    expect(notHot.entries.length).toBeGreaterThan(0);
    expect(notHot.entries.every((e) => e.category === 'platform' && e.tier === 4 && !e.hotList)).toBe(true);
    expect(notHot.entries.map((e) => e.id)).toContain('weibo-keyword');

    const tier1 = await browse('?tier=1', 'admin');
    expect(tier1.entries.length).toBeGreaterThan(0);
    expect(tier1.entries.every((e) => e.tier === 1)).toBe(true);
  });

  it('refuses a bad category, tier, hot value or an unknown query key', async () => {
    for (const query of ['category=nope', 'category=', 'tier=9', 'tier=0', 'tier=abc', 'tier=2.5', 'tier=', 'hot=yes', 'hot=1', 'foo=1', 'category=central&limit=5']) {
      const res = await call('analyst', 'GET', `/api/sources/catalogue?${query}`);
      expect(res.statusCode, query).toBe(400);
      expect(res.json().error, query).toMatchObject({ code: 'VALIDATION_FAILED', message: '查询参数无效', issues: expect.any(Array) });
    }
  });
});

describe('POST /api/sources/catalogue', () => {
  let peopleId: number;
  let keywordId: number;
  const firstBody = { entries: [{ id: 'people-top' }, { id: 'weibo-keyword', params: { keyword: '警方通报' } }] };

  it('adds a plain entry and a filled-in template as sources, audited, and says what RSSHub needs', async () => {
    const res = await add(firstBody);
    expect(res.statusCode, res.body).toBe(201);
    const body = res.json();
    expect(body.added).toEqual([
      { catalogueId: 'people-top', name: entry('people-top').name, sourceId: expect.any(Number) },
      { catalogueId: 'weibo-keyword', name: '微博关键词·警方通报', sourceId: expect.any(Number) },
    ]);
    expect(body.existing).toEqual([]);
    expect(body.needs).toContain('WEIBO_COOKIES');
    expect([...body.needs].sort()).toEqual([...new Set([...entry('people-top').needs, ...entry('weibo-keyword').needs])].sort());
    peopleId = body.added[0].sourceId;
    keywordId = body.added[1].sourceId;

    const sources = await listSources(t.db);
    expect(sources.map((s) => s.id)).toEqual([peopleId, keywordId]);
    expect(sources[0]).toMatchObject({ catalogueId: 'people-top', kind: 'rsshub', url: 'rsshub:/people', enabled: true, name: entry('people-top').name });
    expect(sources[1]).toMatchObject({ catalogueId: 'weibo-keyword', kind: 'rsshub', url: KEYWORD_URL, enabled: true, name: '微博关键词·警方通报', pollIntervalSeconds: 600 });

    const audit = await sourceAudit();
    expect(audit.map((a) => [a.entity, a.entity_id, Number(a.actor_id), a.actor_name])).toEqual([
      ['source', String(peopleId), callers.admin.user.id, callers.admin.user.name],
      ['source', String(keywordId), callers.admin.user.id, callers.admin.user.name],
    ]);
    expect(audit[1]?.after).toMatchObject({ id: keywordId, url: KEYWORD_URL, catalogueId: 'weibo-keyword' });
  });

  it('shows in the catalogue which entries are now sources', async () => {
    const all = new Map((await browse()).entries.map((e) => [e.id, e.sourceIds]));
    expect(all.get('people-top')).toEqual([peopleId]);
    expect(all.get('weibo-keyword')).toEqual([keywordId]);
    expect([...all].filter(([, ids]) => ids.length > 0).map(([id]) => id).sort()).toEqual(['people-top', 'weibo-keyword']);
    const platform = await browse('?category=platform');
    expect(platform.entries.find((e) => e.id === 'weibo-keyword')?.sourceIds).toEqual([keywordId]);
    expect(platform.entries.find((e) => e.id === 'people-top')).toBeUndefined();
  });

  it('adding the same entries again lists them as existing and changes nothing', async () => {
    const before = await snapshot();
    const res = await add(firstBody);
    expect(res.statusCode, res.body).toBe(201);
    expect(res.json()).toMatchObject({
      added: [],
      existing: [
        { catalogueId: 'people-top', name: entry('people-top').name },
        { catalogueId: 'weibo-keyword', name: '微博关键词·警方通报' },
      ],
    });
    expect(res.json().needs).toContain('WEIBO_COOKIES');
    expect(await snapshot()).toEqual(before);
    // The value is trimmed before it is encoded: the same keyword with spaces is the same source.
    const spaced = await add({ entries: [{ id: 'weibo-keyword', params: { keyword: '  警方通报 ' } }] });
    expect(spaced.statusCode, spaced.body).toBe(201);
    expect(spaced.json().existing).toEqual([{ catalogueId: 'weibo-keyword', name: '微博关键词·警方通报' }]);
    expect(await snapshot()).toEqual(before);
  });

  it('adds a template once per value, and one entry given twice in a request once', async () => {
    const res = await add({ entries: [{ id: 'weibo-user', params: { uid: '2803301701' } }, { id: 'weibo-user', params: { uid: '2803301701' } }, { id: 'weibo-keyword', params: { keyword: '某某派出所' } }] });
    expect(res.statusCode, res.body).toBe(201);
    const body = res.json();
    expect(body.added.map((a: { catalogueId: string; name: string }) => [a.catalogueId, a.name])).toEqual([
      ['weibo-user', '微博博主·2803301701'],
      ['weibo-keyword', '微博关键词·某某派出所'],
    ]);
    expect(body.existing).toEqual([{ catalogueId: 'weibo-user', name: '微博博主·2803301701' }]);
    expect((await byCatalogue('weibo-user')).map((s) => s.url)).toEqual(['rsshub:/weibo/user/2803301701']);
    const keywords = await byCatalogue('weibo-keyword');
    expect(keywords.map((s) => s.url)).toEqual([KEYWORD_URL, `rsshub:/weibo/keyword/${encodeURIComponent('某某派出所')}`]);
    const listed = (await browse('?category=platform')).entries.find((e) => e.id === 'weibo-keyword');
    expect(listed?.sourceIds).toEqual(keywords.map((s) => s.id));
    expect((await sourceAudit()).map((a) => Number(a.entity_id)).slice(-2)).toEqual(body.added.map((a: { sourceId: number }) => a.sourceId));
  });

  it('stores the sources disabled when asked', async () => {
    const res = await add({ entries: [{ id: 'cctv-china' }, { id: 'weibo-user', params: { uid: '1234567890' } }], enabled: false });
    expect(res.statusCode, res.body).toBe(201);
    expect(res.json().added).toHaveLength(2);
    const stored = [...(await byCatalogue('cctv-china')), ...(await byCatalogue('weibo-user')).filter((s) => s.url.endsWith('/1234567890'))];
    expect(stored.map((s) => [s.url, s.enabled])).toEqual([
      [`rsshub:${entry('cctv-china').route}`, false],
      ['rsshub:/weibo/user/1234567890', false],
    ]);
    const audit = await sourceAudit();
    expect(audit.slice(-2).map((a) => a.after.enabled)).toEqual([false, false]);
    // Without `enabled` a source is enabled.
    const on = await add({ entries: [{ id: 'cctv-society' }] });
    expect(on.statusCode).toBe(201);
    expect((await byCatalogue('cctv-society')).map((s) => s.enabled)).toEqual([true]);
  });

  it('adds nothing when any entry is wrong, and lists every wrong one by its path', async () => {
    const before = await snapshot();
    const refused = async (payload: unknown, issues: Array<{ path: string; message?: unknown }>) => {
      const res = await add(payload);
      expect(res.statusCode, res.body).toBe(400);
      const error = res.json().error;
      expect(error.code).toBe('CATALOGUE_ENTRY_INVALID');
      expect(error.issues).toEqual(issues.map((i) => ({ message: expect.any(String), ...i })));
      expect(await byCatalogue('xinhua-xhsxw')).toEqual([]);
      expect(await snapshot()).toEqual(before);
    };
    // A template without its value.
    await refused({ entries: [{ id: 'xinhua-xhsxw' }, { id: 'weibo-user' }] }, [{ path: '/entries/1/params', message: expect.stringContaining('uid') }]);
    await refused({ entries: [{ id: 'xinhua-xhsxw' }, { id: 'weibo-keyword', params: {} }] }, [{ path: '/entries/1/params', message: expect.stringContaining('keyword') }]);
    // An unknown id.
    await refused({ entries: [{ id: 'xinhua-xhsxw' }, { id: 'no-such-entry' }] }, [{ path: '/entries/1/id', message: expect.stringContaining('no-such-entry') }]);
    // A value for a placeholder the entry does not have.
    await refused({ entries: [{ id: 'xinhua-xhsxw', params: { uid: '1' } }] }, [{ path: '/entries/0/params', message: expect.stringContaining('{uid}') }]);
    await refused({ entries: [{ id: 'xinhua-xhsxw' }, { id: 'weibo-keyword', params: { keyword: '警情', uid: '1' } }] }, [{ path: '/entries/1/params' }]);
    // Several problems at once, an already-added entry among them: still nothing added.
    await refused({ entries: [{ id: 'nope' }, { id: 'xinhua-xhsxw' }, { id: 'people-top' }, { id: 'weibo-user' }] }, [{ path: '/entries/0/id' }, { path: '/entries/3/params' }]);
    // A value that is nothing but a dot segment leaves an unusable route.
    await refused({ entries: [{ id: 'xinhua-xhsxw' }, { id: 'weibo-keyword', params: { keyword: '..' } }] }, [{ path: '/entries/1/route' }]);
    await refused({ entries: [{ id: 'weibo-user', params: { uid: '.' } }, { id: 'xinhua-xhsxw' }] }, [{ path: '/entries/0/route' }]);
  });

  it('refuses a value the database or URL encoding cannot take with a 400, not a server error', async () => {
    // A NUL would reach PostgreSQL inside the source name and a lone surrogate would make
    // encodeURIComponent throw: the API's text guard (plugins/text-guard.ts) refuses both first.
    const before = await snapshot();
    const outcomes = [];
    for (const value of ['警情\u0000通报', 'x\ud800']) {
      const res = await add({ entries: [{ id: 'xinhua-xhsxw' }, { id: 'weibo-keyword', params: { keyword: value } }] });
      outcomes.push({ status: res.statusCode, code: res.json().error?.code, paths: (res.json().error?.issues ?? []).map((i: { path: string }) => i.path) });
    }
    // All or nothing holds either way.
    expect(await snapshot()).toEqual(before);
    expect(outcomes).toEqual([
      { status: 400, code: 'INVALID_TEXT', paths: ['/entries/1/params/keyword'] },
      { status: 400, code: 'INVALID_TEXT', paths: ['/entries/1/params/keyword'] },
    ]);
  });

  it('accepts a long value, shortening the source name to 200 characters while the route keeps it whole', async () => {
    const res = await add({ entries: [{ id: 'weibo-keyword', params: { keyword: 'y'.repeat(200) } }] });
    expect(res.statusCode, res.body).toBe(201);
    const [added] = res.json().added;
    expect(added.name).toHaveLength(200);
    expect(added.name.endsWith('…')).toBe(true);
    const stored = (await listSources(t.db)).find((s) => s.id === added.sourceId);
    expect(stored?.url).toBe(`rsshub:/weibo/keyword/${'y'.repeat(200)}`);
  });

  it('refuses malformed bodies before looking at the catalogue', async () => {
    const before = await snapshot();
    const ok = { id: 'xinhua-xhsxw' };
    const bad: Array<[string, unknown]> = [
      ['unknown body field', { entries: [ok], force: true }],
      ['unknown entry field', { entries: [{ ...ok, name: '新华社' }] }],
      ['no entries', {}],
      ['empty entries', { entries: [] }],
      ['201 entries', { entries: Array.from({ length: 201 }, () => ok) }],
      ['entries not an array', { entries: ok }],
      ['body an array', [ok]],
      ['empty id', { entries: [{ id: '' }] }],
      ['id too long', { entries: [{ id: 'x'.repeat(81) }] }],
      ['id not a string', { entries: [{ id: 7 }] }],
      ['params key with a space', { entries: [{ id: 'weibo-keyword', params: { 'key word': 'x' } }] }],
      ['params key with a slash', { entries: [{ id: 'weibo-keyword', params: { 'keyword/../x': 'x' } }] }],
      ['params key starting with a digit', { entries: [{ id: 'weibo-keyword', params: { '1keyword': 'x' } }] }],
      ['params key with a brace', { entries: [{ id: 'weibo-keyword', params: { '{keyword}': 'x' } }] }],
      ['params key empty', { entries: [{ id: 'weibo-keyword', params: { '': 'x' } }] }],
      ['params value empty', { entries: [{ id: 'weibo-keyword', params: { keyword: '' } }] }],
      ['params value blank', { entries: [{ id: 'weibo-keyword', params: { keyword: '   ' } }] }],
      ['params value too long', { entries: [{ id: 'weibo-keyword', params: { keyword: 'x'.repeat(201) } }] }],
      ['params value a number', { entries: [{ id: 'weibo-user', params: { uid: 2803301701 } }] }],
      ['params value an object', { entries: [{ id: 'weibo-user', params: { uid: { $ne: null } } }] }],
      ['params an array', { entries: [{ id: 'weibo-user', params: ['2803301701'] }] }],
      ['enabled a string', { entries: [ok], enabled: 'false' }],
    ];
    for (const [what, payload] of bad) {
      const res = await add(payload);
      expect(res.statusCode, what).toBe(400);
      expect(res.json().error, what).toMatchObject({ code: 'VALIDATION_FAILED', message: '请求体无效', issues: expect.any(Array) });
    }
    const notJson = await call('admin', 'POST', '/api/sources/catalogue', { payload: '{"entries": [{"id": "xinhua-xhsxw"}', headers: { 'content-type': 'application/json' } });
    expect(notJson.statusCode).toBe(400);
    expect(notJson.json().error.code).toMatch(/^FST_/);
    // Plain text is read as a string, which is not the object the body must be.
    const text = await call('admin', 'POST', '/api/sources/catalogue', { payload: 'entries=xinhua-xhsxw', headers: { 'content-type': 'text/plain' } });
    expect(text.statusCode).toBe(400);
    expect(text.json().error.code).toBe('VALIDATION_FAILED');
    const form = await call('admin', 'POST', '/api/sources/catalogue', { payload: 'entries=xinhua-xhsxw', headers: { 'content-type': 'application/x-www-form-urlencoded' } });
    expect(form.statusCode).toBe(415);
    const proto = await call('admin', 'POST', '/api/sources/catalogue', {
      payload: '{"entries":[{"id":"weibo-user","params":{"__proto__":{"uid":"1"}}}]}',
      headers: { 'content-type': 'application/json' },
    });
    expect(proto.statusCode).toBe(400);
    expect(await snapshot()).toEqual(before);
  });

  it('accepts 200 entries, the most one request may hold', async () => {
    const before = await snapshot();
    const res = await add({ entries: Array.from({ length: 200 }, () => ({ id: 'people-top' })) });
    expect(res.statusCode, res.body).toBe(201);
    expect(res.json().added).toEqual([]);
    expect(res.json().existing).toHaveLength(200);
    expect(await snapshot()).toEqual(before);
  });

  it('keeps a hostile value percent-encoded inside one route segment', async () => {
    const values = ['../../admin', '../../admin?format=json#x', '/etc/passwd', '%2e%2e%2fadmin', 'a b&c=d', '..\\..\\admin'];
    const res = await add({ entries: values.map((keyword) => ({ id: 'weibo-keyword', params: { keyword } })) });
    expect(res.statusCode, res.body).toBe(201);
    expect(res.json().added).toHaveLength(values.length);
    const urls = res.json().added.map((a: { sourceId: number }) => a.sourceId);
    const stored = (await listSources(t.db)).filter((s) => urls.includes(s.id));
    expect(stored.map((s) => s.url)).toEqual(values.map((v) => `rsshub:/weibo/keyword/${encodeURIComponent(v)}`));
    for (const s of stored) {
      expect(s.url.startsWith('rsshub:/weibo/keyword/'), s.url).toBe(true);
      expect(s.url, s.url).not.toContain('/../');
      // rsshub: / weibo / keyword / <one segment>
      expect(s.url.slice('rsshub:'.length).split('/'), s.url).toHaveLength(4);
      expect(s.url, s.url).not.toMatch(/[?#\s\\]/);
    }
    expect(stored[0]?.url).toBe('rsshub:/weibo/keyword/..%2F..%2Fadmin');
    expect(stored[3]?.url).toBe('rsshub:/weibo/keyword/%252e%252e%252fadmin');
  });

  it('treats the fixed 警方通报 entry and the template filled with 警方通报 as one source: routes are stored percent-encoded', async () => {
    const res = await add({ entries: [{ id: 'weibo-keyword-jingfang' }] });
    expect(res.statusCode, res.body).toBe(201);
    expect(res.json()).toMatchObject({ added: [], existing: [{ catalogueId: 'weibo-keyword-jingfang' }] });
    const same = (await listSources(t.db)).filter((s) => s.url === KEYWORD_URL);
    expect(same.map((s) => s.catalogueId)).toEqual(['weibo-keyword']);
  });
});

describe('GET /api/sources/rsshub', () => {
  it('shows each configured instance, never tried ones as untried', async () => {
    const res = await call('admin', 'GET', '/api/sources/rsshub');
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({
      configured: [FAILING, UNTRIED],
      instances: [
        { configured: true, baseUrl: FAILING, status: 'untried' },
        { configured: true, baseUrl: UNTRIED, status: 'untried' },
      ],
    });
  });

  it('shows a failing instance with its last error, and instances no longer configured', async () => {
    await recordRsshubFailure(t.db, FAILING, 'connect ECONNREFUSED 127.0.0.1:9');
    await recordRsshubSuccess(t.db, 'http://old-rsshub:1200');
    const res = await call('admin', 'GET', '/api/sources/rsshub');
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(body.configured).toEqual([FAILING, UNTRIED]);
    expect(body.instances).toHaveLength(3);
    expect(body.instances[0]).toMatchObject({
      configured: true,
      baseUrl: FAILING,
      status: 'failing',
      lastError: 'connect ECONNREFUSED 127.0.0.1:9',
      failures: 1,
      consecutiveErrors: 1,
      lastErrorAt: expect.any(String),
    });
    expect(body.instances[1]).toEqual({ configured: true, baseUrl: UNTRIED, status: 'untried' });
    expect(body.instances[2]).toMatchObject({ configured: false, baseUrl: 'http://old-rsshub:1200', status: 'ok', failures: 0, lastError: null });
  });
});

describe('GET /api/sources/rsshub without RSSHub configured', () => {
  let bare: TestEnv;
  let bareApp: FastifyInstance;
  beforeAll(async () => {
    bare = await createTestEnv('sourcesrsshubnone', { RSSHUB_URL: '' });
    bareApp = buildApp({ cfg: bare.cfg, db: bare.db, redis: bare.redis });
    await bareApp.ready();
  });
  afterAll(async () => {
    await bareApp?.close();
    await bare?.cleanup();
  });

  it('says nothing is configured, then lists instances the crawler once used', async () => {
    const admin = (await callerPerRole(bare.db)).admin;
    const get = () => bareApp.inject({ method: 'GET', url: '/api/sources/rsshub', headers: bearer(admin.token) });
    expect((await get()).json()).toEqual({ configured: [], instances: [] });
    await recordRsshubFailure(bare.db, 'http://gone:1200', 'timeout');
    expect((await get()).json()).toEqual({ configured: [], instances: [expect.objectContaining({ configured: false, baseUrl: 'http://gone:1200', status: 'failing', lastError: 'timeout' })] });
  });
});
