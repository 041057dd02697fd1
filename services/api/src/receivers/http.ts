/**
 * One POST to a receiver, under the same SSRF address policy as the crawler (checked on the
 * address actually connected to, via the socket's `lookup`, and on literal IP hosts up front).
 * No redirects are followed: a robot endpoint that redirects is misconfigured, and following
 * it would let a public URL bounce the request into the internal network.
 */
import http from 'node:http';
import https from 'node:https';
import type { LookupFunction } from 'node:net';
import net from 'node:net';
import { BlockedAddressError, createGuardedLookup, isBlockedAddressError, normaliseHost, type AddressPolicy } from '@yuqing/net';

/** Why a POST did not produce an HTTP answer. */
export type PostErrorCode = 'blocked_address' | 'connect_timeout' | 'timeout' | 'network' | 'bad_url';

/** A POST that got no HTTP answer; `retryable` says whether trying later may help. */
export class PostError extends Error {
  readonly retryable: boolean;
  constructor(
    readonly code: PostErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'PostError';
    this.retryable = code === 'connect_timeout' || code === 'timeout' || code === 'network';
  }
}

/** Settings of postJson. */
export interface PostOptions {
  policy: AddressPolicy;
  connectTimeoutMs: number;
  /** Covers connecting, sending, headers and the whole answer. */
  totalTimeoutMs: number;
  /** Answers are read up to this many bytes (vendor answers are tiny). */
  maxResponseBytes?: number;
  userAgent?: string;
}

/** An HTTP answer (any status). */
export interface PostResult {
  status: number;
  body: string;
}

function blocked(err: unknown): BlockedAddressError | null {
  if (isBlockedAddressError(err)) return err as BlockedAddressError;
  // With autoSelectFamily (Node 20's default) a failed lookup may arrive as an AggregateError.
  if (err instanceof AggregateError) for (const e of err.errors) if (isBlockedAddressError(e)) return e as BlockedAddressError;
  return null;
}

/** POSTs `body`; resolves with the status and (capped) answer, rejects with PostError. */
export function postJson(url: string, headers: Record<string, string>, body: string, opts: PostOptions): Promise<PostResult> {
  let u: URL;
  try {
    u = new URL(url);
  } catch (err) {
    return Promise.reject(new PostError('bad_url', 'receiver URL is not a valid URL', { cause: err }));
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') return Promise.reject(new PostError('bad_url', `only http(s) receivers, not ${u.protocol}`));
  // net.connect never calls `lookup` for an IP literal, so check it here.
  const host = normaliseHost(u.hostname);
  if (net.isIP(host) !== 0 && !opts.policy.check(host, host)) {
    return Promise.reject(new PostError('blocked_address', new BlockedAddressError(host, host).message));
  }
  const maxBytes = opts.maxResponseBytes ?? 64 * 1024;
  const payload = Buffer.from(body, 'utf8');

  return new Promise<PostResult>((resolve, reject) => {
    let settled = false;
    const finish = (err: PostError | null, result?: PostResult): void => {
      if (settled) return;
      settled = true;
      clearTimeout(total);
      if (err) reject(err);
      else resolve(result as PostResult);
    };
    const mod = u.protocol === 'https:' ? https : http;
    const req = mod.request(u, {
      method: 'POST',
      agent: false, // one connection per delivery: deliveries are rare, and no pooled socket outlives a DNS change
      lookup: createGuardedLookup(opts.policy) as unknown as LookupFunction,
      headers: {
        ...headers,
        'content-length': String(payload.length),
        'user-agent': opts.userAgent ?? 'yuqing-notifier/0.1',
        connection: 'close',
      },
    });
    const total = setTimeout(() => {
      finish(new PostError('timeout', `no complete answer within ${opts.totalTimeoutMs} ms`));
      req.destroy();
    }, opts.totalTimeoutMs);
    req.on('socket', (socket) => {
      if (!socket.connecting) return;
      const connectTimer = setTimeout(() => {
        finish(new PostError('connect_timeout', `could not connect within ${opts.connectTimeoutMs} ms`));
        req.destroy();
      }, opts.connectTimeoutMs);
      const clear = (): void => clearTimeout(connectTimer);
      socket.once('connect', clear);
      socket.once('close', clear);
    });
    req.on('error', (err) => {
      const b = blocked(err);
      if (b) return finish(new PostError('blocked_address', b.message, { cause: err }));
      finish(new PostError('network', err.message || String(err), { cause: err }));
    });
    req.on('response', (res) => {
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (c: Buffer) => {
        if (size >= maxBytes) return;
        chunks.push(c);
        size += c.length;
      });
      res.on('end', () => finish(null, { status: res.statusCode ?? 0, body: Buffer.concat(chunks).subarray(0, maxBytes).toString('utf8') }));
      res.on('error', (err) => finish(new PostError('network', err.message, { cause: err })));
    });
    req.end(payload);
  });
}
