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
  /** The unit the user belongs to (issue 15). */
  unitId: z.number().optional(),
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

// A date or date-time without a zone: YYYY-MM-DD, or with Thh:mm[:ss[.fff]] (a space instead of T too).
const ZONELESS = /^(\d{4}-\d{2}-\d{2})(?:[T ](\d{2}:\d{2}(?::\d{2}(?:\.\d{1,3})?)?))?$/;

/**
 * Epoch ms of a time as people type it: milliseconds since the epoch, ISO 8601 with a zone, or a
 * date / date-time without one — read as Beijing time (UTC+8; no daylight saving since 1991), the
 * time every screen shows, not as UTC or the server's zone (a register "from 2026-11-01" starts at
 * 00:00 in Beijing). NaN when it is none of these.
 */
export function parseTimeInput(v: string | number): number {
  if (typeof v === 'number') return v;
  const s = v.trim();
  if (/^\d+$/.test(s)) return Number(s);
  const m = ZONELESS.exec(s);
  if (m) return Date.parse(`${m[1]}T${m[2] ?? '00:00'}+08:00`);
  return Date.parse(s);
}

const TIME_MESSAGE = '时间应为毫秒时间戳、带时区的 ISO 8601，或北京时间的日期/日期时间（如 2026-11-01 或 2026-11-01T08:00）';

const toDate = (v: string | number, ctx: z.RefinementCtx): Date => {
  const ms = parseTimeInput(v);
  if (!Number.isFinite(ms)) {
    ctx.addIssue({ code: 'custom', message: TIME_MESSAGE });
    return z.NEVER;
  }
  return new Date(ms);
};

/** A time in a body (see parseTimeInput), as a Date; a Chinese message when it is not one. */
export const timeInput = z.union([z.string(), z.number()]).transform(toDate);

/** The same in a query string. */
export const timeParam = z.string().transform(toDate);
