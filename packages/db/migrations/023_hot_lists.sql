-- Issue 11: hot lists (热榜监测). A source that is a ranked list (微博热搜, 百度热搜, 知乎热榜 …)
-- is polled like any other, and every poll also keeps a snapshot of the list: rank, title, heat
-- and link of each entry, so an entry's rank over time, and when it entered and left, can be shown.
-- An entry that names the police or the jurisdiction is also stored as an item (it joins its topic
-- and raises its level: 上榜); its item is linked from the entry.
ALTER TABLE sources ADD COLUMN hot_list text CHECK (hot_list IN ('national', 'regional'));

CREATE TABLE hot_list_snapshots (
  id        bigserial   PRIMARY KEY,
  source_id bigint      NOT NULL REFERENCES sources (id) ON DELETE CASCADE,
  taken_at  timestamptz NOT NULL,
  entries   integer     NOT NULL
);
CREATE INDEX hot_list_snapshots_source_idx ON hot_list_snapshots (source_id, taken_at DESC);

-- One row per entry that has ever been on a list: its identity is its title as shown (normalized:
-- lists link to searches of the title, and the same title may get a new link).
CREATE TABLE hot_list_entries (
  id            bigserial   PRIMARY KEY,
  source_id     bigint      NOT NULL REFERENCES sources (id) ON DELETE CASCADE,
  entry_key     text        NOT NULL,
  title         text        NOT NULL,
  url           text,
  first_seen_at timestamptz NOT NULL,
  last_seen_at  timestamptz NOT NULL,
  -- Set when a poll no longer finds the entry; cleared when it comes back.
  left_at       timestamptz,
  best_rank     integer     NOT NULL,
  last_rank     integer     NOT NULL,
  peak_heat     bigint,
  last_heat     bigint,
  polls         integer     NOT NULL DEFAULT 1,
  -- The entry named the police or the jurisdiction: it was stored as this item.
  item_id       bigint      REFERENCES items (id) ON DELETE SET NULL,
  UNIQUE (source_id, entry_key)
);
CREATE INDEX hot_list_entries_present_idx ON hot_list_entries (source_id) WHERE left_at IS NULL;
CREATE INDEX hot_list_entries_item_idx ON hot_list_entries (item_id) WHERE item_id IS NOT NULL;

-- The ranks of one snapshot.
CREATE TABLE hot_list_ranks (
  snapshot_id bigint  NOT NULL REFERENCES hot_list_snapshots (id) ON DELETE CASCADE,
  entry_id    bigint  NOT NULL REFERENCES hot_list_entries (id) ON DELETE CASCADE,
  rank        integer NOT NULL,
  heat        bigint,
  PRIMARY KEY (snapshot_id, rank)
);
CREATE INDEX hot_list_ranks_entry_idx ON hot_list_ranks (entry_id, snapshot_id);
