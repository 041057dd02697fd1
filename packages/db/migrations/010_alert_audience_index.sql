-- Alerts are listed per role, newest first: alerts.audience_roles now always holds the audience of
-- the alert's latest event (appendAlertEvent keeps it), so the list is an indexed filter.
UPDATE alerts a SET audience_roles = e.audience_roles
FROM (SELECT DISTINCT ON (alert_id) alert_id, audience_roles FROM alert_events ORDER BY alert_id, id DESC) e
WHERE e.alert_id = a.id AND a.audience_roles IS DISTINCT FROM e.audience_roles;
CREATE INDEX alerts_audience_idx ON alerts USING gin (audience_roles);
