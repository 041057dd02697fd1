/**
 * Forum boards (Tieba, BBS): a source with `threads` lists threads; each is opened (and its further
 * pages, up to MAX_PAGES) and read into posts (extract/thread.ts), stored one item per post (楼层)
 * with its own author and time. The first post is the thread's root; the replies point at it
 * (parentUrlHash), so the topic stage keeps a thread together like a repost chain. A thread that is
 * still on the board is read again once READ_AGAIN_MS has passed, for its new replies; posts already
 * stored are skipped by their URL (thread URL + #floor).
 */
import * as cheerio from 'cheerio';
import { getForumThreads, recordForumThread, type NewItem, type Source } from '@yuqing/db';
import { decodeDocument } from './charset/index';
import type { Entry } from './entry';
import { makeEvidence, type Evidence } from './evidence';
import { extractArticle, extractThread, type ThreadPost } from './extract/index';
import type { FetchResult } from './fetch/http';
import { canonicalizeUrl, urlHash } from './parse/url';
import { guessLanguage } from './text/language';
import { publicationTime } from './text/time';

/** Threads opened per poll (the board's first ones: the most recently active). */
export const THREADS_PER_POLL = 20;
/** Pages of one thread read per visit; a longer thread is read on over the next polls, from where it stopped. */
export const MAX_PAGES = 20;
/** A thread read within this long is not read again. */
export const READ_AGAIN_MS = 10 * 60_000;

/** A thread page could not be fetched (gone, refused, robots): the thread is recorded and tried again later. */
export class ThreadFetchError extends Error {}

/** What the forum reader needs from the crawler: a polite fetch (throwing ThreadFetchError), evidence and item storage. */
export interface ForumDeps {
  db: Parameters<typeof getForumThreads>[0];
  fetchPage(url: string): Promise<FetchResult>;
  putEvidence(e: Evidence): Promise<void>;
  storeItems(items: NewItem[]): Promise<number[]>;
}

/** The "next page" link of a thread page, or null (rel=next, or a link reading 下一页 / 下页 / next). */
export function nextPageUrl(html: string, pageUrl: string): string | null {
  const $ = cheerio.load(html);
  let href = $('a[rel~="next"], link[rel~="next"]').first().attr('href');
  if (!href) {
    const link = $('a')
      .toArray()
      .find((a) => /^\s*(?:下一页|下页|下一頁|next\s*page|next\s*›?|›|>)\s*$/i.test($(a).text()));
    href = link ? $(link).attr('href') : undefined;
  }
  if (!href || href.startsWith('javascript:') || href === '#') return null;
  const next = canonicalizeUrl(href, pageUrl);
  return next && next !== canonicalizeUrl(pageUrl, pageUrl) ? next : null;
}

/** The URL of one post of a thread: the thread's URL and the post's floor. */
function postUrl(threadUrl: string, floor: number): string {
  return `${threadUrl.replace(/#.*$/, '')}#post-${floor}`;
}

/**
 * Reads a thread's pages into posts, each post once (by floor, or by position when the page shows
 * no floors), with the evidence of each page. Stops at MAX_PAGES, a page with nothing new, or a
 * page that is not a thread.
 */
export async function readThread(
  deps: ForumDeps,
  startUrl: string,
  source: Pick<Source, 'charset'>,
): Promise<{ title: string | null; posts: Array<ThreadPost & { floor: number; page: string; evidence: Evidence }>; pages: number; lastPageUrl: string | null; numbered: boolean; fetchedAt: Date }> {
  const posts: Array<ThreadPost & { floor: number; page: string; evidence: Evidence }> = [];
  const seen = new Set<number>();
  let title: string | null = null;
  let url: string | null = startUrl;
  let lastPageUrl: string | null = null;
  let numbered = true;
  let pages = 0;
  const fetchedAt = new Date();
  while (url && pages < MAX_PAGES) {
    const res = await deps.fetchPage(url);
    if (res.kind !== 'ok') break;
    pages++;
    lastPageUrl = res.url;
    const doc = decodeDocument(res.body, { contentType: res.contentType, override: source.charset });
    const evidence = makeEvidence(res.body, { url: res.url, contentType: res.contentType, truncated: res.truncated, fetchedAt });
    const thread = extractThread(doc.text, res.url);
    if (!thread || thread.posts.length === 0) {
      // Not a thread (a board linking an article, a deleted thread's notice): read it as one page.
      if (pages === 1) {
        const a = extractArticle(doc.text, { url: res.url });
        if (a.text.trim()) posts.push({ floor: 1, author: a.author, publishedAt: a.publishedAt?.toISOString() ?? null, text: a.text, page: res.url, evidence });
        title = a.title;
      }
      break;
    }
    title ??= thread.title;
    let added = 0;
    for (const p of thread.posts) {
      if (p.floor === null) numbered = false;
      const floor = p.floor ?? posts.length + 1;
      if (seen.has(floor)) continue;
      seen.add(floor);
      posts.push({ ...p, floor, page: res.url, evidence });
      added++;
    }
    if (added === 0) break;
    url = nextPageUrl(doc.text, res.url);
  }
  return { title, posts, pages, lastPageUrl, numbered, fetchedAt };
}

/**
 * The items of a thread's posts: the root (the first post, floor `rootFloor`) and its replies. A
 * reading that resumed on a later page has no root among its posts: they are all replies.
 */
export function threadItems(
  source: Pick<Source, 'id' | 'name'>,
  threadUrl: string,
  title: string | null,
  posts: ReadonlyArray<ThreadPost & { floor: number; evidence: Evidence }>,
  fetchedAt: Date,
  rootFloor: number | null,
): NewItem[] {
  const rootHash = urlHash(threadUrl);
  return posts.map((p) => {
    const isRoot = p.floor === rootFloor;
    const url = isRoot ? threadUrl : postUrl(threadUrl, p.floor);
    const at = p.publishedAt ? new Date(p.publishedAt) : null;
    return {
      sourceId: source.id,
      url,
      urlHash: isRoot ? rootHash : urlHash(url),
      origin: 'crawl' as const,
      parentUrlHash: isRoot ? null : rootHash,
      title: isRoot ? title : null,
      summary: null,
      text: p.text,
      author: p.author,
      language: guessLanguage(`${isRoot ? (title ?? '') : ''} ${p.text}`),
      sourceName: source.name,
      publishedAt: publicationTime(at && !Number.isNaN(at.getTime()) ? at : null, fetchedAt),
      fetchedAt,
      evidenceSha256: p.evidence.sha256,
      extra: { thread: { url: threadUrl, floor: p.floor } },
    };
  });
}

/**
 * One poll of a forum board: the board's threads (its entries, in order) are opened — new ones,
 * and known ones not read for READ_AGAIN_MS — and their posts stored. Returns the new items and
 * the posts already stored.
 */
export async function crawlThreads(deps: ForumDeps, source: Pick<Source, 'id' | 'name' | 'charset'>, entries: readonly Entry[], pageUrl: string, now = new Date()): Promise<{ newItems: number; seenItems: number }> {
  const threads: Array<{ url: string; hash: string; title: string | null }> = [];
  const hashes = new Set<string>();
  for (const e of entries) {
    const url = canonicalizeUrl(e.url, pageUrl);
    if (!url) continue;
    const hash = urlHash(url);
    if (hashes.has(hash)) continue;
    hashes.add(hash);
    threads.push({ url, hash, title: e.title });
    if (threads.length >= THREADS_PER_POLL) break;
  }
  const known = await getForumThreads(deps.db, source.id, threads.map((t) => t.hash));
  let newItems = 0;
  let seenItems = 0;
  for (const t of threads) {
    const before = known.get(t.hash);
    if (before && now.getTime() - before.lastFetchedAt.getTime() < READ_AGAIN_MS) continue;
    // A thread read before resumes on its last page (re-read: it may have grown); the root is stored.
    const resume = before && !before.lastError && before.lastPageUrl ? before.lastPageUrl : null;
    try {
      const read = await readThread(deps, resume ?? t.url, source);
      // Unnumbered posts resumed mid-thread cannot be told apart from the first page's: start over.
      const again = resume && !read.numbered ? await readThread(deps, t.url, source) : null;
      const r = again ?? read;
      const fromStart = !resume || again !== null;
      // The root is the first post of the first page: read from the start, or a resumed reading that is on page 1 again.
      const onFirstPage = fromStart || resume === t.url || r.posts.some((p) => p.floor === 1);
      const rootFloor = onFirstPage && r.posts.length > 0 ? Math.min(...r.posts.map((p) => p.floor)) : null;
      const items = threadItems(source, t.url, r.title ?? t.title, r.posts, r.fetchedAt, rootFloor);
      const evidences = new Map(r.posts.map((p) => [p.evidence.sha256, p.evidence]));
      for (const e of evidences.values()) await deps.putEvidence(e);
      const inserted = await deps.storeItems(items);
      newItems += inserted.length;
      seenItems += items.length - inserted.length;
      const pages = fromStart ? r.pages : (before?.pages ?? 1) + r.pages - 1;
      await recordForumThread(deps.db, source.id, { urlHash: t.hash, url: t.url, title: r.title ?? t.title, at: now, posts: inserted.length, pages, lastPageUrl: r.lastPageUrl, error: null });
    } catch (err) {
      if (!(err instanceof ThreadFetchError)) throw err; // our own infrastructure: the poll fails loudly
      // One thread failing (gone, refused) does not fail the board: it is recorded and tried again later.
      await recordForumThread(deps.db, source.id, { urlHash: t.hash, url: t.url, title: t.title, at: now, posts: 0, pages: 0, lastPageUrl: null, error: err.message.slice(0, 500) });
    }
  }
  return { newItems, seenItems };
}
