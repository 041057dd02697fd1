/**
 * Failed-login limiter, per login name and client address, in Redis.
 *
 * Why Redis and not a table: the counters are short-lived by nature (a key with a TTL is the whole
 * design), they are shared by every API process, and an attacker's flood of guesses never writes
 * to PostgreSQL, the source of truth. Losing Redis only forgets counters, which is harmless.
 * If Redis cannot be reached, login is refused (503) rather than left unlimited; sessions and
 * tokens already issued keep working, because they live in PostgreSQL.
 */
import { hashSecret } from '@yuqing/db';
import type { Redis } from 'ioredis';

export interface LoginLimiterOptions {
  redis: Redis;
  /** Key prefix (the QUEUE_PREFIX, so tests and deployments sharing a Redis stay apart). */
  prefix: string;
  maxFailures: number;
  windowMs: number;
}

/** Result of asking to try a login. */
export type LoginAttempt = { allowed: true; key: string } | { allowed: false; retryAfterSeconds: number };

/** Counts login attempts in a fixed window that starts at the first failure; a success clears it. */
export class LoginLimiter {
  constructor(private readonly o: LoginLimiterOptions) {}

  private key(name: string, ip: string): string {
    // Hashed so that Redis holds neither user names nor addresses in clear.
    return `${this.o.prefix}:login-attempts:${hashSecret(`${name.toLowerCase()}\n${ip}`)}`;
  }

  /**
   * Counts this attempt before the password is checked, so parallel guesses cannot all slip in
   * under the limit; attempts beyond the limit are refused without checking the password.
   */
  async attempt(name: string, ip: string): Promise<LoginAttempt> {
    const key = this.key(name, ip);
    const res = await this.o.redis.multi().set(key, '0', 'PX', this.o.windowMs, 'NX').incr(key).pttl(key).exec();
    if (!res) throw new Error('login limiter transaction was aborted');
    for (const [err] of res) if (err) throw err;
    const count = Number(res[1]?.[1]);
    const pttl = Number(res[2]?.[1]);
    if (count > this.o.maxFailures) return { allowed: false, retryAfterSeconds: Math.max(1, Math.ceil(pttl / 1000)) };
    return { allowed: true, key };
  }

  /** A successful login forgets the earlier failures. */
  async succeeded(key: string): Promise<void> {
    await this.o.redis.del(key);
  }
}
