DO $$
DECLARE t TEXT;
BEGIN
  FOREACH t IN ARRAY ARRAY['users', 'user_sessions', 'plaid_items', 'accounts',
                           'account_balances', 'manual_assets']
  LOOP
    EXECUTE format('DROP TRIGGER IF EXISTS audit_%1$s_insert ON %1$I', t);
    EXECUTE format('DROP TRIGGER IF EXISTS audit_%1$s_update ON %1$I', t);
    EXECUTE format('DROP TRIGGER IF EXISTS audit_%1$s_delete ON %1$I', t);
  END LOOP;
END $$;
DROP FUNCTION IF EXISTS audit_changes();
DROP FUNCTION IF EXISTS audit_owner(TEXT, JSONB);
DROP FUNCTION IF EXISTS audit_redact(JSONB);
REVOKE ALL ON audit_log FROM networth_app;
DROP TABLE IF EXISTS audit_log;
DROP TYPE IF EXISTS audit_action;
