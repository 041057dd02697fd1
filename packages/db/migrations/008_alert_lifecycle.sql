-- What the alert lifecycle (@yuqing/alerting's AlertState) knows about an alert beyond 006's
-- columns, so the live alerter can continue after a restart from the table alone: the rule's name
-- when it last changed the alert, the labels silences match on, who sees its events, what last
-- asked for a notification, when it last started firing and how often it re-opened (次生).

ALTER TABLE alerts
  ADD COLUMN rule_name      text,
  ADD COLUMN labels         jsonb       NOT NULL DEFAULT '{"categories": [], "places": [], "sources": [], "keywords": []}',
  ADD COLUMN audience_roles text[]      NOT NULL DEFAULT ARRAY['admin', 'pr', 'leader', 'analyst']::text[]
    CHECK (cardinality(audience_roles) > 0 AND audience_roles <@ ARRAY['admin', 'pr', 'leader', 'analyst']::text[]),
  ADD COLUMN cause          text        NOT NULL DEFAULT 'firing' CHECK (cause IN ('firing', 'escalated', 'reopened')),
  ADD COLUMN fired_at       timestamptz NOT NULL DEFAULT now(),
  ADD COLUMN reopen_count   integer     NOT NULL DEFAULT 0;
