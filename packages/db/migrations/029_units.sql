-- Issue 15, first slice: units (单位). The bureau is a tree — 市局 → 分局 → 派出所, any depth — and
-- each unit has its jurisdiction (places and their aliases, the gazetteer's entries now per unit),
-- its people (公关民警, 联络员, … as records: who, what duty, how to reach them, since and until
-- when), its users and its receivers. Scope on every route, per-unit warning routing and reporting
-- upward are the next slices of the issue and stand on these tables.
--
-- An installation upgraded to this version becomes a one-unit tree: one root, kind 'city', named
-- 「市公安局」, which admins rename (系统管理 › 单位) — the migration cannot know the bureau's name,
-- and BUREAU_UNIT_NAME names the PR section that fills in forms, not the bureau. Every existing
-- user and receiver belongs to the root. A unit with no places of its own has no jurisdiction of
-- its own; for the root that means the deployment's gazetteer file (JURISDICTION_FILE) stays its
-- jurisdiction, as before — the analyzer is unchanged by this migration.

CREATE TABLE units (
  id          bigserial   PRIMARY KEY,
  -- null only for the root; a unit with children, users, receivers or people cannot go
  parent_id   bigint      REFERENCES units (id) ON DELETE RESTRICT,
  name        text        NOT NULL CHECK (name = btrim(name) AND length(name) BETWEEN 1 AND 100),
  -- city 市局, branch 分局, station 派出所, other 其他 (大队, 支队, 科室…)
  kind        text        NOT NULL DEFAULT 'other' CHECK (kind IN ('city', 'branch', 'station', 'other')),
  created_at  timestamptz NOT NULL DEFAULT now(),
  updated_at  timestamptz NOT NULL DEFAULT now(),
  CHECK (parent_id IS NULL OR parent_id <> id),
  -- sibling names are unique (the root has no siblings)
  CONSTRAINT units_sibling_name_key UNIQUE (parent_id, name)
);
-- At most one root; the repository and the trigger below keep it from being deleted or moved,
-- and the migration makes it, so there is exactly one.
CREATE UNIQUE INDEX units_one_root ON units ((true)) WHERE parent_id IS NULL;
CREATE INDEX units_parent_idx ON units (parent_id);

INSERT INTO units (name, kind) VALUES ('市公安局', 'city');

-- The root's id: the default unit of a user or receiver nobody placed elsewhere.
CREATE FUNCTION root_unit_id() RETURNS bigint LANGUAGE sql STABLE AS $$ SELECT id FROM units WHERE parent_id IS NULL $$;

-- The tree's shape is guarded here too, not only in the repository: no cycle (a unit moved under
-- its own descendant would detach the whole branch from the root), the root neither moved nor
-- deleted. Changes of shape are serialised per schema by an advisory lock (the repository takes
-- the same one): two concurrent moves — A under B, B under A — would each pass a check that
-- cannot see the other's uncommitted row.
CREATE FUNCTION units_guard_tree() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'DELETE' THEN
    IF OLD.parent_id IS NULL THEN
      RAISE EXCEPTION 'the root unit cannot be deleted' USING ERRCODE = 'check_violation';
    END IF;
    RETURN OLD;
  END IF;
  IF NEW.parent_id IS NOT DISTINCT FROM OLD.parent_id THEN
    RETURN NEW;
  END IF;
  IF OLD.parent_id IS NULL THEN
    RAISE EXCEPTION 'the root unit cannot be moved' USING ERRCODE = 'check_violation';
  END IF;
  IF NEW.parent_id IS NULL THEN
    RAISE EXCEPTION 'a unit cannot become a second root' USING ERRCODE = 'check_violation';
  END IF;
  PERFORM pg_advisory_xact_lock(hashtext('yuqing units tree'), hashtext(current_schema()));
  IF EXISTS (
    WITH RECURSIVE up(id) AS (
      SELECT NEW.parent_id
      UNION
      SELECT u.parent_id FROM units u JOIN up ON u.id = up.id WHERE u.parent_id IS NOT NULL
    )
    SELECT 1 FROM up WHERE id = NEW.id
  ) THEN
    RAISE EXCEPTION 'moving unit % under % would make a cycle', NEW.id, NEW.parent_id USING ERRCODE = 'check_violation';
  END IF;
  RETURN NEW;
END;
$$;
CREATE TRIGGER units_guard_tree BEFORE UPDATE OF parent_id OR DELETE ON units
  FOR EACH ROW EXECUTE FUNCTION units_guard_tree();

-- A unit's jurisdiction: the gazetteer's entry schema (packages/nlp jurisdiction.ts), per unit.
-- `position` keeps the order the admin wrote them in.
CREATE TABLE unit_places (
  id        bigserial PRIMARY KEY,
  unit_id   bigint    NOT NULL REFERENCES units (id) ON DELETE CASCADE,
  position  integer   NOT NULL CHECK (position >= 0),
  name      text      NOT NULL CHECK (name = btrim(name) AND length(name) BETWEEN 1 AND 100),
  aliases   text[]    NOT NULL DEFAULT '{}',
  kind      text      NOT NULL DEFAULT 'other' CHECK (kind IN ('district', 'town', 'station', 'other')),
  CONSTRAINT unit_places_name_key UNIQUE (unit_id, name)
);

-- The people of a unit in PR work: the 联络员台账 and the 公关民警登记表 are exports of this table.
-- `until` is the day the person left the duty (离任日期): a person is current while it is null or
-- still ahead (Beijing date); ending a duty keeps the record.
CREATE TABLE unit_people (
  id          bigserial   PRIMARY KEY,
  unit_id     bigint      NOT NULL REFERENCES units (id) ON DELETE RESTRICT,
  name        text        NOT NULL CHECK (name = btrim(name) AND length(name) BETWEEN 1 AND 50),
  duty        text        NOT NULL CHECK (duty IN ('公关民警', '联络员', '新闻发言人', '分管领导', '其他')),
  -- 职务, e.g. 副所长, 教导员
  position    text        NOT NULL DEFAULT '' CHECK (length(position) <= 100),
  phone       text        NOT NULL DEFAULT '' CHECK (length(phone) <= 50),
  since       date        NOT NULL,
  until       date        CHECK (until IS NULL OR until >= since),
  note        text        NOT NULL DEFAULT '' CHECK (length(note) <= 1000),
  created_at  timestamptz NOT NULL DEFAULT now(),
  updated_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX unit_people_unit_idx ON unit_people (unit_id, duty);

-- Every user and receiver belongs to a unit; those of an upgraded installation, and those added
-- without naming one, to the root.
ALTER TABLE users ADD COLUMN unit_id bigint NOT NULL DEFAULT root_unit_id() REFERENCES units (id) ON DELETE RESTRICT;
ALTER TABLE receivers ADD COLUMN unit_id bigint NOT NULL DEFAULT root_unit_id() REFERENCES units (id) ON DELETE RESTRICT;
CREATE INDEX users_unit_idx ON users (unit_id);
CREATE INDEX receivers_unit_idx ON receivers (unit_id);
