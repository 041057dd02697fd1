import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listSources } from '@yuqing/db';
import { runCli } from '../../../test/support/run-cli';
import { createTestEnv, type TestEnv } from '../../../test/support/test-env';

let t: TestEnv;
const dir = mkdtempSync(join(tmpdir(), 'yuqing-cli-'));
beforeAll(async () => {
  t = await createTestEnv('clisources');
});
afterAll(async () => t.cleanup());

const cli = (...argv: string[]) => runCli(argv, { env: t.env, cwd: dir });

describe('yuqing sources', () => {
  it('adds a source from flags and lists it', async () => {
    const r = await cli('sources', 'add', '--name', '市公安局官网', '--url', 'http://127.0.0.1:9/gaj.xml', '--interval', '5m', '--authority', '3', '--tags', '城关区,七里河区', '--charset', 'gbk', '--header', 'Cookie: a=b');
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const [s] = (await listSources(t.db)).filter((x) => x.url === 'http://127.0.0.1:9/gaj.xml');
    expect(s).toMatchObject({ name: '市公安局官网', pollIntervalSeconds: 300, authority: 3, jurisdictionTags: ['城关区', '七里河区'], charset: 'gbk', headers: { Cookie: 'a=b' } });
    const listed = await cli('sources', 'list');
    expect(listed.stdout).toContain('市公安局官网');
    const json = JSON.parse((await cli('sources', 'list', '--json')).stdout) as Array<{ url: string }>;
    expect(json.map((x) => x.url)).toContain('http://127.0.0.1:9/gaj.xml');
  });

  it('rejects bad input with every problem listed and no stack trace', async () => {
    const r = await cli('sources', 'add', '--name', 'x', '--url', 'not a url', '--kind', 'html', '--interval', '1s');
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/url/);
    expect(r.stderr).toMatch(/pollInterval/);
    expect(r.stderr).toMatch(/selectors/);
    expect(r.stderr).not.toMatch(/\n\s+at .*\.ts:\d+/);
    const unknownFlag = await cli('sources', 'add', '--nmae', 'x');
    expect(unknownFlag.code).toBe(2);
    expect(unknownFlag.stderr).toContain('--nmae');
    const dup = await cli('sources', 'add', '--name', 'again', '--url', 'http://127.0.0.1:9/gaj.xml');
    expect(dup.code).toBe(2);
    expect(dup.stderr).toContain('already exists');
  });

  it('disables, enables and removes by id or URL; unknown ids are a clear error', async () => {
    await cli('sources', 'add', '--json', JSON.stringify({ name: 'tmp', url: 'http://127.0.0.1:9/tmp.xml' }));
    expect((await cli('sources', 'disable', 'http://127.0.0.1:9/tmp.xml')).code).toBe(0);
    let s = (await listSources(t.db)).find((x) => x.url === 'http://127.0.0.1:9/tmp.xml');
    expect(s?.enabled).toBe(false);
    expect((await cli('sources', 'enable', String(s!.id))).code).toBe(0);
    s = (await listSources(t.db)).find((x) => x.url === 'http://127.0.0.1:9/tmp.xml');
    expect(s?.enabled).toBe(true);
    expect((await cli('sources', 'remove', String(s!.id))).code).toBe(0);
    expect((await listSources(t.db)).some((x) => x.url === 'http://127.0.0.1:9/tmp.xml')).toBe(false);
    const missing = await cli('sources', 'remove', '999999');
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('no source 999999');
  });

  it('imports OPML and YAML, is idempotent, and exports what it imported', async () => {
    const opml = `<?xml version="1.0" encoding="UTF-8"?>
<opml version="1.0"><head><title>订阅</title></head><body>
  <outline text="新闻"><outline type="rss" text="人民网" title="人民网-社会" xmlUrl="http://127.0.0.1:9/people.xml"/>
  <outline type="rss" text="新华网" xmlUrl="http://127.0.0.1:9/xinhua.xml"/></outline></body></opml>`;
    writeFileSync(join(dir, 'feeds.opml'), opml);
    const first = await cli('sources', 'import', 'feeds.opml');
    expect(first.stdout).toContain('2 new');
    const again = await cli('sources', 'import', 'feeds.opml');
    expect(again.stdout).toContain('0 new, 2 updated');
    writeFileSync(
      join(dir, 'list.yaml'),
      `- name: 论坛列表\n  kind: html\n  url: http://127.0.0.1:9/bbs/\n  pollInterval: 2m\n  selectors: { item: "li.thread", link: "a.title", time: ".date" }\n`,
    );
    expect((await cli('sources', 'import', 'list.yaml')).code).toBe(0);
    const exported = await cli('sources', 'export', '--format', 'json');
    const list = JSON.parse(exported.stdout) as Array<{ name: string; url: string; selectors?: unknown }>;
    expect(list.find((s) => s.url === 'http://127.0.0.1:9/people.xml')?.name).toBe('人民网-社会');
    expect(list.find((s) => s.url === 'http://127.0.0.1:9/bbs/')?.selectors).toEqual({ item: 'li.thread', link: 'a.title', time: '.date' });
    // Round trip: the export imports cleanly into the same schema (nothing new).
    writeFileSync(join(dir, 'export.json'), exported.stdout);
    expect((await cli('sources', 'import', 'export.json')).stdout).toContain(' 0 new');
    const opmlOut = await cli('sources', 'export', '--format', 'opml');
    expect(opmlOut.stdout).toContain('xmlUrl="http://127.0.0.1:9/xinhua.xml"');
    expect(opmlOut.stdout).not.toContain('/bbs/');
  });

  it('imports nothing when any entry is invalid, naming each bad one', async () => {
    writeFileSync(join(dir, 'bad.yaml'), `- name: ok\n  url: http://127.0.0.1:9/ok.xml\n- name: bad\n  url: http://127.0.0.1:9/bad.xml\n  pollInterval: never\n- url: ftp://x\n`);
    const before = (await listSources(t.db)).length;
    const r = await cli('sources', 'import', 'bad.yaml');
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('entry 2');
    expect(r.stderr).toContain('entry 3');
    expect((await listSources(t.db)).length).toBe(before);
    const notYaml = await cli('sources', 'import', 'nope.yaml');
    expect(notYaml.stderr).toContain('no such file');
  });

  it('db status reports a current schema', async () => {
    const r = await cli('db', 'status');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/version (\d+) of \1/);
  });
});
