-- Which stance cues toward the police fired for an item (issue 10: keep the judgement explainable):
-- distrust, sarcasm, inaction, coverup, accountability, rhetorical, ridicule, fear, question, the
-- misconduct kinds of the risk lexicon, and `model` when the model alone carried the decision.
-- Empty for items not police-related, and for analyses stored before this column existed.
ALTER TABLE item_analysis ADD COLUMN police_negative_cues text[] NOT NULL DEFAULT '{}';
