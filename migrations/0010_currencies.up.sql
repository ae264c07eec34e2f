-- Many currencies (issue 13; docs/schema.md, "Currencies"). Defect 11 of the seed (USD only)
-- resolved: an account keeps its own currency, snapshots are in the user's.

-- The seed's CHECK (currency = 'USD') goes; the code's form is checked instead (three
-- capital letters: ISO 4217, or a three-letter unofficial code such as BTC). Whether rates
-- exist for it is the application's check.
ALTER TABLE accounts DROP CONSTRAINT IF EXISTS accounts_currency_check;
ALTER TABLE accounts ADD CONSTRAINT chk_accounts_currency_code CHECK (currency ~ '^[A-Z]{3}$');

-- Daily exchange rates: shared reference data, like valuation_indexes, so no RLS. One row is
-- "1 base = rate quote" on that day, as the provider published it (Frankfurter, the ECB's
-- reference-rate file). Exact: NUMERIC, never a float.
CREATE TABLE exchange_rates (
  base CHAR(3) NOT NULL CHECK (base ~ '^[A-Z]{3}$'),
  quote CHAR(3) NOT NULL CHECK (quote ~ '^[A-Z]{3}$'),
  date DATE NOT NULL,
  rate NUMERIC(24,10) NOT NULL CHECK (rate > 0),
  source VARCHAR(20) NOT NULL CHECK (source IN ('frankfurter', 'ecb')),
  fetched_at TIMESTAMPTZ NOT NULL DEFAULT NOW(),
  PRIMARY KEY (base, quote, date),
  CONSTRAINT chk_exchange_rates_pair CHECK (base <> quote)
);

-- The "latest rate on or before D" lookup per quote.
CREATE INDEX idx_exchange_rates_quote_date ON exchange_rates(quote, base, date DESC);

GRANT SELECT, INSERT, UPDATE, DELETE ON exchange_rates TO networth_app;

-- The user's own rates: "1 base = rate quote" on that day, winning over fetched ones. User
-- data: row level security forced and audited, as the other user tables.
CREATE TABLE user_exchange_rates (
  id UUID PRIMARY KEY DEFAULT gen_random_uuid(), -- the audit trail's row id
  user_id UUID NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  base CHAR(3) NOT NULL CHECK (base ~ '^[A-Z]{3}$'),
  quote CHAR(3) NOT NULL CHECK (quote ~ '^[A-Z]{3}$'),
  date DATE NOT NULL,
  rate NUMERIC(24,10) NOT NULL CHECK (rate > 0),
  created_at TIMESTAMPTZ NOT NULL DEFAULT NOW(),
  CONSTRAINT uk_user_exchange_rates UNIQUE (user_id, base, quote, date),
  CONSTRAINT chk_user_exchange_rates_pair CHECK (base <> quote)
);

GRANT SELECT, INSERT, UPDATE, DELETE ON user_exchange_rates TO networth_app;

ALTER TABLE user_exchange_rates ENABLE ROW LEVEL SECURITY;
ALTER TABLE user_exchange_rates FORCE ROW LEVEL SECURITY;
CREATE POLICY user_exchange_rates_user_policy ON user_exchange_rates
  FOR ALL USING (user_id = auth.uid()) WITH CHECK (user_id = auth.uid());
CREATE POLICY user_exchange_rates_system ON user_exchange_rates TO networth_system
  USING (true) WITH CHECK (true);

CREATE TRIGGER audit_user_exchange_rates_insert AFTER INSERT ON user_exchange_rates
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION audit_changes();
CREATE TRIGGER audit_user_exchange_rates_update AFTER UPDATE ON user_exchange_rates
  REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION audit_changes();
CREATE TRIGGER audit_user_exchange_rates_delete AFTER DELETE ON user_exchange_rates
  REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION audit_changes();

-- A snapshot is in the user's currency of the time it was computed, and says which accounts
-- it left out for want of a rate: {"EUR/USD": 2} (pair "account currency/snapshot currency",
-- number of accounts); NULL when every account that counts was converted.
ALTER TABLE net_worth_snapshots ADD COLUMN currency CHAR(3) NOT NULL DEFAULT 'USD'
  CHECK (currency ~ '^[A-Z]{3}$');
ALTER TABLE net_worth_snapshots ADD COLUMN left_out JSONB;
