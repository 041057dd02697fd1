/** Raw SQL for API tokens: stored as SHA-256 hashes, looked up by hash, revoked, never deleted. */
import type { Queryable } from '../pool';
import type { ApiToken, User } from '../user-model';
import { USER_COLUMNS, userFromRow, type UserRow } from './users';

interface TokenRow {
  id: number;
  user_id: number;
  user_name: string;
  name: string;
  prefix: string;
  created_at: Date;
  last_used_at: Date | null;
  revoked_at: Date | null;
}

const TOKEN_COLUMNS = `t.id, t.user_id, u.name AS user_name, t.name, t.prefix, t.created_at, t.last_used_at, t.revoked_at`;

function tokenFromRow(r: TokenRow): ApiToken {
  return { id: r.id, userId: r.user_id, userName: r.user_name, name: r.name, prefix: r.prefix, createdAt: r.created_at, lastUsedAt: r.last_used_at, revokedAt: r.revoked_at };
}

/** Stores a token's hash for a user (by id); returns the token's record. */
export async function insertApiToken(db: Queryable, t: { userId: number; name: string; hash: string; prefix: string }): Promise<ApiToken> {
  const { rows } = await db.query<TokenRow>(
    `WITH t AS (INSERT INTO api_tokens (user_id, name, token_hash, prefix) VALUES ($1, $2, $3, $4) RETURNING *)
     SELECT ${TOKEN_COLUMNS} FROM t JOIN users u ON u.id = t.user_id`,
    [t.userId, t.name, t.hash, t.prefix],
  );
  const row = rows[0];
  if (!row) throw new Error(`storing a token for user ${t.userId} returned nothing`);
  return tokenFromRow(row);
}

/** Tokens, newest first; only one user's when `userName` is given. */
export async function listApiTokens(db: Queryable, userName?: string): Promise<ApiToken[]> {
  const { rows } = await db.query<TokenRow>(
    `SELECT ${TOKEN_COLUMNS} FROM api_tokens t JOIN users u ON u.id = t.user_id
     WHERE $1::text IS NULL OR u.name = $1 ORDER BY t.id DESC`,
    [userName ?? null],
  );
  return rows.map(tokenFromRow);
}

/** Revokes a token; returns its record (already-revoked tokens keep their first revocation time), or null. */
export async function revokeApiToken(db: Queryable, id: number): Promise<ApiToken | null> {
  const { rows } = await db.query<TokenRow>(
    `WITH t AS (UPDATE api_tokens SET revoked_at = coalesce(revoked_at, now()) WHERE id = $1 RETURNING *)
     SELECT ${TOKEN_COLUMNS} FROM t JOIN users u ON u.id = t.user_id`,
    [id],
  );
  return rows[0] ? tokenFromRow(rows[0]) : null;
}

/**
 * The enabled user holding a live token with this hash, or null. One round trip: last_used_at is
 * refreshed in the same statement, and at most once a minute, so busy clients do not turn every
 * read into a write.
 */
export async function authenticateApiToken(db: Queryable, hash: string): Promise<User | null> {
  const { rows } = await db.query<UserRow>(
    `WITH hit AS (
       SELECT t.id AS token_id, t.last_used_at, ${USER_COLUMNS}
       FROM api_tokens t JOIN users u ON u.id = t.user_id
       WHERE t.token_hash = $1 AND t.revoked_at IS NULL AND NOT u.disabled),
     touched AS (
       UPDATE api_tokens SET last_used_at = now()
       WHERE id IN (SELECT token_id FROM hit WHERE last_used_at IS NULL OR last_used_at < now() - interval '1 minute'))
     SELECT * FROM hit`,
    [hash],
  );
  return rows[0] ? userFromRow(rows[0]) : null;
}
