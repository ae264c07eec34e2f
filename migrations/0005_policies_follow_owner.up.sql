-- Hold under fire (docs/schema.md, "Concurrency", "Security" and "Limits").

-- Per-user write lock ----------------------------------------------------------------------

-- Two writers for one user must not both refresh the snapshots from what they alone see, nor
-- both move an account's current row. networth_lock_user(u) takes a transaction-scoped
-- advisory lock on the user (two-int keys, a keyspace apart from the migrator's and sync's
-- one-bigint locks): the second writer waits until the first commits and its next statement
-- then sees the first one's rows. Different users never wait for each other; a hash collision
-- only makes two users wait, never wrong. The cross-user snapshot refresh takes the exclusive
-- side of the shared key 0 that every user lock holds first, so it runs alone.
CREATE FUNCTION networth_lock_user(u UUID) RETURNS VOID AS $$
BEGIN
  PERFORM pg_advisory_xact_lock_shared(1853321249, 0);
  PERFORM pg_advisory_xact_lock(1853321250, hashtext(u::text));
END;
$$ LANGUAGE plpgsql;

CREATE FUNCTION networth_lock_all_users() RETURNS VOID AS $$
BEGIN
  PERFORM pg_advisory_xact_lock(1853321249, 0);
END;
$$ LANGUAGE plpgsql;

GRANT EXECUTE ON FUNCTION networth_lock_user(UUID) TO networth_app;

-- The current-row triggers lock the owners of the changed accounts before reading which row
-- is the latest (each later statement of this VOLATILE function reads a fresh snapshot, so it
-- sees what the previous holder committed). Without it two new dates for one account, written
-- at once, could both become current: "duplicate (idx_account_balances_current)".
CREATE OR REPLACE FUNCTION account_balances_refresh_current(changed UUID[])
RETURNS VOID AS $$
BEGIN
  PERFORM networth_lock_user(o.user_id)
  FROM (SELECT DISTINCT a.user_id FROM accounts a WHERE a.id = ANY(changed)) o
  ORDER BY hashtext(o.user_id::text);
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

-- Policies follow foreign keys -------------------------------------------------------------

-- A row may reference only rows of the same user. The seed's policies checked only the row's
-- own user_id, so inside user A's transaction a manual_assets row (or a data_refresh_logs row,
-- or an account) could point at user B's account (or item). Each WITH CHECK now also requires
-- the referenced row to be the same user's; the parent's own policy hides other users' rows,
-- and the explicit user_id keeps the rule even for a role that could see them.
-- account_balances already qualifies: its only policy (FOR ALL, USING as WITH CHECK) admits a
-- row only when its account is the user's.
DROP POLICY accounts_user_insert ON accounts;
DROP POLICY accounts_user_update ON accounts;
CREATE POLICY accounts_user_insert ON accounts
  FOR INSERT WITH CHECK (
    user_id = auth.uid()
    AND (plaid_item_id IS NULL OR EXISTS (
      SELECT 1 FROM plaid_items p WHERE p.id = plaid_item_id AND p.user_id = auth.uid()))
  );
CREATE POLICY accounts_user_update ON accounts
  FOR UPDATE USING (user_id = auth.uid())
  WITH CHECK (
    user_id = auth.uid()
    AND (plaid_item_id IS NULL OR EXISTS (
      SELECT 1 FROM plaid_items p WHERE p.id = plaid_item_id AND p.user_id = auth.uid()))
  );

DROP POLICY manual_assets_user_policy ON manual_assets;
CREATE POLICY manual_assets_user_policy ON manual_assets
  FOR ALL USING (user_id = auth.uid())
  WITH CHECK (
    user_id = auth.uid()
    AND EXISTS (SELECT 1 FROM accounts a WHERE a.id = account_id AND a.user_id = auth.uid())
  );

DROP POLICY data_refresh_logs_user_policy ON data_refresh_logs;
CREATE POLICY data_refresh_logs_user_policy ON data_refresh_logs
  FOR ALL USING (user_id = auth.uid())
  WITH CHECK (
    user_id = auth.uid()
    AND (plaid_item_id IS NULL OR EXISTS (
      SELECT 1 FROM plaid_items p WHERE p.id = plaid_item_id AND p.user_id = auth.uid()))
  );

-- Limits -----------------------------------------------------------------------------------

-- Every snapshot total is a sum of absolute balances of one user's accounts on one day. With
-- each balance below 10^13 (9,999,999,999,999.99 at most) and at most 10,000 accounts per
-- user, every total stays below 10^17 and fits NUMERIC(19,2). The application refuses larger
-- amounts at input; these constraints hold every other path (Plaid, SQL) to the same bound.
-- NOT VALID: rows already stored are not re-checked (a database that holds one still
-- migrates; doctor-style repair is up to its owner), every new or changed row is.
ALTER TABLE account_balances ADD CONSTRAINT chk_balance_range CHECK (
  balance > -10000000000000 AND balance < 10000000000000
  AND (available_balance IS NULL
       OR (available_balance > -10000000000000 AND available_balance < 10000000000000))
  AND (credit_limit IS NULL
       OR (credit_limit > -10000000000000 AND credit_limit < 10000000000000))
) NOT VALID;

CREATE FUNCTION accounts_limit_per_user() RETURNS TRIGGER AS $$
BEGIN
  -- Under the user's lock, so two inserts at once cannot both pass the count.
  PERFORM networth_lock_user(NEW.user_id);
  IF (SELECT count(*) FROM accounts WHERE user_id = NEW.user_id) >= 10000 THEN
    RAISE EXCEPTION 'a user can have at most 10,000 accounts'
      USING ERRCODE = 'check_violation', CONSTRAINT = 'chk_accounts_per_user';
  END IF;
  RETURN NEW;
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER accounts_limit_per_user BEFORE INSERT ON accounts
  FOR EACH ROW EXECUTE FUNCTION accounts_limit_per_user();
