-- The balance archive (`networth maintain --archive`, docs/schema.md "Archive"): balances older
-- than archive.keepYears move here, keeping per account the last one before the cutoff in
-- account_balances, so every snapshot from the cutoff on is computed from account_balances
-- alone exactly as before. Readers of the whole history (export, history --all, snapshot
-- refreshes, the report's movers) read all_account_balances, the union of both.

CREATE TABLE account_balances_archive (
  id UUID PRIMARY KEY,
  account_id UUID NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
  balance NUMERIC(19,2) NOT NULL,
  available_balance NUMERIC(19,2),
  credit_limit NUMERIC(19,2),
  date DATE NOT NULL,
  -- Never current: the current row is always the newest, and the newest never moves here.
  is_current BOOLEAN NOT NULL DEFAULT FALSE CHECK (NOT is_current),
  source balance_source NOT NULL,
  created_at TIMESTAMPTZ NOT NULL DEFAULT NOW(),
  CONSTRAINT uk_account_balances_archive_account_date UNIQUE (account_id, date)
);

CREATE INDEX idx_account_balances_archive_account_date
  ON account_balances_archive(account_id, date DESC);

-- Row level security and grants as account_balances.
ALTER TABLE account_balances_archive ENABLE ROW LEVEL SECURITY;
ALTER TABLE account_balances_archive FORCE ROW LEVEL SECURITY;
CREATE POLICY account_balances_archive_user_policy ON account_balances_archive
  FOR ALL USING (account_id IN (SELECT id FROM accounts WHERE user_id = auth.uid()));
CREATE POLICY account_balances_archive_system ON account_balances_archive
  TO networth_system USING (true) WITH CHECK (true);
GRANT SELECT, INSERT, UPDATE, DELETE ON account_balances_archive TO networth_app;

-- Audit as the rest: the owner of an archived balance is the owner of its account.
CREATE OR REPLACE FUNCTION audit_owner(tbl TEXT, r JSONB) RETURNS UUID AS $$
  SELECT COALESCE(
    CASE tbl
      WHEN 'users' THEN (r->>'id')::uuid
      WHEN 'account_balances' THEN
        (SELECT a.user_id FROM public.accounts a WHERE a.id = (r->>'account_id')::uuid)
      WHEN 'account_balances_archive' THEN
        (SELECT a.user_id FROM public.accounts a WHERE a.id = (r->>'account_id')::uuid)
      ELSE (r->>'user_id')::uuid
    END,
    auth.uid())
$$ LANGUAGE sql STABLE;

CREATE TRIGGER audit_account_balances_archive_insert AFTER INSERT ON account_balances_archive
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION audit_changes();
CREATE TRIGGER audit_account_balances_archive_update AFTER UPDATE ON account_balances_archive
  REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION audit_changes();
CREATE TRIGGER audit_account_balances_archive_delete AFTER DELETE ON account_balances_archive
  REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION audit_changes();

-- One balance per account per day across both tables (defect 9 still holds): a value written
-- for a day the archive holds (a back-dated change) replaces the archived one.
CREATE FUNCTION account_balances_replace_archived() RETURNS TRIGGER AS $$
BEGIN
  DELETE FROM account_balances_archive x USING new_rows n
  WHERE x.account_id = n.account_id AND x.date = n.date;
  RETURN NULL;
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER account_balances_replace_archived_insert AFTER INSERT ON account_balances
  REFERENCING NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION account_balances_replace_archived();
CREATE TRIGGER account_balances_replace_archived_update AFTER UPDATE ON account_balances
  REFERENCING NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION account_balances_replace_archived();

-- The whole history. security_invoker: the caller's row level security applies.
CREATE VIEW all_account_balances WITH (security_invoker = true) AS
SELECT id, account_id, balance, available_balance, credit_limit, date, is_current, source,
       created_at
FROM account_balances
UNION ALL
SELECT id, account_id, balance, available_balance, credit_limit, date, is_current, source,
       created_at
FROM account_balances_archive;

GRANT SELECT ON all_account_balances TO networth_app;
