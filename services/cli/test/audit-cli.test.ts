/** CLI changes land in the audit log as 'cli:<os user>', one entry per change, without secrets. */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { writeFile, mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from '../../../test/support/run-cli';
import { createTestEnv, type TestEnv } from '../../../test/support/test-env';

let t: TestEnv;
beforeAll(async () => {
  t = await createTestEnv('cliaudit');
});
afterAll(async () => {
  await t.cleanup();
});

const cli = (argv: string[]) => runCli(argv, { env: t.env });

it('users, tokens and sources commands each record one entry', async () => {
  const steps: Array<{ argv: string[]; action: string }> = [
    { argv: ['users', 'add', '--role', 'pr', '--name', 'lisi'], action: 'user.create' },
    { argv: ['users', 'disable', 'lisi'], action: 'user.disable' },
    { argv: ['users', 'enable', 'lisi'], action: 'user.enable' },
    { argv: ['tokens', 'create', '--user', 'lisi', '--name', 'bot'], action: 'token.create' },
    { argv: ['tokens', 'revoke', '1'], action: 'token.revoke' },
    { argv: ['sources', 'add', '--name', '测试源', '--url', 'http://127.0.0.1:9/feed.xml', '--interval', '10m'], action: 'source.add' },
    { argv: ['sources', 'disable', 'http://127.0.0.1:9/feed.xml'], action: 'source.disable' },
    { argv: ['sources', 'enable', 'http://127.0.0.1:9/feed.xml'], action: 'source.enable' },
    { argv: ['sources', 'remove', 'http://127.0.0.1:9/feed.xml'], action: 'source.remove' },
  ];
  const printed: string[] = [];
  for (const s of steps) {
    const r = await cli(s.argv);
    expect(r.stderr, s.argv.join(' ')).toBe('');
    expect(r.code).toBe(0);
    printed.push(r.stdout);
  }
  const dir = await mkdtemp(join(tmpdir(), 'yq-audit-'));
  const file = join(dir, 'sources.yaml');
  await writeFile(file, '- name: 导入源\n  url: http://127.0.0.1:9/import.xml\n');
  const imported = await cli(['sources', 'import', file]);
  expect(imported.stderr).toBe('');
  expect(imported.code).toBe(0);

  const { rows } = await t.db.query<{ actor_id: number | null; actor_name: string; action: string; before: unknown; after: unknown }>('SELECT * FROM audit_log ORDER BY id');
  expect(rows.map((r) => r.action)).toEqual([...steps.map((s) => s.action), 'source.import']);
  for (const r of rows) {
    expect(r.actor_id).toBeNull();
    expect(r.actor_name).toMatch(/^cli:.+/);
  }
  const stored = JSON.stringify(rows);
  const password = /password \(shown once, store it now\): (\S+)/.exec(printed[0]!)?.[1];
  const token = printed[3]!.trim().split('\n').at(-1);
  expect(password).toBeTruthy();
  expect(token).toMatch(/^yq_/);
  expect(stored).not.toContain(password!);
  expect(stored).not.toContain(token!);
  expect(rows.find((r) => r.action === 'user.disable')).toMatchObject({ before: { disabled: false }, after: { disabled: true } });
  expect(rows.find((r) => r.action === 'source.remove')).toMatchObject({ after: null, before: { url: 'http://127.0.0.1:9/feed.xml' } });
});
