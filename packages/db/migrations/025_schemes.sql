-- Issue 11 item 4: monitoring schemes (监测方案). A scheme is a named set of words an analyst keeps:
-- place words (地域词, e.g. from the jurisdiction gazetteer), subject words (主体词: police units and
-- terms), event words (事件词) and exclusion words (排除词). The analyzer records which enabled
-- schemes each item matches (item_schemes); saving a scheme generates keyword-search sources through
-- RSSHub (scheme_sources links them); alert rules can name schemes.

CREATE TABLE schemes (
  id              bigserial   PRIMARY KEY,
  name            text        NOT NULL UNIQUE,
  description     text        NOT NULL DEFAULT '',
  enabled         boolean     NOT NULL DEFAULT true,
  -- a scheme of the bureau's own jurisdiction: its place words found in an item count as jurisdiction hits
  jurisdiction    boolean     NOT NULL DEFAULT false,
  -- 'all': every non-empty word list needs a hit (地域 且 主体 且 事件); 'any': a hit in any list
  match_mode      text        NOT NULL DEFAULT 'all' CHECK (match_mode IN ('all', 'any')),
  place_words     text[]      NOT NULL DEFAULT '{}',
  subject_words   text[]      NOT NULL DEFAULT '{}',
  event_words     text[]      NOT NULL DEFAULT '{}',
  exclude_words   text[]      NOT NULL DEFAULT '{}',
  -- the keyword-search routes to generate sources for ('weibo', 'tieba')
  search_routes   text[]      NOT NULL DEFAULT '{}',
  created_by      bigint      REFERENCES users (id) ON DELETE SET NULL,
  created_by_name text        NOT NULL,
  updated_by      bigint      REFERENCES users (id) ON DELETE SET NULL,
  updated_by_name text        NOT NULL,
  created_at      timestamptz NOT NULL DEFAULT now(),
  updated_at      timestamptz NOT NULL DEFAULT now(),
  -- a scheme with no place, subject or event word would match everything (or nothing)
  CHECK (cardinality(place_words) + cardinality(subject_words) + cardinality(event_words) > 0)
);

-- The sources a scheme's keyword searches use. `generated`: the source was created for a scheme (so
-- it follows the schemes that use it: disabled with them, removed when none uses it any more); false:
-- a source someone had added before with the same route, which the scheme uses but never changes.
CREATE TABLE scheme_sources (
  scheme_id   bigint      NOT NULL REFERENCES schemes (id) ON DELETE CASCADE,
  source_id   bigint      NOT NULL REFERENCES sources (id) ON DELETE CASCADE,
  search      text        NOT NULL,   -- the route key: weibo, tieba
  keyword     text        NOT NULL,   -- the search words as sent (space-separated words: all of them)
  generated   boolean     NOT NULL,
  created_at  timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (scheme_id, source_id)
);
CREATE INDEX scheme_sources_source_idx ON scheme_sources (source_id);

-- Which enabled schemes an item matched when it was analysed, and the words that matched.
CREATE TABLE item_schemes (
  item_id    bigint      NOT NULL REFERENCES items (id) ON DELETE CASCADE,
  scheme_id  bigint      NOT NULL REFERENCES schemes (id) ON DELETE CASCADE,
  words      text[]      NOT NULL DEFAULT '{}',
  matched_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (item_id, scheme_id)
);
CREATE INDEX item_schemes_scheme_idx ON item_schemes (scheme_id, item_id);
