import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assertSchemaCurrent, createPool, latestVersion, listMigrations, migrate, schemaStatus, SchemaOutdatedError } from '@yuqing/db';
import { loadConfig } from '@yuqing/config';
import { randomBytes } from 'node:crypto';

const schema = `t_migrate_${randomBytes(4).toString('hex')}`;
const cfg = loadConfig({ DATABASE_SCHEMA: schema });
const db = createPool({ url: cfg.DATABASE_URL, schema, max: 3 });

describe('migrations', () => {
  beforeAll(async () => {
    await db.query(`CREATE SCHEMA ${schema}`);
  });
  afterAll(async () => {
    await db.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    await db.end();
  });

  it('are numbered without gaps or duplicates', () => {
    const versions = listMigrations().map((m) => m.version);
    expect(versions.length).toBeGreaterThan(0);
    expect(versions).toEqual(versions.map((_, i) => i + 1));
  });

  it('an empty schema is refused with a message that says what to run', async () => {
    const err = await assertSchemaCurrent(db, schema).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SchemaOutdatedError);
    expect((err as Error).message).toContain('pnpm db:migrate');
  });

  it('applies every migration once, records it, and a second run does nothing', async () => {
    const first = await migrate(db, schema);
    expect(first).toHaveLength(listMigrations().length);
    expect(await migrate(db, schema)).toEqual([]);
    const status = await schemaStatus(db, schema);
    expect(status).toEqual({ current: latestVersion(), expected: latestVersion(), pending: [] });
    await expect(assertSchemaCurrent(db, schema)).resolves.toBeUndefined();
    const { rows } = await db.query<{ n: number }>('SELECT count(*)::int AS n FROM schema_migrations');
    expect(rows[0]?.n).toBe(listMigrations().length);
  });

  it('two migrators racing apply each migration exactly once', async () => {
    const other = `${schema}_race`;
    const a = createPool({ url: cfg.DATABASE_URL, schema: other, max: 2 });
    try {
      const [x, y] = await Promise.all([migrate(a, other), migrate(a, other)]);
      expect(x.length + y.length).toBe(listMigrations().length);
    } finally {
      await a.query(`DROP SCHEMA IF EXISTS ${other} CASCADE`);
      await a.end();
    }
  });
});
