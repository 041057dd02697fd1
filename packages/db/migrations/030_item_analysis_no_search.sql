-- Keyword search matches analysed items by their search vector (GIN) and, by substring, the items
-- analysed before search vectors existed (migration 009). Those few are found by this index
-- instead of by reading every analysis (read-api.ts listItems).
CREATE INDEX item_analysis_no_search_idx ON item_analysis (item_id) WHERE search IS NULL;
