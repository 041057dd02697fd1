/** What every receiver format provides: build the signed request, judge the vendor's answer. */
import type { ReceiverKind } from '@yuqing/db';
import type { Notification } from './notification';

/** One HTTP POST, ready to send. */
export interface OutgoingRequest {
  url: string;
  headers: Record<string, string>;
  body: string;
}

/** What formatting one delivery attempt needs. */
export interface FormatInput {
  url: string;
  secret: string | null;
  notification: Notification;
  deliveryId: number;
  /** Signing time: each attempt signs afresh, vendors refuse stale timestamps. */
  now: Date;
}

/** The verdict on a 2xx answer: some vendors answer 200 with an error code in the body. */
export type VendorVerdict = { ok: true } | { ok: false; error: string };

/** A receiver kind's message shape, signing and answer check. */
export interface ReceiverFormat {
  kind: ReceiverKind;
  build(input: FormatInput): OutgoingRequest;
  check(responseBody: string): VendorVerdict;
}

export const JSON_HEADERS = { 'content-type': 'application/json; charset=utf-8' } as const;

/** Parses a JSON object answer, or returns null. */
export function parseJsonObject(text: string): Record<string, unknown> | null {
  try {
    const v: unknown = JSON.parse(text);
    return v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}

/** `{errcode, errmsg}` answers (DingTalk, WeCom): errcode 0 is success, anything else a failure. */
export function checkErrcode(vendor: string, text: string): VendorVerdict {
  const body = parseJsonObject(text);
  if (!body) return { ok: false, error: `${vendor}返回的不是 JSON：${text.slice(0, 200)}` };
  const code = body['errcode'];
  if (code === 0) return { ok: true };
  return { ok: false, error: `${vendor}返回错误 errcode=${String(code)}：${String(body['errmsg'] ?? '').slice(0, 300)}` };
}
