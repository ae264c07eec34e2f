ALTER TABLE net_worth_snapshots DROP COLUMN IF EXISTS left_out;
ALTER TABLE net_worth_snapshots DROP COLUMN IF EXISTS currency;
DROP TABLE IF EXISTS user_exchange_rates;
DROP TABLE IF EXISTS exchange_rates;
-- Back to the seed's USD only: accounts in another currency cannot stay (their balances and
-- everything hanging off them go with them, by the foreign keys' cascades).
DELETE FROM accounts WHERE currency <> 'USD';
ALTER TABLE accounts DROP CONSTRAINT IF EXISTS chk_accounts_currency_code;
ALTER TABLE accounts ADD CONSTRAINT accounts_currency_check CHECK (currency = 'USD');
