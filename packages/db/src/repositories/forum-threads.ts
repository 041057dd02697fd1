/** Raw SQL for forum threads read post by post: what was read of each, to know when to read it again. */
import type { Queryable } from '../pool';
import { ITEM_FIELD_LIMITS, storableOrNull, storableText } from '../storable';

/** What the crawler knows of one thread of a forum source. */
export interface ForumThread {
  urlHash: string;
  url: string;
  title: string | null;
  firstSeenAt: Date;
  lastFetchedAt: Date;
  posts: number;
  pages: number;
  lastPageUrl: string | null;
  lastError: string | null;
}

/** The known threads of a source among these URL hashes. */
export async function getForumThreads(db: Queryable, sourceId: number, urlHashes: readonly string[]): Promise<Map<string, ForumThread>> {
  if (urlHashes.length === 0) return new Map();
  const { rows } = await db.query<{ url_hash: string; url: string; title: string | null; first_seen_at: Date; last_fetched_at: Date; posts: number; pages: number; last_page_url: string | null; last_error: string | null }>(
    'SELECT url_hash, url, title, first_seen_at, last_fetched_at, posts, pages, last_page_url, last_error FROM forum_threads WHERE source_id = $1 AND url_hash = ANY($2::text[])',
    [sourceId, urlHashes],
  );
  return new Map(
    rows.map((r) => [
      r.url_hash,
      { urlHash: r.url_hash, url: r.url, title: r.title, firstSeenAt: r.first_seen_at, lastFetchedAt: r.last_fetched_at, posts: r.posts, pages: r.pages, lastPageUrl: r.last_page_url, lastError: r.last_error },
    ]),
  );
}

/** Records a reading of a thread: its posts and pages so far, or why it could not be read. */
export async function recordForumThread(
  db: Queryable,
  sourceId: number,
  t: { urlHash: string; url: string; title: string | null; at: Date; posts: number; pages: number; lastPageUrl: string | null; error: string | null },
): Promise<void> {
  // posts and pages add up over readings (a reading resumes at the last page); a failed reading adds nothing.
  await db.query(
    `INSERT INTO forum_threads (source_id, url_hash, url, title, first_seen_at, last_fetched_at, posts, pages, last_page_url, last_error)
     VALUES ($1, $2, $3, $4, $5, $5, $6, $7, $8, $9)
     ON CONFLICT (source_id, url_hash) DO UPDATE SET title = COALESCE(EXCLUDED.title, forum_threads.title),
       last_fetched_at = EXCLUDED.last_fetched_at, posts = forum_threads.posts + EXCLUDED.posts,
       pages = GREATEST(forum_threads.pages, EXCLUDED.pages), last_page_url = COALESCE(EXCLUDED.last_page_url, forum_threads.last_page_url),
       last_error = EXCLUDED.last_error`,
    [sourceId, t.urlHash, storableText(t.url), storableOrNull(t.title, ITEM_FIELD_LIMITS.title), t.at, t.posts, t.pages, storableOrNull(t.lastPageUrl), storableOrNull(t.error, 2000)],
  );
}
