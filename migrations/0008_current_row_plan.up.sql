-- The current-row refresh (0001, defect 9; locked since 0005) stays linear in the rows a
-- statement writes, whatever the planner believes of the table.
--
-- Its "set" step joined account_balances with a per-account max(date) aggregate. Run from the
-- statement-level trigger right after one statement wrote years of values (revalue, an import)
-- into a table whose statistics still described one row per account, the planner expected
-- one row on each side and chose a nested loop that re-ran the aggregate for every row of the
-- table: quadratic (100 accounts of 10 years: 6.7 s; 1,000 did not finish). Now the latest row
-- of each changed account is found first, one backward probe of (account_id, date DESC) per
-- account, and only those rows are updated, by primary key. No join is left to misplan.
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
  WHERE b.id = ANY(ARRAY(
      SELECT (SELECT l.id FROM account_balances l WHERE l.account_id = c.account_id
              ORDER BY l.date DESC LIMIT 1)
      FROM unnest(changed) AS c(account_id)))
    AND NOT b.is_current;
END;
$$ LANGUAGE plpgsql;
