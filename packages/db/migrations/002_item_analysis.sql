-- What the analyzer concluded about each item. One row per item (the primary key is what makes a
-- re-delivered analysis job harmless), with the engine and model versions that produced it.

CREATE TABLE item_analysis (
  item_id               bigint      PRIMARY KEY REFERENCES items (id) ON DELETE CASCADE,
  engine_version        text        NOT NULL,
  model_version         text,
  police_related        boolean     NOT NULL,
  police_score          real        NOT NULL,
  sentiment             text        NOT NULL CHECK (sentiment IN ('negative', 'neutral', 'positive')),
  sentiment_score       real        NOT NULL,
  police_negative       boolean     NOT NULL,
  police_negative_score real        NOT NULL,
  keywords              text[]      NOT NULL DEFAULT '{}',
  simhash               text        NOT NULL,
  categories            text[]      NOT NULL DEFAULT '{}',
  places                text[]      NOT NULL DEFAULT '{}',
  jurisdiction_hits     text[]      NOT NULL DEFAULT '{}',
  language              text,
  analyzed_at           timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX item_analysis_police_negative_idx ON item_analysis (analyzed_at) WHERE police_negative;
CREATE INDEX item_analysis_police_related_idx ON item_analysis (analyzed_at) WHERE police_related;

-- Items analysed but not yet taken by the topic stage (it reconciles from this, as the crawler's
-- reconciler does for analysis).
ALTER TABLE items ADD COLUMN topic_enqueued_at timestamptz;
