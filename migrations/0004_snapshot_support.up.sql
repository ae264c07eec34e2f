-- Net worth snapshots (src/db/snapshots.ts): archiving takes effect on a date, and the
-- cross-user refresh finds a day's snapshots without scanning the whole table.

-- NULL: not archived. The application sets is_active = FALSE and archived_on = <today>
-- together. An account counts in the snapshot of day D when archived_on IS NULL OR
-- D < archived_on, so archiving never rewrites the history before that day. is_active stays
-- the flag of the "current" views.
ALTER TABLE accounts ADD COLUMN archived_on DATE;

-- The all-users refresh deletes the snapshots of a day range that no account supports any
-- more; (user_id, date) cannot serve a range of dates across every user.
-- (The per-account "latest balance on or before D" lookup uses the existing
-- idx_account_balances_account_date (account_id, date DESC).)
CREATE INDEX idx_net_worth_snapshots_date ON net_worth_snapshots(date);
