DROP POLICY IF EXISTS users_system ON users;
DROP POLICY IF EXISTS user_sessions_system ON user_sessions;
DROP POLICY IF EXISTS plaid_items_system ON plaid_items;
DROP POLICY IF EXISTS accounts_system ON accounts;
DROP POLICY IF EXISTS account_balances_system ON account_balances;
DROP POLICY IF EXISTS manual_assets_system ON manual_assets;
DROP POLICY IF EXISTS net_worth_snapshots_system ON net_worth_snapshots;
DROP POLICY IF EXISTS data_refresh_logs_system ON data_refresh_logs;
DROP POLICY IF EXISTS users_self_policy ON users;
DROP POLICY IF EXISTS user_sessions_user_policy ON user_sessions;
DROP POLICY IF EXISTS data_refresh_logs_user_policy ON data_refresh_logs;
DROP POLICY IF EXISTS net_worth_snapshots_user_policy ON net_worth_snapshots;
DROP POLICY IF EXISTS plaid_items_user_policy ON plaid_items;
DROP POLICY IF EXISTS manual_assets_user_policy ON manual_assets;
DROP POLICY IF EXISTS account_balances_user_policy ON account_balances;
DROP POLICY IF EXISTS accounts_user_delete ON accounts;
DROP POLICY IF EXISTS accounts_user_update ON accounts;
DROP POLICY IF EXISTS accounts_user_insert ON accounts;
DROP POLICY IF EXISTS accounts_user_select ON accounts;

ALTER TABLE users NO FORCE ROW LEVEL SECURITY;
ALTER TABLE users DISABLE ROW LEVEL SECURITY;
ALTER TABLE user_sessions NO FORCE ROW LEVEL SECURITY;
ALTER TABLE user_sessions DISABLE ROW LEVEL SECURITY;
ALTER TABLE plaid_items NO FORCE ROW LEVEL SECURITY;
ALTER TABLE plaid_items DISABLE ROW LEVEL SECURITY;
ALTER TABLE accounts NO FORCE ROW LEVEL SECURITY;
ALTER TABLE accounts DISABLE ROW LEVEL SECURITY;
ALTER TABLE account_balances NO FORCE ROW LEVEL SECURITY;
ALTER TABLE account_balances DISABLE ROW LEVEL SECURITY;
ALTER TABLE manual_assets NO FORCE ROW LEVEL SECURITY;
ALTER TABLE manual_assets DISABLE ROW LEVEL SECURITY;
ALTER TABLE net_worth_snapshots NO FORCE ROW LEVEL SECURITY;
ALTER TABLE net_worth_snapshots DISABLE ROW LEVEL SECURITY;
ALTER TABLE data_refresh_logs NO FORCE ROW LEVEL SECURITY;
ALTER TABLE data_refresh_logs DISABLE ROW LEVEL SECURITY;

REVOKE ALL ON users, user_sessions, plaid_items, accounts, account_balances, manual_assets,
  net_worth_snapshots, data_refresh_logs, account_type_config, current_account_balances,
  user_net_worth_summary FROM networth_app;
REVOKE USAGE ON SCHEMA public FROM networth_app;
DROP SCHEMA IF EXISTS auth CASCADE;

-- The roles belong to the whole server: drop them only when no other database still uses
-- them (another networth database on the same server keeps them alive).
DO $$ BEGIN
  DROP ROLE IF EXISTS networth_app;
EXCEPTION WHEN dependent_objects_still_exist OR insufficient_privilege THEN NULL;
END $$;
DO $$ BEGIN
  DROP ROLE IF EXISTS networth_system;
EXCEPTION WHEN dependent_objects_still_exist OR insufficient_privilege THEN NULL;
END $$;
