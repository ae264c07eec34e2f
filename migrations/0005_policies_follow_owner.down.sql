DROP TRIGGER IF EXISTS accounts_limit_per_user ON accounts;
DROP FUNCTION IF EXISTS accounts_limit_per_user();
ALTER TABLE account_balances DROP CONSTRAINT IF EXISTS chk_balance_range;

DROP POLICY IF EXISTS data_refresh_logs_user_policy ON data_refresh_logs;
CREATE POLICY data_refresh_logs_user_policy ON data_refresh_logs
  FOR ALL USING (user_id = auth.uid());
DROP POLICY IF EXISTS manual_assets_user_policy ON manual_assets;
CREATE POLICY manual_assets_user_policy ON manual_assets
  FOR ALL USING (user_id = auth.uid());
DROP POLICY IF EXISTS accounts_user_update ON accounts;
DROP POLICY IF EXISTS accounts_user_insert ON accounts;
CREATE POLICY accounts_user_insert ON accounts
  FOR INSERT WITH CHECK (user_id = auth.uid());
CREATE POLICY accounts_user_update ON accounts
  FOR UPDATE USING (user_id = auth.uid());

CREATE OR REPLACE FUNCTION account_balances_refresh_current(changed UUID[])
RETURNS VOID AS $$
BEGIN
  UPDATE account_balances b SET is_current = FALSE
  WHERE b.account_id = ANY(changed) AND b.is_current
    AND b.date < (SELECT max(m.date) FROM account_balances m WHERE m.account_id = b.account_id);
  UPDATE account_balances b SET is_current = TRUE
  FROM (
    SELECT account_id, max(date) AS max_date FROM account_balances
    WHERE account_id = ANY(changed) GROUP BY account_id
  ) m
  WHERE b.account_id = m.account_id AND b.date = m.max_date AND NOT b.is_current;
END;
$$ LANGUAGE plpgsql;

DROP FUNCTION IF EXISTS networth_lock_all_users();
DROP FUNCTION IF EXISTS networth_lock_user(UUID);
