DROP TABLE IF EXISTS account_valuations;
DROP TYPE IF EXISTS valuation_method;
DROP TABLE IF EXISTS valuation_index_values;
DROP TABLE IF EXISTS valuation_indexes;

-- An enum value cannot be dropped: generated balances go, and the type is rebuilt without it
-- (the views that read the column are recreated as 0001, 0002 and 0006 made them).
DELETE FROM account_balances WHERE source = 'rule';
DELETE FROM account_balances_archive WHERE source = 'rule';
DROP VIEW all_account_balances;
DROP VIEW current_account_balances;
ALTER TYPE balance_source RENAME TO balance_source_with_rule;
CREATE TYPE balance_source AS ENUM ('plaid', 'manual', 'kbb_api');
ALTER TABLE account_balances
  ALTER COLUMN source TYPE balance_source USING source::text::balance_source;
ALTER TABLE account_balances_archive
  ALTER COLUMN source TYPE balance_source USING source::text::balance_source;
DROP TYPE balance_source_with_rule;
CREATE VIEW current_account_balances WITH (security_invoker = true) AS
SELECT
  a.id,
  a.user_id,
  a.name,
  a.type,
  a.category,
  a.institution_name,
  b.balance,
  b.available_balance,
  b.credit_limit,
  b.date AS balance_date,
  b.source
FROM accounts a
LEFT JOIN account_balances b ON a.id = b.account_id AND b.is_current = TRUE
WHERE a.is_active = TRUE;
GRANT SELECT ON current_account_balances TO networth_app;
CREATE VIEW all_account_balances WITH (security_invoker = true) AS
SELECT id, account_id, balance, available_balance, credit_limit, date, is_current, source,
       created_at
FROM account_balances
UNION ALL
SELECT id, account_id, balance, available_balance, credit_limit, date, is_current, source,
       created_at
FROM account_balances_archive;
GRANT SELECT ON all_account_balances TO networth_app;
