-- Issue 11: RSSHub as a source kind, sources added from the shipped catalogue, and the health of
-- each RSSHub instance the crawler uses.
--
-- An `rsshub` source stores its route, not an instance's URL: the crawler resolves it against the
-- configured instances (RSSHUB_URL, tried in order), so moving or adding an instance needs no
-- change to any source. The route is kept in `url` as `rsshub:/route` so one unique key still says
-- "this source exists".
ALTER TABLE sources DROP CONSTRAINT sources_kind_check;
ALTER TABLE sources ADD CONSTRAINT sources_kind_check CHECK (kind IN ('rss', 'html', 'rsshub'));
ALTER TABLE sources ADD CONSTRAINT sources_rsshub_route_check CHECK ((kind = 'rsshub') = (url LIKE 'rsshub:/%'));
-- The catalogue entry a source was added from (packages/db/data/source-catalogue.yaml), if any.
ALTER TABLE sources ADD COLUMN catalogue_id text;
CREATE INDEX sources_catalogue_idx ON sources (catalogue_id) WHERE catalogue_id IS NOT NULL;

-- One row per RSSHub instance base URL the crawler has tried. A failing instance (refused
-- connections, timeouts, access denied) is tried after the healthy ones until it answers again.
CREATE TABLE rsshub_instances (
  base_url            text        PRIMARY KEY,
  status              text        NOT NULL DEFAULT 'ok' CHECK (status IN ('ok', 'failing')),
  requests            bigint      NOT NULL DEFAULT 0,
  failures            bigint      NOT NULL DEFAULT 0,
  consecutive_errors  integer     NOT NULL DEFAULT 0,
  last_success_at     timestamptz,
  last_error          text,
  last_error_at       timestamptz,
  updated_at          timestamptz NOT NULL DEFAULT now()
);
