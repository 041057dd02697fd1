/**
 * 走访人大代表、政协委员记录 (migration 027): a small register kept by hand. A visit's date is a
 * calendar date in Beijing time; it is read and written as the instant of that day's 00:00 there.
 * Callers audit each change in the same transaction (visit.create, visit.update, visit.delete).
 */
import type { VisitEntry } from '@yuqing/forms';
import type { Queryable } from '../pool';
import { VISIT_SELECT, visitFromRow, type VisitRow } from './forms-data';

export const VISITED_ROLE_VALUES = ['人大代表', '政协委员'] as const satisfies ReadonlyArray<VisitEntry['role']>;

export interface NewVisit {
  /** Any instant of the day (its Beijing date is stored). */
  visitedOn: Date;
  person: string;
  role: VisitEntry['role'];
  organisation: string;
  views: string;
  followUp: string;
  officer: string;
}

export type VisitPatch = Partial<NewVisit>;

// The Beijing calendar date of an instant.
const DAY_OF = `($1::timestamptz AT TIME ZONE 'Asia/Shanghai')::date`;

/** Stores a visit. */
export async function insertVisit(db: Queryable, v: NewVisit, by: { id: number | null; name: string }): Promise<VisitEntry> {
  const { rows } = await db.query<{ id: number }>(
    `INSERT INTO visits (visited_on, person, role, organisation, views, follow_up, officer, created_by_id, created_by)
     VALUES (${DAY_OF}, $2, $3, $4, $5, $6, $7, (SELECT id FROM users WHERE id = $8), $9) RETURNING id`,
    [v.visitedOn, v.person, v.role, v.organisation, v.views, v.followUp, v.officer, by.id, by.name],
  );
  return (await getVisit(db, Number(rows[0]!.id)))!;
}

/** One visit, or null; `forUpdate` locks it. */
export async function getVisit(db: Queryable, id: number, opts: { forUpdate?: boolean } = {}): Promise<VisitEntry | null> {
  const { rows } = await db.query<VisitRow>(`${VISIT_SELECT} WHERE id = $1${opts.forUpdate ? ' FOR UPDATE' : ''}`, [id]);
  return rows[0] ? visitFromRow(rows[0]) : null;
}

const COLUMN: Record<keyof NewVisit, string> = {
  visitedOn: 'visited_on',
  person: 'person',
  role: 'role',
  organisation: 'organisation',
  views: 'views',
  followUp: 'follow_up',
  officer: 'officer',
};

/** Changes the given fields; null when there is no such visit. */
export async function updateVisit(db: Queryable, id: number, p: VisitPatch): Promise<VisitEntry | null> {
  const sets = ['updated_at = now()'];
  const values: unknown[] = [id];
  for (const [k, v] of Object.entries(p) as Array<[keyof NewVisit, unknown]>) {
    if (v === undefined) continue;
    values.push(v);
    sets.push(k === 'visitedOn' ? `visited_on = ($${values.length}::timestamptz AT TIME ZONE 'Asia/Shanghai')::date` : `${COLUMN[k]} = $${values.length}`);
  }
  const { rowCount } = await db.query(`UPDATE visits SET ${sets.join(', ')} WHERE id = $1`, values);
  return rowCount ? getVisit(db, id) : null;
}

/** Deletes a visit; returns it as it was, or null. */
export async function deleteVisit(db: Queryable, id: number): Promise<VisitEntry | null> {
  const before = await getVisit(db, id, { forUpdate: true });
  if (!before) return null;
  await db.query('DELETE FROM visits WHERE id = $1', [id]);
  return before;
}

/** Visits whose day begins in [from, to), by date. */
export async function listVisits(db: Queryable, f: { from?: Date; to?: Date; limit?: number }): Promise<VisitEntry[]> {
  const { rows } = await db.query<VisitRow>(
    `${VISIT_SELECT}
     WHERE ($1::timestamptz IS NULL OR (visited_on::timestamp AT TIME ZONE 'Asia/Shanghai') >= $1)
       AND ($2::timestamptz IS NULL OR (visited_on::timestamp AT TIME ZONE 'Asia/Shanghai') < $2)
     ORDER BY visited_on, id LIMIT $3`,
    [f.from ?? null, f.to ?? null, f.limit ?? 10_000],
  );
  return rows.map(visitFromRow);
}
