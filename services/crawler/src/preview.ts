/**
 * A test fetch of a source that is not stored yet: what an admin sees before saving ("these are
 * the entries this URL gives"). The same fetch, address policy, charset detection and parsers as a
 * real poll, but nothing is written except RSSHub instance health, and no politeness gate: it is
 * one request made by a person who is waiting for it.
 */
import type { Config } from '@yuqing/config';
import { routeOf, type NewSource, type Pool } from '@yuqing/db';
import { decodeDocument } from './charset/index';
import { CrawlFailure, outcomeOf, parseEntries, rsshubFetch, type CrawlDeps, type Entry } from './crawl-source';
import { FetchError, fetchUrl } from './fetch/http';
import { crawlFetchSetup } from './fetch/setup';
import { FeedParseError } from './parse/feed';

/** What a preview needs: the database (RSSHub health), the settings and the fetch options. */
export interface PreviewDeps {
  db: Pool;
  cfg: Config;
  fetchOptions: CrawlDeps['fetchOptions'];
}

/** How many entries a preview returns (the count says how many there were). */
const PREVIEW_ENTRIES = 30;

export type SourcePreview =
  | {
      ok: true;
      /** The URL finally fetched (after redirects; for rsshub, on the instance that answered). */
      url: string;
      httpStatus: number;
      charset: string;
      bytes: number;
      truncated: boolean;
      total: number;
      entries: Array<Pick<Entry, 'url' | 'title' | 'summary' | 'author'> & { publishedAt: string | null }>;
    }
  | { ok: false; outcome: string; httpStatus: number | null; error: string };

/** Preview dependencies for a process that does not crawl (the API): the crawler's address policy. */
export function createPreviewDeps(cfg: Config, db: Pool): PreviewDeps & { close(): Promise<void> } {
  const http = crawlFetchSetup(cfg);
  return { db, cfg, fetchOptions: http.fetchOptions, close: http.close };
}

/** Fetches and parses a source as a poll would, returning its entries or why it failed. */
export async function previewSource(deps: PreviewDeps, source: NewSource, now = new Date()): Promise<SourcePreview> {
  try {
    const route = routeOf(source);
    const noValidators = { headers: source.headers, etag: null, lastModified: null };
    const fetched = route !== null ? await rsshubFetch(deps, noValidators, route) : await fetchUrl(source.url, { ...deps.fetchOptions, ...noValidators });
    if (fetched.kind !== 'ok') throw new CrawlFailure('http_error', 'the server answered 304 Not Modified to a request without validators');
    const doc = decodeDocument(fetched.body, { contentType: fetched.contentType, override: source.charset ?? null });
    const entries = await parseEntries({ kind: source.kind, selectors: source.selectors ?? null }, doc.text, fetched.url, now);
    return {
      ok: true,
      url: fetched.url,
      httpStatus: fetched.status,
      charset: doc.charset,
      bytes: fetched.body.byteLength,
      truncated: fetched.truncated,
      total: entries.length,
      entries: entries.slice(0, PREVIEW_ENTRIES).map((e) => ({ url: e.url, title: e.title, summary: e.summary, author: e.author, publishedAt: e.publishedAt?.toISOString() ?? null })),
    };
  } catch (err) {
    if (err instanceof CrawlFailure) return { ok: false, outcome: err.outcome, httpStatus: err.httpStatus, error: err.message };
    if (err instanceof FetchError) return { ok: false, outcome: outcomeOf(err), httpStatus: err.status ?? null, error: err.message };
    if (err instanceof FeedParseError) return { ok: false, outcome: 'parse_error', httpStatus: null, error: err.message };
    throw err;
  }
}
