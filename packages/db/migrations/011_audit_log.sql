-- The audit log: who changed what, when, with the row before and after. Append-only, enforced
-- here in the database: UPDATE, DELETE and TRUNCATE raise an exception, so not even a bug in the
-- application can edit history. Secrets (receiver secrets, token values, password hashes) are
-- redacted by the writer (repositories/audit.ts) before they get here.
--
-- actor_id names a user but has no foreign key on purpose: ON DELETE SET NULL would be an UPDATE
-- (refused), and a plain key would forbid deleting anyone who ever changed something; actor_name
-- keeps who it was ('system' or 'cli:<os user>' where no API user acted).

CREATE TABLE audit_log (
  id         bigserial   PRIMARY KEY,
  at         timestamptz NOT NULL DEFAULT now(),
  actor_id   bigint,
  actor_name text        NOT NULL,
  action     text        NOT NULL,
  entity     text        NOT NULL,
  entity_id  text,
  before     jsonb,
  after      jsonb,
  request_id text
);
CREATE INDEX audit_log_at_idx ON audit_log (at DESC, id DESC);
CREATE INDEX audit_log_action_idx ON audit_log (action, id DESC);
CREATE INDEX audit_log_entity_idx ON audit_log (entity, entity_id);

CREATE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'audit_log is append-only: % refused', TG_OP USING ERRCODE = 'insufficient_privilege';
END;
$$;

CREATE TRIGGER audit_log_no_update_delete BEFORE UPDATE OR DELETE ON audit_log
  FOR EACH ROW EXECUTE FUNCTION audit_log_append_only();
CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log
  FOR EACH STATEMENT EXECUTE FUNCTION audit_log_append_only();
