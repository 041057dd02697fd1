/**
 * Ordered SQL migrations (migrations/NNN_name.sql), each applied in its own transaction and
 * recorded in schema_migrations. An advisory lock keeps two processes starting at once from
 * applying the same migration twice.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type pg from 'pg';

const MIGRATIONS_DIR = fileURLToPath(new URL('../migrations/', import.meta.url));
const LOCK_KEY = 0x79757169; // "yuqi"

export interface Migration {
  version: number;
  name: string;
  sql: string;
}

/** The migrations shipped with this code, in order. */
export function listMigrations(dir = MIGRATIONS_DIR): Migration[] {
  return readdirSync(dir)
    .filter((f) => /^\d{3}_[a-z0-9_]+\.sql$/.test(f))
    .sort()
    .map((f) => ({ version: Number(f.slice(0, 3)), name: f.replace(/\.sql$/, ''), sql: readFileSync(dir + f, 'utf8') }));
}

/** The version the code expects: the last shipped migration. */
export function latestVersion(): number {
  return listMigrations().at(-1)?.version ?? 0;
}

async function appliedVersions(client: pg.PoolClient | pg.Pool, schema: string): Promise<Set<number>> {
  const exists = await client.query<{ ok: boolean }>(
    `SELECT to_regclass($1) IS NOT NULL AS ok`,
    [`${schema}.schema_migrations`],
  );
  if (!exists.rows[0]?.ok) return new Set();
  const { rows } = await client.query<{ version: number }>('SELECT version FROM schema_migrations');
  return new Set(rows.map((r) => r.version));
}

/**
 * Applies every pending migration (or those up to version `upTo`, for tests of an upgrade from an
 * older schema); returns the names applied.
 */
export async function migrate(pool: pg.Pool, schema: string, opts: { upTo?: number } = {}): Promise<string[]> {
  const client = await pool.connect();
  const applied: string[] = [];
  try {
    await client.query('SELECT pg_advisory_lock($1)', [LOCK_KEY]);
    await client.query(`CREATE SCHEMA IF NOT EXISTS ${schema}`);
    await client.query(
      `CREATE TABLE IF NOT EXISTS schema_migrations (
         version integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())`,
    );
    const done = await appliedVersions(client, schema);
    for (const m of listMigrations()) {
      if (done.has(m.version)) continue;
      if (opts.upTo !== undefined && m.version > opts.upTo) break;
      try {
        await client.query('BEGIN');
        await client.query(m.sql);
        await client.query('INSERT INTO schema_migrations (version, name) VALUES ($1, $2)', [m.version, m.name]);
        await client.query('COMMIT');
        applied.push(m.name);
      } catch (err) {
        await client.query('ROLLBACK').catch(() => undefined);
        throw new Error(`migration ${m.name} failed: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
      }
    }
  } finally {
    await client.query('SELECT pg_advisory_unlock($1)', [LOCK_KEY]).catch(() => undefined);
    client.release();
  }
  return applied;
}

/** Thrown by services started on a database whose schema is behind the code. */
export class SchemaOutdatedError extends Error {
  constructor(
    readonly current: number,
    readonly expected: number,
    readonly pending: string[],
  ) {
    super(
      `database schema is at version ${current} but this code needs ${expected} (pending: ${pending.join(', ')}). ` +
        'Run `pnpm db:migrate` (or start with `pnpm start`, which migrates first).',
    );
    this.name = 'SchemaOutdatedError';
  }
}

/** Current and pending versions of the database schema. */
export async function schemaStatus(pool: pg.Pool, schema: string): Promise<{ current: number; expected: number; pending: string[] }> {
  const done = await appliedVersions(pool, schema);
  const all = listMigrations();
  const pending = all.filter((m) => !done.has(m.version)).map((m) => m.name);
  return { current: Math.max(0, ...done), expected: all.at(-1)?.version ?? 0, pending };
}

/** Refuses to run on an outdated schema, saying what to run. */
export async function assertSchemaCurrent(pool: pg.Pool, schema: string): Promise<void> {
  const s = await schemaStatus(pool, schema);
  if (s.pending.length) throw new SchemaOutdatedError(s.current, s.expected, s.pending);
}
