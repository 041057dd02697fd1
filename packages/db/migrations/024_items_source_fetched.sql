-- The sources page counts each source's items per day of the last week (GET /api/sources/health):
-- without this index that is a scan of a week of items.
CREATE INDEX items_source_fetched_idx ON items (source_id, fetched_at);
