/**
 * Month partitions of items, item_analysis and evidence (migration 028): made ahead of time, and
 * dropped whole when past their retention — old rows leave by DROP TABLE, never by DELETE.
 */
import type { Pool, Queryable } from '../pool';

/** A month partition of one of the partitioned tables. */
export interface MonthPartition {
  table: 'items' | 'item_analysis' | 'evidence';
  name: string;
  /** The first day of its month (Asia/Shanghai), 'YYYY-MM-01'. */
  month: string;
}

/** Makes this month's and the next `ahead` months' partitions and moves item ids into this month's block. */
export async function ensureMonthPartitions(db: Queryable, ahead = 2): Promise<number> {
  const { rows } = await db.query<{ made: number }>('SELECT ensure_month_partitions($1) AS made', [ahead]);
  return rows[0]?.made ?? 0;
}

/** The month partitions that exist now (the legacy partitions are not month partitions). */
export async function listMonthPartitions(db: Queryable): Promise<MonthPartition[]> {
  const { rows } = await db.query<{ parent: MonthPartition['table']; name: string }>(
    `SELECT p.relname AS parent, c.relname AS name
     FROM pg_inherits i
     JOIN pg_class c ON c.oid = i.inhrelid
     JOIN pg_class p ON p.oid = i.inhparent
     WHERE p.relnamespace = current_schema()::regnamespace
       AND p.relname IN ('items', 'item_analysis', 'evidence')
       AND c.relname ~ '_p[0-9]{4}_[0-9]{2}$'
     ORDER BY c.relname`,
  );
  return rows.map((r) => {
    const m = /_p(\d{4})_(\d{2})$/.exec(r.name)!;
    return { table: r.parent, name: r.name, month: `${m[1]}-${m[2]}-01` };
  });
}

/** The first day of the month after `month` ('YYYY-MM-01'). */
function nextMonth(month: string): string {
  const [y, m] = month.split('-').map(Number) as [number, number];
  return m === 12 ? `${y + 1}-01-01` : `${y}-${String(m + 1).padStart(2, '0')}-01`;
}

/** The first day of the month holding `at` in Asia/Shanghai. */
function monthOf(at: Date): string {
  const local = new Date(at.getTime() + 8 * 3600_000);
  return `${local.getUTCFullYear()}-${String(local.getUTCMonth() + 1).padStart(2, '0')}-01`;
}

export interface RetentionResult {
  evidence: string[];
  items: string[];
}

/**
 * Drops the month partitions wholly older than their retention: evidence months ending before
 * now − evidenceDays, item months (with their analyses) ending before the start of the month
 * `itemMonths` months back. 0 keeps forever. Before an item month goes, the rows elsewhere that
 * name its items are removed (labels, story and scheme memberships) or unlinked (hot-list and
 * information entries keep their own text): a partition of a referenced table cannot be detached
 * while anything references it.
 */
export async function dropExpiredMonths(pool: Pool, opts: { evidenceDays: number; itemMonths: number; now?: Date }): Promise<RetentionResult> {
  const now = opts.now ?? new Date();
  const result: RetentionResult = { evidence: [], items: [] };
  if (opts.evidenceDays <= 0 && opts.itemMonths <= 0) return result;
  const parts = await listMonthPartitions(pool);
  if (opts.evidenceDays > 0) {
    const cutoff = monthOf(new Date(now.getTime() - opts.evidenceDays * 86_400_000));
    for (const p of parts.filter((x) => x.table === 'evidence' && nextMonth(x.month) <= cutoff)) {
      if (await inOneTransaction(pool, (c) => dropPartition(c, 'evidence', p.name))) result.evidence.push(p.name);
    }
  }
  if (opts.itemMonths > 0) {
    let cutoff = monthOf(now);
    for (let i = 0; i < opts.itemMonths; i++) cutoff = previousMonth(cutoff);
    for (const p of parts.filter((x) => x.table === 'items' && x.month < cutoff)) {
      if (await inOneTransaction(pool, (c) => dropItemMonth(c, p))) result.items.push(p.name);
    }
  }
  return result;
}

/**
 * Runs `work` in a transaction holding the schema's partition lock (the one
 * ensure_month_partitions takes), so that two crawlers' hourly maintenance cannot deadlock on the
 * same month, and a detach is never left without its drop (a detached table nobody would find
 * again). False when another process held the lock: it does the work.
 */
async function inOneTransaction(pool: Pool, work: (c: Queryable) => Promise<void>): Promise<boolean> {
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    const { rows } = await client.query<{ ok: boolean }>(
      `SELECT pg_try_advisory_xact_lock(hashtext('yuqing month partitions'), hashtext(current_schema())) AS ok`,
    );
    if (!rows[0]?.ok) {
      await client.query('ROLLBACK');
      return false;
    }
    await work(client);
    await client.query('COMMIT');
    return true;
  } catch (err) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw err;
  } finally {
    client.release();
  }
}

function previousMonth(month: string): string {
  const [y, m] = month.split('-').map(Number) as [number, number];
  return m === 1 ? `${y - 1}-12-01` : `${y}-${String(m - 1).padStart(2, '0')}-01`;
}

async function dropPartition(db: Queryable, parent: string, name: string): Promise<void> {
  // Names come from pg_class and match /_p\d{4}_\d{2}$/; quoted as identifiers all the same.
  await db.query(`ALTER TABLE ${ident(parent)} DETACH PARTITION ${ident(name)}`);
  await db.query(`DROP TABLE ${ident(name)}`);
}

async function dropItemMonth(c: Queryable, p: MonthPartition): Promise<void> {
  const suffix = p.name.slice('items'.length);
  const bounds = [p.month, nextMonth(p.month)];
  const range = `item_id >= month_item_id($1::date) AND item_id < month_item_id($2::date)`;
  await c.query(`DELETE FROM story_items WHERE ${range}`, bounds);
  await c.query(`DELETE FROM item_labels WHERE ${range}`, bounds);
  await c.query(`DELETE FROM item_schemes WHERE ${range}`, bounds);
  await c.query(`UPDATE hot_list_entries SET item_id = NULL WHERE ${range}`, bounds);
  await c.query(`UPDATE info_entries SET item_id = NULL WHERE ${range}`, bounds);
  if (await exists(c, `item_analysis${suffix}`)) await dropPartition(c, 'item_analysis', `item_analysis${suffix}`);
  await dropPartition(c, 'items', p.name);
}

async function exists(db: Queryable, name: string): Promise<boolean> {
  const { rows } = await db.query<{ ok: boolean }>('SELECT to_regclass(quote_ident($1)) IS NOT NULL AS ok', [name]);
  return rows[0]?.ok ?? false;
}

function ident(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}
