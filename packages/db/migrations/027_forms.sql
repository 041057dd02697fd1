-- Issue 13: the bureau's six forms (报表). A form is one filing — a kind and its period, or the
-- incident it reports — assembled from the database as a draft, edited by analysts, submitted for
-- review (审核) and filed (报送). Its content lives in form_versions, one row per version and never
-- changed afterwards (the database refuses UPDATE, DELETE and TRUNCATE, like the audit log): what
-- was filed stays readable however the draft goes on. `forms` holds the state and the current
-- version's number, which is what moves.
--
-- Kinds: major-report 重大事项呈报表 (one incident), weekly-report 周报表, warning-record 科学预警记录,
-- crisis-register 危机管理登记表 (a period's register, or one incident's record), info-collection
-- 信息采集表, visit-record 走访人大代表、政协委员记录表.

CREATE TABLE forms (
  id                bigserial   PRIMARY KEY,
  kind              text        NOT NULL CHECK (kind IN ('major-report', 'weekly-report', 'warning-record', 'crisis-register', 'info-collection', 'visit-record')),
  title             text        NOT NULL CHECK (length(title) BETWEEN 1 AND 300),
  -- [period_start, period_end): both or neither; a form about one incident has none
  period_start      timestamptz,
  period_end        timestamptz,
  incident_id       bigint      REFERENCES incidents (id) ON DELETE RESTRICT,
  status            text        NOT NULL DEFAULT 'draft' CHECK (status IN ('draft', 'review', 'filed')),
  -- the current version (the latest form_versions row) and the one last filed
  version           integer     NOT NULL DEFAULT 1 CHECK (version >= 1),
  filed_version     integer     CHECK (filed_version >= 1 AND filed_version <= version),
  -- what the last status change said (a 退回's reason), shown to whoever works on the draft next
  status_note       text,
  -- who: the user's id (kept while the user exists) and the name people read (kept for good);
  -- 'system' for the schedule, 'cli:<os user>' for the command line
  created_by_id     bigint      REFERENCES users (id) ON DELETE SET NULL,
  created_by        text        NOT NULL,
  created_at        timestamptz NOT NULL DEFAULT now(),
  updated_at        timestamptz NOT NULL DEFAULT now(),
  submitted_by_id   bigint      REFERENCES users (id) ON DELETE SET NULL,
  submitted_by      text,
  submitted_at      timestamptz,
  filed_by_id       bigint      REFERENCES users (id) ON DELETE SET NULL,
  filed_by          text,
  filed_at          timestamptz,
  CHECK ((period_start IS NULL) = (period_end IS NULL)),
  CHECK (period_start IS NULL OR period_end > period_start),
  -- a form covers a period or an incident (a crisis register: either), never both or neither
  CHECK ((period_start IS NULL) <> (incident_id IS NULL)),
  CHECK (kind <> 'major-report' OR incident_id IS NOT NULL),
  CHECK (kind IN ('major-report', 'crisis-register') OR incident_id IS NULL),
  CHECK (status <> 'filed' OR (filed_version IS NOT NULL AND filed_at IS NOT NULL))
);
-- One form per kind and period, and per kind and incident: a second generation (another API process,
-- the schedule's catch-up, a second click) finds the first instead of making a twin.
CREATE UNIQUE INDEX forms_kind_period_key ON forms (kind, period_start, period_end) WHERE incident_id IS NULL;
CREATE UNIQUE INDEX forms_kind_incident_key ON forms (kind, incident_id) WHERE incident_id IS NOT NULL;
CREATE INDEX forms_list_idx ON forms ((COALESCE(period_end, created_at)) DESC, id DESC);

CREATE TABLE form_versions (
  form_id    bigint      NOT NULL REFERENCES forms (id) ON DELETE RESTRICT,
  version    integer     NOT NULL CHECK (version >= 1),
  data       jsonb       NOT NULL,
  note       text        NOT NULL DEFAULT '',
  -- true: assembled from the database (creation, regeneration); false: an analyst's edit. A
  -- regeneration keeps the text an analyst changed since the last assembled version, and only that.
  assembled  boolean     NOT NULL,
  created_by_id bigint,
  created_by text        NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (form_id, version)
);

CREATE FUNCTION form_versions_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'form_versions is append-only: % refused', TG_OP USING ERRCODE = 'insufficient_privilege';
END;
$$;
CREATE TRIGGER form_versions_no_update_delete BEFORE UPDATE OR DELETE ON form_versions
  FOR EACH ROW EXECUTE FUNCTION form_versions_append_only();
CREATE TRIGGER form_versions_no_truncate BEFORE TRUNCATE ON form_versions
  FOR EACH STATEMENT EXECUTE FUNCTION form_versions_append_only();

-- Items an officer entered by hand (信息采集) are items like any other, analysed and grouped.
ALTER TABLE items DROP CONSTRAINT items_origin_check;
ALTER TABLE items ADD CONSTRAINT items_origin_check CHECK (origin IN ('crawl', 'ingest', 'push', 'manual'));

-- 信息采集表: what officers learned offline; each entry also became an item (item_id).
CREATE TABLE info_entries (
  id            bigserial   PRIMARY KEY,
  channel       text        NOT NULL CHECK (channel IN ('走访', '来电', '来信', '网友反映', '其他')),
  occurred_at   timestamptz NOT NULL,
  place         text        NOT NULL DEFAULT '',
  people        text        NOT NULL DEFAULT '',
  content       text        NOT NULL CHECK (length(content) BETWEEN 1 AND 5000),
  follow_up     text        NOT NULL DEFAULT '',
  officer       text        NOT NULL,
  item_id       bigint      REFERENCES items (id) ON DELETE SET NULL,
  created_by_id bigint      REFERENCES users (id) ON DELETE SET NULL,
  created_by    text        NOT NULL,
  created_at    timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX info_entries_occurred_idx ON info_entries (occurred_at DESC, id DESC);

-- 走访人大代表、政协委员记录表. visited_on is a calendar date in Beijing time.
CREATE TABLE visits (
  id            bigserial   PRIMARY KEY,
  visited_on    date        NOT NULL,
  person        text        NOT NULL CHECK (length(person) BETWEEN 1 AND 100),
  role          text        NOT NULL CHECK (role IN ('人大代表', '政协委员')),
  organisation  text        NOT NULL DEFAULT '',
  views         text        NOT NULL DEFAULT '',
  follow_up     text        NOT NULL DEFAULT '',
  officer       text        NOT NULL,
  created_by_id bigint      REFERENCES users (id) ON DELETE SET NULL,
  created_by    text        NOT NULL,
  created_at    timestamptz NOT NULL DEFAULT now(),
  updated_at    timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX visits_visited_idx ON visits (visited_on, id);
