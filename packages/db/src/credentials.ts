/**
 * The secrets users hold and how we store them: scrypt password hashes with a per-user salt,
 * and random tokens (API tokens, session secrets) stored as SHA-256. Shared by the CLI and the API
 * so both write the same formats.
 */
import { createHash, randomBytes, scrypt, timingSafeEqual, type ScryptOptions } from 'node:crypto';

// scrypt cost: N=2^15, r=8 needs 32 MiB and ~50–100 ms here; slow enough to hurt offline guessing,
// fast enough for a login. The parameters are stored in each hash, so raising them later keeps
// old hashes verifiable.
const N = 1 << 15;
const R = 8;
const P = 1;
const KEYLEN = 32;

function scryptAsync(password: string, salt: Buffer, keylen: number, opts: ScryptOptions): Promise<Buffer> {
  return new Promise((resolve, reject) =>
    scrypt(password.normalize('NFKC'), salt, keylen, opts, (err, key) => (err ? reject(err) : resolve(key))),
  );
}

/** Hashes a password as `scrypt$N$r$p$salt$hash` (base64url parts). */
export async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(16);
  const key = await scryptAsync(password, salt, KEYLEN, { N, r: R, p: P, maxmem: 256 * N * R });
  return ['scrypt', N, R, P, salt.toString('base64url'), key.toString('base64url')].join('$');
}

/** Checks a password against a stored hash in constant time; a malformed hash never matches. */
export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const parts = stored.split('$');
  if (parts.length !== 6 || parts[0] !== 'scrypt') return false;
  const [n, r, p] = parts.slice(1, 4).map(Number) as [number, number, number];
  const salt = Buffer.from(parts[4] ?? '', 'base64url');
  const expected = Buffer.from(parts[5] ?? '', 'base64url');
  if (!Number.isInteger(n) || !Number.isInteger(r) || !Number.isInteger(p) || expected.length === 0) return false;
  const key = await scryptAsync(password, salt, expected.length, { N: n, r, p, maxmem: 256 * n * r });
  return timingSafeEqual(key, expected);
}

// A hash of a password nobody knows: verifying against it when the user does not exist makes a
// wrong name take as long as a wrong password, so timing does not reveal which names exist.
let dummy: Promise<string> | undefined;
/** Spends the time of one password check and returns false. */
export async function verifyNoPassword(password: string): Promise<false> {
  dummy ??= hashPassword(randomBytes(16).toString('hex'));
  await verifyPassword(password, await dummy);
  return false;
}

/** SHA-256 (hex) of a secret: how API tokens and session secrets are looked up and stored. */
export function hashSecret(secret: string): string {
  return createHash('sha256').update(secret, 'utf8').digest('hex');
}

/** A new API token (`yq_` + 32 random bytes), its hash and the prefix shown in listings. */
export function newApiToken(): { token: string; hash: string; prefix: string } {
  const token = `yq_${randomBytes(32).toString('base64url')}`;
  return { token, hash: hashSecret(token), prefix: token.slice(0, 9) };
}

/** A new session secret (for the cookie) and its hash (the session id in the database). */
export function newSessionSecret(): { secret: string; id: string } {
  const secret = randomBytes(32).toString('base64url');
  return { secret, id: hashSecret(secret) };
}

/** A random password for a user created without one, shown once. */
export function randomPassword(): string {
  // 18 bytes → 24 base64url characters, ~144 bits; no ambiguity issues worth a custom alphabet.
  return randomBytes(18).toString('base64url');
}
