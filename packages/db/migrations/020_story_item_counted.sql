-- What the topic stage counted of each item's analysis (issue 10: open topics reflect a new model).
--
-- A re-analysis after a model activation replaces an item's analysis; the topic stage then revises
-- the item's story and topic by the difference between these columns and the new analysis, and
-- writes the new values here in the same transaction. Knowing what was counted (rather than a
-- difference carried by the job) makes a revision happen once: a re-delivered or duplicate job
-- finds nothing differing. All NULL: not known (placed before this migration in a topic the stage
-- no longer holds); such an item is not revised.
ALTER TABLE story_items
  ADD COLUMN counted_police_related           boolean,
  ADD COLUMN counted_police_negative          boolean,
  -- sentiment negative
  ADD COLUMN counted_negative                 boolean,
  -- the reaction counted (all NULL: none), as item_analysis.reaction_* (019)
  ADD COLUMN counted_reaction_police_negative boolean,
  ADD COLUMN counted_reaction_score           real,
  ADD COLUMN counted_reaction_cues            text[];

-- Items already placed in topics the stage may still hold (open, or closed and able to reopen):
-- the best knowledge is their analysis now — what was counted, unless a model activated before this
-- migration replaced it (those keep the counts they have, as before).
UPDATE story_items si
SET counted_police_related = a.police_related,
    counted_police_negative = a.police_negative,
    counted_negative = (a.sentiment = 'negative'),
    counted_reaction_police_negative = a.reaction_police_negative,
    counted_reaction_score = a.reaction_score,
    counted_reaction_cues = a.reaction_cues
FROM item_analysis a, stories st, topics t
WHERE a.item_id = si.item_id AND st.id = si.story_id AND t.id = st.topic_id AND t.status IN ('open', 'closed');
