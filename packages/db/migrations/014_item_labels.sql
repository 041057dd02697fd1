-- Analyst feedback (人工校正): the current correction of an item's automatic analysis. One row per
-- item: a new correction replaces the previous one, and withdrawing it deletes the row. The
-- history (who corrected what, from what to what) is the audit log's (actions item.label and
-- item.label.withdraw, with before/after), written in the same transaction as the change here.
--
-- Each label column is null where the analyst left the automatic value alone; at least one is
-- given. `yuqing train --from-db` trains the police-negative and sentiment heads from these rows;
-- police_related is kept (and shown) but relevance stays rule-based.

CREATE TABLE item_labels (
  item_id          bigint      PRIMARY KEY REFERENCES items (id) ON DELETE CASCADE,
  police_related   boolean,
  police_negative  boolean,
  sentiment        text        CHECK (sentiment IN ('negative', 'neutral', 'positive')),
  note             text        NOT NULL DEFAULT '' CHECK (length(note) <= 500),
  labelled_by      bigint      REFERENCES users (id) ON DELETE SET NULL,
  -- kept when the user is deleted, like audit_log.actor_name
  labelled_by_name text        NOT NULL,
  labelled_at      timestamptz NOT NULL DEFAULT now(),
  CHECK (police_related IS NOT NULL OR police_negative IS NOT NULL OR sentiment IS NOT NULL),
  -- "police-negative but not police-related" can never be right
  CHECK (NOT (police_related IS FALSE AND police_negative IS TRUE))
);
CREATE INDEX item_labels_labelled_at_idx ON item_labels (labelled_at DESC);
