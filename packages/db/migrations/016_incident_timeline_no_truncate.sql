-- The incident timeline is append-only like the audit log (012 refuses UPDATE and DELETE); TRUNCATE
-- is a statement of its own and needs its own trigger, as audit_log has (011).
CREATE TRIGGER incident_timeline_no_truncate BEFORE TRUNCATE ON incident_timeline
  FOR EACH STATEMENT EXECUTE FUNCTION incident_timeline_append_only();
