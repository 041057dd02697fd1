/**
 * Monitoring schemes (监测方案) through the API: who may read and edit them, what a body may hold
 * (unknown fields, too many or too long words, control characters, no words at all), the keyword-
 * search sources a saved scheme generates (routes percent-encoded, linked to the scheme, capped with
 * the rest reported), how editing, disabling and deleting change them, the audit rows, and the
 * preview of what a scheme would have matched among items of the last 7 days.
 */
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '@yuqing/api';
import { getSource, insertSource, listSources, SCHEME_LIMITS, sourceInputSchema, type Role } from '@yuqing/db';
import type { FastifyInstance, InjectOptions } from 'fastify';
import { createTestEnv, type TestEnv } from '../../../test/support/test-env';
import { bearer, callerPerRole, type Caller } from './auth-fixtures';
import { seedAnalysis, seedItem } from './read-fixtures';

const GAZETTEER = fileURLToPath(new URL('../../../packages/nlp/data/dict/jurisdiction.sample.json', import.meta.url));
const DAY = 86_400_000;

let t: TestEnv;
let app: FastifyInstance;
let callers: Record<Role, Caller>;

beforeAll(async () => {
  t = await createTestEnv('schemesapi', { JURISDICTION_FILE: GAZETTEER });
  callers = await callerPerRole(t.db);
  app = buildApp({ cfg: t.cfg, db: t.db, redis: t.redis });
  await app.ready();
});
afterAll(async () => {
  await app?.close();
  await t?.cleanup();
});

const call = (role: Role, opts: InjectOptions) => app.inject({ ...opts, headers: { ...bearer(callers[role].token), ...(opts.headers ?? {}) } });
const enc = (keyword: string) => `rsshub:/weibo/keyword/${encodeURIComponent(keyword)}`;
const tiebaEnc = (keyword: string) => `rsshub:/baidu/tieba/search/${encodeURIComponent(keyword)}`;
const linkedUrls = async (schemeId: number) =>
  (
    await t.db.query<{ url: string }>('SELECT s.url FROM scheme_sources ss JOIN sources s ON s.id = ss.source_id WHERE ss.scheme_id = $1 ORDER BY s.url', [schemeId])
  ).rows.map((r) => r.url);
const audits = async (action: string, entityId?: number) =>
  (
    await t.db.query<{ actor_name: string; entity_id: string; before: unknown; after: unknown }>(
      `SELECT actor_name, entity_id, before, after FROM audit_log WHERE action = $1 ${entityId ? 'AND entity_id = $2' : ''} ORDER BY id`,
      entityId ? [action, String(entityId)] : [action],
    )
  ).rows;
const schemeCount = async () => (await t.db.query<{ n: number }>('SELECT count(*)::int AS n FROM schemes')).rows[0]?.n ?? 0;

describe('access', () => {
  it('readers list schemes; only admins and analysts change them or preview', async () => {
    for (const role of ['admin', 'analyst', 'pr', 'leader'] as const) expect((await call(role, { method: 'GET', url: '/api/schemes' })).statusCode).toBe(200);
    expect((await call('ingest', { method: 'GET', url: '/api/schemes' })).statusCode).toBe(403);
    expect((await app.inject({ method: 'GET', url: '/api/schemes' })).statusCode).toBe(401);
    for (const role of ['pr', 'leader', 'ingest'] as const) {
      const res = await call(role, { method: 'POST', url: '/api/schemes', payload: { name: `${role} 的方案`, placeWords: ['青石'] } });
      expect(res.statusCode).toBe(403);
      expect(res.json()).toEqual({ error: { code: 'FORBIDDEN', message: expect.any(String) } });
      expect((await call(role, { method: 'POST', url: '/api/schemes/preview', payload: { placeWords: ['青石'] } })).statusCode).toBe(403);
      expect((await call(role, { method: 'GET', url: '/api/schemes/gazetteer' })).statusCode).toBe(403);
    }
    expect(await schemeCount()).toBe(0);
    const res = await call('analyst', { method: 'POST', url: '/api/schemes', payload: { name: '研判员方案', eventWords: ['打人'] } });
    expect(res.statusCode, res.body).toBe(201);
    expect(res.json().scheme).toMatchObject({ name: '研判员方案', enabled: true, jurisdiction: false, match: 'all', eventWords: ['打人'], sources: [], createdByName: 'role-analyst' });
    const del = await call('analyst', { method: 'DELETE', url: `/api/schemes/${res.json().scheme.id}` });
    expect(del.statusCode).toBe(200);
    expect(await schemeCount()).toBe(0);
  });

  it('offers the jurisdiction gazetteer as place words', async () => {
    const res = await call('analyst', { method: 'GET', url: '/api/schemes/gazetteer' });
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(body).toMatchObject({ configured: true, error: null });
    expect(body.entries).toContainEqual({ name: '青石区', aliases: ['青石'], kind: 'district' });
    expect(body.entries).toContainEqual({ name: '东湖派出所', aliases: ['东湖所'], kind: 'station' });
  });
});

describe('validation', () => {
  const bad: Array<[string, Record<string, unknown>, RegExp]> = [
    ['an unknown field', { name: '甲', placeWords: ['青石'], keywords: ['x'] }, /Unrecognized key/],
    ['no words at all', { name: '甲', excludeWords: ['广告'] }, /地域词、主体词、事件词至少填写一类/],
    ['too many words', { name: '甲', placeWords: Array.from({ length: SCHEME_LIMITS.words + 1 }, (_, i) => `地名${i}`) }, /最多 200 个/],
    ['a word too long', { name: '甲', subjectWords: ['派'.repeat(41)] }, /超过 40 个字/],
    ['a control character', { name: '甲', eventWords: ['打\u0007人'] }, /控制字符/],
    ['a C1 control character', { name: '甲', eventWords: ['打\u0085人'] }, /控制字符/],
    ['a space inside a word', { name: '甲', placeWords: ['青石 白沙'] }, /中有空格/],
    ['an empty word', { name: '甲', placeWords: ['  '] }, /不能为空/],
    ['a word both wanted and excluded', { name: '甲', placeWords: ['青石'], excludeWords: ['青石'] }, /既是排除词又是要监测的词/],
    ['an unknown search route', { name: '甲', placeWords: ['青石'], sources: ['douyin'] }, /检索渠道/],
    ['no name', { placeWords: ['青石'] }, /方案名称/],
  ];
  it.each(bad)('refuses %s, in the error shape, storing nothing', async (_what, payload, message) => {
    const res = await call('admin', { method: 'POST', url: '/api/schemes', payload });
    expect(res.statusCode, res.body).toBe(400);
    const body = res.json();
    expect(body.error.code).toBe('VALIDATION_FAILED');
    expect(body.error.issues.map((i: { message: string }) => i.message).join('\n')).toMatch(message);
    expect(await schemeCount()).toBe(0);
    expect((await listSources(t.db)).length).toBe(0);
  });

  it('trims words and drops duplicates (also full-width and case variants)', async () => {
    const res = await call('admin', {
      method: 'POST',
      url: '/api/schemes',
      payload: { name: '  去重  ', placeWords: [' 青石 ', '青石', 'ＡＢＣ', 'abc'], subjectWords: ['派出所', '派出所'] },
    });
    expect(res.statusCode, res.body).toBe(201);
    expect(res.json().scheme).toMatchObject({ name: '去重', placeWords: ['青石', 'ＡＢＣ'], subjectWords: ['派出所'] });
    expect((await call('admin', { method: 'DELETE', url: `/api/schemes/${res.json().scheme.id}` })).statusCode).toBe(200);
  });
});

describe('generated sources', () => {
  it('creates one rsshub source per keyword combination and route, linked to the scheme and audited', async () => {
    const res = await call('analyst', {
      method: 'POST',
      url: '/api/schemes',
      payload: { name: '青石辖区涉警', jurisdiction: true, placeWords: ['青石', '白沙'], subjectWords: ['派出所'], eventWords: ['打人'], excludeWords: ['演习'], sources: ['tieba', 'weibo'] },
    });
    expect(res.statusCode, res.body).toBe(201);
    const { scheme, sourceChanges } = res.json();
    expect(scheme.sources).toEqual(['weibo', 'tieba']);
    // place × subject: the events and exclusions are checked on what comes back.
    expect(sourceChanges.map((c: { action: string; search: string; keyword: string }) => `${c.action} ${c.search} ${c.keyword}`).sort()).toEqual(
      ['add tieba 白沙 派出所', 'add tieba 青石 派出所', 'add weibo 白沙 派出所', 'add weibo 青石 派出所'].sort(),
    );
    expect(await linkedUrls(scheme.id)).toEqual([tiebaEnc('白沙 派出所'), tiebaEnc('青石 派出所'), enc('白沙 派出所'), enc('青石 派出所')].sort());
    const weibo = (await listSources(t.db)).find((s) => s.url === enc('青石 派出所'));
    expect(weibo).toMatchObject({ kind: 'rsshub', enabled: true, catalogueId: 'weibo-keyword', name: '青石辖区涉警·微博关键词搜索·青石 派出所' });
    expect(weibo?.url).toBe('rsshub:/weibo/keyword/%E9%9D%92%E7%9F%B3%20%E6%B4%BE%E5%87%BA%E6%89%80');
    // One scheme.create and one source.add per source, by the analyst, in the same transaction.
    const created = await audits('scheme.create', scheme.id);
    expect(created).toHaveLength(1);
    expect(created[0]).toMatchObject({ actor_name: 'role-analyst', before: null, after: { name: '青石辖区涉警', sourceChanges: expect.any(Array) } });
    const adds = (await audits('source.add')).filter((a) => (a.after as { scheme?: { id: number } }).scheme?.id === scheme.id);
    expect(adds).toHaveLength(4);
    expect(adds.every((a) => a.actor_name === 'role-analyst')).toBe(true);

    // The list and the detail show each source's health.
    await t.db.query(`UPDATE sources SET status = 'failing', consecutive_errors = 5, last_error = 'route error: 需要 WEIBO_COOKIES', last_error_at = now() WHERE id = $1`, [weibo!.id]);
    const detail = await call('pr', { method: 'GET', url: `/api/schemes/${scheme.id}` });
    expect(detail.statusCode).toBe(200);
    const shown = detail.json().scheme.generated.find((g: { sourceId: number }) => g.sourceId === weibo!.id);
    expect(shown).toMatchObject({ search: 'weibo', keyword: '青石 派出所', generated: true, status: 'failing', lastError: 'route error: 需要 WEIBO_COOKIES', lastSuccessAt: null, enabled: true });
    expect(shown.route).toBe(`/weibo/keyword/${encodeURIComponent('青石 派出所')}`);
    const list = await call('leader', { method: 'GET', url: '/api/schemes' });
    const inList = list.json().schemes.find((s: { id: number }) => s.id === scheme.id);
    expect(inList.generated).toHaveLength(4);
    expect(inList.matches).toEqual({ items24h: 0, items7d: 0, daily: [0, 0, 0, 0, 0, 0, 0] });
    expect(list.json().searchRoutes.map((r: { key: string; route: string }) => `${r.key} ${r.route}`)).toEqual(['weibo /weibo/keyword/{keyword}', 'tieba /baidu/tieba/search/{qw}']);

    // Editing: 白沙 goes (its sources are removed), 柳湾 comes, the name changes (the sources are renamed).
    const put = await call('admin', {
      method: 'PUT',
      url: `/api/schemes/${scheme.id}`,
      payload: { name: '青石柳湾涉警', jurisdiction: true, placeWords: ['青石', '柳湾'], subjectWords: ['派出所'], eventWords: ['打人'], sources: ['weibo'] },
    });
    expect(put.statusCode, put.body).toBe(200);
    expect(await linkedUrls(scheme.id)).toEqual([enc('柳湾 派出所'), enc('青石 派出所')].sort());
    const urls = (await listSources(t.db)).map((s) => s.url);
    expect(urls).not.toContain(enc('白沙 派出所'));
    expect(urls).not.toContain(tiebaEnc('青石 派出所'));
    expect((await getSource(t.db, weibo!.id))?.name).toBe('青石柳湾涉警·微博关键词搜索·青石 派出所');
    expect((await audits('source.remove')).map((a) => (a.before as { url: string }).url).sort()).toEqual([tiebaEnc('白沙 派出所'), tiebaEnc('青石 派出所'), enc('白沙 派出所')].sort());
    expect((await audits('source.update', weibo!.id)).map((a) => (a.after as { name: string }).name)).toEqual(['青石柳湾涉警·微博关键词搜索·青石 派出所']);
    expect(await audits('scheme.update', scheme.id)).toHaveLength(1);

    // Disabling disables the generated sources; enabling enables them again.
    const body = { name: '青石柳湾涉警', jurisdiction: true, placeWords: ['青石', '柳湾'], subjectWords: ['派出所'], eventWords: ['打人'], sources: ['weibo'] };
    expect((await call('analyst', { method: 'PUT', url: `/api/schemes/${scheme.id}`, payload: { ...body, enabled: false } })).statusCode).toBe(200);
    const ids = (await listSources(t.db)).filter((s) => s.url === enc('柳湾 派出所') || s.url === enc('青石 派出所')).map((s) => s.id);
    expect(ids).toHaveLength(2);
    for (const id of ids) expect((await getSource(t.db, id))?.enabled).toBe(false);
    expect((await audits('source.disable')).map((a) => Number(a.entity_id)).sort()).toEqual([...ids].sort());
    expect((await call('analyst', { method: 'PUT', url: `/api/schemes/${scheme.id}`, payload: body })).statusCode).toBe(200);
    for (const id of ids) expect((await getSource(t.db, id))?.enabled).toBe(true);

    // Deleting removes them (and audits it).
    const del = await call('analyst', { method: 'DELETE', url: `/api/schemes/${scheme.id}` });
    expect(del.statusCode).toBe(200);
    expect(del.json().sourceChanges.map((c: { action: string }) => c.action)).toEqual(['remove', 'remove']);
    for (const id of ids) expect(await getSource(t.db, id)).toBeNull();
    expect(await audits('scheme.delete', scheme.id)).toHaveLength(1);
    expect((await call('analyst', { method: 'GET', url: `/api/schemes/${scheme.id}` })).statusCode).toBe(404);
  });

  it('caps the searches per route and says which were left out', async () => {
    const places = Array.from({ length: 25 }, (_, i) => `地名${String(i).padStart(2, '0')}`);
    const res = await call('admin', { method: 'POST', url: '/api/schemes', payload: { name: '很多地名', placeWords: places, sources: ['weibo'] } });
    expect(res.statusCode, res.body).toBe(201);
    expect(res.json().sourceChanges).toHaveLength(SCHEME_LIMITS.searchesPerRoute);
    expect(res.json().omitted).toEqual({ weibo: places.slice(20) });
    expect(await linkedUrls(res.json().scheme.id)).toHaveLength(20);
    expect((await call('admin', { method: 'DELETE', url: `/api/schemes/${res.json().scheme.id}` })).statusCode).toBe(200);
    expect((await listSources(t.db)).length).toBe(0);
  });

  it('uses a source an admin added with the same route without changing or removing it; shared generated sources stay while a scheme uses them', async () => {
    const own = await insertSource(t.db, sourceInputSchema.parse({ name: '局里自己加的', kind: 'rsshub', route: '/weibo/keyword/东湖派出所', pollInterval: '30m' }));
    const a = await call('admin', { method: 'POST', url: '/api/schemes', payload: { name: '方案甲', subjectWords: ['东湖派出所', '西岭派出所'], sources: ['weibo'] } });
    expect(a.statusCode, a.body).toBe(201);
    expect(a.json().sourceChanges.map((c: { action: string; keyword: string }) => `${c.action} ${c.keyword}`).sort()).toEqual(['add 西岭派出所', 'link 东湖派出所']);
    const b = await call('admin', { method: 'POST', url: '/api/schemes', payload: { name: '方案乙', subjectWords: ['西岭派出所'], sources: ['weibo'] } });
    expect(b.json().sourceChanges.map((c: { action: string }) => c.action)).toEqual(['link']);
    const xiling = (await listSources(t.db)).find((s) => s.url === enc('西岭派出所'));
    // 甲 disabled: 乙 still uses the shared source, so it stays enabled.
    expect((await call('admin', { method: 'PUT', url: `/api/schemes/${a.json().scheme.id}`, payload: { name: '方案甲', enabled: false, subjectWords: ['东湖派出所', '西岭派出所'], sources: ['weibo'] } })).statusCode).toBe(200);
    expect((await getSource(t.db, xiling!.id))?.enabled).toBe(true);
    expect((await getSource(t.db, own!.id))).toMatchObject({ enabled: true, name: '局里自己加的', pollIntervalSeconds: 1800 });
    // 乙 disabled too: nobody enabled uses it.
    expect((await call('admin', { method: 'PUT', url: `/api/schemes/${b.json().scheme.id}`, payload: { name: '方案乙', enabled: false, subjectWords: ['西岭派出所'], sources: ['weibo'] } })).statusCode).toBe(200);
    expect((await getSource(t.db, xiling!.id))?.enabled).toBe(false);
    // Deleting 甲 leaves the admin's source and the one 乙 still uses; deleting 乙 removes the generated one.
    expect((await call('admin', { method: 'DELETE', url: `/api/schemes/${a.json().scheme.id}` })).json().sourceChanges.map((c: { action: string }) => c.action).sort()).toEqual(['unlink', 'unlink']);
    expect(await getSource(t.db, own!.id)).not.toBeNull();
    expect(await getSource(t.db, xiling!.id)).not.toBeNull();
    expect((await call('admin', { method: 'DELETE', url: `/api/schemes/${b.json().scheme.id}` })).json().sourceChanges.map((c: { action: string }) => c.action)).toEqual(['remove']);
    expect(await getSource(t.db, xiling!.id)).toBeNull();
    expect((await getSource(t.db, own!.id))?.name).toBe('局里自己加的');
    await t.db.query('DELETE FROM sources WHERE id = $1', [own!.id]);
  });

  it('answers 409 for a taken name and 404 for an unknown scheme, changing nothing', async () => {
    const a = await call('admin', { method: 'POST', url: '/api/schemes', payload: { name: '同名', placeWords: ['青石'], sources: ['weibo'] } });
    expect(a.statusCode).toBe(201);
    const again = await call('admin', { method: 'POST', url: '/api/schemes', payload: { name: '同名', placeWords: ['白沙'], sources: ['weibo'] } });
    expect(again.statusCode).toBe(409);
    expect(again.json()).toEqual({ error: { code: 'SCHEME_EXISTS', message: '监测方案「同名」已存在' } });
    const b = await call('admin', { method: 'POST', url: '/api/schemes', payload: { name: '另一个', placeWords: ['柳湾'] } });
    const rename = await call('admin', { method: 'PUT', url: `/api/schemes/${b.json().scheme.id}`, payload: { name: '同名', placeWords: ['柳湾'], sources: ['weibo'] } });
    expect(rename.statusCode).toBe(409);
    expect((await listSources(t.db)).map((s) => s.url)).toEqual([enc('青石')]);
    expect((await call('admin', { method: 'PUT', url: '/api/schemes/999999', payload: { name: '无', placeWords: ['柳湾'] } })).statusCode).toBe(404);
    expect((await call('admin', { method: 'DELETE', url: '/api/schemes/999999' })).json()).toEqual({ error: { code: 'SCHEME_NOT_FOUND', message: '监测方案 999999 不存在' } });
    for (const s of [a, b]) expect((await call('admin', { method: 'DELETE', url: `/api/schemes/${s.json().scheme.id}` })).statusCode).toBe(200);
  });
});

describe('preview', () => {
  const now = Date.now();
  beforeAll(async () => {
    const items: Array<[string, string, number, boolean]> = [
      ['青石派出所民警打人视频引关注', '网传青石区某派出所民警在执法中打人。', 2 * 3_600_000, true],
      ['白沙镇派出所回应：已介入调查', '白沙派出所称网传民警打人一事正在调查。', 30 * 3_600_000, false],
      // full-width letters: ＳＵＶ matches the word suv
      ['青石交警查处违停ＳＵＶ', '青石交警大队查处违停车辆。', 3 * DAY, false],
      ['青石派出所开展反诈演习', '青石派出所民警演习中模拟打人场景。', 4 * DAY, false],
      ['柳湾街道社区活动', '与警方无关。', 5 * DAY, false],
      // older than the 7 days: left out
      ['青石派出所民警打人旧闻', '八天前的青石派出所打人事件。', 8 * DAY, true],
    ];
    for (const [title, text, ago, negative] of items) {
      const id = await seedItem(t.db, { title, text, publishedAt: new Date(now - ago), sourceName: '测试来源' });
      await seedAnalysis(t.db, id, { policeRelated: true, policeNegative: negative });
    }
  });

  it('shows what a scheme would have matched in the last 7 days: count, per day, the newest first, older items left out', async () => {
    const res = await call('analyst', {
      method: 'POST',
      url: '/api/schemes/preview',
      payload: { placeWords: ['青石', '白沙'], subjectWords: ['派出所'], eventWords: ['打人'], excludeWords: ['演习'], sources: ['weibo'] },
    });
    expect(res.statusCode, res.body).toBe(200);
    const p = res.json();
    expect(p.total).toBe(2);
    expect(p.policeNegative).toBe(1);
    expect(p.items.map((i: { title: string }) => i.title)).toEqual(['青石派出所民警打人视频引关注', '白沙镇派出所回应：已介入调查']);
    expect(p.items[0]).toMatchObject({ source: '测试来源', policeNegative: true, words: ['青石', '派出所', '打人'] });
    expect(p.days).toHaveLength(7);
    expect(p.daily.reduce((a: number, n: number) => a + n, 0)).toBe(2);
    expect(p.searches).toEqual({ keywords: ['青石 派出所', '白沙 派出所'], omitted: [] });
    // Nothing is stored by a preview.
    expect(await schemeCount()).toBe(0);
  });

  it('matches across full-width and case, and in any-mode any list will do', async () => {
    const suv = await call('admin', { method: 'POST', url: '/api/schemes/preview', payload: { placeWords: ['青石'], subjectWords: ['suv'] } });
    expect(suv.json().items.map((i: { title: string }) => i.title)).toEqual(['青石交警查处违停ＳＵＶ']);
    const any = await call('admin', { method: 'POST', url: '/api/schemes/preview', payload: { match: 'any', placeWords: ['柳湾'], eventWords: ['演习'] } });
    expect(any.json().items.map((i: { title: string }) => i.title)).toEqual(['青石派出所开展反诈演习', '柳湾街道社区活动']);
    expect(any.json().total).toBe(2);
    // The same words under all: both lists needed, nothing has both.
    const all = await call('admin', { method: 'POST', url: '/api/schemes/preview', payload: { placeWords: ['柳湾'], eventWords: ['演习'] } });
    expect(all.json().total).toBe(0);
    // A word with LIKE's wildcards matches itself only.
    const wild = await call('admin', { method: 'POST', url: '/api/schemes/preview', payload: { placeWords: ['青%'] } });
    expect(wild.json().total).toBe(0);
  });

  it('refuses a preview without words', async () => {
    const res = await call('admin', { method: 'POST', url: '/api/schemes/preview', payload: { excludeWords: ['演习'] } });
    expect(res.statusCode).toBe(400);
    expect(res.json().error.code).toBe('VALIDATION_FAILED');
  });
});
