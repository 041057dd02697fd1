/** Raw SQL for users. The password hash leaves this module only through getLoginCandidate. */
import type { Queryable } from '../pool';
import type { Role, User } from '../user-model';

/** Columns of a User; `u` is the users table's alias in every query. */
export const USER_COLUMNS = `u.id, u.name, u.display_name, u.role, (u.password_hash IS NOT NULL) AS has_password, u.disabled, u.created_at, u.unit_id`;

/** A row selected with USER_COLUMNS. */
export interface UserRow {
  id: number;
  name: string;
  display_name: string;
  role: Role;
  has_password: boolean;
  disabled: boolean;
  created_at: Date;
  unit_id: number;
}

/** Maps a USER_COLUMNS row to a User. */
export function userFromRow(r: UserRow): User {
  return { id: r.id, name: r.name, displayName: r.display_name, role: r.role, hasPassword: r.has_password, disabled: r.disabled, createdAt: r.created_at, unitId: Number(r.unit_id) };
}

/** Adds a user; returns null when the name is taken. */
export async function insertUser(
  db: Queryable,
  u: { name: string; displayName: string; role: Role; passwordHash: string | null; /** Default: the root unit. */ unitId?: number },
): Promise<User | null> {
  const { rows } = await db.query<UserRow>(
    `INSERT INTO users AS u (name, display_name, role, password_hash, unit_id) VALUES ($1, $2, $3, $4, COALESCE($5, root_unit_id()))
     ON CONFLICT (name) DO NOTHING RETURNING ${USER_COLUMNS}`,
    [u.name, u.displayName, u.role, u.passwordHash, u.unitId ?? null],
  );
  return rows[0] ? userFromRow(rows[0]) : null;
}

/** Every user, ordered by id. */
export async function listUsers(db: Queryable): Promise<User[]> {
  const { rows } = await db.query<UserRow>(`SELECT ${USER_COLUMNS} FROM users u ORDER BY u.id`);
  return rows.map(userFromRow);
}

/** One user by name, or null. */
export async function getUserByName(db: Queryable, name: string): Promise<User | null> {
  const { rows } = await db.query<UserRow>(`SELECT ${USER_COLUMNS} FROM users u WHERE u.name = $1`, [name]);
  return rows[0] ? userFromRow(rows[0]) : null;
}

/** What a login needs: the enabled user with that name and their password hash, or null. */
export async function getLoginCandidate(db: Queryable, name: string): Promise<{ user: User; passwordHash: string } | null> {
  const { rows } = await db.query<UserRow & { password_hash: string }>(
    `SELECT ${USER_COLUMNS}, u.password_hash FROM users u WHERE u.name = $1 AND NOT u.disabled AND u.password_hash IS NOT NULL`,
    [name],
  );
  const r = rows[0];
  return r ? { user: userFromRow(r), passwordHash: r.password_hash } : null;
}

/**
 * Disables (or re-enables) a user by name and, on disabling, ends their sessions; their tokens are
 * refused from now on because every lookup checks the user. Returns the user, or null.
 */
export async function setUserDisabled(db: Queryable, name: string, disabled: boolean): Promise<User | null> {
  const { rows } = await db.query<UserRow>(
    `WITH changed AS (UPDATE users SET disabled = $2 WHERE name = $1 RETURNING *),
          ended AS (DELETE FROM sessions WHERE $2 AND user_id IN (SELECT id FROM changed))
     SELECT ${USER_COLUMNS} FROM changed u`,
    [name, disabled],
  );
  return rows[0] ? userFromRow(rows[0]) : null;
}

/**
 * Sets a user's password (an admin's reset) and ends their sessions: whoever held the old password
 * is signed out everywhere. Returns the user, or null when there is no such user.
 */
export async function setUserPassword(db: Queryable, name: string, passwordHash: string): Promise<User | null> {
  const { rows } = await db.query<UserRow>(
    `WITH changed AS (UPDATE users SET password_hash = $2 WHERE name = $1 RETURNING *),
          ended AS (DELETE FROM sessions WHERE user_id IN (SELECT id FROM changed))
     SELECT ${USER_COLUMNS} FROM changed u`,
    [name, passwordHash],
  );
  return rows[0] ? userFromRow(rows[0]) : null;
}

/** Moves a user to another unit (which must exist: the caller checks). Returns the user, or null. */
export async function setUserUnit(db: Queryable, name: string, unitId: number): Promise<User | null> {
  const { rows } = await db.query<UserRow>(`UPDATE users AS u SET unit_id = $2 WHERE u.name = $1 RETURNING ${USER_COLUMNS}`, [name, unitId]);
  return rows[0] ? userFromRow(rows[0]) : null;
}
