/**
 * Keeps open streams honest about who they serve. A stream is authenticated once, at connect; the
 * token may be revoked, the user disabled, the session logged out or run out while it is open, and
 * it would go on delivering alerts. So each stream keeps the hash of the credential it connected
 * with (never the secret) and checks it again against PostgreSQL — never the credential cache,
 * whose answer may be seconds old — when:
 * - a change to its user's credentials is announced (plugins/auth.ts: made in this process, or
 *   announced over Redis by another process or the CLI);
 * - its session runs out (a timer at the expiry, no query);
 * - every SSE_REAUTH_MS, in case an announcement was lost.
 * A stream whose credential is no longer valid is ended by the hub with a final `auth` event.
 *
 * Checks run a few at a time, so that "anybody may have changed" (the subscription back after an
 * outage) does not take every database connection at once. A check asked for while one runs for
 * the same stream runs again after it: the running one may have read before the change committed.
 */
import { authenticateApiToken, authenticateSessionUntil, type Queryable, type Role, type User } from '@yuqing/db';
import type { FastifyBaseLogger } from 'fastify';
import type { CredentialKind } from '../auth-cache';
import type { AuthEndReason } from './sse';

/** The credential a stream connected with. */
export interface StreamCredential {
  kind: CredentialKind;
  /** The SHA-256 of the secret: the token's stored hash or the session's id. */
  hash: string;
}

/** What PostgreSQL says of a credential now: its (enabled) user, and a session's expiry. */
export interface CredentialState {
  user: User;
  expiresAt: Date | null;
}

/** Looks a credential up in PostgreSQL: null when it is revoked, ended, run out or its user disabled. */
export async function lookUpCredential(db: Queryable, c: StreamCredential): Promise<CredentialState | null> {
  if (c.kind === 'session') return authenticateSessionUntil(db, c.hash);
  const user = await authenticateApiToken(db, c.hash);
  return user ? { user, expiresAt: null } : null;
}

/**
 * Why a stream opened by `holder` must end, given what the database says now (`found`) and the
 * session expiry known so far; null when it may go on. A changed role ends it too: what the stream
 * sends depends on the role, and so does what the page offers.
 */
export function judgeCredential(holder: { userId: number; role: Role }, found: CredentialState | null, knownExpiry: Date | null, now: number): AuthEndReason | null {
  const expiry = found?.expiresAt ?? knownExpiry;
  // By this process's clock, as the credential cache judges expiry: a stream never outlives a
  // session that a request to this process would be refused with.
  if (expiry && now >= expiry.getTime()) return 'expired';
  if (!found || found.user.id !== holder.userId) return 'revoked';
  if (found.user.role !== holder.role) return 'role-changed';
  return null;
}

/** What a stream must offer to be watched. */
export interface Watched {
  readonly userId: number;
  readonly role: Role;
  readonly credential: StreamCredential;
}

interface State {
  expiresAt: Date | null;
  periodic: NodeJS.Timeout;
  expiry: NodeJS.Timeout | null;
  checking: boolean;
  again: boolean;
}

export interface StreamReauthOptions<T extends Watched> {
  db: Queryable;
  /** How often each stream is checked without being asked (SSE_REAUTH_MS). */
  intervalMs: number;
  log: FastifyBaseLogger;
  /** Ends a stream whose credential is no longer valid; called at most once per stream, after it is no longer watched. */
  end(w: T, reason: AuthEndReason): void;
  /** Checks running at once. */
  concurrency?: number;
  now?: () => number;
}

/** setTimeout fires at once beyond this (2^31 − 1 ms, ~24.8 days): a longer wait is made in steps. */
const MAX_TIMEOUT_MS = 2_147_483_647;

/** The credential checks of one process's streams; see the module comment. */
export class StreamReauth<T extends Watched> {
  private readonly watched = new Map<T, State>();
  private readonly byUser = new Map<number, Set<T>>();
  /** Waiting to be checked, in order of asking. */
  private readonly queue = new Set<T>();
  private readonly running = new Set<Promise<void>>();
  private readonly concurrency: number;
  private readonly now: () => number;
  private generation = 0;
  private stopped = false;
  /** Checks completed, whatever their outcome (tests wait on it). */
  checks = 0;

  constructor(private readonly o: StreamReauthOptions<T>) {
    this.concurrency = o.concurrency ?? 4;
    this.now = o.now ?? Date.now;
  }

  /** Take before looking a new stream's credential up; hand it to add(), which checks again if a change came in between. */
  stamp(): number {
    return this.generation;
  }

  /** Starts watching a stream whose credential was found valid (since `stamp`), with a session's expiry. */
  add(w: T, expiresAt: Date | null, stamp: number): void {
    if (this.stopped || this.watched.has(w)) return;
    const periodic = setInterval(() => this.request(w), this.o.intervalMs);
    // Timers must not keep a process alive that is otherwise done.
    periodic.unref();
    const st: State = { expiresAt, periodic, expiry: null, checking: false, again: false };
    this.watched.set(w, st);
    let mine = this.byUser.get(w.userId);
    if (!mine) this.byUser.set(w.userId, (mine = new Set()));
    mine.add(w);
    this.scheduleExpiry(w, st);
    if (stamp !== this.generation) this.request(w);
  }

  /** Stops watching a stream (it closed); idempotent. */
  remove(w: T): void {
    const st = this.watched.get(w);
    if (!st) return;
    clearInterval(st.periodic);
    if (st.expiry) clearTimeout(st.expiry);
    this.watched.delete(w);
    this.queue.delete(w);
    const mine = this.byUser.get(w.userId);
    mine?.delete(w);
    if (mine?.size === 0) this.byUser.delete(w.userId);
  }

  /** A user's credentials changed (null: anybody's may have): their streams check theirs. */
  changed(userId: number | null): void {
    this.generation++;
    const targets = userId === null ? [...this.watched.keys()] : [...(this.byUser.get(userId) ?? [])];
    for (const w of targets) this.request(w);
  }

  private request(w: T): void {
    const st = this.watched.get(w);
    if (!st || this.stopped) return;
    if (st.checking) {
      st.again = true;
      return;
    }
    this.queue.add(w);
    this.pump();
  }

  private pump(): void {
    while (!this.stopped && this.running.size < this.concurrency) {
      const next = this.queue.values().next();
      if (next.done) return;
      const w = next.value;
      this.queue.delete(w);
      const st = this.watched.get(w);
      if (!st) continue;
      st.checking = true;
      const run: Promise<void> = this.check(w, st)
        .catch((err: unknown) => this.o.log.error({ err, user: w.userId }, 'alert stream: ending a stream failed'))
        .finally(() => {
          this.running.delete(run);
          st.checking = false;
          this.checks++;
          if (st.again) {
            st.again = false;
            this.request(w);
          }
          this.pump();
        });
      this.running.add(run);
    }
  }

  private async check(w: T, st: State): Promise<void> {
    let found: CredentialState | null;
    try {
      found = await lookUpCredential(this.o.db, w.credential);
    } catch (err) {
      // The stream stays: a database hiccup is not a revocation. The next check tries again.
      this.o.log.warn({ err: err instanceof Error ? err.message : String(err), user: w.userId }, 'alert stream: credential check failed; trying again later');
      return;
    }
    if (this.watched.get(w) !== st) return; // closed meanwhile
    const reason = judgeCredential(w, found, st.expiresAt, this.now());
    if (reason) return this.invalid(w, reason);
    const expiresAt = found?.expiresAt ?? null;
    if (expiresAt?.getTime() !== st.expiresAt?.getTime()) {
      st.expiresAt = expiresAt;
      this.scheduleExpiry(w, st);
    }
  }

  /** A session's stream ends at its expiry; no query is needed to know that. */
  private scheduleExpiry(w: T, st: State): void {
    if (st.expiry) clearTimeout(st.expiry);
    st.expiry = null;
    const at = st.expiresAt?.getTime();
    if (at === undefined) return;
    st.expiry = setTimeout(
      () => {
        st.expiry = null;
        if (this.watched.get(w) !== st) return;
        // A timer may fire a little early by this clock, or a long wait is made in steps.
        if (this.now() >= at) this.invalid(w, 'expired');
        else this.scheduleExpiry(w, st);
      },
      Math.min(Math.max(at - this.now(), 0), MAX_TIMEOUT_MS),
    );
    st.expiry.unref();
  }

  private invalid(w: T, reason: AuthEndReason): void {
    this.remove(w);
    this.o.end(w, reason);
  }

  /** Stops every timer and waits for the checks running (the database may be closed next). */
  async stop(): Promise<void> {
    this.stopped = true;
    for (const w of [...this.watched.keys()]) this.remove(w);
    await Promise.all([...this.running]);
  }
}
