-- Leadership digests (日报 / 周报 / 专报): the figures of one period (data, the JSON of
-- @yuqing/digest's Digest) and their renderings, stored as generated so that what a leader read
-- at 08:00 can be read again later. One row per (kind, period): the scheduled run of a period
-- inserts it once even when two API processes both run the job (INSERT … ON CONFLICT DO NOTHING);
-- regenerating on demand replaces the content in place (and the API/CLI audit it).

CREATE TABLE digests (
  id           bigserial   PRIMARY KEY,
  kind         text        NOT NULL CHECK (kind IN ('daily', 'weekly', 'custom')),
  period_start timestamptz NOT NULL,
  period_end   timestamptz NOT NULL,
  time_zone    text        NOT NULL,
  generated_at timestamptz NOT NULL DEFAULT now(),
  -- 'system' for the schedule, else the user's login name (or 'cli:<os user>')
  generated_by text        NOT NULL,
  data         jsonb       NOT NULL,
  html         text        NOT NULL,
  markdown     text        NOT NULL,
  CHECK (period_end > period_start),
  UNIQUE (kind, period_start, period_end)
);
CREATE INDEX digests_kind_end_idx ON digests (kind, period_end DESC, id DESC);
CREATE INDEX digests_end_idx ON digests (period_end DESC, id DESC);

-- What the digest's period queries filter on that had no index yet: alert events, fetch attempts
-- and health events by time, incidents by close time (items by published time, incidents by
-- creation and due time are indexed already).
CREATE INDEX alert_events_created_idx ON alert_events (created_at);
CREATE INDEX incidents_closed_idx ON incidents (closed_at) WHERE closed_at IS NOT NULL;
CREATE INDEX fetch_log_at_idx ON fetch_log (at);
CREATE INDEX source_health_events_at_idx ON source_health_events (at);
