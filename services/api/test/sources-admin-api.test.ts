/**
 * Managing sources through the API (admins only): health with item counts and the start of the
 * failure streak, a test fetch before saving (a GBK feed and a list page on a real local server;
 * loopback refused when FETCH_ALLOWLIST is empty), add / change / remove with audit rows in the
 * same transaction, and OPML import, all or nothing. Every refused request is shown to have
 * changed nothing.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '@yuqing/api';
import { getSource, insertSource, listSources, sourceInputSchema, type Role, type SourceInput } from '@yuqing/db';
import type { FastifyInstance, InjectOptions } from 'fastify';
import { ok, startTestServer, status, type Handler, type TestServer } from '../../../test/support/misbehaving-server';
import { createTestEnv, type TestEnv } from '../../../test/support/test-env';
import { bearer, callerPerRole, type Caller } from './auth-fixtures';

let t: TestEnv;
let app: FastifyInstance;
let callers: Record<Role, Caller>;
let server: TestServer;
let seq = 0;
const routes: Record<string, Handler> = {};

/** GBK bytes of a text (Node encodes only UTF-8): the reverse of the GBK decoder, built once. */
let gbkTable: Map<string, number[]> | null = null;
function gbk(text: string): Buffer {
  if (!gbkTable) {
    gbkTable = new Map();
    const dec = new TextDecoder('gbk');
    for (let hi = 0x81; hi <= 0xfe; hi++) {
      for (let lo = 0x40; lo <= 0xfe; lo++) {
        if (lo === 0x7f) continue;
        const ch = dec.decode(Uint8Array.of(hi, lo));
        if (ch.length === 1 && ch !== '\ufffd' && !gbkTable.has(ch)) gbkTable.set(ch, [hi, lo]);
      }
    }
  }
  const out: number[] = [];
  for (const ch of text) {
    const code = ch.codePointAt(0) ?? 0;
    if (code < 0x80) out.push(code);
    else {
      const bytes = gbkTable.get(ch);
      if (!bytes) throw new Error(`no GBK code for ${ch}`);
      out.push(...bytes);
    }
  }
  return Buffer.from(out);
}

const GBK_TITLES = ['派出所民警调解邻里纠纷', '交警雨夜护送学生回家', '警方通报一起电信诈骗案'];
const gbkFeed = () =>
  gbk(
    `<?xml version="1.0" encoding="gbk"?><rss version="2.0"><channel><title>测试公安网</title><link>${server.url}/</link>` +
      GBK_TITLES.map(
        (title, i) => `<item><title>${title}</title><link>${server.url}/news/${i + 1}.html</link><description>${title}。</description><pubDate>${['Tue', 'Wed', 'Thu'][i]}, 0${i + 1} Dec 2026 0${i}:30:00 +0800</pubDate></item>`,
      ).join('') +
      '</channel></rss>',
  );
const LIST_PAGE = `<!doctype html><html><head><meta charset="utf-8"><title>警务动态</title></head><body>
<ul class="news"><li><a href="/jw/1.html">市公安局开展反诈宣传进社区活动</a><span class="date">2026-12-01 09:15</span></li>
<li><a href="/jw/2.html">民警帮助走失老人回家</a><span class="date">2026-12-02 18:40</span></li>
<li><a href="https://example.org/more">更多</a></li></ul></body></html>`;
const LIST_SELECTORS = { item: 'ul.news li', link: 'a', title: 'a', time: '.date' };

beforeAll(async () => {
  server = await startTestServer(routes);
  routes['/gbk.xml'] = (_req, res) => {
    res.writeHead(200, { 'content-type': 'text/xml' }).end(gbkFeed());
  };
  routes['/list.html'] = ok(LIST_PAGE, 'text/html; charset=utf-8');
  routes['/gone.xml'] = status(404);
  routes['/feed.xml'] = ok(
    `<?xml version="1.0"?><rss version="2.0"><channel><title>t</title><item><title>民警救助落水儿童</title><link>${'https://news.example.cn/1.html'}</link></item></channel></rss>`,
    'application/rss+xml; charset=utf-8',
  );
  t = await createTestEnv('sourcesadmin');
  callers = await callerPerRole(t.db);
  app = buildApp({ cfg: t.cfg, db: t.db, redis: t.redis });
  await app.ready();
});
afterAll(async () => {
  await app?.close();
  await server?.close();
  await t?.cleanup();
});

type Who = Role | 'anonymous';
type Method = 'GET' | 'POST' | 'PATCH' | 'DELETE';
const call = (who: Who, method: Method, url: string, payload?: unknown) =>
  app.inject({ method, url, headers: who === 'anonymous' ? {} : bearer(callers[who].token), ...(payload !== undefined ? { payload: payload as InjectOptions['payload'] } : {}) });

async function newSource(input: Partial<SourceInput> = {}): Promise<number> {
  const s = await insertSource(t.db, sourceInputSchema.parse({ name: `信源${++seq}`, url: `https://src${seq}.example.cn/rss.xml`, ...input }));
  if (!s) throw new Error('source not created');
  return s.id;
}

interface AuditRow {
  action: string;
  actor_name: string;
  entity: string;
  entity_id: string;
  before: Record<string, unknown> | null;
  after: Record<string, unknown> | null;
  request_id: string | null;
}
const audits = async (action?: string): Promise<AuditRow[]> =>
  (
    await t.db.query<AuditRow>(
      `SELECT action, actor_name, entity, entity_id, before, after, request_id FROM audit_log WHERE entity = 'source' ${action ? 'AND action = $1' : ''} ORDER BY id`,
      action ? [action] : [],
    )
  ).rows;
/** The stored sources and the number of audit rows: a refused request leaves both as they were. */
const snapshot = async () => ({ sources: (await listSources(t.db)).map((s) => `${s.id} ${s.url} ${s.enabled} ${s.name}`), audits: (await audits()).length });

describe('who may call the source admin routes', () => {
  const cases: Array<{ name: string; method: Method; url: () => Promise<string>; body?: () => unknown }> = [
    { name: 'GET /api/sources/health', method: 'GET', url: async () => '/api/sources/health' },
    { name: 'POST /api/sources/preview', method: 'POST', url: async () => '/api/sources/preview', body: () => ({ name: '预览', url: `${server.url}/feed.xml` }) },
    { name: 'POST /api/sources', method: 'POST', url: async () => '/api/sources', body: () => ({ name: `角色测试${++seq}`, url: `https://roles${seq}.example.cn/rss.xml` }) },
    { name: 'PATCH /api/sources/:id', method: 'PATCH', url: async () => `/api/sources/${await newSource()}`, body: () => ({ enabled: false }) },
    { name: 'DELETE /api/sources/:id', method: 'DELETE', url: async () => `/api/sources/${await newSource()}` },
    {
      name: 'POST /api/sources/import',
      method: 'POST',
      url: async () => '/api/sources/import',
      body: () => ({ opml: `<opml version="2.0"><body><outline text="导入${++seq}" xmlUrl="https://opml${seq}.example.cn/rss"/></body></opml>` }),
    },
  ];
  it.each(cases)('$name: admin only; pr, analyst, leader, ingest 403; anonymous 401', async (c) => {
    for (const who of ['anonymous', 'pr', 'analyst', 'leader', 'ingest'] as const) {
      const before = await snapshot();
      const res = await call(who, c.method, await c.url(), c.body?.());
      expect(res.statusCode, `${who}: ${res.body}`).toBe(who === 'anonymous' ? 401 : 403);
      expect(res.json()).toEqual({ error: { code: who === 'anonymous' ? 'UNAUTHENTICATED' : 'FORBIDDEN', message: expect.any(String) } });
      // Only the fixture's own source (PATCH/DELETE create one to aim at) is new; nothing else changed.
      const after = await snapshot();
      expect(after.audits, who).toBe(before.audits);
      expect(after.sources.slice(0, before.sources.length), who).toEqual(before.sources);
      expect(after.sources.length - before.sources.length, who).toBeLessThanOrEqual(1);
    }
    const res = await call('admin', c.method, await c.url(), c.body?.());
    expect(res.statusCode, res.body).toBeGreaterThanOrEqual(200);
    expect(res.statusCode, res.body).toBeLessThan(300);
  });
});

describe('validation', () => {
  it('refuses unknown fields, bad URLs, html without (or with broken) selectors, bad routes — and stores nothing', async () => {
    const before = await snapshot();
    const bad: Array<{ body: unknown; path: string }> = [
      { body: { name: '多余字段', url: 'https://x.example.cn/rss', color: 'red' }, path: '/' },
      { body: { name: '坏地址', url: 'ftp://x.example.cn/rss' }, path: '/url' },
      { body: { name: '坏地址', url: 'not a url' }, path: '/url' },
      { body: { name: '缺地址', kind: 'rss' }, path: '/url' },
      { body: { name: '网页', kind: 'html', url: 'https://x.example.cn/list' }, path: '/selectors' },
      { body: { name: '路由', kind: 'rsshub', route: 'weibo/search/hot' }, path: '/route' },
      { body: { name: '', url: 'https://x.example.cn/rss' }, path: '/name' },
      { body: { name: '间隔', url: 'https://x.example.cn/rss', pollInterval: '1s' }, path: '/pollInterval' },
    ];
    for (const url of ['/api/sources', '/api/sources/preview']) {
      for (const b of bad) {
        const res = await call('admin', 'POST', url, b.body);
        expect(res.statusCode, `${url} ${JSON.stringify(b.body)}`).toBe(400);
        const err = res.json().error;
        expect(err.code).toBe('VALIDATION_FAILED');
        expect(err.issues.map((i: { path: string }) => i.path), JSON.stringify(b.body)).toContain(b.path);
      }
      // Selectors that cheerio cannot compile: found after the schema, reported the same way.
      const res = await call('admin', 'POST', url, { name: '坏选择器', kind: 'html', url: 'https://x.example.cn/list', selectors: { item: 'li[[', link: 'a' } });
      expect(res.statusCode, res.body).toBe(400);
      expect(res.json().error).toMatchObject({ code: 'VALIDATION_FAILED', issues: [{ path: '/selectors/item', message: expect.stringContaining('li[[') }] });
    }
    expect(await snapshot()).toEqual(before);
    // A header name that is not an HTTP token.
    expect((await call('admin', 'POST', '/api/sources', { name: 'x', url: 'https://x.example.cn/rss', headers: { 'bad header': 'v' } })).statusCode).toBe(400);
  });

  it('refuses a PATCH with unknown fields, nothing to change, or bad values, and unknown ids', async () => {
    const id = await newSource();
    const before = await snapshot();
    for (const body of [{ url: 'https://other.example.cn/rss' }, {}, { authority: 11 }, { pollInterval: '2s' }, { name: '' }, { enabled: 'yes' }]) {
      const res = await call('admin', 'PATCH', `/api/sources/${id}`, body);
      expect(res.statusCode, JSON.stringify(body)).toBe(400);
      expect(res.json().error.code).toBe('VALIDATION_FAILED');
    }
    expect((await call('admin', 'PATCH', '/api/sources/999999', { enabled: false })).json()).toEqual({ error: { code: 'SOURCE_NOT_FOUND', message: '信息源 999999 不存在' } });
    expect((await call('admin', 'PATCH', '/api/sources/999999', { enabled: false })).statusCode).toBe(404);
    expect((await call('admin', 'DELETE', '/api/sources/999999')).statusCode).toBe(404);
    expect((await call('admin', 'DELETE', '/api/sources/abc')).statusCode).toBe(400);
    expect(await snapshot()).toEqual(before);
  });
});

describe('POST /api/sources/preview', () => {
  it('fetches a GBK feed and returns its entries decoded, without storing anything', async () => {
    const before = await snapshot();
    const hits = server.hits.get('/gbk.xml') ?? 0;
    const res = await call('admin', 'POST', '/api/sources/preview', { name: 'GBK 订阅', url: `${server.url}/gbk.xml` });
    expect(res.statusCode, res.body).toBe(200);
    const body = res.json();
    expect(body).toMatchObject({ ok: true, url: `${server.url}/gbk.xml`, httpStatus: 200, truncated: false, total: 3, existing: null });
    expect(body.charset.toLowerCase()).toMatch(/^(gbk|gb18030)$/);
    expect(body.bytes).toBe(gbkFeed().byteLength);
    expect(body.entries.map((e: { title: string }) => e.title)).toEqual(GBK_TITLES);
    expect(body.entries[0]).toMatchObject({ url: `${server.url}/news/1.html`, publishedAt: '2026-11-30T16:30:00.000Z' });
    expect(server.hits.get('/gbk.xml')).toBe(hits + 1);
    expect(await snapshot()).toEqual(before);
  });

  it('reads a list page with its selectors', async () => {
    const res = await call('admin', 'POST', '/api/sources/preview', { name: '警务动态', kind: 'html', url: `${server.url}/list.html`, selectors: LIST_SELECTORS });
    expect(res.statusCode, res.body).toBe(200);
    const body = res.json();
    expect(body).toMatchObject({ ok: true, httpStatus: 200, total: 3 });
    expect(body.entries.slice(0, 2)).toEqual([
      expect.objectContaining({ title: '市公安局开展反诈宣传进社区活动', url: `${server.url}/jw/1.html`, publishedAt: '2026-12-01T01:15:00.000Z' }),
      expect.objectContaining({ title: '民警帮助走失老人回家', url: `${server.url}/jw/2.html`, publishedAt: '2026-12-02T10:40:00.000Z' }),
    ]);
  });

  it('answers 200 with ok: false when the fetch fails, and says when the URL is already a source', async () => {
    const res = await call('admin', 'POST', '/api/sources/preview', { name: '失效', url: `${server.url}/gone.xml` });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ ok: false, outcome: 'http_error', httpStatus: 404, error: expect.any(String) });
    const id = await newSource({ url: `${server.url}/feed.xml`, name: '已有订阅' });
    const again = await call('admin', 'POST', '/api/sources/preview', { name: '同一地址', url: `${server.url}/feed.xml` });
    expect(again.json()).toMatchObject({ ok: true, total: 1, existing: { id, name: '已有订阅' } });
  });

  it('refuses loopback addresses when FETCH_ALLOWLIST is empty (no request reaches the server)', async () => {
    const strict = buildApp({ cfg: { ...t.cfg, FETCH_ALLOWLIST: [] }, db: t.db, redis: t.redis });
    try {
      await strict.ready();
      const hits = server.hits.get('/gbk.xml') ?? 0;
      for (const url of [`${server.url}/gbk.xml`, `http://localhost:${server.port}/gbk.xml`]) {
        const res = await strict.inject({ method: 'POST', url: '/api/sources/preview', headers: bearer(callers.admin.token), payload: { name: '内网', url } });
        expect(res.statusCode, res.body).toBe(200);
        expect(res.json(), url).toMatchObject({ ok: false, outcome: 'blocked_address' });
      }
      expect(server.hits.get('/gbk.xml') ?? 0).toBe(hits);
    } finally {
      await strict.close();
    }
  });
});

describe('add, change, remove', () => {
  it('adds a source (audited with the caller), and refuses the same URL or route again with 409', async () => {
    const res = await call('admin', 'POST', '/api/sources', { name: '警务动态', kind: 'html', url: `${server.url}/list.html`, selectors: LIST_SELECTORS, pollInterval: '30m', authority: 2, jurisdictionTags: ['某区'] });
    expect(res.statusCode, res.body).toBe(201);
    const { source } = res.json();
    expect(source).toMatchObject({ name: '警务动态', kind: 'html', pollIntervalSeconds: 1800, authority: 2, jurisdictionTags: ['某区'], enabled: true, selectors: LIST_SELECTORS });
    const stored = await getSource(t.db, source.id);
    expect(stored?.url).toBe(`${server.url}/list.html`);
    const rows = (await audits('source.add')).filter((a) => Number(a.entity_id) === source.id);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ actor_name: 'role-admin', after: { name: '警务动态', url: `${server.url}/list.html` }, request_id: expect.any(String) });

    const before = await snapshot();
    const dup = await call('admin', 'POST', '/api/sources', { name: '另一个名字', url: `${server.url}/list.html`, kind: 'html', selectors: { item: 'li' } });
    expect(dup.statusCode).toBe(409);
    expect(dup.json().error).toEqual({ code: 'SOURCE_EXISTS', message: expect.stringContaining(`「警务动态」（#${source.id}）`) });

    const hub = await call('admin', 'POST', '/api/sources', { name: '微博热搜', kind: 'rsshub', route: '/weibo/search/hot' });
    expect(hub.statusCode, hub.body).toBe(201);
    expect(hub.json().source.url).toBe('rsshub:/weibo/search/hot');
    const hubDup = await call('admin', 'POST', '/api/sources', { name: '微博热搜2', kind: 'rsshub', url: 'rsshub:/weibo/search/hot' });
    expect(hubDup.statusCode).toBe(409);
    expect(hubDup.json().error.message).toContain('路由 /weibo/search/hot');
    expect((await snapshot()).sources.length).toBe(before.sources.length + 1);
  });

  it('disables and enables (enabling makes it due now and clears the streak), changes settings, each audited once', async () => {
    const id = await newSource({ pollInterval: '6h' });
    await t.db.query(`UPDATE sources SET consecutive_errors = 4, next_poll_at = now() + interval '5 hours' WHERE id = $1`, [id]);

    const off = await call('admin', 'PATCH', `/api/sources/${id}`, { enabled: false });
    expect(off.statusCode, off.body).toBe(200);
    expect(off.json()).toMatchObject({ changed: true, source: { id, enabled: false } });
    expect((await getSource(t.db, id))?.enabled).toBe(false);
    // Disabling again changes nothing and records nothing.
    const count = (await audits()).length;
    expect((await call('admin', 'PATCH', `/api/sources/${id}`, { enabled: false })).json()).toMatchObject({ changed: false });
    expect((await audits()).length).toBe(count);

    const on = await call('admin', 'PATCH', `/api/sources/${id}`, { enabled: true });
    expect(on.statusCode).toBe(200);
    const s = await getSource(t.db, id);
    expect(s?.enabled).toBe(true);
    expect(s?.consecutiveErrors).toBe(0);
    expect(s!.nextPollAt.getTime()).toBeLessThanOrEqual(Date.now() + 1000);

    // A shorter interval: the next poll moves no later than now + the new interval.
    await t.db.query(`UPDATE sources SET next_poll_at = now() + interval '5 hours' WHERE id = $1`, [id]);
    const upd = await call('admin', 'PATCH', `/api/sources/${id}`, { name: '改名后', pollInterval: '10m', authority: 3, jurisdictionTags: ['甲区', '乙区'] });
    expect(upd.statusCode, upd.body).toBe(200);
    const u = await getSource(t.db, id);
    expect(u).toMatchObject({ name: '改名后', pollIntervalSeconds: 600, authority: 3, jurisdictionTags: ['甲区', '乙区'] });
    expect(u!.nextPollAt.getTime()).toBeLessThanOrEqual(Date.now() + 601_000);

    const mine = (await audits()).filter((a) => Number(a.entity_id) === id);
    expect(mine.map((a) => a.action)).toEqual(['source.disable', 'source.enable', 'source.update']);
    expect(mine[0]).toMatchObject({ actor_name: 'role-admin', before: { enabled: true }, after: { enabled: false } });
    expect(mine[2]).toMatchObject({ before: { name: `信源${seq}`, pollIntervalSeconds: 21600, authority: 1 }, after: { name: '改名后', pollIntervalSeconds: 600, authority: 3 } });
  });

  it('removes a source; its items stay, without a source', async () => {
    const id = await newSource();
    const { rows } = await t.db.query<{ id: number }>(
      `INSERT INTO items (source_id, url, url_hash, origin, title, published_at) VALUES ($1, 'https://x.example.cn/a', $2, 'crawl', '保留的条目', now()) RETURNING id`,
      [id, `hash-remove-${id}`],
    );
    const res = await call('admin', 'DELETE', `/api/sources/${id}`);
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json().source).toMatchObject({ id });
    expect(await getSource(t.db, id)).toBeNull();
    const item = (await t.db.query<{ source_id: number | null; title: string }>('SELECT source_id, title FROM items WHERE id = $1', [rows[0]!.id])).rows[0];
    expect(item).toEqual({ source_id: null, title: '保留的条目' });
    const audit = (await audits('source.remove')).filter((a) => Number(a.entity_id) === id);
    expect(audit).toHaveLength(1);
    expect(audit[0]).toMatchObject({ actor_name: 'role-admin', before: { id }, after: null });
    expect((await call('admin', 'DELETE', `/api/sources/${id}`)).statusCode).toBe(404);
  });

  it('never writes a source header value (credentials) into the audit log', async () => {
    const res = await call('admin', 'POST', '/api/sources', { name: '带 Cookie', url: `https://cookie${++seq}.example.cn/rss`, headers: { Cookie: 'SESSION=secret-value' } });
    expect(res.statusCode, res.body).toBe(201);
    const row = (await audits('source.add')).find((a) => Number(a.entity_id) === res.json().source.id);
    expect(JSON.stringify(row)).not.toContain('secret-value');
  });
});

describe('GET /api/sources/health', () => {
  const HOUR = 3_600_000;
  /** The Beijing calendar day of an instant: `2026-12-01`. */
  const beijingDay = (d: Date) => new Date(d.getTime() + 8 * HOUR).toISOString().slice(0, 10);

  it('lists failing sources first with the start of the streak, the next poll, and items per 24 h and per day', async () => {
    await t.db.query('DELETE FROM sources');
    const now = Date.now();
    const at = (msAgo: number) => new Date(now - msAgo);
    const healthy = await newSource({ name: '正常信源' });
    const failing = await newSource({ name: '故障信源' });
    const off = await newSource({ name: '停用信源', enabled: false });
    const erring = await newSource({ name: '偶发失败' });
    // The failing one: an earlier streak, a success, then the current streak of 3 (from 2 h ago).
    await t.db.query(
      `UPDATE sources SET status = 'failing', consecutive_errors = 3, last_success_at = $2, last_error = 'http_error: HTTP 503', last_error_at = $3 WHERE id = $1`,
      [failing, at(5 * HOUR), at(10 * 60_000)],
    );
    for (const [msAgo, outcome] of [
      [10 * HOUR, 'timeout'],
      [9 * HOUR, 'timeout'],
      [5 * HOUR, 'ok'],
      [2 * HOUR, 'http_error'],
      [HOUR, 'http_error'],
      [10 * 60_000, 'http_error'],
    ] as const) {
      await t.db.query(`INSERT INTO fetch_log (source_id, at, outcome, error) VALUES ($1, $2, $3, 'x')`, [failing, at(msAgo), outcome]);
    }
    // One failure, no fetch log: the last error's time stands in.
    await t.db.query(`UPDATE sources SET consecutive_errors = 1, last_error = 'timeout: 30s', last_error_at = $2 WHERE id = $1`, [erring, at(20 * 60_000)]);

    // Items of the healthy source: 2 in the last hour, 1 thirty hours ago, 1 three days ago, 1 ten days ago (outside).
    const itemTimes = [at(30 * 60_000), at(HOUR), at(30 * HOUR), at(72 * HOUR), at(240 * HOUR)];
    for (const [i, f] of itemTimes.entries()) {
      // Published long ago (a backfilled archive): the counts go by when yuqing collected them.
      await t.db.query(`INSERT INTO items (source_id, url, url_hash, origin, published_at, fetched_at) VALUES ($1, $2, $3, 'crawl', '2020-01-01T00:00:00Z', $4)`, [
        healthy,
        `https://h.example.cn/${i}`,
        `health-${healthy}-${i}`,
        f,
      ]);
    }
    // A pushed item without a source counts for nobody.
    await t.db.query(`INSERT INTO items (source_id, url, url_hash, origin, published_at) VALUES (NULL, 'https://p.example.cn/1', 'health-push-1', 'push', now())`);

    const res = await call('admin', 'GET', '/api/sources/health');
    expect(res.statusCode, res.body).toBe(200);
    const body = res.json();
    expect(body.sources.map((s: { id: number }) => s.id)).toEqual([failing, erring, healthy, off]);
    expect(body.summary).toEqual({ total: 4, enabled: 3, failing: 1, disabled: 1 });
    expect(body.days).toHaveLength(7);
    expect(body.days.at(-1)).toBe(beijingDay(new Date(now)));

    const f = body.sources[0];
    expect(f).toMatchObject({ name: '故障信源', status: 'failing', enabled: true, consecutiveErrors: 3, lastError: 'http_error: HTTP 503' });
    expect(Date.parse(f.failingSince)).toBe(at(2 * HOUR).getTime());
    expect(Date.parse(f.lastErrorAt)).toBe(at(10 * 60_000).getTime());
    expect(Date.parse(f.lastSuccessAt)).toBe(at(5 * HOUR).getTime());
    expect(f.nextPollAt).not.toBeNull();
    expect(Date.parse(body.sources[1].failingSince)).toBe(at(20 * 60_000).getTime());

    const h = body.sources[2];
    expect(h).toMatchObject({ status: 'ok', failingSince: null, items24h: 2, route: null });
    const expected = body.days.map((d: string) => itemTimes.filter((x) => beijingDay(x) === d).length);
    expect(h.daily).toEqual(expected);
    expect(h.daily.reduce((a: number, b: number) => a + b, 0)).toBe(4);
    expect(h).not.toHaveProperty('headers');

    expect(body.sources[3]).toMatchObject({ name: '停用信源', enabled: false, nextPollAt: null, items24h: 0, daily: [0, 0, 0, 0, 0, 0, 0] });
  });

  it('shows the route of an rsshub source', async () => {
    const id = await newSource({ name: '微博关键词', kind: 'rsshub', route: '/weibo/keyword/%E8%AD%A6%E6%96%B9', url: undefined });
    const body = (await call('admin', 'GET', '/api/sources/health')).json();
    expect(body.sources.find((s: { id: number }) => s.id === id)).toMatchObject({ kind: 'rsshub', route: '/weibo/keyword/%E8%AD%A6%E6%96%B9', url: 'rsshub:/weibo/keyword/%E8%AD%A6%E6%96%B9' });
  });
});

describe('POST /api/sources/import', () => {
  const opml = (outlines: string) => `<?xml version="1.0" encoding="UTF-8"?>
<opml version="2.0"><head><title>订阅</title></head><body>${outlines}</body></opml>`;

  it('imports new feeds, leaves existing ones as they were, counts duplicates; each new source audited', async () => {
    const existing = await newSource({ name: '已有的', url: 'https://exists.example.cn/rss', authority: 3, pollInterval: '2h' });
    const res = await call(
      'admin',
      'POST',
      '/api/sources/import',
      {
        opml: opml(`<outline text="中国长安网" title="中国长安网" type="rss" xmlUrl="https://imp1.example.cn/rss"/>
        <outline text="政法">
          <outline text="法治日报" xmlUrl="https://imp2.example.cn/feed.xml"/>
          <outline text="中国长安网（重复）" xmlUrl="https://imp1.example.cn/rss"/>
        </outline>
        <outline text="改名的已有" xmlUrl="https://exists.example.cn/rss"/>`),
      },
    );
    expect(res.statusCode, res.body).toBe(200);
    const body = res.json();
    expect(body).toMatchObject({ total: 4, created: 2, existing: 1, duplicates: 1 });
    expect(body.sources.map((s: { name: string }) => s.name)).toEqual(['中国长安网', '法治日报']);
    const byUrl = new Map((await listSources(t.db)).map((s) => [s.url, s]));
    expect(byUrl.get('https://imp2.example.cn/feed.xml')).toMatchObject({ name: '法治日报', kind: 'rss', enabled: true });
    expect(byUrl.get('https://exists.example.cn/rss')).toMatchObject({ id: existing, name: '已有的', authority: 3, pollIntervalSeconds: 7200 });
    const imported = await audits('source.import');
    expect(imported.filter((a) => body.sources.some((s: { id: number }) => s.id === Number(a.entity_id)))).toHaveLength(2);
    expect(imported.some((a) => Number(a.entity_id) === existing)).toBe(false);
  });

  it('imports nothing when any entry is bad, listing every bad one', async () => {
    const before = await snapshot();
    const res = await call('admin', 'POST', '/api/sources/import', {
      opml: opml(`<outline text="好的" xmlUrl="https://good${++seq}.example.cn/rss"/>
        <outline text="坏的一" xmlUrl="javascript:alert(1)"/>
        <outline text="好的二" xmlUrl="https://good${++seq}.example.cn/rss"/>
        <outline text="坏的二" xmlUrl="ftp://files.example.cn/feed"/>`),
    });
    expect(res.statusCode, res.body).toBe(400);
    const err = res.json().error;
    expect(err.code).toBe('VALIDATION_FAILED');
    expect(err.message).toBe('没有导入任何信息源：2 项无效');
    expect(err.issues.map((i: { path: string }) => i.path)).toEqual(['/outlines/1/url', '/outlines/3/url']);
    expect(err.issues[0].message).toContain('第 2 项（javascript:alert(1)）');
    expect(await snapshot()).toEqual(before);
  });

  it('refuses a huge, malformed or empty OPML and unknown fields', async () => {
    const before = await snapshot();
    const huge = await call('admin', 'POST', '/api/sources/import', { opml: opml(`<outline text="x" xmlUrl="https://x.example.cn/rss"/>${' '.repeat(2 * 1024 * 1024)}`) });
    expect(huge.statusCode).toBe(400);
    expect(huge.json().error).toMatchObject({ code: 'VALIDATION_FAILED', issues: [{ path: '/opml', message: 'OPML 文件不能超过 2 MB' }] });
    for (const text of ['这不是 XML', '<html><body><a href="https://x.example.cn/rss">订阅</a></body></html>', '<rss version="2.0"><channel></channel></rss>']) {
      const res = await call('admin', 'POST', '/api/sources/import', { opml: text });
      expect(res.statusCode, text).toBe(400);
      expect(res.json().error.code, text).toBe('OPML_INVALID');
    }
    const empty = await call('admin', 'POST', '/api/sources/import', { opml: opml('<outline text="只有文件夹"/>') });
    expect(empty.json().error.code).toBe('OPML_EMPTY');
    expect((await call('admin', 'POST', '/api/sources/import', { opml: opml(''), replace: true })).statusCode).toBe(400);
    expect((await call('admin', 'POST', '/api/sources/import', { opml: '' })).statusCode).toBe(400);
    expect(await snapshot()).toEqual(before);
  });

  it('can import the feeds disabled', async () => {
    const url = `https://off${++seq}.example.cn/rss`;
    const res = await call('admin', 'POST', '/api/sources/import', { opml: opml(`<outline text="先不抓" xmlUrl="${url}"/>`), enabled: false });
    expect(res.statusCode, res.body).toBe(200);
    expect((await listSources(t.db)).find((s) => s.url === url)?.enabled).toBe(false);
  });
});
