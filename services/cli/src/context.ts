/** Shared plumbing for commands that need the database: config, pool, schema check. */
import { loadConfig, type Config } from '@yuqing/config';
import { assertSchemaCurrent, createPool, type Pool } from '@yuqing/db';
import { userInfo } from 'node:os';
import { CliError } from './io';

/** The config, with configuration errors turned into a user-facing CLI error. */
export function cliConfig(io: { env?: Record<string, string | undefined> }): Config {
  try {
    return loadConfig(io.env);
  } catch (err) {
    throw new CliError(err instanceof Error ? err.message : String(err));
  }
}

/** Runs `fn` with a pool on a current schema, and always closes the pool. */
export async function withDb<T>(cfg: Config, fn: (db: Pool) => Promise<T>, opts: { checkSchema?: boolean } = {}): Promise<T> {
  const db = createPool({ url: cfg.DATABASE_URL, schema: cfg.DATABASE_SCHEMA, max: 4, applicationName: 'yuqing-cli' });
  try {
    if (opts.checkSchema !== false) {
      try {
        await assertSchemaCurrent(db, cfg.DATABASE_SCHEMA);
      } catch (err) {
        throw new CliError(err instanceof Error ? err.message : String(err));
      }
    }
    return await fn(db);
  } finally {
    await db.end();
  }
}

/**
 * Resolves once SIGINT or SIGTERM arrives. The handlers stay installed (later signals are ignored
 * while the service stops cleanly): Ctrl-C reaches every process of the terminal's group, and
 * `yuqing up` also sends its children SIGTERM, so each gets two signals; without a handler the
 * second would kill it half-way through its stop.
 */
export function untilSignal(): Promise<NodeJS.Signals> {
  return new Promise((resolve) => {
    let first: NodeJS.Signals | null = null;
    const on = (s: NodeJS.Signals) => {
      if (first) return;
      first = s;
      resolve(s);
    };
    process.on('SIGINT', on);
    process.on('SIGTERM', on);
  });
}

/** Who the audit log names for a CLI change: 'cli:<os user>' (no API user is involved). */
export function cliActor(): { actorId: null; actorName: string; requestId: null } {
  let name = 'unknown';
  try {
    name = userInfo().username || name;
  } catch {
    // no passwd entry for this uid (some containers)
  }
  return { actorId: null, actorName: `cli:${name}`, requestId: null };
}
