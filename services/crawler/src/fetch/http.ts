/**
 * The crawler's HTTP GET: manual redirects (each hop re-checked by the address policy), one total
 * timeout over headers and body, decompression with a cap on decoded bytes, and conditional GET.
 * Every failure becomes a FetchError so the worker can tell "retry later" from "give up".
 */
import net from 'node:net';
import { performance } from 'node:perf_hooks';
import { request } from 'undici';
import type { Agent, Dispatcher } from 'undici';
import { BlockedAddressError, isBlockedAddressError, normaliseHost } from '@yuqing/net';
import type { AddressPolicy } from '@yuqing/net';
import { agentPolicy, createHttpAgent } from './agent';
import { BodyReadError, readBody } from './body';
import { FetchError } from './errors';

export { createHttpAgent } from './agent';
export type { HttpAgentOptions } from './agent';
export { FetchError } from './errors';
export type { FetchErrorCode } from './errors';

/** Settings for one fetchUrl call. */
export interface FetchOptions {
  /** Used only when no `agent` is given (the agent carries its own connect timeout). */
  connectTimeoutMs: number;
  /** Covers everything: connecting, every redirect hop, headers and the whole body. */
  totalTimeoutMs: number;
  /** Cap on DECODED body bytes; the rest is not downloaded and the result says `truncated`. */
  maxBytes: number;
  maxRedirects: number;
  userAgent: string;
  /** Extra request headers; they override the defaults (names are case-insensitive). */
  headers?: Record<string, string>;
  etag?: string | null;
  lastModified?: string | null;
  /** Checked on literal IP hosts here; resolved addresses are checked by the agent's own policy. */
  addressPolicy: AddressPolicy;
  /** A shared agent from createHttpAgent; without one, a one-off agent is created and closed per call. */
  agent?: Agent;
  signal?: AbortSignal;
}

/** A successful fetch (2xx, body read) or a 304 answer to a conditional GET. */
export type FetchResult =
  | {
      kind: 'ok';
      status: number;
      /** The final URL, after redirects. */
      url: string;
      /** The Location targets followed, in order (the last one equals `url`); empty without redirects. */
      redirects: string[];
      headers: Record<string, string>;
      contentType: string | null;
      /** Decompressed bytes, at most maxBytes. */
      body: Buffer;
      truncated: boolean;
      etag: string | null;
      lastModified: string | null;
      durationMs: number;
    }
  | { kind: 'not_modified'; status: 304; url: string; etag: string | null; lastModified: string | null; durationMs: number };

const REDIRECT_STATUSES = new Set([301, 302, 303, 307, 308]);
// Feeds first, then pages: the crawler fetches both, and some servers pick the representation by Accept.
const DEFAULT_ACCEPT =
  'application/rss+xml, application/atom+xml, application/feed+json, application/xml;q=0.9, text/xml;q=0.9, ' +
  'text/html;q=0.8, application/xhtml+xml;q=0.8, */*;q=0.5';
// Credentials chosen for one site must not follow a redirect to another.
const CROSS_ORIGIN_DROPPED = ['authorization', 'cookie', 'proxy-authorization'];

function parseHttpUrl(raw: string, base: string | URL | undefined, reportAs: string): URL {
  let u: URL;
  try {
    u = new URL(raw, base);
  } catch (err) {
    throw new FetchError('bad_url', reportAs, `not a valid URL: ${raw}`, { cause: err });
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new FetchError('bad_url', reportAs, `only http and https are fetched, not ${u.protocol}`);
  u.hash = '';
  return u;
}

function buildHeaders(opts: FetchOptions): Record<string, string> {
  const h: Record<string, string> = {
    'user-agent': opts.userAgent,
    accept: DEFAULT_ACCEPT,
    'accept-language': 'zh-CN,zh;q=0.9',
    'accept-encoding': 'gzip, deflate, br',
  };
  if (opts.etag) h['if-none-match'] = opts.etag;
  if (opts.lastModified) h['if-modified-since'] = opts.lastModified;
  for (const [k, v] of Object.entries(opts.headers ?? {})) h[k.toLowerCase()] = v;
  return h;
}

function flattenHeaders(raw: Dispatcher.ResponseData['headers']): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(raw)) {
    if (v === undefined) continue;
    out[k.toLowerCase()] = Array.isArray(v) ? v.join(', ') : v;
  }
  return out;
}

function retryAfterMs(value: string | undefined): number | undefined {
  if (!value) return undefined;
  if (/^\d+$/.test(value.trim())) return Number(value.trim()) * 1000;
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(0, at - Date.now());
}

// net.connect never calls `lookup` for an IP literal, so the agent cannot see it: check it here.
function checkLiteralHost(u: URL, policies: AddressPolicy[]): void {
  const host = normaliseHost(u.hostname);
  if (net.isIP(host) === 0) return;
  if (policies.some((p) => !p.check(host, host))) {
    throw new FetchError('blocked_address', u.href, new BlockedAddressError(host, host).message);
  }
}

/** Discards an unread body so the connection can be reused (or is closed if the body is large). */
async function discard(body: Dispatcher.ResponseData['body']): Promise<void> {
  await body.dump({ limit: 64 * 1024 }).catch(() => undefined);
}

function toFetchError(err: unknown, url: string, why: { timedOut: boolean; callerAborted: boolean }): FetchError {
  if (err instanceof FetchError) return err;
  if (why.timedOut) return new FetchError('timeout', url, 'total timeout reached', { cause: err });
  if (why.callerAborted) return new FetchError('network', url, 'fetch aborted by the caller', { cause: err });
  if (isBlockedAddressError(err)) return new FetchError('blocked_address', url, (err as Error).message, { cause: err });
  if (err instanceof BodyReadError) {
    return new FetchError(err.kind === 'decompression' ? 'decompression' : 'network', url, err.message, { cause: err.cause });
  }
  const code = (err as { code?: unknown } | null)?.code;
  const message = err instanceof Error ? err.message : String(err);
  if (code === 'UND_ERR_CONNECT_TIMEOUT') return new FetchError('connect_timeout', url, message, { cause: err });
  if (code === 'UND_ERR_HEADERS_TIMEOUT' || code === 'UND_ERR_BODY_TIMEOUT') return new FetchError('timeout', url, message, { cause: err });
  if (code === 'UND_ERR_INVALID_ARG') return new FetchError('bad_url', url, message, { cause: err });
  return new FetchError('network', url, message, { cause: err });
}

/** GETs `url`, following redirects; resolves to the body or a 304, rejects with FetchError. */
export async function fetchUrl(url: string, opts: FetchOptions): Promise<FetchResult> {
  const started = performance.now();
  const elapsed = (): number => Math.round(performance.now() - started);
  let current = parseHttpUrl(url, undefined, url);

  const ownAgent = opts.agent ? null : createHttpAgent({ addressPolicy: opts.addressPolicy, connectTimeoutMs: opts.connectTimeoutMs });
  const agent = opts.agent ?? (ownAgent as Agent);
  const enforced = agentPolicy(agent);
  if (!enforced) {
    // A foreign agent would connect without the lookup check, silently disabling SSRF protection.
    throw new FetchError('blocked_address', url, 'fetchUrl needs an agent from createHttpAgent (it enforces the address policy)');
  }
  const literalPolicies = enforced === opts.addressPolicy ? [enforced] : [opts.addressPolicy, enforced];

  // One controller for both the total timeout and the caller's signal. (Not AbortSignal.any: with a
  // long-lived caller signal, such as the worker's shutdown signal, it leaks on some Node 20 releases.)
  const ctl = new AbortController();
  const why = { timedOut: false, callerAborted: false };
  const timeout = setTimeout(() => {
    why.timedOut = true;
    ctl.abort(new Error('total timeout'));
  }, opts.totalTimeoutMs);
  const onCallerAbort = (): void => {
    why.callerAborted = !why.timedOut;
    ctl.abort(opts.signal?.reason);
  };
  opts.signal?.addEventListener('abort', onCallerAbort, { once: true });
  const signal = ctl.signal;

  let headers = buildHeaders(opts);
  const redirects: string[] = [];
  const seen = new Set([current.href]);
  try {
    if (opts.signal?.aborted) throw new FetchError('network', url, 'fetch aborted by the caller', { cause: opts.signal.reason });
    for (;;) {
      checkLiteralHost(current, literalPolicies);
      const res = await request(current, {
        method: 'GET',
        headers,
        dispatcher: agent,
        signal,
        // Our own timer is the limit; undici's idle timers only back it up.
        headersTimeout: opts.totalTimeoutMs + 1000,
        bodyTimeout: opts.totalTimeoutMs + 1000,
      });
      const status = res.statusCode;
      const resHeaders = flattenHeaders(res.headers);

      if (REDIRECT_STATUSES.has(status)) {
        await discard(res.body);
        const location = resHeaders['location'];
        if (!location) throw new FetchError('http_status', current.href, `HTTP ${status} without a Location header`, { status });
        const next = parseHttpUrl(location, current, current.href);
        if (seen.has(next.href)) throw new FetchError('redirect_loop', current.href, `redirect loop back to ${next.href}`);
        if (redirects.length >= opts.maxRedirects) {
          throw new FetchError('too_many_redirects', current.href, `more than ${opts.maxRedirects} redirects`);
        }
        if (next.origin !== current.origin) {
          headers = { ...headers };
          for (const name of CROSS_ORIGIN_DROPPED) delete headers[name];
        }
        seen.add(next.href);
        redirects.push(next.href);
        current = next;
        continue;
      }

      if (status === 304) {
        await discard(res.body);
        // A 304 need not repeat the validators; the ones we sent are still the current ones then.
        return {
          kind: 'not_modified',
          status: 304,
          url: current.href,
          etag: resHeaders['etag'] ?? opts.etag ?? null,
          lastModified: resHeaders['last-modified'] ?? opts.lastModified ?? null,
          durationMs: elapsed(),
        };
      }

      if (status < 200 || status > 299) {
        await discard(res.body);
        const extra: { status: number; retryAfterMs?: number } = { status };
        const after = retryAfterMs(resHeaders['retry-after']);
        if (after !== undefined) extra.retryAfterMs = after;
        throw new FetchError('http_status', current.href, `HTTP ${status}`, extra);
      }

      const read = await readBody(res.body, resHeaders['content-encoding'] ?? null, opts.maxBytes);
      return {
        kind: 'ok',
        status,
        url: current.href,
        redirects,
        headers: resHeaders,
        contentType: resHeaders['content-type'] ?? null,
        body: read.body,
        truncated: read.truncated,
        etag: resHeaders['etag'] ?? null,
        lastModified: resHeaders['last-modified'] ?? null,
        durationMs: elapsed(),
      };
    }
  } catch (err) {
    throw toFetchError(err, current.href, why);
  } finally {
    clearTimeout(timeout);
    opts.signal?.removeEventListener('abort', onCallerAbort);
    if (ownAgent) await ownAgent.destroy().catch(() => undefined);
  }
}
