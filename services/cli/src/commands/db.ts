/** `yuqing db migrate` applies pending migrations; `yuqing db status` shows where the schema is. */
import { migrate, schemaStatus } from '@yuqing/db';
import { cliConfig, withDb } from '../context';
import { CliError, println, type Command } from '../io';

export const run: Command = async (argv, io) => {
  const [sub] = argv;
  const cfg = cliConfig(io);
  if (sub === 'migrate') {
    const applied = await withDb(cfg, (db) => migrate(db, cfg.DATABASE_SCHEMA), { checkSchema: false });
    println(io.stdout, applied.length ? `applied: ${applied.join(', ')}` : 'schema is up to date');
    return 0;
  }
  if (sub === 'status') {
    const s = await withDb(cfg, (db) => schemaStatus(db, cfg.DATABASE_SCHEMA), { checkSchema: false });
    println(io.stdout, `schema ${cfg.DATABASE_SCHEMA}: version ${s.current} of ${s.expected}${s.pending.length ? `; pending: ${s.pending.join(', ')}` : ''}`);
    return s.pending.length ? 1 : 0;
  }
  throw new CliError('usage: yuqing db migrate | yuqing db status');
};
