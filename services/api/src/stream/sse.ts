/** Server-Sent Events framing (https://html.spec.whatwg.org/multipage/server-sent-events.html). */
import type { AlertEvent } from '@yuqing/db';

/** What a client receives as `data:` of one alert event. */
export interface AlertEventData {
  id: number;
  alertId: number;
  type: AlertEvent['type'];
  level: AlertEvent['level'];
  createdAt: string;
  payload: Record<string, unknown>;
}

/** The `data:` object of an event: the audience stays on the server. */
export function eventData(e: AlertEvent): AlertEventData {
  return { id: e.id, alertId: e.alertId, type: e.type, level: e.level, createdAt: e.createdAt.toISOString(), payload: e.payload };
}

/**
 * One event frame. JSON.stringify escapes CR and LF inside strings, so the data fits on one
 * `data:` line and nothing in a payload can end the frame or forge a field.
 */
export function eventFrame(e: AlertEvent): string {
  return `id: ${e.id}\nevent: ${e.type}\ndata: ${JSON.stringify(eventData(e))}\n\n`;
}

/** A comment line: ignored by EventSource, but it keeps idle proxies and load balancers from closing the stream. */
export const HEARTBEAT_FRAME = ': ping\n\n';

/**
 * The first bytes of a stream: the reconnect delay EventSource should use, and a comment so headers
 * and body flush at once. With `lastEventId` (where the stream starts: it sends every event after
 * it) also an `id:` field: a frame without data dispatches no event, but EventSource keeps the id
 * as its last event ID. Without it, a client that received no event before its connection dropped
 * would reconnect with no Last-Event-ID and start at the log's end then, silently skipping every
 * event appended while it was away (another API process answers it after this one died or was
 * redeployed; the page read its alert list when the first stream opened and not again).
 */
export function openingFrame(retryMs: number, lastEventId?: number): string {
  return `retry: ${retryMs}\n${lastEventId === undefined ? '' : `id: ${lastEventId}\n`}: connected\n\n`;
}

/** Why a stream was ended for its credential (the `reason` of the final `auth` event). */
export type AuthEndReason = 'revoked' | 'expired' | 'role-changed';

/** What the page shows for each reason: the user can do nothing but sign in again. */
export const AUTH_END_MESSAGES: Readonly<Record<AuthEndReason, string>> = {
  revoked: '登录已失效，请重新登录',
  expired: '登录已过期，请重新登录',
  'role-changed': '账号角色已变更，请重新登录',
};

/**
 * The last frame of a stream whose credential is no longer valid. No `id:`, so a client's
 * Last-Event-ID still names the last alert event it received; a page closes its EventSource on it
 * rather than reconnecting (a reconnect would only be refused).
 */
export function authEndFrame(reason: AuthEndReason): string {
  return `event: auth\ndata: ${JSON.stringify({ reason, message: AUTH_END_MESSAGES[reason] })}\n\n`;
}

/** The Last-Event-ID a client resumes from: the header (EventSource sets it on reconnect) wins over the query. */
export function parseLastEventId(header: string | string[] | undefined, query: string | undefined): number | null | 'invalid' {
  const raw = (Array.isArray(header) ? header[0] : header)?.trim() || query?.trim() || '';
  if (raw === '') return null;
  if (!/^\d{1,15}$/.test(raw)) return 'invalid';
  return Number(raw);
}
