/**
 * One poll of one source, from fetch to stored items:
 *   robots → fetch (politeness gate, conditional GET) → decode charset → parse feed or list page
 *   → skip entries already stored → (fullText) fetch and extract each new article
 *   → evidence + items in PostgreSQL → analyze queue.
 * Every outcome, good or bad, is recorded on the source and in the fetch log; this function
 * does not throw for a site's misbehaviour, only for our own infrastructure failing.
 */
import type { Config, Logger } from '@yuqing/config';
import {
  existingUrlHashes,
  getSource,
  logFetch,
  putEvidence,
  recordHealthEvent,
  recordPollFailure,
  recordPollSuccess,
  routeOf,
  type FetchOutcome,
  type NewItem,
  type Pool,
  type Source,
} from '@yuqing/db';
import { metrics } from '@yuqing/metrics';
import { decodeDocument } from './charset/index';
import { makeEvidence, type Evidence } from './evidence';
import { extractArticle } from './extract/index';
import { FetchError, fetchUrl, type FetchOptions, type FetchResult } from './fetch/http';
import type { HostGate } from './host-gate';
import { parseFeed, FeedParseError } from './parse/feed';
import { parseListPage } from './parse/list-page';
import type { Entry } from './entry';
import { crawlThreads, ThreadFetchError, type ForumDeps } from './forum';
import { createHotListWatch, recordHotList, type HotListWatch } from './hot-list';

export type { Entry } from './entry';
import { fetchRoute, RsshubUnavailable } from './rsshub';

const DEFAULT_WATCH = createHotListWatch();
import { canonicalizeUrl, urlHash } from './parse/url';
import { guessLanguage } from './text/language';
import { publicationTime } from './text/time';
import { errorMessage, isDataError, storeItems, storeItemsReporting, type RejectedItem, type StoreDeps } from './store';

/** The robots.txt check the crawler needs (see fetch/robots.ts). */
export interface RobotsCheck {
  isAllowed(url: string, userAgent: string): Promise<boolean>;
  crawlDelayMs(url: string, userAgent: string): Promise<number | null>;
}

export interface CrawlDeps extends StoreDeps {
  db: Pool;
  cfg: Config;
  log: Logger;
  gate: HostGate;
  robots: RobotsCheck;
  /** Which hot-list entries concern the bureau (police words, jurisdiction places); default: police words. */
  hotListWatch?: HotListWatch;
  /** Fetch options shared by every request (agent, timeouts, caps, address policy). */
  fetchOptions: Omit<FetchOptions, 'headers' | 'etag' | 'lastModified'>;
  now?: () => Date;
  /**
   * Aborted when the service stops and cuts the crawls still running: a fetch failing then is the
   * stop's doing, not the source's, so it is not recorded against the source — the job fails and
   * is crawled again by the next worker.
   */
  stopping?: AbortSignal;
}

/** What one poll did, for logs and tests. */
export interface CrawlReport {
  sourceId: number;
  outcome: FetchOutcome | 'skipped';
  newItems: number;
  seenItems: number;
  error?: string;
}


/** A poll that failed because of the site (not our infrastructure), with the fetch-log outcome. */
export class CrawlFailure extends Error {
  constructor(
    readonly outcome: FetchOutcome,
    message: string,
    readonly httpStatus: number | null = null,
  ) {
    super(message);
  }
}

export function outcomeOf(err: FetchError): FetchOutcome {
  switch (err.code) {
    case 'timeout':
    case 'connect_timeout':
      return 'timeout';
    case 'too_many_redirects':
    case 'redirect_loop':
      return 'too_many_redirects';
    case 'http_status':
      return 'http_error';
    case 'blocked_address':
      return 'blocked_address';
    default:
      return 'network_error';
  }
}

/** Polls a source by id and records the outcome (in the source, the fetch log and the metrics). */
export async function crawlSource(deps: CrawlDeps, sourceId: number): Promise<CrawlReport> {
  const m = metrics();
  const started = performance.now();
  let outcome: CrawlReport['outcome'] | 'error' = 'error';
  try {
    const report = await pollSource(deps, sourceId);
    outcome = report.outcome;
    m.crawlNewItems.inc(report.newItems);
    return report;
  } finally {
    // 'error': our own infrastructure failed (the job fails and is retried).
    m.crawlResults.inc({ outcome });
    if (outcome !== 'skipped') m.crawlFetchDuration.observe({ outcome }, (performance.now() - started) / 1000);
  }
}

async function pollSource(deps: CrawlDeps, sourceId: number): Promise<CrawlReport> {
  const source = await getSource(deps.db, sourceId);
  if (!source || !source.enabled) return { sourceId, outcome: 'skipped', newItems: 0, seenItems: 0 };
  const started = Date.now();
  let fetched: FetchResult | undefined;
  try {
    const route = routeOf(source);
    fetched = route !== null ? await rsshubFetch(deps, source, route) : await politeFetch(deps, source, source.url, { conditional: true });
    if (fetched.kind === 'not_modified') {
      await succeed(deps, source, fetched.etag, fetched.lastModified);
      await logFetch(deps.db, { sourceId, outcome: 'not_modified', httpStatus: 304, durationMs: Date.now() - started });
      return { sourceId, outcome: 'not_modified', newItems: 0, seenItems: 0 };
    }
    const fetchedAt = (deps.now ?? (() => new Date()))();
    const doc = decodeDocument(fetched.body, { contentType: fetched.contentType, override: source.charset });
    let entries = await parseEntries(source, doc.text, fetched.url, fetchedAt);
    // A hot list: keep the snapshot of its ranks; store only the entries that concern the bureau.
    const hot = source.hotList ? await recordHotList(deps.db, source, entries, fetchedAt, deps.hotListWatch ?? DEFAULT_WATCH) : null;
    if (hot) entries = hot.toStore;
    // A forum board: its entries are threads, each read post by post (forum.ts).
    const stored: { newItems: number; seenItems: number; rejected?: RejectedItem[] } = source.threads
      ? await crawlThreads(forumDeps(deps, source), source, entries, fetched.url, fetchedAt)
      : await storeNewEntries(deps, source, entries, fetched, fetchedAt);
    const { newItems, seenItems } = stored;
    // Items the database refused are named in the fetch log (the poll itself succeeded: its other items are stored).
    const refused = stored.rejected?.length ? `${stored.rejected.length} 条未能保存（${stored.rejected[0]?.url}：${stored.rejected[0]?.error}）` : null;
    if (hot) await hot.link(fetched.url);
    await succeed(deps, source, fetched.etag, fetched.lastModified);
    await logFetch(deps.db, {
      sourceId,
      outcome: 'ok',
      httpStatus: fetched.status,
      durationMs: Date.now() - started,
      bytes: fetched.body.byteLength,
      truncated: fetched.truncated,
      newItems,
      seenItems,
      error: [fetched.truncated ? `response cut at ${deps.cfg.HTTP_MAX_BYTES} bytes` : null, refused].filter(Boolean).join('; ') || null,
    });
    return { sourceId, outcome: 'ok', newItems, seenItems };
  } catch (err) {
    if (deps.stopping?.aborted) throw err;
    const failure =
      err instanceof CrawlFailure
        ? err
        : err instanceof FetchError
          ? new CrawlFailure(outcomeOf(err), err.message, err.status ?? null)
          : err instanceof FeedParseError
            ? new CrawlFailure('parse_error', err.message)
            : isDataError(err)
              ? // The database refused what this source sent (not a lost connection): the source's
                // failure, recorded against it and retried with its backoff, never a silent failed job.
                new CrawlFailure('error', `数据无法保存：${errorMessage(err)}`)
              : null;
    if (!failure) throw err; // our own infrastructure (database) failed: let the job fail loudly
    await fail(deps, source, failure);
    await logFetch(deps.db, {
      sourceId,
      outcome: failure.outcome,
      httpStatus: failure.httpStatus,
      durationMs: Date.now() - started,
      bytes: fetched?.kind === 'ok' ? fetched.body.byteLength : null,
      truncated: fetched?.kind === 'ok' ? fetched.truncated : false,
      error: failure.message,
    });
    return { sourceId, outcome: failure.outcome, newItems: 0, seenItems: 0, error: failure.message };
  }
}

/** Fetches through robots.txt and the per-host gate. */
async function politeFetch(deps: CrawlDeps, source: Source, url: string, o: { conditional: boolean }): Promise<FetchResult> {
  const respectRobots = source.respectRobots ?? deps.cfg.CRAWL_RESPECT_ROBOTS;
  const ua = deps.fetchOptions.userAgent;
  let delay: number | null = null;
  if (respectRobots) {
    if (!(await deps.robots.isAllowed(url, ua))) throw new CrawlFailure('robots_denied', `robots.txt disallows ${url}`);
    delay = await deps.robots.crawlDelayMs(url, ua);
  }
  const host = new URL(url).host;
  return deps.gate.run(
    host,
    () =>
      fetchUrl(url, {
        ...deps.fetchOptions,
        headers: source.headers,
        etag: o.conditional ? source.etag : null,
        lastModified: o.conditional ? source.lastModified : null,
      }),
    delay ?? undefined,
  );
}

/** What the forum reader uses of the crawler: its polite fetch, evidence store and item store. */
function forumDeps(deps: CrawlDeps, source: Source): ForumDeps {
  return {
    db: deps.db,
    fetchPage: async (url) => {
      try {
        return await politeFetch(deps, source, url, { conditional: false });
      } catch (err) {
        if (err instanceof CrawlFailure || err instanceof FetchError) throw new ThreadFetchError(err.message);
        throw err;
      }
    },
    putEvidence: (e) => putEvidence(deps.db, e),
    storeItems: (items) => storeItems(deps, items),
  };
}

/** Fetches an rsshub source's route from the configured RSSHub instances (rsshub.ts). */
export async function rsshubFetch(deps: Pick<CrawlDeps, 'db' | 'cfg' | 'fetchOptions'>, source: Pick<Source, 'headers' | 'etag' | 'lastModified'>, route: string): Promise<FetchResult> {
  const settings = { instances: deps.cfg.RSSHUB_URL, accessKey: deps.cfg.RSSHUB_ACCESS_KEY, retryFailingMs: deps.cfg.RSSHUB_RETRY_FAILING_MS };
  try {
    const { result } = await fetchRoute(deps.db, settings, route, (url) =>
      fetchUrl(url, { ...deps.fetchOptions, headers: source.headers, etag: source.etag, lastModified: source.lastModified }),
    );
    return result;
  } catch (err) {
    if (err instanceof RsshubUnavailable) throw new CrawlFailure(err.last ? outcomeOf(err.last) : 'network_error', err.message, err.last?.status ?? null);
    throw err;
  }
}

/** The entries of a fetched document: a list page read with the source's selectors, else a feed. */
export async function parseEntries(source: Pick<Source, 'kind' | 'selectors'>, text: string, pageUrl: string, now: Date): Promise<Entry[]> {
  if (source.kind === 'html') {
    if (!source.selectors) throw new CrawlFailure('parse_error', 'html source without selectors');
    return parseListPage(text, source.selectors, { pageUrl, now }).map((e) => ({
      url: e.url,
      title: e.title,
      summary: e.summary,
      text: e.summary,
      author: null,
      publishedAt: e.publishedAt,
    }));
  }
  const feed = await parseFeed(text, { feedUrl: pageUrl });
  return feed.entries.map((e) => ({
    url: e.url,
    title: e.title,
    summary: e.summary,
    text: e.text,
    author: e.author,
    publishedAt: e.publishedAt,
  }));
}

async function storeNewEntries(
  deps: CrawlDeps,
  source: Source,
  entries: Entry[],
  fetched: Extract<FetchResult, { kind: 'ok' }>,
  fetchedAt: Date,
): Promise<{ newItems: number; seenItems: number; rejected?: RejectedItem[] }> {
  // Canonicalize and dedupe first: only entries not yet stored cost an article fetch.
  const byHash = new Map<string, Entry>();
  for (const e of entries) {
    const canonical = canonicalizeUrl(e.url, fetched.url);
    if (!canonical) continue;
    const hash = urlHash(canonical);
    const first = byHash.get(hash);
    // The same article listed twice (tracking parameters differ): the first listing wins, a later
    // one only fills what the first lacks.
    byHash.set(hash, first ? { ...e, ...Object.fromEntries(Object.entries(first).filter(([, v]) => v != null)), url: canonical } : { ...e, url: canonical });
  }
  const known = await existingUrlHashes(deps.db, [...byHash.keys()]);
  const fresh = [...byHash].filter(([h]) => !known.has(h));
  if (fresh.length === 0) return { newItems: 0, seenItems: known.size };

  const feedEvidence = makeEvidence(fetched.body, { url: fetched.url, contentType: fetched.contentType, truncated: fetched.truncated, fetchedAt });
  const items: NewItem[] = [];
  const evidences = new Map<string, Evidence>();
  for (const [hash, entry] of fresh) {
    let evidence = feedEvidence;
    let body = { title: entry.title, text: entry.text ?? entry.summary ?? '', author: entry.author, publishedAt: entry.publishedAt };
    let extra: Record<string, unknown> | null = entry.extra ?? null;
    if (source.fullText) {
      const article = await fetchArticle(deps, source, entry.url, fetchedAt);
      if ('error' in article) {
        extra = { ...extra, fullTextError: article.error }; // keep the feed's text: nothing is lost
      } else {
        evidence = article.evidence;
        body = {
          title: entry.title ?? article.title,
          text: article.text.length > (body.text?.length ?? 0) ? article.text : body.text,
          author: entry.author ?? article.author,
          publishedAt: entry.publishedAt ?? article.publishedAt,
        };
      }
    }
    evidences.set(evidence.sha256, evidence);
    items.push({
      sourceId: source.id,
      url: entry.url,
      urlHash: hash,
      origin: 'crawl',
      title: body.title,
      summary: entry.summary,
      text: body.text,
      author: body.author,
      language: guessLanguage(`${body.title ?? ''} ${body.text}`),
      sourceName: source.name,
      publishedAt: publicationTime(body.publishedAt, fetchedAt),
      fetchedAt,
      evidenceSha256: evidence.sha256,
      extra,
    });
  }
  for (const e of evidences.values()) await putEvidence(deps.db, e);
  const { ids, rejected } = await storeItemsReporting(deps, items);
  return { newItems: ids.length, seenItems: known.size + (items.length - ids.length - rejected.length), rejected };
}

async function fetchArticle(
  deps: CrawlDeps,
  source: Source,
  url: string,
  fetchedAt: Date,
): Promise<{ title: string | null; text: string; author: string | null; publishedAt: Date | null; evidence: Evidence } | { error: string }> {
  try {
    const res = await politeFetch(deps, source, url, { conditional: false });
    if (res.kind !== 'ok') return { error: `unexpected ${res.status}` };
    const doc = decodeDocument(res.body, { contentType: res.contentType, override: source.charset });
    const article = extractArticle(doc.text, { url: res.url });
    return {
      ...article,
      evidence: makeEvidence(res.body, { url: res.url, contentType: res.contentType, truncated: res.truncated, fetchedAt }),
    };
  } catch (err) {
    if (err instanceof CrawlFailure || err instanceof FetchError) return { error: err.message };
    deps.log.warn({ url, err: errorMessage(err) }, 'article extraction failed');
    return { error: errorMessage(err) };
  }
}

async function succeed(deps: CrawlDeps, source: Source, etag: string | null, lastModified: string | null): Promise<void> {
  const { recovered } = await recordPollSuccess(deps.db, source.id, {
    etag,
    lastModified,
    nextPollInMs: source.pollIntervalSeconds * 1000,
  });
  if (recovered) {
    await recordHealthEvent(deps.db, { sourceId: source.id, kind: 'recovered', consecutiveErrors: 0 });
    deps.log.info({ sourceId: source.id, name: source.name }, 'source recovered');
  }
}

async function fail(deps: CrawlDeps, source: Source, failure: CrawlFailure): Promise<void> {
  const r = await recordPollFailure(deps.db, source.id, {
    error: `${failure.outcome}: ${failure.message}`,
    maxFailures: deps.cfg.SOURCE_MAX_FAILURES,
    backoffBaseMs: Math.min(source.pollIntervalSeconds * 1000, 60_000),
    maxBackoffMs: Math.max(deps.cfg.SOURCE_MAX_BACKOFF_MS, source.pollIntervalSeconds * 1000),
  });
  deps.log.warn({ sourceId: source.id, outcome: failure.outcome, err: failure.message, streak: r?.consecutiveErrors }, 'poll failed');
  if (r?.becameFailing) {
    await recordHealthEvent(deps.db, {
      sourceId: source.id,
      kind: 'failing',
      consecutiveErrors: r.consecutiveErrors,
      error: `${failure.outcome}: ${failure.message}`,
    });
    deps.log.error({ sourceId: source.id, name: source.name, streak: r.consecutiveErrors }, 'source is failing');
  }
}
