DROP INDEX IF EXISTS idx_net_worth_snapshots_date;
ALTER TABLE accounts DROP COLUMN IF EXISTS archived_on;
