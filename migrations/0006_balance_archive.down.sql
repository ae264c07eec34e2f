-- Archived balances go back to account_balances before the archive is dropped: rolling back
-- loses no history.
DROP VIEW IF EXISTS all_account_balances;
DROP TRIGGER IF EXISTS account_balances_replace_archived_insert ON account_balances;
DROP TRIGGER IF EXISTS account_balances_replace_archived_update ON account_balances;
DROP FUNCTION IF EXISTS account_balances_replace_archived();
INSERT INTO account_balances (id, account_id, balance, available_balance, credit_limit, date,
                              is_current, source, created_at)
SELECT id, account_id, balance, available_balance, credit_limit, date, FALSE, source, created_at
FROM account_balances_archive
ON CONFLICT (account_id, date) DO NOTHING;
DROP TABLE IF EXISTS account_balances_archive;
CREATE OR REPLACE FUNCTION audit_owner(tbl TEXT, r JSONB) RETURNS UUID AS $$
  SELECT COALESCE(
    CASE tbl
      WHEN 'users' THEN (r->>'id')::uuid
      WHEN 'account_balances' THEN
        (SELECT a.user_id FROM public.accounts a WHERE a.id = (r->>'account_id')::uuid)
      ELSE (r->>'user_id')::uuid
    END,
    auth.uid())
$$ LANGUAGE sql STABLE;
