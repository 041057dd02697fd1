import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '@yuqing/api';
import { listUsers } from '@yuqing/db';
import { until } from '../../../test/support/poll';
import { runCli } from '../../../test/support/run-cli';
import { createTestEnv, type TestEnv } from '../../../test/support/test-env';

let t: TestEnv;
let app: ReturnType<typeof buildApp>;
beforeAll(async () => {
  t = await createTestEnv('cliusers');
  app = buildApp({ cfg: t.cfg, db: t.db, redis: t.redis });
});
afterAll(async () => {
  await app.close();
  await t.cleanup();
});

const cli = (argv: string[], stdin?: string) => runCli(argv, { env: t.env, ...(stdin !== undefined ? { stdin } : {}) });
const noStack = /\n\s+at .*\.ts:\d+/;

async function loginStatus(name: string, password: string): Promise<number> {
  return (await app.inject({ method: 'POST', url: '/api/auth/login', payload: { name, password } })).statusCode;
}

describe('yuqing users', () => {
  it('adds a user with a generated password printed once, which then logs in', async () => {
    const r = await cli(['users', 'add', '--role', 'pr', '--name', 'zhangsan', '--display', '张三']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/added user \d+: zhangsan \(张三, pr\)/);
    const password = /password \(shown once, store it now\): (\S+)/.exec(r.stdout)?.[1];
    expect(password).toBeDefined();
    expect(await loginStatus('zhangsan', password!)).toBe(200);
    // Listing never shows it again.
    const listed = await cli(['users', 'list']);
    expect(listed.stdout).toContain('zhangsan');
    expect(listed.stdout).toContain('张三');
    expect(listed.stdout).not.toContain(password!);
    const json = JSON.parse((await cli(['users', 'list', '--json'])).stdout) as Array<Record<string, unknown>>;
    expect(json.find((u) => u.name === 'zhangsan')).toMatchObject({ role: 'pr', hasPassword: true, disabled: false });
    expect(JSON.stringify(json)).not.toMatch(/scrypt|passwordHash/);
  });

  it('takes the password from stdin and never prints it', async () => {
    const r = await cli(['users', 'add', '--role', 'admin', '--name', 'root-admin', '--password-stdin'], 'a long admin password\n');
    expect(r.code).toBe(0);
    expect(r.stdout).not.toContain('a long admin password');
    expect(r.stdout).not.toContain('shown once');
    expect(await loginStatus('root-admin', 'a long admin password')).toBe(200);
  });

  it('ingest users get no password (tokens only)', async () => {
    const r = await cli(['users', 'add', '--role', 'ingest', '--name', 'crawler-a']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('API tokens only');
    expect((await listUsers(t.db)).find((u) => u.name === 'crawler-a')?.hasPassword).toBe(false);
  });

  it('rejects bad input with every problem listed, duplicates, unknown flags; no stack traces', async () => {
    const bad = await cli(['users', 'add', '--role', 'chief', '--name', 'a b'], '');
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/role/);
    expect(bad.stderr).toMatch(/name/);
    expect(bad.stderr).not.toMatch(noStack);
    const short = await cli(['users', 'add', '--role', 'pr', '--name', 'lisi', '--password-stdin'], 'short\n');
    expect(short.code).toBe(2);
    expect(short.stderr).toMatch(/password.*at least 10/);
    const dup = await cli(['users', 'add', '--role', 'pr', '--name', 'zhangsan']);
    expect(dup.code).toBe(2);
    expect(dup.stderr).toContain('already exists');
    const flag = await cli(['users', 'add', '--rol', 'pr']);
    expect(flag.code).toBe(2);
    expect(flag.stderr).toContain('--rol');
    expect((await cli(['users', 'disable', 'nobody'])).stderr).toContain('no user nobody');
    expect((await cli(['users'])).stderr).toContain('usage:');
  });

  it('disable refuses the user’s login and tokens at once; enable restores them', async () => {
    await cli(['users', 'add', '--role', 'leader', '--name', 'wangwu', '--password-stdin'], 'leader password 1\n');
    const token = (await cli(['tokens', 'create', '--user', 'wangwu'])).stdout.trim().split('\n').at(-1)!;
    expect((await app.inject({ url: '/api/auth/me', headers: { authorization: `Bearer ${token}` } })).statusCode).toBe(200);
    const heard = app.credentialCache.invalidations;
    const r = await cli(['users', 'disable', 'wangwu']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('disabled user');
    // The CLI announces the change over Redis after its commit; refused from the moment this process hears it.
    await until(async () => app.credentialCache.invalidations > heard, 'the API process to hear of the change');
    expect((await app.inject({ url: '/api/auth/me', headers: { authorization: `Bearer ${token}` } })).statusCode).toBe(401);
    expect(await loginStatus('wangwu', 'leader password 1')).toBe(401);
    expect((await cli(['tokens', 'create', '--user', 'wangwu'])).stderr).toContain('disabled');
    expect((await cli(['users', 'enable', 'wangwu'])).code).toBe(0);
    expect((await app.inject({ url: '/api/auth/me', headers: { authorization: `Bearer ${token}` } })).statusCode).toBe(200);
  });
});

describe('yuqing tokens', () => {
  it('creates a token shown once, lists it by prefix only, and revocation takes effect at once', async () => {
    await cli(['users', 'add', '--role', 'analyst', '--name', 'zhaoliu']);
    const created = await cli(['tokens', 'create', '--user', 'zhaoliu', '--name', '研判脚本']);
    expect(created.code).toBe(0);
    const lines = created.stdout.trim().split('\n');
    expect(lines[0]).toMatch(/created token (\d+) for zhaoliu \(研判脚本\); it is shown once/);
    const id = /created token (\d+)/.exec(lines[0]!)?.[1];
    const token = lines.at(-1)!;
    expect(token).toMatch(/^yq_[A-Za-z0-9_-]{43}$/);
    const me = await app.inject({ url: '/api/auth/me', headers: { authorization: `Bearer ${token}` } });
    expect(me.json()).toMatchObject({ user: { name: 'zhaoliu', role: 'analyst' }, via: 'token' });

    const listed = await cli(['tokens', 'list', '--user', 'zhaoliu']);
    expect(listed.stdout).toContain('研判脚本');
    expect(listed.stdout).toContain(`${token.slice(0, 9)}…`);
    expect(listed.stdout).not.toContain(token);
    expect(listed.stdout).toContain('有效');
    const all = JSON.parse((await cli(['tokens', 'list', '--json'])).stdout) as Array<{ userName: string }>;
    expect(all.map((x) => x.userName)).toContain('zhaoliu');
    expect(JSON.stringify(all)).not.toContain(token);

    const heard = app.credentialCache.invalidations;
    const revoked = await cli(['tokens', 'revoke', id!]);
    expect(revoked.code).toBe(0);
    expect(revoked.stdout).toContain(`revoked token ${id}`);
    await until(async () => app.credentialCache.invalidations > heard, 'the API process to hear of the revocation');
    expect((await app.inject({ url: '/api/auth/me', headers: { authorization: `Bearer ${token}` } })).statusCode).toBe(401);
    expect((await cli(['tokens', 'list', '--user', 'zhaoliu'])).stdout).toContain('已撤销');
  });

  it('clear errors for unknown users, ids and usage', async () => {
    const noUser = await cli(['tokens', 'create', '--user', 'ghost']);
    expect(noUser.code).toBe(2);
    expect(noUser.stderr).toContain('no user ghost');
    const noId = await cli(['tokens', 'revoke', '999999']);
    expect(noId.code).toBe(2);
    expect(noId.stderr).toContain('no token 999999');
    expect((await cli(['tokens', 'revoke', 'abc'])).stderr).toContain('usage: yuqing tokens revoke ID');
    const missing = await cli(['tokens', 'create']);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/user/);
    expect(missing.stderr).not.toMatch(noStack);
  });
});
