-- Incidents (危机管理登记): what analysts open from an alert, a topic or a set of items and follow
-- until closed. Status codes are English here and Chinese on every screen and export:
--   new 新建 → assessing 研判中 → handling 处置中 → responded 已回应 → closed 已结案 (and reopen).
-- The allowed transitions and who may make them live in @yuqing/alerting (incident-workflow.ts),
-- a pure module; this table only refuses values that can never be right.
--
-- Response clock: due_at is when the official response (已回应) is due, set from the level's
-- clock at creation (INCIDENT_RESPONSE_CLOCKS), moved when the level changes unless an analyst
-- set it by hand, and started again by a reopen (已结案 → 研判中, 已回应 → 处置中). An incident is overdue while it is new/assessing/handling and now() > due_at;
-- overdue_alerted_at records that the overdue alert has been raised (once per due time).

CREATE TABLE incident_tag_vocabulary (
  -- the controlled vocabulary an admin manages; free tags live beside them on the incident
  tag         text        PRIMARY KEY CHECK (length(tag) BETWEEN 1 AND 40),
  description text        NOT NULL DEFAULT '',
  created_at  timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE incidents (
  id                   bigserial   PRIMARY KEY,
  title                text        NOT NULL CHECK (length(title) BETWEEN 1 AND 200),
  category             text        NOT NULL DEFAULT '',
  status               text        NOT NULL DEFAULT 'new'
                         CHECK (status IN ('new', 'assessing', 'handling', 'responded', 'closed')),
  level                text        NOT NULL CHECK (level IN ('blue', 'yellow', 'orange', 'red')),
  -- the automatic level of what it was opened from (topic/alert), kept to show a manual change
  auto_level           text        CHECK (auto_level IN ('none', 'blue', 'yellow', 'orange', 'red')),
  level_changed_by     bigint      REFERENCES users (id) ON DELETE SET NULL,
  level_changed_at     timestamptz,
  level_change_reason  text,
  jurisdiction         text        NOT NULL DEFAULT '',
  owner_id             bigint      REFERENCES users (id) ON DELETE SET NULL,
  due_at               timestamptz NOT NULL,
  -- when the response clock started: creation, or the last reopen (a level change moves due_at
  -- to this time plus the new level's clock)
  response_clock_from  timestamptz NOT NULL DEFAULT now(),
  -- true once someone set due_at by hand: a level change then leaves it alone
  due_at_manual        boolean     NOT NULL DEFAULT false,
  -- controlled tags (each in incident_tag_vocabulary when set) and free tags
  tags                 text[]      NOT NULL DEFAULT '{}',
  free_tags            text[]      NOT NULL DEFAULT '{}',
  summary              text        NOT NULL DEFAULT '',
  -- the official response (part of 已回应)
  response_at          timestamptz,
  response_channel     text,
  response_text        text,
  closed_at            timestamptz,
  closing_summary      text,
  reopen_count         integer     NOT NULL DEFAULT 0,
  overdue_alerted_at   timestamptz,
  created_by           bigint      REFERENCES users (id) ON DELETE SET NULL,
  created_by_name      text        NOT NULL,
  created_at           timestamptz NOT NULL DEFAULT now(),
  updated_at           timestamptz NOT NULL DEFAULT now(),
  CHECK (status <> 'responded' OR response_at IS NOT NULL),
  CHECK (status <> 'closed' OR closed_at IS NOT NULL)
);
CREATE INDEX incidents_created_idx ON incidents (created_at DESC, id DESC);
CREATE INDEX incidents_open_due_idx ON incidents (due_at) WHERE status IN ('new', 'assessing', 'handling');
CREATE INDEX incidents_status_idx ON incidents (status, updated_at DESC);

-- What an incident is about: alerts, topics, items (no foreign keys to topics: their ids are the
-- topic stage's own; alerts and items are never deleted while an incident may point at them).
CREATE TABLE incident_links (
  incident_id bigint      NOT NULL REFERENCES incidents (id) ON DELETE CASCADE,
  kind        text        NOT NULL CHECK (kind IN ('alert', 'topic', 'item')),
  target_id   bigint      NOT NULL,
  added_by    bigint      REFERENCES users (id) ON DELETE SET NULL,
  added_at    timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (incident_id, kind, target_id)
);
CREATE INDEX incident_links_target_idx ON incident_links (kind, target_id);

-- The timeline: notes people write and the entries the system writes for every change
-- (status, level, owner, due time, response, links). Append-only like the audit log: a timeline
-- that could be edited afterwards would be worthless as a register.
CREATE TABLE incident_timeline (
  id          bigserial   PRIMARY KEY,
  incident_id bigint      NOT NULL REFERENCES incidents (id) ON DELETE CASCADE,
  at          timestamptz NOT NULL DEFAULT now(),
  kind        text        NOT NULL CHECK (kind IN ('created', 'note', 'instruction', 'status', 'level', 'assign', 'due', 'response', 'link', 'edit', 'overdue')),
  actor_id    bigint,
  actor_name  text        NOT NULL,
  body        text        NOT NULL DEFAULT '',
  data        jsonb       NOT NULL DEFAULT '{}'
);
CREATE INDEX incident_timeline_incident_idx ON incident_timeline (incident_id, id);

CREATE FUNCTION incident_timeline_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  -- the cascade from deleting an incident is the one delete allowed (no API deletes incidents)
  IF TG_OP = 'DELETE' AND NOT EXISTS (SELECT 1 FROM incidents WHERE id = OLD.incident_id) THEN
    RETURN OLD;
  END IF;
  RAISE EXCEPTION 'incident_timeline is append-only: % refused', TG_OP USING ERRCODE = 'insufficient_privilege';
END;
$$;
CREATE TRIGGER incident_timeline_no_update_delete BEFORE UPDATE OR DELETE ON incident_timeline
  FOR EACH ROW EXECUTE FUNCTION incident_timeline_append_only();

-- Overdue incidents raise an alert through the alerter like topics and sources do.
ALTER TABLE alerts DROP CONSTRAINT alerts_kind_check;
ALTER TABLE alerts ADD CONSTRAINT alerts_kind_check CHECK (kind IN ('topic', 'source_health', 'incident'));
ALTER TABLE alerts ADD COLUMN incident_id bigint REFERENCES incidents (id) ON DELETE SET NULL;
CREATE INDEX alerts_incident_idx ON alerts (incident_id) WHERE incident_id IS NOT NULL;

-- A manual change of an alert's level (who, when, why); the automatic level stays in the events.
ALTER TABLE alerts
  ADD COLUMN manual_level        text CHECK (manual_level IN ('blue', 'yellow', 'orange', 'red')),
  ADD COLUMN level_changed_by    bigint REFERENCES users (id) ON DELETE SET NULL,
  ADD COLUMN level_changed_at    timestamptz,
  ADD COLUMN level_change_reason text;
