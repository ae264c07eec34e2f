-- Defect 10: "All data modifications should be logged" had no table. audit_log is filled by
-- statement-level triggers (one INSERT ... SELECT per statement, so bulk imports stay fast),
-- readable by its user, and never updated or deleted by the application role.
CREATE TYPE audit_action AS ENUM ('INSERT', 'UPDATE', 'DELETE');

CREATE TABLE audit_log (
  id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  user_id UUID, -- no foreign key: the trail outlives what it describes
  table_name TEXT NOT NULL,
  row_id UUID,
  action audit_action NOT NULL,
  old_row JSONB,
  new_row JSONB,
  changed_at TIMESTAMPTZ NOT NULL DEFAULT clock_timestamp()
);

CREATE INDEX idx_audit_log_user_changed ON audit_log(user_id, changed_at DESC);

ALTER TABLE audit_log ENABLE ROW LEVEL SECURITY;
ALTER TABLE audit_log FORCE ROW LEVEL SECURITY;
CREATE POLICY audit_log_user_select ON audit_log FOR SELECT USING (user_id = auth.uid());
CREATE POLICY audit_log_system ON audit_log TO networth_system USING (true) WITH CHECK (true);
GRANT SELECT ON audit_log TO networth_app;

-- Secrets never enter the trail, not even encrypted or hashed.
CREATE FUNCTION audit_redact(r JSONB) RETURNS JSONB AS $$
  SELECT r - 'access_token' - 'token_hash'
$$ LANGUAGE sql IMMUTABLE;

-- Whose change a row is: its user_id, the user itself, or the owner of its account.
CREATE FUNCTION audit_owner(tbl TEXT, r JSONB) RETURNS UUID AS $$
  SELECT COALESCE(
    CASE tbl
      WHEN 'users' THEN (r->>'id')::uuid
      WHEN 'account_balances' THEN
        (SELECT a.user_id FROM public.accounts a WHERE a.id = (r->>'account_id')::uuid)
      ELSE (r->>'user_id')::uuid
    END,
    auth.uid())
$$ LANGUAGE sql STABLE;

-- SECURITY DEFINER: the application role has no INSERT on audit_log; the trigger writes as
-- the owner. UPDATE rows whose only change is bookkeeping (is_current, updated_at) are noise.
CREATE FUNCTION audit_changes() RETURNS TRIGGER
SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
  IF TG_OP = 'INSERT' THEN
    INSERT INTO audit_log (user_id, table_name, row_id, action, old_row, new_row)
    SELECT audit_owner(TG_TABLE_NAME, to_jsonb(n)), TG_TABLE_NAME, n.id, 'INSERT', NULL,
           audit_redact(to_jsonb(n))
    FROM new_rows n;
  ELSIF TG_OP = 'UPDATE' THEN
    INSERT INTO audit_log (user_id, table_name, row_id, action, old_row, new_row)
    SELECT audit_owner(TG_TABLE_NAME, to_jsonb(n)), TG_TABLE_NAME, n.id, 'UPDATE',
           audit_redact(to_jsonb(o)), audit_redact(to_jsonb(n))
    FROM old_rows o JOIN new_rows n ON n.id = o.id
    WHERE to_jsonb(o) - 'is_current' - 'updated_at' IS DISTINCT FROM
          to_jsonb(n) - 'is_current' - 'updated_at';
  ELSE
    INSERT INTO audit_log (user_id, table_name, row_id, action, old_row, new_row)
    SELECT audit_owner(TG_TABLE_NAME, to_jsonb(o)), TG_TABLE_NAME, o.id, 'DELETE',
           audit_redact(to_jsonb(o)), NULL
    FROM old_rows o;
  END IF;
  RETURN NULL;
END;
$$ LANGUAGE plpgsql;
REVOKE ALL ON FUNCTION audit_changes() FROM PUBLIC;

-- Every user-data table but net_worth_snapshots and data_refresh_logs: those are derived data
-- and a log themselves (auditing them would write a row per recomputed day; docs/schema.md).
DO $$
DECLARE t TEXT;
BEGIN
  FOREACH t IN ARRAY ARRAY['users', 'user_sessions', 'plaid_items', 'accounts',
                           'account_balances', 'manual_assets']
  LOOP
    EXECUTE format('CREATE TRIGGER audit_%1$s_insert AFTER INSERT ON %1$I
      REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION audit_changes()', t);
    EXECUTE format('CREATE TRIGGER audit_%1$s_update AFTER UPDATE ON %1$I
      REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
      FOR EACH STATEMENT EXECUTE FUNCTION audit_changes()', t);
    EXECUTE format('CREATE TRIGGER audit_%1$s_delete AFTER DELETE ON %1$I
      REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION audit_changes()', t);
  END LOOP;
END $$;
