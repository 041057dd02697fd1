/**
 * RSSHub as a component: a source of kind `rsshub` names a route (`/weibo/search/hot`), and the
 * crawler asks the configured instances (RSSHUB_URL, in order) for it. An instance that refuses
 * connections, times out or denies access is marked failing and tried after the healthy ones
 * until RSSHUB_RETRY_FAILING_MS has passed; a route error (404 unknown route, 503 missing cookie)
 * is the route's, not the instance's, but the next instance is still asked: it may hold the
 * cookie the first lacks.
 *
 * RSSHub instances are the bureau's own services, so robots.txt and the per-host politeness gate
 * do not apply to them (RSSHub caches and paces the platforms itself).
 */
import { createHash } from 'node:crypto';
import { getRsshubInstances, recordRsshubFailure, recordRsshubSuccess, type Pool, type RsshubInstance } from '@yuqing/db';
import { FetchError, type FetchResult } from './fetch/http';

/** What the crawler needs to know about the configured instances. */
export interface RsshubSettings {
  /** Base URLs, in the order they are preferred. */
  instances: readonly string[];
  /** RSSHub's ACCESS_KEY, when the instances set one. */
  accessKey?: string | undefined;
  /** How long a failing instance is tried last before it gets its place back. */
  retryFailingMs: number;
}

/**
 * The feed URLs of a route on an instance, to try in order. With an access key RSSHub accepts
 * `code` = md5(path + key) (lib/middleware/access-control.ts), so the key itself never travels or
 * lands in a log. Which form of the path RSSHub hashes depends on its version: current releases
 * hash the percent-encoded pathname (`new URL(req.url).pathname`), older ones the path their web
 * framework decoded. For a route with non-ASCII or escaped characters both codes are offered, the
 * encoded one first. Without a key, or for a plain ASCII route, one URL.
 */
export function rsshubFeedUrls(baseUrl: string, route: string, accessKey?: string): string[] {
  const url = new URL(baseUrl.replace(/\/+$/, '') + route);
  if (!accessKey) return [url.toString()];
  const encoded = url.pathname;
  let decoded = encoded;
  try {
    decoded = decodeURIComponent(encoded);
  } catch {
    // a malformed escape: only the raw path can be what RSSHub compares
  }
  return [...new Set([encoded, decoded])].map((path) => {
    const u = new URL(url);
    u.searchParams.set('code', createHash('md5').update(path + accessKey).digest('hex'));
    return u.toString();
  });
}

/** The first feed URL of a route on an instance (see rsshubFeedUrls). */
export function rsshubFeedUrl(baseUrl: string, route: string, accessKey?: string): string {
  return rsshubFeedUrls(baseUrl, route, accessKey)[0] as string;
}

/**
 * The order to try the instances in: the configured order, except that an instance that failed
 * within the last retryFailingMs goes after the others (still tried: it may be the only one).
 */
export function instanceOrder(configured: readonly string[], health: readonly RsshubInstance[], now: number, retryFailingMs: number): string[] {
  const cooling = new Set(health.filter((h) => h.status === 'failing' && h.lastErrorAt !== null && now - h.lastErrorAt.getTime() < retryFailingMs).map((h) => h.baseUrl));
  return [...configured.filter((u) => !cooling.has(u)), ...configured.filter((u) => cooling.has(u))];
}

/** True when a failure says the instance itself is unusable rather than the route. */
export function isInstanceFailure(err: FetchError): boolean {
  if (err.code !== 'http_status') return true; // refused, timed out, blocked, too many redirects …
  // 401/403: access key wrong or missing; 502/504: a proxy in front of a dead instance; 429: overloaded.
  return err.status === 401 || err.status === 403 || err.status === 429 || err.status === 502 || err.status === 504;
}

/** Raised when no instance served the route; the message names what each one said. */
export class RsshubUnavailable extends Error {
  constructor(
    message: string,
    readonly last: FetchError | null,
  ) {
    super(message);
  }
}

/** Fetches the first of the URLs; the next only when access was denied (the other form of the code). */
async function fetchWithCode(urls: readonly string[], fetchOne: (url: string) => Promise<FetchResult>): Promise<FetchResult> {
  for (let i = 0; ; i++) {
    try {
      return await fetchOne(urls[i] as string);
    } catch (err) {
      const denied = err instanceof FetchError && err.code === 'http_status' && err.status === 403;
      if (!denied || i === urls.length - 1) throw err;
    }
  }
}

/**
 * Fetches a route from the first instance that serves it, recording each instance's health.
 * `fetchOne` fetches one absolute URL (the crawler's fetchUrl with its options).
 */
export async function fetchRoute(db: Pool, settings: RsshubSettings, route: string, fetchOne: (url: string) => Promise<FetchResult>, now = Date.now()): Promise<{ result: FetchResult; instance: string }> {
  if (settings.instances.length === 0) {
    throw new RsshubUnavailable('no RSSHub instance is configured: set RSSHUB_URL (e.g. http://rsshub:1200) for rsshub sources', null);
  }
  const health = await getRsshubInstances(db, settings.instances);
  const errors: string[] = [];
  let last: FetchError | null = null;
  // What an instance that answered said about the route: the most telling reason for the source.
  let routeError: FetchError | null = null;
  for (const instance of instanceOrder(settings.instances, health, now, settings.retryFailingMs)) {
    try {
      const result = await fetchWithCode(rsshubFeedUrls(instance, route, settings.accessKey), fetchOne);
      await recordRsshubSuccess(db, instance);
      return { result, instance };
    } catch (err) {
      if (!(err instanceof FetchError)) throw err;
      last = err;
      errors.push(`${instance}: ${err.message}`);
      if (isInstanceFailure(err)) await recordRsshubFailure(db, instance, err.message);
      else {
        routeError ??= err;
        await recordRsshubSuccess(db, instance); // it answered: the route failed, not the instance
      }
    }
  }
  throw new RsshubUnavailable(`RSSHub route ${route} failed on every instance: ${errors.join('; ')}`, routeError ?? last);
}
