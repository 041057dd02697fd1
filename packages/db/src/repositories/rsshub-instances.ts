/** Raw SQL for the health of the RSSHub instances the crawler resolves `rsshub` sources against. */
import type { Queryable } from '../pool';

/** What the crawler knows of one RSSHub instance. */
export interface RsshubInstance {
  baseUrl: string;
  status: 'ok' | 'failing';
  requests: number;
  failures: number;
  consecutiveErrors: number;
  lastSuccessAt: Date | null;
  lastError: string | null;
  lastErrorAt: Date | null;
}

interface Row {
  base_url: string;
  status: 'ok' | 'failing';
  requests: string;
  failures: string;
  consecutive_errors: number;
  last_success_at: Date | null;
  last_error: string | null;
  last_error_at: Date | null;
}

const COLUMNS = 'base_url, status, requests, failures, consecutive_errors, last_success_at, last_error, last_error_at';

function fromRow(r: Row): RsshubInstance {
  return {
    baseUrl: r.base_url,
    status: r.status,
    requests: Number(r.requests),
    failures: Number(r.failures),
    consecutiveErrors: r.consecutive_errors,
    lastSuccessAt: r.last_success_at,
    lastError: r.last_error,
    lastErrorAt: r.last_error_at,
  };
}

/** The instances with these base URLs that have a record (instances never tried have none). */
export async function getRsshubInstances(db: Queryable, baseUrls: readonly string[]): Promise<RsshubInstance[]> {
  const { rows } = await db.query<Row>(`SELECT ${COLUMNS} FROM rsshub_instances WHERE base_url = ANY($1::text[])`, [baseUrls]);
  return rows.map(fromRow);
}

/** Every instance ever tried, by base URL. */
export async function listRsshubInstances(db: Queryable): Promise<RsshubInstance[]> {
  const { rows } = await db.query<Row>(`SELECT ${COLUMNS} FROM rsshub_instances ORDER BY base_url`);
  return rows.map(fromRow);
}

/** An instance answered (whatever the route's own outcome): it is healthy again. */
export async function recordRsshubSuccess(db: Queryable, baseUrl: string): Promise<void> {
  await db.query(
    `INSERT INTO rsshub_instances (base_url, status, requests, last_success_at) VALUES ($1, 'ok', 1, now())
     ON CONFLICT (base_url) DO UPDATE SET status = 'ok', requests = rsshub_instances.requests + 1,
       consecutive_errors = 0, last_success_at = now(), updated_at = now()`,
    [baseUrl],
  );
}

/** An instance did not answer usefully (refused, timed out, denied access); it is failing from now. */
export async function recordRsshubFailure(db: Queryable, baseUrl: string, error: string): Promise<void> {
  await db.query(
    `INSERT INTO rsshub_instances (base_url, status, requests, failures, consecutive_errors, last_error, last_error_at)
       VALUES ($1, 'failing', 1, 1, 1, $2, now())
     ON CONFLICT (base_url) DO UPDATE SET status = 'failing', requests = rsshub_instances.requests + 1,
       failures = rsshub_instances.failures + 1, consecutive_errors = rsshub_instances.consecutive_errors + 1,
       last_error = $2, last_error_at = now(), updated_at = now()`,
    [baseUrl, error.slice(0, 2000)],
  );
}
