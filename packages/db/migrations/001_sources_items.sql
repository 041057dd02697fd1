-- Sources, the items they bring, and the evidence kept for each item.

CREATE TABLE sources (
  id                    bigserial PRIMARY KEY,
  name                  text        NOT NULL,
  kind                  text        NOT NULL CHECK (kind IN ('rss', 'html')),
  url                   text        NOT NULL UNIQUE,
  poll_interval_seconds integer     NOT NULL DEFAULT 600 CHECK (poll_interval_seconds >= 10),
  enabled               boolean     NOT NULL DEFAULT true,
  -- How much one item from this source weighs in reach and heat (central media > personal blog).
  authority             real        NOT NULL DEFAULT 1.0 CHECK (authority >= 0 AND authority <= 10),
  jurisdiction_tags     text[]      NOT NULL DEFAULT '{}',
  charset               text,
  full_text             boolean     NOT NULL DEFAULT false,
  respect_robots        boolean,    -- null: the global setting
  headers               jsonb       NOT NULL DEFAULT '{}'::jsonb,
  selectors             jsonb,      -- list-page selectors for kind 'html'
  -- crawl state
  status                text        NOT NULL DEFAULT 'ok' CHECK (status IN ('ok', 'failing')),
  etag                  text,
  last_modified         text,
  next_poll_at          timestamptz NOT NULL DEFAULT now(),
  last_polled_at        timestamptz,
  last_success_at       timestamptz,
  consecutive_errors    integer     NOT NULL DEFAULT 0,
  last_error            text,
  last_error_at         timestamptz,
  created_at            timestamptz NOT NULL DEFAULT now(),
  updated_at            timestamptz NOT NULL DEFAULT now(),
  CHECK (kind <> 'html' OR selectors IS NOT NULL)
);
CREATE INDEX sources_due_idx ON sources (next_poll_at) WHERE enabled;

-- Raw fetched bytes, gzip-compressed, addressed by the SHA-256 of the uncompressed bytes.
-- One feed document is the evidence for all of its items, so evidence is shared, not copied.
CREATE TABLE evidence (
  sha256       text        PRIMARY KEY,
  url          text        NOT NULL,
  content_type text,
  size         integer     NOT NULL,
  truncated    boolean     NOT NULL DEFAULT false,
  gz           bytea       NOT NULL,
  fetched_at   timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX evidence_fetched_at_idx ON evidence (fetched_at);

CREATE TABLE items (
  id              bigserial   PRIMARY KEY,
  source_id       bigint      REFERENCES sources (id) ON DELETE SET NULL,
  url             text        NOT NULL,
  url_hash        text        NOT NULL UNIQUE,
  origin          text        NOT NULL CHECK (origin IN ('crawl', 'ingest', 'push')),
  external_id     text,
  parent_url_hash text,
  title           text,
  summary         text,
  text            text        NOT NULL DEFAULT '',
  author          text,
  author_info     jsonb,
  metrics         jsonb,
  language        text,
  source_name     text,
  published_at    timestamptz NOT NULL,
  fetched_at      timestamptz NOT NULL DEFAULT now(),
  evidence_sha256 text        REFERENCES evidence (sha256) ON DELETE SET NULL,
  -- Fields a pushed item carried that the schema does not know: kept, never dropped.
  extra           jsonb,
  analyzed_at     timestamptz,
  enqueued_at     timestamptz
);
CREATE INDEX items_published_at_idx ON items (published_at);
CREATE INDEX items_source_idx ON items (source_id, published_at);
CREATE INDEX items_unanalyzed_idx ON items (fetched_at) WHERE analyzed_at IS NULL;

-- One row per fetch attempt: what happened and how long it took (operations and metrics read it).
CREATE TABLE fetch_log (
  id          bigserial   PRIMARY KEY,
  source_id   bigint      NOT NULL REFERENCES sources (id) ON DELETE CASCADE,
  at          timestamptz NOT NULL DEFAULT now(),
  outcome     text        NOT NULL,
  http_status integer,
  duration_ms integer,
  bytes       integer,
  truncated   boolean     NOT NULL DEFAULT false,
  new_items   integer     NOT NULL DEFAULT 0,
  seen_items  integer     NOT NULL DEFAULT 0,
  error       text
);
CREATE INDEX fetch_log_source_idx ON fetch_log (source_id, at DESC);

-- A source going failing or recovering; the alerting issue turns these into alerts.
CREATE TABLE source_health_events (
  id                 bigserial   PRIMARY KEY,
  source_id          bigint      NOT NULL REFERENCES sources (id) ON DELETE CASCADE,
  at                 timestamptz NOT NULL DEFAULT now(),
  kind               text        NOT NULL CHECK (kind IN ('failing', 'recovered')),
  consecutive_errors integer     NOT NULL,
  error              text
);
CREATE INDEX source_health_events_source_idx ON source_health_events (source_id, at DESC);
