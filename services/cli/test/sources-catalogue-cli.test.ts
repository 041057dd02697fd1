/**
 * `yuqing sources catalogue list|add`, `sources add --route` and `sources rsshub` against a real
 * database: entries become sources (templates with their values), adding twice changes nothing,
 * every addition is audited, and mistakes are explained.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { filterCatalogue, isTemplate, listSources, loadCatalogue, recordRsshubFailure } from '@yuqing/db';
import { runCli } from '../../../test/support/run-cli';
import { createTestEnv, type TestEnv } from '../../../test/support/test-env';

let t: TestEnv;
beforeAll(async () => {
  t = await createTestEnv('clicatalogue', { RSSHUB_URL: 'http://127.0.0.1:9/,http://rsshub.internal:1200' });
});
afterAll(async () => t.cleanup());

const cli = (...argv: string[]) => runCli(argv, { env: t.env });

describe('yuqing sources catalogue', () => {
  it('lists entries filtered by category and tier', async () => {
    const r = await cli('sources', 'catalogue', 'list', '--category', 'police-legal');
    expect(r.code).toBe(0);
    const police = filterCatalogue(loadCatalogue(), { category: 'police-legal' });
    for (const e of police) expect(r.stdout).toContain(e.id);
    expect(r.stdout).not.toContain('weibo-hot\t');
    const json = JSON.parse((await cli('sources', 'catalogue', 'list', '--tier', '4', '--hot', '--json')).stdout) as { entries: Array<{ tier: number; hotList: boolean }> };
    expect(json.entries.length).toBeGreaterThan(0);
    expect(json.entries.every((e) => e.tier === 4 && e.hotList)).toBe(true);
    const bad = await cli('sources', 'catalogue', 'list', '--category', 'nope');
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('police-legal');
  });

  it('adds an entry by id, then a template with its value; adding again changes nothing', async () => {
    const r = await cli('sources', 'catalogue', 'add', 'weibo-hot');
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('added source');
    expect(r.stdout).toContain('WEIBO_COOKIES');
    const kw = await cli('sources', 'catalogue', 'add', 'weibo-keyword', '--param', 'keyword=警方通报');
    expect(kw.code, kw.stderr).toBe(0);
    const sources = await listSources(t.db);
    const hot = sources.find((s) => s.catalogueId === 'weibo-hot');
    expect(hot).toMatchObject({ kind: 'rsshub', url: 'rsshub:/weibo/search/hot' });
    const keyword = sources.find((s) => s.catalogueId === 'weibo-keyword');
    expect(keyword?.url).toBe(`rsshub:/weibo/keyword/${encodeURIComponent('警方通报')}`);
    expect(keyword?.name).toContain('警方通报');

    const again = await cli('sources', 'catalogue', 'add', 'weibo-hot');
    expect(again.code).toBe(0);
    expect(again.stdout).toContain('already a source');
    expect((await listSources(t.db)).length).toBe(sources.length);
    const audit = (await t.db.query(`SELECT action, entity_id FROM audit_log WHERE action = 'source.add' ORDER BY id`)).rows;
    expect(audit.map((a) => Number(a.entity_id))).toEqual([hot!.id, keyword!.id]);
  });

  it('adds every ready-to-use entry of a category and tier, leaving templates out', async () => {
    const want = filterCatalogue(loadCatalogue(), { category: 'central', tier: 1 }).filter((e) => !isTemplate(e));
    const r = await cli('sources', 'catalogue', 'add', '--category', 'central', '--tier', '1');
    expect(r.code, r.stderr).toBe(0);
    const ids = new Set((await listSources(t.db)).map((s) => s.catalogueId));
    for (const e of want) expect(ids.has(e.id), e.id).toBe(true);
  });

  it('explains what is wrong: unknown id, missing template value, a value for a plain entry', async () => {
    const unknown = await cli('sources', 'catalogue', 'add', 'no-such-entry');
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('no catalogue entry no-such-entry');
    const missing = await cli('sources', 'catalogue', 'add', 'weibo-user');
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('uid');
    const extra = await cli('sources', 'catalogue', 'add', 'people-top', '--param', 'uid=1');
    expect(extra.code).toBe(2);
    expect(extra.stderr).toContain('--param');
  });
});

describe('rsshub sources from the command line', () => {
  it('adds a source by route and refuses a route with an unfilled placeholder', async () => {
    const r = await cli('sources', 'add', '--name', '百度热搜', '--route', '/baidu/top/realtime', '--interval', '5m');
    expect(r.code, r.stderr).toBe(0);
    expect((await listSources(t.db)).find((s) => s.url === 'rsshub:/baidu/top/realtime')).toMatchObject({ kind: 'rsshub', pollIntervalSeconds: 300 });
    const dup = await cli('sources', 'add', '--name', 'again', '--route', '/baidu/top/realtime');
    expect(dup.code).toBe(2);
    expect(dup.stderr).toContain('route /baidu/top/realtime already exists');
    const template = await cli('sources', 'add', '--name', 'x', '--route', '/weibo/user/{uid}');
    expect(template.code).toBe(2);
    expect(template.stderr).toContain('placeholder');
  });

  it('shows each configured instance with its health', async () => {
    await recordRsshubFailure(t.db, 'http://127.0.0.1:9/', 'connect ECONNREFUSED 127.0.0.1:9');
    const r = await cli('sources', 'rsshub');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/http:\/\/127\.0\.0\.1:9\/\t故障/);
    expect(r.stdout).toContain('ECONNREFUSED');
    expect(r.stdout).toMatch(/http:\/\/rsshub\.internal:1200\t未使用/);
  });
});
