/**
 * Users and roles: the one definition of who may exist, validated the same way whether a user is
 * added by `yuqing users add` or by an admin through the API.
 */
import { z } from 'zod';

/** Every role; what each may do is declared by the routes, not here. */
export const ROLES = ['admin', 'pr', 'leader', 'analyst', 'ingest'] as const;
export type Role = (typeof ROLES)[number];
/** Zod schema of a role name. */
export const roleSchema = z.enum(ROLES);

/** Login names: short, ASCII, no spaces, so they are easy to type and safe in logs. */
export const userNameSchema = z
  .string()
  .trim()
  .min(2)
  .max(64)
  .regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, 'letters, digits, ".", "_" and "-" only, starting with a letter or digit');

/** Passwords: long enough to resist guessing; the upper bound keeps scrypt input sane. */
export const passwordSchema = z.string().min(10, 'at least 10 characters').max(256);

/** What an admin supplies to create a user. */
export const userInputSchema = z
  .object({
    name: userNameSchema,
    displayName: z.string().trim().min(1).max(100).optional(),
    role: roleSchema,
    password: passwordSchema.optional(),
  })
  .strict();
export type UserInput = z.infer<typeof userInputSchema>;

/** A user as the rest of the code sees it: never carries the password hash. */
export interface User {
  id: number;
  name: string;
  displayName: string;
  role: Role;
  hasPassword: boolean;
  disabled: boolean;
  createdAt: Date;
  /**
   * The unit the user belongs to (issue 15; the root unless an admin placed them). Always set on a
   * user read from the database; optional so that a user built by hand (tests) need not name one.
   */
  unitId?: number;
}

/** An API token's record: never carries the token or its hash. */
export interface ApiToken {
  id: number;
  userId: number;
  userName: string;
  name: string;
  prefix: string;
  createdAt: Date;
  lastUsedAt: Date | null;
  revokedAt: Date | null;
}
