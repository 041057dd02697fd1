-- Month partitions for what grows with the feeds: items, their analyses and the evidence bytes.
-- A province's day is up to millions of items; kept in single tables, old months can only leave
-- by DELETE (slow, bloating, vacuum-heavy). Partitioned by month, a month leaves by DROP.
--
-- items and item_analysis are partitioned by RANGE of the item id, not of a timestamp, so that:
--   * the primary key stays (id) and every table that references an item keeps its foreign key;
--   * a lookup by id (the analyzer, the API, every join) touches one partition, not all of them.
-- To make id ranges months, each month owns a block of ids: month_item_id('2026-12-01') =
-- 202612 × 10^10, and at the start of a month the id sequence is moved to its block
-- (ensure_month_partitions, run by the crawler at start and hourly). Ids stay increasing with
-- time, fit JavaScript numbers (< 2^53 until the year 9007), and a late setval only means the
-- first hour's items sit in the previous month's partition.
--
-- evidence is partitioned by fetched_at (it has no id; its readers go by item).
--
-- An installation upgraded with data keeps its old rows in one "legacy" partition per table
-- (attached as is, no copy); month partitions start the month after the upgrade. A fresh
-- installation starts month partitions at once.

CREATE FUNCTION month_item_id(m date) RETURNS bigint LANGUAGE sql IMMUTABLE AS
$$ SELECT (extract(year FROM m)::bigint * 100 + extract(month FROM m)::bigint) * 10000000000 $$;

-- The first month that has its own partitions (before it: the legacy partitions).
CREATE TABLE partitioning (
  first_month date NOT NULL,
  single      boolean NOT NULL DEFAULT true UNIQUE CHECK (single)
);
INSERT INTO partitioning (first_month)
SELECT CASE WHEN EXISTS (SELECT 1 FROM items) OR EXISTS (SELECT 1 FROM evidence)
            THEN (date_trunc('month', now() AT TIME ZONE 'Asia/Shanghai') + interval '1 month')::date
            ELSE date_trunc('month', now() AT TIME ZONE 'Asia/Shanghai')::date END;

-- ---------------------------------------------------------------- items
ALTER TABLE items RENAME TO items_legacy;
ALTER TABLE items_legacy RENAME CONSTRAINT items_pkey TO items_legacy_pkey;
ALTER TABLE items_legacy RENAME CONSTRAINT items_url_hash_key TO items_legacy_url_hash_key;
ALTER INDEX items_published_at_idx RENAME TO items_legacy_published_at_idx;
ALTER INDEX items_source_idx RENAME TO items_legacy_source_idx;
ALTER INDEX items_unanalyzed_idx RENAME TO items_legacy_unanalyzed_idx;
ALTER INDEX items_source_fetched_idx RENAME TO items_legacy_source_fetched_idx;
-- Re-created on the parent below (a partition's own copies would be duplicates).
ALTER TABLE items_legacy DROP CONSTRAINT items_source_id_fkey;
-- Evidence is dropped by month while items stay: the reference is kept as a plain value.
ALTER TABLE items_legacy DROP CONSTRAINT items_evidence_sha256_fkey;

CREATE TABLE items (LIKE items_legacy INCLUDING DEFAULTS INCLUDING CONSTRAINTS) PARTITION BY RANGE (id);
ALTER SEQUENCE items_id_seq OWNED BY items.id;
ALTER TABLE items ADD PRIMARY KEY (id);
ALTER TABLE items ADD FOREIGN KEY (source_id) REFERENCES sources (id) ON DELETE SET NULL;
-- url_hash is unique per partition (each partition's own unique index, made with it) and across
-- partitions by insertItems' NOT EXISTS: a unique index on the parent would have to hold the id.
CREATE INDEX items_url_hash_idx ON items (url_hash);
CREATE INDEX items_published_at_idx ON items (published_at);
CREATE INDEX items_source_idx ON items (source_id, published_at);
CREATE INDEX items_unanalyzed_idx ON items (fetched_at) WHERE analyzed_at IS NULL;
CREATE INDEX items_source_fetched_idx ON items (source_id, fetched_at);

-- ---------------------------------------------------------------- item_analysis
ALTER TABLE item_analysis RENAME TO item_analysis_legacy;
ALTER TABLE item_analysis_legacy RENAME CONSTRAINT item_analysis_pkey TO item_analysis_legacy_pkey;
ALTER INDEX item_analysis_police_negative_idx RENAME TO item_analysis_legacy_police_negative_idx;
ALTER INDEX item_analysis_police_related_idx RENAME TO item_analysis_legacy_police_related_idx;
ALTER INDEX item_analysis_search_idx RENAME TO item_analysis_legacy_search_idx;
ALTER TABLE item_analysis_legacy DROP CONSTRAINT item_analysis_item_id_fkey;
CREATE TABLE item_analysis (LIKE item_analysis_legacy INCLUDING DEFAULTS INCLUDING CONSTRAINTS) PARTITION BY RANGE (item_id);
ALTER TABLE item_analysis ADD PRIMARY KEY (item_id);
CREATE INDEX item_analysis_police_negative_idx ON item_analysis (analyzed_at) WHERE police_negative;
CREATE INDEX item_analysis_police_related_idx ON item_analysis (analyzed_at) WHERE police_related;
CREATE INDEX item_analysis_search_idx ON item_analysis USING gin (search);

-- The old rows become the legacy partitions (attached as they are: checked, not copied).
DO $$
DECLARE first date := (SELECT first_month FROM partitioning);
BEGIN
  EXECUTE format('ALTER TABLE items ATTACH PARTITION items_legacy FOR VALUES FROM (MINVALUE) TO (%s)', month_item_id(first));
  EXECUTE format('ALTER TABLE item_analysis ATTACH PARTITION item_analysis_legacy FOR VALUES FROM (MINVALUE) TO (%s)', month_item_id(first));
END $$;
ALTER TABLE item_analysis ADD FOREIGN KEY (item_id) REFERENCES items (id) ON DELETE CASCADE;

-- The other tables that name an item now reference the partitioned parent.
ALTER TABLE story_items DROP CONSTRAINT story_items_item_id_fkey;
ALTER TABLE story_items ADD FOREIGN KEY (item_id) REFERENCES items (id) ON DELETE CASCADE;
ALTER TABLE item_labels DROP CONSTRAINT item_labels_item_id_fkey;
ALTER TABLE item_labels ADD FOREIGN KEY (item_id) REFERENCES items (id) ON DELETE CASCADE;
ALTER TABLE item_schemes DROP CONSTRAINT item_schemes_item_id_fkey;
ALTER TABLE item_schemes ADD FOREIGN KEY (item_id) REFERENCES items (id) ON DELETE CASCADE;
ALTER TABLE hot_list_entries DROP CONSTRAINT hot_list_entries_item_id_fkey;
ALTER TABLE hot_list_entries ADD FOREIGN KEY (item_id) REFERENCES items (id) ON DELETE SET NULL;
ALTER TABLE info_entries DROP CONSTRAINT info_entries_item_id_fkey;
ALTER TABLE info_entries ADD FOREIGN KEY (item_id) REFERENCES items (id) ON DELETE SET NULL;

-- ---------------------------------------------------------------- evidence
ALTER TABLE evidence RENAME TO evidence_legacy;
ALTER TABLE evidence_legacy DROP CONSTRAINT evidence_pkey;
ALTER TABLE evidence_legacy ADD CONSTRAINT evidence_legacy_pkey PRIMARY KEY (sha256, fetched_at);
ALTER INDEX evidence_fetched_at_idx RENAME TO evidence_legacy_fetched_at_idx;
CREATE TABLE evidence (LIKE evidence_legacy INCLUDING DEFAULTS INCLUDING CONSTRAINTS) PARTITION BY RANGE (fetched_at);
-- The same bytes fetched in another month are stored again there (putEvidence skips bytes
-- already stored); the key must hold the partition column.
ALTER TABLE evidence ADD PRIMARY KEY (sha256, fetched_at);
CREATE INDEX evidence_fetched_at_idx ON evidence (fetched_at);
DO $$
BEGIN
  EXECUTE format('ALTER TABLE evidence ATTACH PARTITION evidence_legacy FOR VALUES FROM (MINVALUE) TO (%L)',
                 (SELECT first_month FROM partitioning)::timestamp AT TIME ZONE 'Asia/Shanghai');
END $$;

-- ---------------------------------------------------------------- maintenance
-- Creates the month partitions from this month (or the first partitioned month) to `ahead`
-- months later, and moves the id sequence into this month's block. Idempotent; serialised per
-- schema so two processes starting at once cannot both move the sequence.
CREATE FUNCTION ensure_month_partitions(ahead integer) RETURNS integer LANGUAGE plpgsql AS $$
DECLARE
  s text := current_schema();
  this_month date := date_trunc('month', now() AT TIME ZONE 'Asia/Shanghai')::date;
  first date := (SELECT first_month FROM partitioning);
  m date;
  suffix text;
  made integer := 0;
  last bigint;
BEGIN
  PERFORM pg_advisory_xact_lock(hashtext('yuqing month partitions'), hashtext(s));
  m := greatest(this_month, first);
  WHILE m <= this_month + make_interval(months => ahead) LOOP
    suffix := to_char(m, 'YYYY_MM');
    IF to_regclass(format('%I.%I', s, 'items_p' || suffix)) IS NULL THEN
      EXECUTE format('CREATE TABLE %I.%I PARTITION OF %I.items FOR VALUES FROM (%s) TO (%s)',
                     s, 'items_p' || suffix, s, month_item_id(m), month_item_id((m + interval '1 month')::date));
      EXECUTE format('CREATE UNIQUE INDEX %I ON %I.%I (url_hash)', 'items_p' || suffix || '_url_hash_key', s, 'items_p' || suffix);
      made := made + 1;
    END IF;
    IF to_regclass(format('%I.%I', s, 'item_analysis_p' || suffix)) IS NULL THEN
      EXECUTE format('CREATE TABLE %I.%I PARTITION OF %I.item_analysis FOR VALUES FROM (%s) TO (%s)',
                     s, 'item_analysis_p' || suffix, s, month_item_id(m), month_item_id((m + interval '1 month')::date));
      made := made + 1;
    END IF;
    IF to_regclass(format('%I.%I', s, 'evidence_p' || suffix)) IS NULL THEN
      EXECUTE format('CREATE TABLE %I.%I PARTITION OF %I.evidence FOR VALUES FROM (%L) TO (%L)',
                     s, 'evidence_p' || suffix, s,
                     m::timestamp AT TIME ZONE 'Asia/Shanghai', (m + interval '1 month')::timestamp AT TIME ZONE 'Asia/Shanghai');
      made := made + 1;
    END IF;
    m := (m + interval '1 month')::date;
  END LOOP;
  -- Ids enter this month's block once its partition exists (never backwards).
  IF this_month >= first THEN
    EXECUTE format('SELECT last_value FROM %I.items_id_seq', s) INTO last;
    IF last < month_item_id(this_month) THEN
      PERFORM setval(format('%I.items_id_seq', s), month_item_id(this_month), false);
    END IF;
  END IF;
  RETURN made;
END $$;

SELECT ensure_month_partitions(2);

-- Evidence stamped with a month that has no partition yet (a clock ahead, an import of old
-- fetches is covered by the legacy partition): putEvidence makes its month and tries again.
CREATE FUNCTION ensure_evidence_partition(at timestamptz) RETURNS void LANGUAGE plpgsql AS $$
DECLARE
  s text := current_schema();
  m date := date_trunc('month', at AT TIME ZONE 'Asia/Shanghai')::date;
  suffix text := to_char(m, 'YYYY_MM');
BEGIN
  PERFORM pg_advisory_xact_lock(hashtext('yuqing month partitions'), hashtext(s));
  IF m >= (SELECT first_month FROM partitioning) AND to_regclass(format('%I.%I', s, 'evidence_p' || suffix)) IS NULL THEN
    EXECUTE format('CREATE TABLE %I.%I PARTITION OF %I.evidence FOR VALUES FROM (%L) TO (%L)',
                   s, 'evidence_p' || suffix, s,
                   m::timestamp AT TIME ZONE 'Asia/Shanghai', (m + interval '1 month')::timestamp AT TIME ZONE 'Asia/Shanghai');
  END IF;
END $$;
