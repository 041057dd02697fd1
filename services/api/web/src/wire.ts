/**
 * The API's answers as the page receives them: the server's own types (from its repositories and
 * response schemas, imported as types only, so nothing of the server is bundled), passed through
 * JSON — a Date arrives as its ISO string. A view declares what it reads as `Wire<ServerType>`, so
 * a field renamed or removed on the server fails `pnpm typecheck` in the page too.
 */
export type Wire<T> = T extends Date
  ? string
  : T extends ReadonlyArray<infer U>
    ? Wire<U>[]
    : T extends Map<unknown, unknown> | Set<unknown>
      ? never
      : T extends object
        ? { [K in keyof T]: Wire<T[K]> }
        : T;

export type { Role } from '@yuqing/db';
import type { User as ServerUser } from '@yuqing/db';
/** The signed-in user (/api/auth/me, /api/auth/login). */
export type User = Wire<ServerUser>;
