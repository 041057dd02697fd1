/**
 * The one error type the HTTP layer throws, with a code the worker can act on
 * (retry later, give up, or mark the source as broken).
 */

/** Why a fetch failed. */
export type FetchErrorCode =
  | 'timeout'
  | 'connect_timeout'
  | 'too_many_redirects'
  | 'redirect_loop'
  | 'http_status'
  | 'network'
  | 'blocked_address'
  | 'bad_url'
  | 'decompression';

// Transient failures are worth another try; the rest will fail the same way next time.
const RETRYABLE_CODES: ReadonlySet<FetchErrorCode> = new Set(['timeout', 'connect_timeout', 'network']);

/** True for statuses that mean "try again later": 5xx, 429 Too Many Requests, 408 Request Timeout. */
export function isRetryableStatus(status: number): boolean {
  return status >= 500 || status === 429 || status === 408;
}

/** A failed fetch: `code` says why, `retryable` whether trying again later may help. */
export class FetchError extends Error {
  readonly code: FetchErrorCode;
  readonly status?: number;
  readonly url: string;
  readonly retryable: boolean;
  /** From a Retry-After header on 429/503, when the server sent one. */
  readonly retryAfterMs?: number;

  constructor(
    code: FetchErrorCode,
    url: string,
    message: string,
    extra: { status?: number; retryAfterMs?: number; cause?: unknown } = {},
  ) {
    super(message, extra.cause === undefined ? undefined : { cause: extra.cause });
    this.name = 'FetchError';
    this.code = code;
    this.url = url;
    if (extra.status !== undefined) this.status = extra.status;
    if (extra.retryAfterMs !== undefined) this.retryAfterMs = extra.retryAfterMs;
    this.retryable =
      code === 'http_status' && extra.status !== undefined ? isRetryableStatus(extra.status) : RETRYABLE_CODES.has(code);
  }
}
