/**
 * robots.txt, fetched once per origin and cached in memory.
 *
 * What a failed robots.txt fetch means follows Google's conventions
 * (https://developers.google.com/search/docs/crawling-indexing/robots/robots_txt#http-status-codes):
 *  - 2xx: obey the rules (a body cut at the size cap is parsed as far as it was read).
 *  - 4xx other than 429, and too many redirects: there is no robots.txt, everything is allowed.
 *  - 5xx, 429, timeouts, network errors, undecodable bodies: the site is struggling or throttling
 *    us, so crawling is DISALLOWED for now and robots.txt is fetched again after a short TTL
 *    (10 min by default). If an earlier copy of the rules is known, it is used instead. We chose
 *    "disallow temporarily" over "allow" because these sources are polled every few minutes anyway
 *    (a short pause costs little) while hammering a failing or rate-limiting server is exactly what
 *    robots.txt exists to prevent. Callers can tell this case apart with `verdict()` (reason
 *    'unavailable') and retry later instead of recording the URL as forbidden.
 *  - blocked_address / bad_url: allowed here, so the page fetch itself fails with the accurate
 *    error instead of a misleading "robots denied".
 */
import robotsParser from 'robots-parser';
import { FetchError } from './errors';
import type { FetchResult } from './http';

/** Fetches a robots.txt URL; usually fetchUrl with the crawler's options and a small maxBytes (512 KiB). */
export type RobotsFetcher = (url: string) => Promise<FetchResult>;

/** Settings for RobotsCache. */
export interface RobotsCacheOptions {
  fetch: RobotsFetcher;
  /** How long parsed rules (and "no robots.txt") are trusted; default 1 h. */
  ttlMs?: number;
  /** How soon to try again after a 5xx/429/network failure; default 10 min. */
  unavailableTtlMs?: number;
  /** Most origins kept; the least recently used is dropped beyond it. Default 10 000. */
  maxOrigins?: number;
  now?: () => number;
}

/** The answer for one URL, with why: 'rules' (robots.txt says so), 'no_robots', or 'unavailable' (temporary). */
export interface RobotsVerdict {
  allowed: boolean;
  reason: 'rules' | 'no_robots' | 'unavailable';
}

type Robot = ReturnType<typeof robotsParser>;

type RobotsState =
  | { kind: 'rules'; robot: Robot }
  | { kind: 'allow_all' }
  // `stale` is the last good copy, used while the server fails (Google does the same).
  | { kind: 'unavailable'; stale: Robot | null };

interface Entry {
  expiresAt: number;
  state: Promise<RobotsState>;
  settled: RobotsState | null;
}

const HOUR_MS = 3600_000;

/**
 * The product token robots.txt groups are matched against: "YuqingBot/1.0 (+https://…)" → "YuqingBot",
 * "Mozilla/5.0 (compatible; YuqingBot/1.0; …)" → "YuqingBot".
 */
export function robotsToken(userAgent: string): string {
  const compatible = /compatible;\s*([^/;)\s]+)/i.exec(userAgent);
  if (compatible?.[1]) return compatible[1];
  return userAgent.trim().split(/[\s/]/)[0] || '*';
}

function robotsUrlFor(pageUrl: string): string | null {
  let u: URL;
  try {
    u = new URL(pageUrl);
  } catch {
    return null;
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') return null;
  return `${u.protocol}//${u.host}/robots.txt`;
}

/** Per-origin robots.txt cache with TTLs, shared in-flight fetches and Google's failure semantics. */
export class RobotsCache {
  private readonly entries = new Map<string, Entry>();
  private readonly fetch: RobotsFetcher;
  private readonly ttlMs: number;
  private readonly unavailableTtlMs: number;
  private readonly maxOrigins: number;
  private readonly now: () => number;

  constructor(opts: RobotsCacheOptions) {
    this.fetch = opts.fetch;
    this.ttlMs = opts.ttlMs ?? HOUR_MS;
    this.unavailableTtlMs = opts.unavailableTtlMs ?? 10 * 60_000;
    this.maxOrigins = opts.maxOrigins ?? 10_000;
    this.now = opts.now ?? Date.now;
  }

  /** True when `url` may be fetched by `userAgent` (false while robots.txt is unavailable). */
  async isAllowed(url: string, userAgent: string): Promise<boolean> {
    return (await this.verdict(url, userAgent)).allowed;
  }

  /** Like isAllowed, but says whether a "no" is the site's rule or a temporary failure. */
  async verdict(url: string, userAgent: string): Promise<RobotsVerdict> {
    const robotsUrl = robotsUrlFor(url);
    if (!robotsUrl) return { allowed: false, reason: 'rules' }; // not something a crawler fetches at all
    const state = await this.stateFor(robotsUrl);
    if (state.kind === 'allow_all') return { allowed: true, reason: 'no_robots' };
    if (state.kind === 'unavailable' && !state.stale) return { allowed: false, reason: 'unavailable' };
    const robot = state.kind === 'rules' ? state.robot : state.stale;
    // isAllowed is undefined only for another origin, which cannot happen: the parser is per origin.
    const allowed = robot?.isAllowed(url, robotsToken(userAgent)) ?? true;
    return { allowed, reason: state.kind === 'rules' ? 'rules' : 'unavailable' };
  }

  /** The Crawl-delay for `userAgent` on the origin of `url`, in milliseconds; null when none is set. */
  async crawlDelayMs(url: string, userAgent: string): Promise<number | null> {
    const robotsUrl = robotsUrlFor(url);
    if (!robotsUrl) return null;
    const state = await this.stateFor(robotsUrl);
    const robot = state.kind === 'rules' ? state.robot : state.kind === 'unavailable' ? state.stale : null;
    const seconds = robot?.getCrawlDelay(robotsToken(userAgent));
    return typeof seconds === 'number' && Number.isFinite(seconds) && seconds > 0 ? Math.round(seconds * 1000) : null;
  }

  /** Forgets every cached origin. */
  clear(): void {
    this.entries.clear();
  }

  private stateFor(robotsUrl: string): Promise<RobotsState> {
    const now = this.now();
    const cached = this.entries.get(robotsUrl);
    if (cached && now < cached.expiresAt) {
      // Re-insert so Map order doubles as least-recently-used order.
      this.entries.delete(robotsUrl);
      this.entries.set(robotsUrl, cached);
      return cached.state;
    }
    const previous = cached?.settled ?? null;
    // expiresAt stays infinite while the fetch is in flight, so concurrent callers share it.
    const entry: Entry = { expiresAt: Number.POSITIVE_INFINITY, settled: null, state: Promise.resolve({ kind: 'allow_all' }) };
    entry.state = this.load(robotsUrl, previous).then(
      ({ state, ttlMs }) => {
        entry.settled = state;
        entry.expiresAt = this.now() + ttlMs;
        return state;
      },
      (err: unknown) => {
        // Not a fetch outcome (e.g. the host gate's Redis failed): do not cache, let the caller see it.
        if (this.entries.get(robotsUrl) === entry) this.entries.delete(robotsUrl);
        throw err;
      },
    );
    this.entries.delete(robotsUrl);
    this.entries.set(robotsUrl, entry);
    while (this.entries.size > this.maxOrigins) {
      const oldest = this.entries.keys().next();
      if (oldest.done) break;
      this.entries.delete(oldest.value);
    }
    return entry.state;
  }

  private async load(robotsUrl: string, previous: RobotsState | null): Promise<{ state: RobotsState; ttlMs: number }> {
    const lastGood = previous?.kind === 'rules' ? previous.robot : previous?.kind === 'unavailable' ? previous.stale : null;
    const unavailable = { state: { kind: 'unavailable' as const, stale: lastGood }, ttlMs: this.unavailableTtlMs };
    let res: FetchResult;
    try {
      res = await this.fetch(robotsUrl);
    } catch (err) {
      if (!(err instanceof FetchError)) throw err;
      switch (err.code) {
        case 'http_status':
          return err.retryable ? unavailable : { state: { kind: 'allow_all' }, ttlMs: this.ttlMs };
        case 'too_many_redirects':
        case 'redirect_loop':
        case 'blocked_address':
        case 'bad_url':
          return { state: { kind: 'allow_all' }, ttlMs: this.ttlMs };
        default:
          return unavailable;
      }
    }
    if (res.kind === 'not_modified') {
      // Only possible if the fetcher sent validators itself; the rules we had are still right.
      return { state: lastGood ? { kind: 'rules', robot: lastGood } : { kind: 'allow_all' }, ttlMs: this.ttlMs };
    }
    const text = res.body.toString('utf8').replace(/^\uFEFF/, '');
    // Parse against the requested URL, not a redirect target: the rules apply to this origin.
    return { state: { kind: 'rules', robot: robotsParser(robotsUrl, text) }, ttlMs: this.ttlMs };
  }
}
