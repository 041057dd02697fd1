/** Users with known credentials for the API tests: one token per role, passwords where asked. */
import { hashPassword, insertApiToken, insertUser, newApiToken, ROLES, type Pool, type Role, type User } from '@yuqing/db';

/** A user and a live API token of theirs. */
export interface Caller {
  user: User;
  token: string;
  tokenId: number;
}

/** Creates a user (with a password if given) and a token for them. */
export async function makeCaller(db: Pool, name: string, role: Role, password?: string): Promise<Caller> {
  const user = await insertUser(db, { name, displayName: name, role, passwordHash: password ? await hashPassword(password) : null });
  if (!user) throw new Error(`user ${name} exists`);
  const t = newApiToken();
  const record = await insertApiToken(db, { userId: user.id, name: 'test', hash: t.hash, prefix: t.prefix });
  return { user, token: t.token, tokenId: record.id };
}

/** One caller per role, named after the role. */
export async function callerPerRole(db: Pool): Promise<Record<Role, Caller>> {
  const entries = await Promise.all(ROLES.map(async (r) => [r, await makeCaller(db, `role-${r}`, r)] as const));
  return Object.fromEntries(entries) as Record<Role, Caller>;
}

/** The Authorization header of a token. */
export function bearer(token: string): { authorization: string } {
  return { authorization: `Bearer ${token}` };
}
