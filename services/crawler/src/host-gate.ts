/**
 * Per-host politeness shared by every crawler process: at most one request in flight per host,
 * and a minimum gap between the end of one request and the start of the next. State lives in
 * Redis (two keys per host) so scaling out crawler processes does not multiply the load on a site.
 */
import type { Redis } from 'ioredis';

// KEYS[1] lock, KEYS[2] next-allowed time. ARGV: token, lease ms. Returns 0 when acquired,
// otherwise how many ms to wait before trying again. Redis TIME is the one clock all processes share.
const ACQUIRE = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
if redis.call('EXISTS', KEYS[1]) == 1 then
  -- busy: the holder usually finishes within milliseconds, so look again soon
  return 10
end
local nextAt = tonumber(redis.call('GET', KEYS[2]) or '0')
if now < nextAt then return nextAt - now end
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
return 0`;

// KEYS[1] lock, KEYS[2] next-allowed time. ARGV: token, gap ms.
const RELEASE = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
if redis.call('GET', KEYS[1]) == ARGV[1] then redis.call('DEL', KEYS[1]) end
local gap = tonumber(ARGV[2])
if gap > 0 then redis.call('SET', KEYS[2], tostring(now + gap), 'PX', gap + 1000) end
return 1`;

export interface HostGate {
  /** Runs `fn` when the host is free and its gap has passed; `gapMs` may raise the default (robots Crawl-delay). */
  run<T>(host: string, fn: () => Promise<T>, gapMs?: number): Promise<T>;
}

/** A Redis-backed host gate. `leaseMs` bounds how long a dead process can hold a host. */
export function createHostGate(redis: Redis, opts: { prefix: string; defaultGapMs: number; leaseMs: number }): HostGate {
  const keys = (host: string) => [`${opts.prefix}:host:${host}:lock`, `${opts.prefix}:host:${host}:next`];
  // Sent once, then called by its SHA (EVALSHA; ioredis loads it again if Redis forgot it): while
  // a host is busy every waiting crawl asks again each 10 ms, and sending the script's text with
  // each ask was a visible share of the crawler's socket writes in bench:ingest.
  const scripts = redis as Redis & {
    yqGateAcquire?: (lock: string, next: string, token: string, leaseMs: string) => Promise<number>;
    yqGateRelease?: (lock: string, next: string, token: string, gapMs: string) => Promise<number>;
  };
  if (!scripts.yqGateAcquire) redis.defineCommand('yqGateAcquire', { numberOfKeys: 2, lua: ACQUIRE });
  if (!scripts.yqGateRelease) redis.defineCommand('yqGateRelease', { numberOfKeys: 2, lua: RELEASE });
  const acquire = (lock: string, next: string, token: string) => scripts.yqGateAcquire!(lock, next, token, String(opts.leaseMs));
  const release = (lock: string, next: string, token: string, gap: number) => scripts.yqGateRelease!(lock, next, token, String(gap));
  let counter = 0;
  return {
    async run(host, fn, gapMs) {
      const gap = Math.max(opts.defaultGapMs, gapMs ?? 0);
      const [lock, next] = keys(host.toLowerCase());
      const token = `${process.pid}-${Date.now()}-${counter++}`;
      for (;;) {
        const wait = Number(await acquire(lock!, next!, token));
        if (wait === 0) break;
        await new Promise((r) => setTimeout(r, Math.max(5, Math.min(wait, 1000))));
      }
      try {
        return await fn();
      } finally {
        await release(lock!, next!, token, gap).catch(() => undefined);
      }
    },
  };
}
