/** Raw SQL for browser sessions: the id is the SHA-256 of the cookie's secret. */
import type { Queryable } from '../pool';
import type { User } from '../user-model';
import { USER_COLUMNS, userFromRow, type UserRow } from './users';

/** Starts a session for a user, lasting `ttlMs`; returns its expiry. Expired sessions are swept on the way. */
export async function insertSession(db: Queryable, s: { id: string; userId: number; ttlMs: number }): Promise<Date> {
  // Sweeping here keeps the table small without a scheduler; logins are rare enough for it to be cheap.
  await db.query('DELETE FROM sessions WHERE expires_at < now()');
  const { rows } = await db.query<{ expires_at: Date }>(
    `INSERT INTO sessions (id, user_id, expires_at) VALUES ($1, $2, now() + $3 * interval '1 millisecond') RETURNING expires_at`,
    [s.id, s.userId, s.ttlMs],
  );
  const row = rows[0];
  if (!row) throw new Error('storing a session returned nothing');
  return row.expires_at;
}

/**
 * The enabled user of an unexpired session with this id, or null; last_seen_at is refreshed in the
 * same statement, at most once a minute.
 */
export async function authenticateSession(db: Queryable, id: string): Promise<User | null> {
  return (await authenticateSessionUntil(db, id))?.user ?? null;
}

/** As authenticateSession, with the session's expiry, for a caller that remembers the answer (it must not outlive the session). */
export async function authenticateSessionUntil(db: Queryable, id: string): Promise<{ user: User; expiresAt: Date } | null> {
  const { rows } = await db.query<UserRow & { session_expires_at: Date }>(
    `WITH hit AS (
       SELECT s.id AS session_id, s.last_seen_at, s.expires_at AS session_expires_at, ${USER_COLUMNS}
       FROM sessions s JOIN users u ON u.id = s.user_id
       WHERE s.id = $1 AND s.expires_at > now() AND NOT u.disabled),
     touched AS (
       UPDATE sessions SET last_seen_at = now()
       WHERE id IN (SELECT session_id FROM hit WHERE last_seen_at < now() - interval '1 minute'))
     SELECT * FROM hit`,
    [id],
  );
  const row = rows[0];
  return row ? { user: userFromRow(row), expiresAt: row.session_expires_at } : null;
}

/** Ends a session (logout); true when there was one. */
export async function deleteSession(db: Queryable, id: string): Promise<boolean> {
  return (await endSession(db, id)) !== null;
}

/** Ends a session (logout); the id of the user it belonged to, or null when there was none. */
export async function endSession(db: Queryable, id: string): Promise<number | null> {
  const { rows } = await db.query<{ user_id: number }>('DELETE FROM sessions WHERE id = $1 RETURNING user_id', [id]);
  return rows[0] ? Number(rows[0].user_id) : null;
}
