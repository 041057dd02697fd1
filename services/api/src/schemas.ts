/**
 * Response shapes. They double as allow-lists: the serializer emits only the fields named here,
 * so a password hash or token hash can never ride along on an object by accident.
 */
import { ROLES } from '@yuqing/db';
import { z } from 'zod';

/** A user as the API shows it. */
export const userOut = z.object({
  id: z.number(),
  name: z.string(),
  displayName: z.string(),
  role: z.enum(ROLES),
  hasPassword: z.boolean(),
  disabled: z.boolean(),
  createdAt: z.date(),
});

/** An API token's record (never the token). */
export const tokenOut = z.object({
  id: z.number(),
  userId: z.number(),
  userName: z.string(),
  name: z.string(),
  prefix: z.string(),
  createdAt: z.date(),
  lastUsedAt: z.date().nullable(),
  revokedAt: z.date().nullable(),
});

/** A numeric id in a path. */
export const idParams = z.object({ id: z.coerce.number().int().positive() });
