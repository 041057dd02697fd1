-- Issue 11: forum threads (Tieba, BBS). A source with `threads` lists threads (a board page read
-- with selectors, or a feed of threads); the crawler opens each thread and stores one item per post
-- (楼层) with its own author and time: the first post is the thread's root, the replies point at it
-- (parent_url_hash), so a thread is a cascade like a repost chain. A thread still on the board is
-- opened again later for its new replies; what was read of it is kept here.
ALTER TABLE sources ADD COLUMN threads boolean NOT NULL DEFAULT false;
ALTER TABLE sources ADD CONSTRAINT sources_threads_kind_check CHECK (NOT threads OR kind IN ('rss', 'html', 'rsshub'));

CREATE TABLE forum_threads (
  source_id       bigint      NOT NULL REFERENCES sources (id) ON DELETE CASCADE,
  url_hash        text        NOT NULL,
  url             text        NOT NULL,
  title           text,
  first_seen_at   timestamptz NOT NULL,
  last_fetched_at timestamptz NOT NULL,
  -- Posts read so far (all pages), and the pages the thread had when last read.
  posts           integer     NOT NULL DEFAULT 0,
  pages           integer     NOT NULL DEFAULT 1,
  -- The last page read: the next reading starts there (a long thread is read over several polls).
  last_page_url   text,
  last_error      text,
  PRIMARY KEY (source_id, url_hash)
);
