/** `yuqing tokens create|list|revoke`: API tokens, printed once at creation and stored only as a hash. */
import { parseArgs } from 'node:util';
import { getUserByName, insertApiToken, listApiTokens, newApiToken, recordAudit, revokeApiToken, userNameSchema, withTransaction } from '@yuqing/db';
import { z } from 'zod';
import { announceAuthChange } from '../auth-events';
import { fmtBeijing } from '../beijing-time';
import { cliActor, cliConfig, withDb } from '../context';
import { CliError, println, type CliIO, type Command } from '../io';

const USAGE = `usage:
  yuqing tokens create --user NAME [--name LABEL]
  yuqing tokens list [--user NAME] [--json]
  yuqing tokens revoke ID`;

const createSchema = z.object({ user: userNameSchema, name: z.string().trim().max(100).default('') });

async function create(argv: string[], io: CliIO): Promise<number> {
  const { values } = parseArgs({ args: argv, strict: true, options: { user: { type: 'string' }, name: { type: 'string' } } });
  const input = createSchema.parse({ user: values.user, ...(values.name !== undefined ? { name: values.name } : {}) });
  const { token, record } = await withDb(cliConfig(io), async (db) => {
    const user = await getUserByName(db, input.user);
    if (!user) throw new CliError(`no user ${input.user}`);
    if (user.disabled) throw new CliError(`user ${input.user} is disabled`);
    const t = newApiToken();
    const record = await withTransaction(db, async (c) => {
      const r = await insertApiToken(c, { userId: user.id, name: input.name, hash: t.hash, prefix: t.prefix });
      await recordAudit(c, { ...cliActor(), action: 'token.create', entity: 'token', entityId: r.id, after: r });
      return r;
    });
    return { token: t.token, record };
  });
  println(io.stdout, `created token ${record.id} for ${record.userName}${record.name ? ` (${record.name})` : ''}; it is shown once, store it now:`);
  // Alone on the last line, so a script can take it with `tail -n 1`.
  println(io.stdout, token);
  return 0;
}

async function list(argv: string[], io: CliIO): Promise<number> {
  const { values } = parseArgs({ args: argv, strict: true, options: { user: { type: 'string' }, json: { type: 'boolean' } } });
  const tokens = await withDb(cliConfig(io), (db) => listApiTokens(db, values.user));
  if (values.json) {
    println(io.stdout, JSON.stringify(tokens));
    return 0;
  }
  if (tokens.length === 0) {
    println(io.stdout, '(no tokens — create one with `yuqing tokens create --user NAME`)');
    return 0;
  }
  println(io.stdout, ['ID', '用户', '名称', '前缀', '创建(北京时间)', '最近使用', '状态'].join('\t'));
  for (const t of tokens) {
    println(io.stdout, [t.id, t.userName, t.name || '-', `${t.prefix}…`, fmtBeijing(t.createdAt), fmtBeijing(t.lastUsedAt), t.revokedAt ? `已撤销 ${fmtBeijing(t.revokedAt)}` : '有效'].join('\t'));
  }
  return 0;
}

async function revoke(argv: string[], io: CliIO): Promise<number> {
  const [id] = argv;
  if (!id || argv.length > 1 || !/^\d+$/.test(id)) throw new CliError('usage: yuqing tokens revoke ID');
  const cfg = cliConfig(io);
  const record = await withDb(cfg, (db) =>
    withTransaction(db, async (c) => {
      const was = await c.query<{ revoked_at: Date | null }>('SELECT revoked_at FROM api_tokens WHERE id = $1 FOR UPDATE', [Number(id)]);
      const r = await revokeApiToken(c, Number(id));
      if (r && was.rows[0]?.revoked_at === null) await recordAudit(c, { ...cliActor(), action: 'token.revoke', entity: 'token', entityId: r.id, before: { ...r, revokedAt: null }, after: r });
      return r;
    }),
  );
  if (!record) throw new CliError(`no token ${id}`);
  // Committed: the running API processes forget the token now, not at the end of their cache lifetime.
  await announceAuthChange(cfg, record.userId, io);
  println(io.stdout, `revoked token ${record.id} of ${record.userName} (${record.prefix}…)`);
  return 0;
}

export const run: Command = async (argv, io) => {
  const [sub, ...rest] = argv;
  try {
    switch (sub) {
      case 'create':
        return await create(rest, io);
      case 'list':
        return await list(rest, io);
      case 'revoke':
        return await revoke(rest, io);
      default:
        throw new CliError(USAGE);
    }
  } catch (err) {
    if (err instanceof TypeError && 'code' in err && String(err.code).startsWith('ERR_PARSE_ARGS')) throw new CliError(`${err.message}\n${USAGE}`);
    throw err;
  }
};
