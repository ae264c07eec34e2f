-- Back to 0005's refresh (its join can be quadratic under stale statistics; see the up file).
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
