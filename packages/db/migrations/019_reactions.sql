-- Cascades warn on reactions (issue 10): what a repost adds of its own about the police.
--
-- item_analysis: the analyzer's judgement of a repost's own words (the text before what it quotes)
-- for their stance toward the police. All three NULL: no reaction (an original post, a bare
-- repost, or an item that is not police-related).
ALTER TABLE item_analysis
  ADD COLUMN reaction_police_negative boolean,
  ADD COLUMN reaction_score           real,
  ADD COLUMN reaction_cues            text[];

-- stories: a story counts as police-negative (police_negative) when its root does (root_negative)
-- or when enough of its reactions do; the topic stage keeps the counts it decides from, so a
-- restart continues them. police_related: the story's police-related items (reactions count only
-- for a story about the police).
ALTER TABLE stories
  ADD COLUMN root_negative      boolean,
  ADD COLUMN police_related     integer NOT NULL DEFAULT 0,
  ADD COLUMN reactions          integer NOT NULL DEFAULT 0,
  ADD COLUMN reactions_negative integer NOT NULL DEFAULT 0,
  ADD COLUMN reaction_score_sum double precision NOT NULL DEFAULT 0;
-- Until now the root alone decided.
UPDATE stories SET root_negative = police_negative;
ALTER TABLE stories ALTER COLUMN root_negative SET NOT NULL, ALTER COLUMN root_negative SET DEFAULT false;
-- Police-related items of the stories already stored (their reactions were not kept: they start at none).
UPDATE stories s SET police_related = c.n
FROM (
  SELECT si.story_id, count(*)::int AS n
  FROM story_items si JOIN item_analysis a ON a.item_id = si.item_id
  WHERE a.police_related
  GROUP BY si.story_id
) c
WHERE c.story_id = s.id;

-- topics: the reactions of all its stories, and the items of the stories that count as
-- police-negative only because of their reactions (part of police_negative). The engine's own
-- state (topics.state) carries the rest; these columns serve the API.
ALTER TABLE topics
  ADD COLUMN reactions               integer NOT NULL DEFAULT 0,
  ADD COLUMN reactions_negative      integer NOT NULL DEFAULT 0,
  ADD COLUMN reaction_score_sum      double precision NOT NULL DEFAULT 0,
  ADD COLUMN reaction_negative_items integer NOT NULL DEFAULT 0;
