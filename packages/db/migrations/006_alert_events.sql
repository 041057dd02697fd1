-- Alerts and their event log. An alert is keyed by what raised it (dedup_key, e.g. rule:R:topic:T)
-- and changes state in place; every change appends one alert_events row. alert_events.id is the
-- SSE event id: clients resume with Last-Event-ID, so ids must never be handed out of commit order
-- (appendAlertEvent takes a transaction-scoped advisory lock for that, see repositories/alerts.ts).

CREATE TABLE alerts (
  id              bigserial   PRIMARY KEY,
  kind            text        NOT NULL CHECK (kind IN ('topic', 'source_health')),
  -- no foreign key yet: the rules table comes with the rules
  rule_id         bigint,
  -- topics are never deleted (ids are the topic stage's own), so no foreign key is needed
  topic_id        bigint,
  -- an alert outlives the source it was about
  source_id       bigint      REFERENCES sources (id) ON DELETE SET NULL,
  level           text        NOT NULL CHECK (level IN ('blue', 'yellow', 'orange', 'red')),
  state           text        NOT NULL DEFAULT 'firing' CHECK (state IN ('firing', 'acknowledged', 'resolved')),
  title           text        NOT NULL,
  summary         text        NOT NULL DEFAULT '',
  heat            real,
  dedup_key       text        NOT NULL UNIQUE,
  created_at      timestamptz NOT NULL DEFAULT now(),
  updated_at      timestamptz NOT NULL DEFAULT now(),
  acknowledged_by bigint      REFERENCES users (id) ON DELETE SET NULL,
  acknowledged_at timestamptz,
  resolved_by     bigint      REFERENCES users (id) ON DELETE SET NULL,
  resolved_at     timestamptz
);
CREATE INDEX alerts_open_idx ON alerts (updated_at DESC) WHERE state <> 'resolved';
CREATE INDEX alerts_topic_idx ON alerts (topic_id) WHERE topic_id IS NOT NULL;
CREATE INDEX alerts_source_idx ON alerts (source_id) WHERE source_id IS NOT NULL;

CREATE TABLE alert_events (
  -- the SSE event id: monotonically increasing in commit order
  id             bigserial   PRIMARY KEY,
  alert_id       bigint      NOT NULL REFERENCES alerts (id) ON DELETE CASCADE,
  type           text        NOT NULL CHECK (type IN ('firing', 'escalated', 'acknowledged', 'resolved', 'reopened', 'updated')),
  level          text        NOT NULL CHECK (level IN ('blue', 'yellow', 'orange', 'red')),
  payload        jsonb       NOT NULL DEFAULT '{}',
  -- roles that may see the event on the stream; never empty, only roles that read alerts
  audience_roles text[]      NOT NULL CHECK (
    cardinality(audience_roles) > 0 AND audience_roles <@ ARRAY['admin', 'pr', 'leader', 'analyst']::text[]
  ),
  created_at     timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX alert_events_alert_idx ON alert_events (alert_id, id);
