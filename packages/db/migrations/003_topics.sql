-- The topic stage: stories (reposts of one text), topics (events), their time series in event
-- time, every level change with its explanation, merges and term bursts. Ids are given by the
-- topic stage itself (one writer), so they are plain bigints, not serials.

CREATE TABLE topics (
  id                bigint      PRIMARY KEY,
  status            text        NOT NULL CHECK (status IN ('open', 'closed', 'merged')),
  merged_into       bigint,
  title             text        NOT NULL,
  keywords          text[]      NOT NULL DEFAULT '{}',
  first_item_id     bigint,
  first_source      text,
  created_at        timestamptz NOT NULL,
  last_at           timestamptz NOT NULL,
  items             integer     NOT NULL,
  stories           integer     NOT NULL,
  police_related    integer     NOT NULL,
  police_negative   integer     NOT NULL,
  negative          integer     NOT NULL,
  reach             real        NOT NULL,
  jurisdiction_hits integer     NOT NULL,
  sources           text[]      NOT NULL DEFAULT '{}',
  places            jsonb       NOT NULL DEFAULT '{}',
  categories        jsonb       NOT NULL DEFAULT '{}',
  stage             text,
  level             text        NOT NULL DEFAULT 'none' CHECK (level IN ('none', 'blue', 'yellow', 'orange', 'red')),
  auto_level        text        NOT NULL DEFAULT 'none',
  manual_level      text        CHECK (manual_level IN ('none', 'blue', 'yellow', 'orange', 'red')),
  -- engine state that is not a column above (series baseline, centroid), to restore after a crash
  state             jsonb       NOT NULL,
  updated_at        timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX topics_open_idx ON topics (last_at) WHERE status = 'open';
CREATE INDEX topics_level_idx ON topics (level, last_at DESC) WHERE level <> 'none';

CREATE TABLE stories (
  id            bigint      PRIMARY KEY,
  topic_id      bigint      NOT NULL,
  root          text        NOT NULL,
  root_hash     bigint      NOT NULL,
  simhash       text        NOT NULL,
  first_item_id bigint,
  first_at      timestamptz NOT NULL,
  first_source  text,
  last_at       timestamptz NOT NULL,
  items         integer     NOT NULL,
  -- whether the story's root is police-negative opinion (its reposts count as such)
  police_negative boolean   NOT NULL DEFAULT false,
  amplifiers    jsonb       NOT NULL DEFAULT '[]'
);
CREATE INDEX stories_topic_idx ON stories (topic_id);

-- Which story and topic each item went to; the primary key makes a re-delivered job harmless.
CREATE TABLE story_items (
  item_id     bigint      PRIMARY KEY REFERENCES items (id) ON DELETE CASCADE,
  story_id    bigint      NOT NULL,
  topic_id    bigint      NOT NULL,
  seq         bigserial   NOT NULL,
  assigned_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX story_items_story_idx ON story_items (story_id);
CREATE INDEX story_items_topic_idx ON story_items (topic_id);

-- Items per topic per bucket of event time (10 minutes by default).
CREATE TABLE topic_series (
  topic_id     bigint      NOT NULL,
  bucket_start timestamptz NOT NULL,
  items        integer     NOT NULL,
  PRIMARY KEY (topic_id, bucket_start)
);

CREATE TABLE topic_level_changes (
  id          bigserial   PRIMARY KEY,
  topic_id    bigint      NOT NULL,
  at          timestamptz NOT NULL,   -- event time
  recorded_at timestamptz NOT NULL DEFAULT now(),
  level       text        NOT NULL,
  previous    text        NOT NULL,
  automatic   boolean     NOT NULL,
  -- false: computed but not applied, because a person's level stands
  applied     boolean     NOT NULL,
  indicators  jsonb       NOT NULL,
  reason      text        NOT NULL,
  actor       text
);
CREATE INDEX topic_level_changes_topic_idx ON topic_level_changes (topic_id, id);

CREATE TABLE topic_merges (
  id          bigserial   PRIMARY KEY,
  from_topic  bigint      NOT NULL,
  into_topic  bigint      NOT NULL,
  at          timestamptz NOT NULL,
  recorded_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE term_bursts (
  id       bigserial   PRIMARY KEY,
  term     text        NOT NULL,
  count    integer     NOT NULL,
  baseline real        NOT NULL,
  at       timestamptz NOT NULL
);
CREATE INDEX term_bursts_at_idx ON term_bursts (at DESC);

-- The topic stage's clock and id counters, one row.
CREATE TABLE topic_stage_state (
  id            boolean     PRIMARY KEY DEFAULT true CHECK (id),
  clock         timestamptz NOT NULL,
  next_story_id bigint      NOT NULL,
  next_topic_id bigint      NOT NULL,
  updated_at    timestamptz NOT NULL DEFAULT now()
);
