/**
 * Feed parsing: RSS 2.0, RSS 1.0 (RDF) and Atom into entries with canonical absolute URLs.
 *
 * Real feeds are messy: leading whitespace or a BOM before `<?xml`, bare `&` in Chinese CMS output,
 * responses cut off at the fetcher's size cap. We repair what we can and say so (`salvaged`), and
 * throw FeedParseError, never anything else, for what is not a feed at all.
 */
import { parseLooseDate } from '../text/time';
import { closeTruncatedFeed, repairEntities } from './feed-salvage';
import { readFeedXml, type RawFeed, type RawItem } from './feed-xml';
import { htmlToText, normalizeSpace } from './html-text';
import { canonicalizeUrl } from './url';

/** One feed entry, normalized. */
export interface FeedEntry {
  /** Canonical absolute URL (see canonicalizeUrl). */
  url: string;
  guid: string | null;
  title: string | null;
  /** Plain text of the RSS description / Atom summary. */
  summary: string | null;
  /** Full content HTML (RSS content:encoded / Atom content), unmodified. */
  contentHtml: string | null;
  /** Plain text of the content, else of the summary; tags stripped, whitespace normalized. */
  text: string | null;
  author: string | null;
  publishedAt: Date | null;
  categories: string[];
}

/** A parsed feed. */
export interface ParsedFeed {
  title: string | null;
  /** The feed's site link, canonical absolute. */
  link: string | null;
  entries: FeedEntry[];
  /** True when the document was truncated and only its complete entries were recovered. */
  salvaged: boolean;
  /** Entries dropped because neither their link nor their guid is an http(s) URL. */
  skipped: number;
}

/** Why a document could not be read as a feed. */
export type FeedParseFailure = 'empty' | 'not-a-feed' | 'malformed';

/** Thrown by parseFeed for documents that are not (recoverable) feeds. */
export class FeedParseError extends Error {
  override readonly name = 'FeedParseError';
  constructor(
    readonly reason: FeedParseFailure,
    detail: string,
  ) {
    super(`${reason}: ${detail}`);
  }
}

/** Parses RSS/RDF/Atom text; salvages truncated feeds; throws FeedParseError for anything else. */
export async function parseFeed(xml: string, opts: { feedUrl: string }): Promise<ParsedFeed> {
  const text = stripLeading(xml);
  if (!text) throw new FeedParseError('empty', 'the document is empty');
  if (!looksLikeFeed(text)) throw new FeedParseError('not-a-feed', describeRoot(text));

  let firstError: unknown;
  const attempt = async (doc: string): Promise<RawFeed | null> => {
    try {
      return await readFeedXml(doc);
    } catch (err) {
      firstError ??= err;
      return null;
    }
  };

  let raw = await attempt(text);
  let salvaged = false;
  if (!raw) {
    const repaired = repairEntities(text);
    if (repaired !== text) raw = await attempt(repaired);
    if (!raw) {
      const closed = closeTruncatedFeed(repaired);
      if (closed) {
        raw = await attempt(closed);
        salvaged = raw !== null;
      }
    }
  }
  if (!raw) throw new FeedParseError('malformed', errorText(firstError));
  return buildFeed(raw, opts.feedUrl, salvaged);
}

/** True when the document's root element is `<rss>`, `<feed>` or `<rdf:RDF>` (after prolog and comments). */
export function looksLikeFeed(text: string): boolean {
  return /^<(?:[\w.-]+:)?(?:rss|feed|RDF)[\s>/]/.test(skipProlog(stripLeading(text)));
}

function stripLeading(s: string): string {
  return s.replace(/^[\ufeff\s]+/, '');
}

/** Drops the XML declaration, processing instructions, comments and doctype in front of the root. */
function skipProlog(s: string): string {
  let rest = s;
  for (;;) {
    const m = /^(?:<\?[\s\S]*?\?>|<!--[\s\S]*?-->|<!DOCTYPE[^[>]*(?:\[[\s\S]*?\])?\s*>)\s*/i.exec(rest);
    if (!m) return rest;
    rest = rest.slice(m[0].length);
  }
}

function describeRoot(text: string): string {
  const root = skipProlog(text);
  if (/^<html[\s>]/i.test(root) || /^<!doctype html/i.test(text) || /^<(?:head|body)[\s>]/i.test(root)) return 'an HTML page';
  if (/^[[{]/.test(root)) return 'JSON, not XML';
  const tag = /^<([\w.:-]+)/.exec(root)?.[1];
  return tag ? `root element <${tag}> is not rss, feed or rdf:RDF` : 'not XML';
}

function errorText(err: unknown): string {
  const message = err instanceof Error ? err.message : String(err);
  return normalizeSpace(message).slice(0, 200);
}

function buildFeed(raw: RawFeed, feedUrl: string, salvaged: boolean): ParsedFeed {
  const feedLink = raw.link ? canonicalizeUrl(raw.link, feedUrl) : null;
  // Atom resolves against xml:base, then the document's own URL (RFC 4287 §1.2).
  // RSS has no base; the channel <link> is the site the relative item links were written for.
  const feedBase =
    raw.kind === 'atom' ? resolveBase(raw.base, feedUrl) : (feedLink ?? canonicalizeUrl(feedUrl) ?? feedUrl);
  const entries: FeedEntry[] = [];
  let skipped = 0;
  for (const item of raw.items) {
    const entry = buildEntry(item, resolveBase(item.base, feedBase));
    if (entry) entries.push(entry);
    else skipped++;
  }
  return { title: raw.title ? titleText(raw.title, null) : null, link: feedLink, entries, salvaged, skipped };
}

function resolveBase(base: string | null, against: string): string {
  if (!base) return against;
  return canonicalizeUrl(base, against) ?? against;
}

function buildEntry(item: RawItem, base: string): FeedEntry | null {
  // A guid stands in for the link only when it is itself an absolute URL (isPermaLink in spirit).
  const url = (item.link ? canonicalizeUrl(item.link, base) : null) ?? (item.guid ? canonicalizeUrl(item.guid) : null);
  if (!url) return null;
  const summary = item.summaryHtml ? htmlToText(item.summaryHtml) || null : null;
  const contentText = item.contentHtml ? htmlToText(item.contentHtml) || null : null;
  return {
    url,
    guid: item.guid,
    title: item.title ? titleText(item.title, item.titleIsHtml) || null : null,
    summary,
    contentHtml: item.contentHtml,
    text: contentText ?? summary,
    author: item.author ? normalizeSpace(item.author) || null : null,
    publishedAt: firstDate(item.dates),
    categories: [...new Set(item.categories.map(normalizeSpace).filter(Boolean))],
  };
}

/** Title text; RSS does not say whether a title is HTML, so markup or entities in it decide. */
function titleText(title: string, isHtml: boolean | null): string {
  const html = isHtml ?? /<\/?[a-z][^>]*>|&(?:#\d+|#x[0-9a-f]+|[a-z]+\d*);/i.test(title);
  return html ? htmlToText(title) : normalizeSpace(title);
}

function firstDate(candidates: string[]): Date | null {
  for (const c of candidates) {
    const d = parseLooseDate(c);
    if (d) return d;
  }
  return null;
}
