/**
 * Units (单位, migration 029): the bureau's tree — 市局 → 分局 → 派出所, any depth — with each unit's
 * jurisdiction (places and aliases, the gazetteer's entry schema per unit) and its people (公关民警,
 * 联络员, … the records the 联络员台账 and 公关民警登记表 are exported from). Users and receivers
 * name their unit (users.unit_id, receivers.unit_id; the root when nobody placed them).
 *
 * A unit with no places of its own has no jurisdiction of its own; for the root that means the
 * deployment's gazetteer file (JURISDICTION_FILE) is its jurisdiction, as it was before units.
 *
 * Refusals are UnitError (a code, an HTTP status and a Chinese message the caller shows as is).
 * Changes of the tree's shape take the same advisory lock as the database's own guard (the
 * migration's trigger), so two concurrent moves cannot together make a cycle. Callers audit each
 * change in the same transaction (unit.*, unit_person.*).
 */
import { z } from 'zod';
import type { Queryable } from '../pool';

export const UNIT_KINDS = ['city', 'branch', 'station', 'other'] as const;
export type UnitKind = (typeof UNIT_KINDS)[number];
/** How people name each kind. */
export const UNIT_KIND_LABELS: Record<UnitKind, string> = { city: '市局', branch: '分局', station: '派出所', other: '其他' };

/** The gazetteer's place kinds (packages/nlp jurisdiction.ts). */
export const UNIT_PLACE_KINDS = ['district', 'town', 'station', 'other'] as const;
export type UnitPlaceKind = (typeof UNIT_PLACE_KINDS)[number];

/** What a person does in PR work. */
export const UNIT_PERSON_DUTIES = ['公关民警', '联络员', '新闻发言人', '分管领导', '其他'] as const;
export type UnitPersonDuty = (typeof UNIT_PERSON_DUTIES)[number];

/** A refusal to show as is. */
export class UnitError extends Error {
  constructor(
    readonly status: 400 | 404 | 409,
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'UnitError';
  }
}

// --- places: validated as the gazetteer file is ---------------------------------------------

/** The longest list of places one unit takes (a 分局 has a few dozen streets and towns). */
export const UNIT_PLACES_MAX = 500;

/**
 * One place of a jurisdiction: the gazetteer's entry (packages/nlp jurisdiction.ts — name, aliases,
 * kind defaulting to other), with bounds on sizes. The same shape, so a later slice can hand a
 * unit's places to the analyzer's place matcher as they are.
 */
export const unitPlaceInputSchema = z
  .object({
    name: z.string({ error: '地名应为文字' }).trim().min(1, '地名不能为空').max(100, '地名最多 100 字'),
    aliases: z.array(z.string({ error: '别名应为文字' }).trim().min(1, '别名不能为空').max(100, '别名最多 100 字'), { error: '别名应为列表' }).max(50, '一个地名最多 50 个别名').optional(),
    kind: z.enum(UNIT_PLACE_KINDS, { error: '地名类型只能是 district（区县）、town（街道乡镇）、station（派出所辖区）或 other（其他）' }).default('other'),
  })
  .strict();
export type UnitPlaceInput = z.input<typeof unitPlaceInputSchema>;

/** A unit's whole list of places: no name twice (an alias repeating its own name is dropped). */
export const unitPlacesInputSchema = z
  .array(unitPlaceInputSchema, { error: '辖区应为地名列表' })
  .max(UNIT_PLACES_MAX, `一个单位最多 ${UNIT_PLACES_MAX} 个地名`)
  .superRefine((places, ctx) => {
    const seen = new Set<string>();
    places.forEach((p, i) => {
      if (seen.has(p.name)) ctx.addIssue({ code: 'custom', path: [i, 'name'], message: `地名「${p.name}」重复` });
      seen.add(p.name);
    });
  })
  .transform((places) => places.map((p) => ({ name: p.name, kind: p.kind, aliases: [...new Set(p.aliases ?? [])].filter((a) => a !== p.name) })));

/** A place of a unit's jurisdiction as stored. */
export interface UnitPlace {
  name: string;
  aliases: string[];
  kind: UnitPlaceKind;
}

// --- units -----------------------------------------------------------------------------------

/** A unit. */
export interface Unit {
  id: number;
  parentId: number | null;
  name: string;
  kind: UnitKind;
  createdAt: Date;
  updatedAt: Date;
}

/** What hangs on a unit (its own, not its descendants'). */
export interface UnitCounts {
  children: number;
  users: number;
  receivers: number;
  /** People currently in their duty. */
  people: number;
  /** Every person record, ended ones too (they keep a unit from being deleted). */
  peopleAll: number;
}

/** A unit in the tree: where it sits, its jurisdiction and what hangs on it. */
export interface UnitNode extends Unit {
  /** 0 for the root. */
  depth: number;
  /** Names from the root down to this unit (the root's first). */
  path: string[];
  places: UnitPlace[];
  counts: UnitCounts;
}

interface UnitRow {
  id: number;
  parent_id: number | null;
  name: string;
  kind: UnitKind;
  created_at: Date;
  updated_at: Date;
}

const unitFromRow = (r: UnitRow): Unit => ({ id: Number(r.id), parentId: r.parent_id === null ? null : Number(r.parent_id), name: r.name, kind: r.kind, createdAt: r.created_at, updatedAt: r.updated_at });

/** The Beijing date today, or the caller's (tests): the day that decides who is current. */
const TODAY = (p: string): string => `COALESCE(${p}::date, (now() AT TIME ZONE 'Asia/Shanghai')::date)`;
/** A person is current from `since` until the day before `until` (the day they left). */
const CURRENT = (alias: string, today: string): string => `(${alias}.since <= ${today} AND (${alias}.until IS NULL OR ${alias}.until > ${today}))`;

const isUniqueViolation = (err: unknown): boolean => (err as { code?: unknown } | null)?.code === '23505';
const isForeignKeyViolation = (err: unknown): boolean => (err as { code?: unknown } | null)?.code === '23503';

/** Serialises changes of the tree's shape in this schema (the trigger of migration 029 takes it too). */
async function lockTree(db: Queryable): Promise<void> {
  await db.query(`SELECT pg_advisory_xact_lock(hashtext('yuqing units tree'), hashtext(current_schema()))`);
}

/** One unit, or null; `forUpdate` locks its row. */
export async function getUnit(db: Queryable, id: number, opts: { forUpdate?: boolean } = {}): Promise<Unit | null> {
  const { rows } = await db.query<UnitRow>(`SELECT * FROM units WHERE id = $1${opts.forUpdate ? ' FOR UPDATE' : ''}`, [id]);
  return rows[0] ? unitFromRow(rows[0]) : null;
}

/** The root unit (there is exactly one from migration 029 on). */
export async function getRootUnit(db: Queryable): Promise<Unit> {
  const { rows } = await db.query<UnitRow>('SELECT * FROM units WHERE parent_id IS NULL');
  if (!rows[0]) throw new Error('the units table has no root: migration 029 makes one and nothing deletes it');
  return unitFromRow(rows[0]);
}

/** A unit that must exist: UNIT_NOT_FOUND otherwise (`what` names it in the message, e.g. 上级单位). */
export async function requireUnit(db: Queryable, id: number, what = '单位', opts: { forUpdate?: boolean } = {}): Promise<Unit> {
  const u = await getUnit(db, id, opts);
  if (!u) throw new UnitError(404, 'UNIT_NOT_FOUND', `${what} ${id} 不存在`);
  return u;
}

/** The ids of a unit and all its descendants (empty when there is no such unit): what a scope check asks. */
export async function unitSubtreeIds(db: Queryable, unitId: number): Promise<number[]> {
  const { rows } = await db.query<{ id: number }>(
    `WITH RECURSIVE sub(id) AS (
       SELECT id FROM units WHERE id = $1
       UNION ALL
       SELECT u.id FROM units u JOIN sub ON u.parent_id = sub.id
     )
     SELECT id FROM sub ORDER BY id`,
    [unitId],
  );
  return rows.map((r) => Number(r.id));
}

/** Per unit, what hangs on it (children, users, receivers, people current and all). */
export async function unitCountSummary(db: Queryable, opts: { today?: string } = {}): Promise<Map<number, UnitCounts>> {
  const today = TODAY('$1');
  const { rows } = await db.query<{ id: number; children: number; users: number; receivers: number; people: number; people_all: number }>(
    `SELECT u.id,
            (SELECT count(*) FROM units c WHERE c.parent_id = u.id)::int AS children,
            (SELECT count(*) FROM users x WHERE x.unit_id = u.id)::int AS users,
            (SELECT count(*) FROM receivers r WHERE r.unit_id = u.id)::int AS receivers,
            (SELECT count(*) FROM unit_people p WHERE p.unit_id = u.id AND ${CURRENT('p', today)})::int AS people,
            (SELECT count(*) FROM unit_people p WHERE p.unit_id = u.id)::int AS people_all
       FROM units u`,
    [opts.today ?? null],
  );
  return new Map(rows.map((r) => [Number(r.id), { children: r.children, users: r.users, receivers: r.receivers, people: r.people, peopleAll: r.people_all }]));
}

/**
 * The whole tree in pre-order (each unit before its children; siblings in the order they were
 * made), each with its depth, path, places and counts.
 */
export async function listUnitTree(db: Queryable, opts: { today?: string } = {}): Promise<UnitNode[]> {
  const { rows } = await db.query<UnitRow & { depth: number; path: string[] }>(
    `WITH RECURSIVE tree AS (
       SELECT u.*, 0 AS depth, ARRAY[u.id] AS ids, ARRAY[u.name] AS path FROM units u WHERE u.parent_id IS NULL
       UNION ALL
       SELECT u.*, t.depth + 1, t.ids || u.id, t.path || u.name FROM units u JOIN tree t ON u.parent_id = t.id
     )
     SELECT id, parent_id, name, kind, created_at, updated_at, depth, path FROM tree ORDER BY ids`,
  );
  const places = await placesByUnit(db);
  const counts = await unitCountSummary(db, opts);
  const none: UnitCounts = { children: 0, users: 0, receivers: 0, people: 0, peopleAll: 0 };
  return rows.map((r) => ({ ...unitFromRow(r), depth: r.depth, path: r.path, places: places.get(Number(r.id)) ?? [], counts: counts.get(Number(r.id)) ?? none }));
}

async function placesByUnit(db: Queryable, unitId?: number): Promise<Map<number, UnitPlace[]>> {
  const { rows } = await db.query<{ unit_id: number; name: string; aliases: string[]; kind: UnitPlaceKind }>(
    `SELECT unit_id, name, aliases, kind FROM unit_places WHERE $1::bigint IS NULL OR unit_id = $1 ORDER BY unit_id, position`,
    [unitId ?? null],
  );
  const out = new Map<number, UnitPlace[]>();
  for (const r of rows) {
    const list = out.get(Number(r.unit_id)) ?? [];
    list.push({ name: r.name, aliases: r.aliases, kind: r.kind });
    out.set(Number(r.unit_id), list);
  }
  return out;
}

/** A unit's own places, in the order they were written. */
export async function getUnitPlaces(db: Queryable, unitId: number): Promise<UnitPlace[]> {
  return (await placesByUnit(db, unitId)).get(unitId) ?? [];
}

/** Names from the root down to the unit (empty when there is no such unit). */
export async function unitPath(db: Queryable, unitId: number): Promise<string[]> {
  const { rows } = await db.query<{ name: string }>(
    `WITH RECURSIVE up AS (
       SELECT id, parent_id, name, 0 AS n FROM units WHERE id = $1
       UNION ALL
       SELECT u.id, u.parent_id, u.name, up.n + 1 FROM units u JOIN up ON u.id = up.parent_id
     )
     SELECT name FROM up ORDER BY n DESC`,
    [unitId],
  );
  return rows.map((r) => r.name);
}

/**
 * How a unit is written in full on a register: the names below the root run together, as Chinese
 * documents write a unit (城东分局东门派出所); the root by its own name.
 */
export function unitFullName(path: readonly string[]): string {
  return path.length <= 1 ? (path[0] ?? '') : path.slice(1).join('');
}

function siblingTaken(name: string, parentName: string): UnitError {
  return new UnitError(409, 'UNIT_NAME_TAKEN', `「${parentName}」下已有名为「${name}」的单位`);
}

/** What creating a unit takes. */
export interface NewUnit {
  parentId: number;
  name: string;
  kind: UnitKind;
}

/** Adds a unit under an existing one. */
export async function createUnit(db: Queryable, u: NewUnit): Promise<Unit> {
  // The parent's row is locked so that it cannot be deleted while its new child is added.
  const parent = await requireUnit(db, u.parentId, '上级单位', { forUpdate: true });
  const { rows } = await db.query<UnitRow>(
    `INSERT INTO units (parent_id, name, kind) VALUES ($1, $2, $3) ON CONFLICT ON CONSTRAINT units_sibling_name_key DO NOTHING RETURNING *`,
    [u.parentId, u.name, u.kind],
  );
  if (!rows[0]) throw siblingTaken(u.name, parent.name);
  return unitFromRow(rows[0]);
}

/** A change to a unit: rename, another kind, another parent (a move). */
export interface UnitPatch {
  name?: string;
  kind?: UnitKind;
  parentId?: number;
}

/**
 * Changes a unit; returns it before and after. Refused: moving the root, moving a unit under
 * itself or one of its descendants, a name its (new) siblings already have.
 */
export async function updateUnit(db: Queryable, id: number, patch: UnitPatch): Promise<{ before: Unit; after: Unit }> {
  const moving = patch.parentId !== undefined;
  if (moving) await lockTree(db);
  const before = await requireUnit(db, id, '单位', { forUpdate: true });
  const parentId = patch.parentId ?? before.parentId;
  let parentName = '';
  if (moving && patch.parentId !== before.parentId) {
    if (before.parentId === null) throw new UnitError(409, 'UNIT_ROOT_FIXED', `「${before.name}」是最上级单位，不能移动`);
    const target = await requireUnit(db, patch.parentId!, '上级单位', { forUpdate: true });
    const below = await unitSubtreeIds(db, id);
    if (below.includes(target.id)) {
      throw new UnitError(
        409,
        'UNIT_CYCLE',
        target.id === id ? `不能把「${before.name}」移到它自己之下` : `不能把「${before.name}」移到它的下级单位「${target.name}」之下`,
      );
    }
    parentName = target.name;
  } else if (parentId !== null) {
    parentName = (await getUnit(db, parentId))?.name ?? '';
  }
  const name = patch.name ?? before.name;
  const kind = patch.kind ?? before.kind;
  // Nothing changes: no write (updated_at stays; the caller records nothing).
  if (name === before.name && kind === before.kind && parentId === before.parentId) return { before, after: before };
  try {
    const { rows } = await db.query<UnitRow>(`UPDATE units SET parent_id = $2, name = $3, kind = $4, updated_at = now() WHERE id = $1 RETURNING *`, [
      id,
      parentId,
      name,
      kind,
    ]);
    return { before, after: unitFromRow(rows[0]!) };
  } catch (err) {
    if (isUniqueViolation(err)) throw siblingTaken(name, parentName);
    throw err;
  }
}

/** What keeps a unit from being deleted, in words (empty when nothing does). */
function holders(c: UnitCounts): string[] {
  const out: string[] = [];
  if (c.children) out.push(`${c.children} 个下级单位`);
  if (c.users) out.push(`${c.users} 个用户`);
  if (c.receivers) out.push(`${c.receivers} 个接收端`);
  if (c.peopleAll) out.push(`${c.peopleAll} 条人员记录`);
  return out;
}

/**
 * Deletes a unit that holds nothing (no children, users, receivers or people); its places go with
 * it. Returns the unit as it was, with its places.
 */
export async function deleteUnit(db: Queryable, id: number): Promise<Unit & { places: UnitPlace[] }> {
  await lockTree(db);
  const unit = await requireUnit(db, id, '单位', { forUpdate: true });
  if (unit.parentId === null) throw new UnitError(409, 'UNIT_ROOT_FIXED', `「${unit.name}」是最上级单位，不能删除`);
  const counts = (await unitCountSummary(db)).get(id);
  const held = counts ? holders(counts) : [];
  if (held.length) throw new UnitError(409, 'UNIT_NOT_EMPTY', `「${unit.name}」下还有 ${held.join('、')}，不能删除；请先把它们移到其他单位或删除`);
  const places = await getUnitPlaces(db, id);
  try {
    await db.query('DELETE FROM units WHERE id = $1', [id]);
  } catch (err) {
    // A user, receiver or person added to it since the count (their insert holds the row's key).
    if (isForeignKeyViolation(err)) throw new UnitError(409, 'UNIT_NOT_EMPTY', `「${unit.name}」下刚刚加入了用户、接收端、人员或下级单位，不能删除`);
    throw err;
  }
  return { ...unit, places };
}

/** Replaces a unit's places with `places` (validated by unitPlacesInputSchema); returns them as stored. */
export async function setUnitPlaces(db: Queryable, unitId: number, places: readonly UnitPlace[]): Promise<UnitPlace[]> {
  // The row lock serialises two replacements of the same list.
  await requireUnit(db, unitId, '单位', { forUpdate: true });
  await db.query('DELETE FROM unit_places WHERE unit_id = $1', [unitId]);
  if (places.length) {
    await db.query(
      `INSERT INTO unit_places (unit_id, position, name, aliases, kind)
       SELECT $1, p.ord - 1, p.x->>'name', ARRAY(SELECT jsonb_array_elements_text(p.x->'aliases')), p.x->>'kind'
         FROM jsonb_array_elements($2::jsonb) WITH ORDINALITY AS p(x, ord)`,
      [unitId, JSON.stringify(places)],
    );
  }
  return getUnitPlaces(db, unitId);
}

// --- people ----------------------------------------------------------------------------------

/** A person of a unit. Dates are Beijing calendar dates, `YYYY-MM-DD`. */
export interface UnitPerson {
  id: number;
  unitId: number;
  /** The unit's name. */
  unitName: string;
  /** The unit written in full (unitFullName). */
  unitFullName: string;
  name: string;
  duty: UnitPersonDuty;
  /** 职务. */
  position: string;
  phone: string;
  since: string;
  /** The day they left the duty; null while they hold it. */
  until: string | null;
  note: string;
  /** In the duty today (Beijing date): since ≤ today < until. */
  current: boolean;
  createdAt: Date;
  updatedAt: Date;
}

/** What recording a person takes (validated by the caller). */
export interface NewUnitPerson {
  unitId: number;
  name: string;
  duty: UnitPersonDuty;
  position?: string;
  phone?: string;
  /** Default: today (Beijing). */
  since?: string;
  until?: string | null;
  note?: string;
}

export type UnitPersonPatch = Partial<NewUnitPerson>;

interface PersonRow {
  id: number;
  unit_id: number;
  unit_name: string;
  unit_path: string[];
  name: string;
  duty: UnitPersonDuty;
  position: string;
  phone: string;
  since: string;
  until: string | null;
  note: string;
  current: boolean;
  created_at: Date;
  updated_at: Date;
}

const personFromRow = (r: PersonRow): UnitPerson => ({
  id: Number(r.id),
  unitId: Number(r.unit_id),
  unitName: r.unit_name,
  unitFullName: unitFullName(r.unit_path),
  name: r.name,
  duty: r.duty,
  position: r.position,
  phone: r.phone,
  since: r.since,
  until: r.until,
  note: r.note,
  current: r.current,
  createdAt: r.created_at,
  updatedAt: r.updated_at,
});

/** Filters of listUnitPeople. */
export interface UnitPeopleFilter {
  /** The people of this unit (and, with `subtree`, of its descendants). */
  unitId?: number;
  subtree?: boolean;
  duty?: UnitPersonDuty;
  /** Only those in their duty today. */
  currentOnly?: boolean;
  /** The Beijing date that decides who is current (tests); default today. */
  today?: string;
}

/**
 * People in the tree's order (a unit's own before its children's; siblings in the order they were
 * made), then by duty as UNIT_PERSON_DUTIES lists them, start date and id.
 */
export async function listUnitPeople(db: Queryable, f: UnitPeopleFilter = {}): Promise<UnitPerson[]> {
  const today = TODAY('$4');
  const { rows } = await db.query<PersonRow>(
    `WITH RECURSIVE tree AS (
       SELECT u.id, ARRAY[u.id] AS ids, ARRAY[u.name] AS path FROM units u WHERE u.parent_id IS NULL
       UNION ALL
       SELECT u.id, t.ids || u.id, t.path || u.name FROM units u JOIN tree t ON u.parent_id = t.id
     ),
     sub(id) AS (
       SELECT id FROM units WHERE id = $1
       UNION ALL
       SELECT u.id FROM units u JOIN sub ON u.parent_id = sub.id WHERE $2
     ),
     scope AS (SELECT id FROM units WHERE $1::bigint IS NULL UNION ALL SELECT id FROM sub)
     SELECT p.id, p.unit_id, u.name AS unit_name, t.path AS unit_path, p.name, p.duty, p.position, p.phone,
            to_char(p.since, 'YYYY-MM-DD') AS since, to_char(p.until, 'YYYY-MM-DD') AS until, p.note,
            ${CURRENT('p', today)} AS current, p.created_at, p.updated_at
       FROM unit_people p JOIN units u ON u.id = p.unit_id JOIN tree t ON t.id = p.unit_id
      WHERE p.unit_id IN (SELECT id FROM scope)
        AND ($3::text IS NULL OR p.duty = $3)
        AND (NOT $5 OR ${CURRENT('p', today)})
      ORDER BY t.ids, array_position($6::text[], p.duty), p.since, p.id`,
    [f.unitId ?? null, f.subtree ?? false, f.duty ?? null, f.today ?? null, f.currentOnly ?? false, UNIT_PERSON_DUTIES],
  );
  return rows.map(personFromRow);
}

/** One person, or null; `forUpdate` locks the record. */
export async function getUnitPerson(db: Queryable, id: number, opts: { forUpdate?: boolean; today?: string } = {}): Promise<UnitPerson | null> {
  if (opts.forUpdate) await db.query('SELECT 1 FROM unit_people WHERE id = $1 FOR UPDATE', [id]);
  const today = TODAY('$2');
  const { rows } = await db.query<PersonRow>(
    `SELECT p.id, p.unit_id, u.name AS unit_name,
            ARRAY(WITH RECURSIVE up AS (SELECT x.id, x.parent_id, x.name, 0 AS n FROM units x WHERE x.id = p.unit_id
                                        UNION ALL SELECT y.id, y.parent_id, y.name, up.n + 1 FROM units y JOIN up ON y.id = up.parent_id)
                  SELECT name FROM up ORDER BY n DESC) AS unit_path,
            p.name, p.duty, p.position, p.phone, to_char(p.since, 'YYYY-MM-DD') AS since, to_char(p.until, 'YYYY-MM-DD') AS until, p.note,
            ${CURRENT('p', today)} AS current, p.created_at, p.updated_at
       FROM unit_people p JOIN units u ON u.id = p.unit_id WHERE p.id = $1`,
    [id, opts.today ?? null],
  );
  return rows[0] ? personFromRow(rows[0]) : null;
}

/** Refuses an end before the start, in words (the table's CHECK would only say 23514). */
function checkDates(since: string, until: string | null | undefined): void {
  if (until && until < since) throw new UnitError(400, 'UNIT_PERSON_BAD_DATES', `离任日期（${until}）不能早于起始日期（${since}）`);
}

/** Records a person in a unit. */
export async function insertUnitPerson(db: Queryable, p: NewUnitPerson): Promise<UnitPerson> {
  // Locked against the unit's deletion while the person is added.
  await requireUnit(db, p.unitId, '单位', { forUpdate: true });
  const { rows: today } = await db.query<{ d: string }>(`SELECT to_char((now() AT TIME ZONE 'Asia/Shanghai')::date, 'YYYY-MM-DD') AS d`);
  const since = p.since ?? today[0]!.d;
  checkDates(since, p.until);
  const { rows } = await db.query<{ id: number }>(
    `INSERT INTO unit_people (unit_id, name, duty, position, phone, since, until, note) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id`,
    [p.unitId, p.name, p.duty, p.position ?? '', p.phone ?? '', since, p.until ?? null, p.note ?? ''],
  );
  return (await getUnitPerson(db, Number(rows[0]!.id)))!;
}

const PERSON_COLUMN: Record<keyof NewUnitPerson, string> = {
  unitId: 'unit_id',
  name: 'name',
  duty: 'duty',
  position: 'position',
  phone: 'phone',
  since: 'since',
  until: 'until',
  note: 'note',
};

/** Changes the given fields of a person (`until: null`: back in the duty); returns before and after, or null. */
export async function updateUnitPerson(db: Queryable, id: number, patch: UnitPersonPatch): Promise<{ before: UnitPerson; after: UnitPerson } | null> {
  const before = await getUnitPerson(db, id, { forUpdate: true });
  if (!before) return null;
  if (patch.unitId !== undefined && patch.unitId !== before.unitId) await requireUnit(db, patch.unitId, '单位', { forUpdate: true });
  checkDates(patch.since ?? before.since, patch.until === undefined ? before.until : patch.until);
  const sets = ['updated_at = now()'];
  const values: unknown[] = [id];
  for (const [k, v] of Object.entries(patch) as Array<[keyof NewUnitPerson, unknown]>) {
    if (v === undefined) continue;
    values.push(v);
    sets.push(`${PERSON_COLUMN[k]} = $${values.length}`);
  }
  await db.query(`UPDATE unit_people SET ${sets.join(', ')} WHERE id = $1`, values);
  return { before, after: (await getUnitPerson(db, id))! };
}

/** Deletes a person's record (ending the duty keeps it: prefer that); returns it as it was, or null. */
export async function deleteUnitPerson(db: Queryable, id: number): Promise<UnitPerson | null> {
  const before = await getUnitPerson(db, id, { forUpdate: true });
  if (!before) return null;
  await db.query('DELETE FROM unit_people WHERE id = $1', [id]);
  return before;
}
