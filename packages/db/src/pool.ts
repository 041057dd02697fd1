import pg from 'pg';

// timestamptz comes back as Date already; int8 (bigserial ids, counts) as string by default.
// Our ids stay far below 2^53, so read them as numbers.
pg.types.setTypeParser(pg.types.builtins.INT8, (v) => Number(v));

export type Pool = pg.Pool;
export type PoolClient = pg.PoolClient;
/** Anything that can run a query: the pool or a client inside a transaction. */
export type Queryable = Pick<pg.Pool, 'query'>;

/** Opens a pool whose every connection works in `schema` (tests use one schema each). */
export function createPool(opts: { url: string; schema: string; max?: number; applicationName?: string }): pg.Pool {
  const pool = new pg.Pool({
    connectionString: opts.url,
    max: opts.max ?? 10,
    application_name: opts.applicationName ?? 'yuqing',
    // search_path per connection: the schema is validated by the config (lowercase identifier).
    options: `-c search_path=${opts.schema} -c timezone=UTC`,
    connectionTimeoutMillis: 10_000,
  });
  // An idle client losing its connection must not crash the process; the next query reconnects.
  pool.on('error', () => undefined);
  return pool;
}

/**
 * Runs `fn` in a transaction on one client; rolls back on error. `begin` may ask for more than a
 * plain BEGIN (e.g. `BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY` for a consistent snapshot).
 */
export async function withTransaction<T>(pool: pg.Pool, fn: (client: pg.PoolClient) => Promise<T>, begin = 'BEGIN'): Promise<T> {
  const client = await pool.connect();
  // A connection lost between two statements (PostgreSQL restarting) is emitted as 'error' on the
  // client, there being no statement to reject; unheard, Node ends the process. The next statement
  // fails with it anyway, and the transaction with that (found by the fault suite).
  const onError = (): void => undefined;
  client.on('error', onError);
  let broken = false;
  try {
    await client.query(begin);
    const result = await fn(client);
    await client.query('COMMIT');
    return result;
  } catch (err) {
    await client.query('ROLLBACK').catch(() => {
      broken = true;
    });
    throw err;
  } finally {
    client.off('error', onError);
    // A client whose ROLLBACK failed has lost its connection: destroyed, not pooled again.
    client.release(broken);
  }
}
