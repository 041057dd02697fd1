-- The police-negative models of the learning loop (services/analyzer/src/learning): every model
-- trained from analysts' corrections, kept with the figures the gate judged it by, whether it
-- became the one the analyzer runs, and who or what asked for it. At most one row is active; with
-- none, the analyzer runs ANALYZER_MODEL_FILE or the engine's built-in default.
--
-- `version` is what people name (`yuqing models activate 3`); `model_version` is the model's own
-- id, stored with every analysis it made (item_analysis.model_version). `trained_on` lists the
-- police-negative corrections the model learnt from ([[item_id, 1|0], …]), so a later gate judges
-- it only on corrections it has not seen.

CREATE TABLE models (
  version          integer     GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  model_version    text        NOT NULL,
  model            jsonb       NOT NULL,
  -- when the corrections were read: corrections made after it count towards the next training
  trained_at       timestamptz NOT NULL,
  -- corrections it was trained on (beside the shipped corpus), and the police-negative ones among them
  examples         integer     NOT NULL CHECK (examples >= 0),
  trained_on       jsonb       NOT NULL DEFAULT '[]',
  -- the gate: its rule, both models' figures and the decision, in words and numbers
  metrics          jsonb       NOT NULL,
  decision_reason  text        NOT NULL DEFAULT '',
  trigger          text        NOT NULL CHECK (trigger IN ('schedule', 'corrections', 'manual')),
  triggered_by     text        NOT NULL,
  triggered_by_id  bigint      REFERENCES users (id) ON DELETE SET NULL,
  -- active: what the analyzer runs; candidate: passed the gate, not activated (asked so);
  -- rejected: the gate kept the running model; retired: active once, replaced since
  status           text        NOT NULL CHECK (status IN ('active', 'candidate', 'rejected', 'retired')),
  activated_at     timestamptz,
  activated_by     text,
  activated_by_id  bigint      REFERENCES users (id) ON DELETE SET NULL,
  -- when the re-analysis of recent items was queued after its latest activation, and how many
  reanalysis_queued_at timestamptz,
  reanalysis_items integer,
  created_at       timestamptz NOT NULL DEFAULT now(),
  CHECK (status <> 'active' OR activated_at IS NOT NULL)
);
-- Exactly one active model at a time (an activation retires the previous one in its transaction).
CREATE UNIQUE INDEX models_one_active_idx ON models ((true)) WHERE status = 'active';
CREATE INDEX models_trained_at_idx ON models (trained_at DESC);
