-- Keyword search in Chinese: the analyzer stores each item's segmented content tokens (the same
-- nodejieba dictionary the analysis uses) as a tsvector of exact lexemes (array_to_tsvector, so
-- PostgreSQL's own parser, which knows nothing of Chinese, never splits them again); the API
-- segments the query the same way and matches with a GIN index. Rows analysed before this
-- migration keep NULL here; the API falls back to a substring match for those.
ALTER TABLE item_analysis ADD COLUMN search tsvector;
CREATE INDEX item_analysis_search_idx ON item_analysis USING gin (search);
