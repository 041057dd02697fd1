/**
 * `yuqing users add|list|disable|enable`. A user added without a password gets a random one,
 * printed once (ingest users get none: crawlers authenticate with tokens only).
 */
import { parseArgs } from 'node:util';
import { hashPassword, insertUser, listUsers, randomPassword, recordAudit, setUserDisabled, userInputSchema, withTransaction, type User } from '@yuqing/db';
import { announceAuthChange } from '../auth-events';
import { fmtBeijing } from '../beijing-time';
import { cliActor, cliConfig, withDb } from '../context';
import { CliError, println, type CliIO, type Command } from '../io';

const USAGE = `usage:
  yuqing users add --role admin|pr|leader|analyst|ingest --name NAME [--display 显示名] [--password-stdin]
  yuqing users list [--json]
  yuqing users disable|enable NAME`;

async function readAll(stream: NodeJS.ReadableStream): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of stream) chunks.push(typeof c === 'string' ? Buffer.from(c) : c);
  return Buffer.concat(chunks).toString('utf8');
}

function describe(u: User): string {
  return `${u.id}: ${u.name} (${u.displayName}, ${u.role}${u.disabled ? ', 已停用' : ''})`;
}

async function add(argv: string[], io: CliIO): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    strict: true,
    options: { role: { type: 'string' }, name: { type: 'string' }, display: { type: 'string' }, 'password-stdin': { type: 'boolean' } },
  });
  // The password comes on stdin, never as an argument, so it stays out of shell history and `ps`.
  const password = values['password-stdin'] ? (await readAll(io.stdin)).replace(/\r?\n$/, '') : undefined;
  const input = userInputSchema.parse({
    name: values.name,
    role: values.role,
    ...(values.display !== undefined ? { displayName: values.display } : {}),
    ...(password !== undefined ? { password } : {}),
  });
  const generated = input.password === undefined && input.role !== 'ingest' ? randomPassword() : undefined;
  const secret = input.password ?? generated;
  const passwordHash = secret ? await hashPassword(secret) : null;
  const user = await withDb(cliConfig(io), (db) =>
    withTransaction(db, async (c) => {
      const u = await insertUser(c, { name: input.name, displayName: input.displayName ?? input.name, role: input.role, passwordHash });
      if (u) await recordAudit(c, { ...cliActor(), action: 'user.create', entity: 'user', entityId: u.id, after: u });
      return u;
    }),
  );
  if (!user) throw new CliError(`a user named ${input.name} already exists`);
  println(io.stdout, `added user ${describe(user)}`);
  if (generated) println(io.stdout, `password (shown once, store it now): ${generated}`);
  else if (!secret) println(io.stdout, 'no password: this user signs in with API tokens only (yuqing tokens create)');
  return 0;
}

async function list(argv: string[], io: CliIO): Promise<number> {
  const { values } = parseArgs({ args: argv, strict: true, options: { json: { type: 'boolean' } } });
  const users = await withDb(cliConfig(io), (db) => listUsers(db));
  if (values.json) {
    println(io.stdout, JSON.stringify(users));
    return 0;
  }
  if (users.length === 0) {
    println(io.stdout, '(no users yet — add one with `yuqing users add --role admin --name NAME`)');
    return 0;
  }
  println(io.stdout, ['ID', '名称', '显示名', '角色', '密码', '状态', '创建(北京时间)'].join('\t'));
  for (const u of users) {
    println(io.stdout, [u.id, u.name, u.displayName, u.role, u.hasPassword ? '有' : '无', u.disabled ? '已停用' : '正常', fmtBeijing(u.createdAt)].join('\t'));
  }
  return 0;
}

async function setDisabled(action: 'disable' | 'enable', argv: string[], io: CliIO): Promise<number> {
  const [name] = argv;
  if (!name || argv.length > 1) throw new CliError(`usage: yuqing users ${action} NAME`);
  const cfg = cliConfig(io);
  const user = await withDb(cfg, (db) =>
    withTransaction(db, async (c) => {
      const u = await setUserDisabled(c, name, action === 'disable');
      if (u) await recordAudit(c, { ...cliActor(), action: `user.${action}`, entity: 'user', entityId: u.id, before: { ...u, disabled: !u.disabled }, after: u });
      return u;
    }),
  );
  if (!user) throw new CliError(`no user ${name}`);
  // Committed: the running API processes forget what they cached about the user.
  await announceAuthChange(cfg, user.id, io);
  println(io.stdout, `${action}d user ${describe(user)}`);
  return 0;
}

export const run: Command = async (argv, io) => {
  const [sub, ...rest] = argv;
  try {
    switch (sub) {
      case 'add':
        return await add(rest, io);
      case 'list':
        return await list(rest, io);
      case 'disable':
      case 'enable':
        return await setDisabled(sub, rest, io);
      default:
        throw new CliError(USAGE);
    }
  } catch (err) {
    // parseArgs reports unknown or malformed options with a TypeError carrying a code.
    if (err instanceof TypeError && 'code' in err && String(err.code).startsWith('ERR_PARSE_ARGS')) throw new CliError(`${err.message}\n${USAGE}`);
    throw err;
  }
};
