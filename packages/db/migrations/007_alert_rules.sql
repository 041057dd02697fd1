-- Alert rules (who wants to hear what), silences, and the alerter's reading positions. A rule's
-- criteria are stored as the validated JSON of @yuqing/alerting's ruleSchema: one definition for
-- the API, the preview and the alerter. The alerter is a single writer (advisory lock), reading
-- topic_level_changes and source_health_events by id from where it stopped.

CREATE TABLE alert_rules (
  id         bigserial   PRIMARY KEY,
  name       text        NOT NULL UNIQUE,
  enabled    boolean     NOT NULL DEFAULT true,
  spec       jsonb       NOT NULL,
  created_by bigint      REFERENCES users (id) ON DELETE SET NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_by bigint      REFERENCES users (id) ON DELETE SET NULL,
  updated_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE silences (
  id         bigserial   PRIMARY KEY,
  matchers   jsonb       NOT NULL,
  starts_at  timestamptz NOT NULL,
  ends_at    timestamptz NOT NULL CHECK (ends_at > starts_at),
  created_by bigint      REFERENCES users (id) ON DELETE SET NULL,
  comment    text        NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  -- a silence is ended early by setting ends_at; expired_by records who did it
  expired_by bigint      REFERENCES users (id) ON DELETE SET NULL
);
CREATE INDEX silences_active_idx ON silences (ends_at);

-- How far the alerter has read each input stream (one row per stream).
CREATE TABLE alerter_cursors (
  stream     text        PRIMARY KEY CHECK (stream IN ('topic_level_changes', 'source_health_events')),
  last_id    bigint      NOT NULL,
  updated_at timestamptz NOT NULL DEFAULT now()
);

ALTER TABLE alerts ADD CONSTRAINT alerts_rule_fk FOREIGN KEY (rule_id) REFERENCES alert_rules (id) ON DELETE SET NULL;
