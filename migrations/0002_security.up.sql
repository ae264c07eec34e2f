-- Row level security (docs/schema.md, "Security").
--
-- networth_app: the role user-scoped work runs under (SET LOCAL ROLE inside a transaction that
--   also sets networth.user_id). Not a superuser, not the owner, no BYPASSRLS: every policy
--   applies to it, so a query that forgets its WHERE user_id still sees only that user's rows.
-- networth_system: granted to the role that runs the migrations (the one the CLI connects
--   as). Its policies let the explicit cross-user jobs (login, snapshot --all-users,
--   sync --all-users) see every row even when that role owns the tables and RLS is forced.
-- Roles belong to the whole server, so creating them tolerates their existing already.

DO $$ BEGIN
  CREATE ROLE networth_app NOLOGIN NOSUPERUSER NOINHERIT NOBYPASSRLS;
EXCEPTION WHEN duplicate_object THEN NULL;
END $$;

DO $$ BEGIN
  CREATE ROLE networth_system NOLOGIN NOSUPERUSER NOBYPASSRLS;
EXCEPTION WHEN duplicate_object THEN NULL;
END $$;

GRANT networth_app TO CURRENT_USER;
GRANT networth_system TO CURRENT_USER;

-- Defect 3: auth.uid() exists only on Supabase. Here it reads the transaction-local setting
-- that the application sets for the logged-in user; NULL (and so no rows) when unset.
CREATE SCHEMA auth;
CREATE FUNCTION auth.uid() RETURNS UUID AS $$
  SELECT NULLIF(current_setting('networth.user_id', true), '')::uuid
$$ LANGUAGE sql STABLE;

GRANT USAGE ON SCHEMA auth TO networth_app;
GRANT EXECUTE ON FUNCTION auth.uid() TO networth_app;
GRANT USAGE ON SCHEMA public TO networth_app;

GRANT SELECT, UPDATE ON users TO networth_app;
GRANT SELECT, INSERT, UPDATE, DELETE ON
  user_sessions, plaid_items, accounts, account_balances, manual_assets,
  net_worth_snapshots, data_refresh_logs
TO networth_app;
GRANT SELECT ON account_type_config, current_account_balances, user_net_worth_summary TO networth_app;

-- Enabled and forced: the owner is held to the policies too (it passes through the
-- networth_system policies below only because it is a member of that role).
ALTER TABLE users ENABLE ROW LEVEL SECURITY;
ALTER TABLE users FORCE ROW LEVEL SECURITY;
ALTER TABLE user_sessions ENABLE ROW LEVEL SECURITY;
ALTER TABLE user_sessions FORCE ROW LEVEL SECURITY;
ALTER TABLE plaid_items ENABLE ROW LEVEL SECURITY;
ALTER TABLE plaid_items FORCE ROW LEVEL SECURITY;
ALTER TABLE accounts ENABLE ROW LEVEL SECURITY;
ALTER TABLE accounts FORCE ROW LEVEL SECURITY;
ALTER TABLE account_balances ENABLE ROW LEVEL SECURITY;
ALTER TABLE account_balances FORCE ROW LEVEL SECURITY;
ALTER TABLE manual_assets ENABLE ROW LEVEL SECURITY;
ALTER TABLE manual_assets FORCE ROW LEVEL SECURITY;
ALTER TABLE net_worth_snapshots ENABLE ROW LEVEL SECURITY;
ALTER TABLE net_worth_snapshots FORCE ROW LEVEL SECURITY;
ALTER TABLE data_refresh_logs ENABLE ROW LEVEL SECURITY;
ALTER TABLE data_refresh_logs FORCE ROW LEVEL SECURITY;

-- The seed's policies.
CREATE POLICY accounts_user_select ON accounts
  FOR SELECT USING (user_id = auth.uid());
CREATE POLICY accounts_user_insert ON accounts
  FOR INSERT WITH CHECK (user_id = auth.uid());
CREATE POLICY accounts_user_update ON accounts
  FOR UPDATE USING (user_id = auth.uid());
CREATE POLICY accounts_user_delete ON accounts
  FOR DELETE USING (user_id = auth.uid());

CREATE POLICY account_balances_user_policy ON account_balances
  FOR ALL USING (
    account_id IN (
      SELECT id FROM accounts WHERE user_id = auth.uid()
    )
  );

CREATE POLICY manual_assets_user_policy ON manual_assets
  FOR ALL USING (user_id = auth.uid());

CREATE POLICY plaid_items_user_policy ON plaid_items
  FOR ALL USING (user_id = auth.uid());

CREATE POLICY net_worth_snapshots_user_policy ON net_worth_snapshots
  FOR ALL USING (user_id = auth.uid());

CREATE POLICY data_refresh_logs_user_policy ON data_refresh_logs
  FOR ALL USING (user_id = auth.uid());

-- The seed protects no users or sessions; a user sees only their own.
CREATE POLICY users_self_policy ON users
  FOR ALL USING (id = auth.uid());
CREATE POLICY user_sessions_user_policy ON user_sessions
  FOR ALL USING (user_id = auth.uid());

-- Cross-user jobs.
CREATE POLICY users_system ON users TO networth_system USING (true) WITH CHECK (true);
CREATE POLICY user_sessions_system ON user_sessions TO networth_system USING (true) WITH CHECK (true);
CREATE POLICY plaid_items_system ON plaid_items TO networth_system USING (true) WITH CHECK (true);
CREATE POLICY accounts_system ON accounts TO networth_system USING (true) WITH CHECK (true);
CREATE POLICY account_balances_system ON account_balances TO networth_system USING (true) WITH CHECK (true);
CREATE POLICY manual_assets_system ON manual_assets TO networth_system USING (true) WITH CHECK (true);
CREATE POLICY net_worth_snapshots_system ON net_worth_snapshots TO networth_system USING (true) WITH CHECK (true);
CREATE POLICY data_refresh_logs_system ON data_refresh_logs TO networth_system USING (true) WITH CHECK (true);
