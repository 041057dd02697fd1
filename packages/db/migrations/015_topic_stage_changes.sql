-- Stage changes of topics (发生期 → 扩散期 → 高潮期 → 消散期, 次生), written by the topic stage in the
-- same transaction as the topic's new stage, so each change is recorded once: the engine reports a
-- stage only when it differs from the stored one, and a batch that fails is rolled back and done
-- again from the stored state.
--
-- The alerter reads these rows together with topic_level_changes, by id after ONE cursor
-- (alerter_cursors 'topic_level_changes'): both tables take their ids from the same sequence, so
-- "faded, then rose again" in one batch reaches the alerter in that order. A topic that fades
-- without any level change still reaches the alerter (ALERT_AUTO_RESOLVE=faded resolves its
-- alerts), and a flare-up (次生) at an unchanged level can reopen what the fade resolved.
--
-- A close (48 h without items) is recorded here as 消散期 with closed = true only when
-- it does not drop the level to none (a person's level stands): otherwise the drop to none in
-- topic_level_changes already tells the alerter, once.

CREATE TABLE topic_stage_changes (
  id          bigint      PRIMARY KEY DEFAULT nextval('topic_level_changes_id_seq'),
  topic_id    bigint      NOT NULL,
  at          timestamptz NOT NULL,   -- event time
  recorded_at timestamptz NOT NULL DEFAULT now(),
  stage       text        NOT NULL CHECK (stage IN ('发生期', '扩散期', '高潮期', '消散期', '次生')),
  -- null: the topic's first stage, or a close (the engine does not report the stage it closed from)
  previous    text        CHECK (previous IN ('发生期', '扩散期', '高潮期', '消散期', '次生')),
  -- the topic's level when its stage changed (unchanged by this row)
  level       text        NOT NULL CHECK (level IN ('none', 'blue', 'yellow', 'orange', 'red')),
  closed      boolean     NOT NULL DEFAULT false,
  reason      text        NOT NULL
);
CREATE INDEX topic_stage_changes_topic_idx ON topic_stage_changes (topic_id, id);
