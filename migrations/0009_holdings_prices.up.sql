-- Valuations II: market prices (DESIGN.md, "Valuations"; docs/schema.md, "Holdings and prices").
-- Holdings (quantity × the day's price), the shared table of daily prices, the durable
-- monthly request counter of each provider, and an account's staleness when its provider
-- failed. The 'avm' and 'vehicle' methods and their (encrypted) inputs are declared here too.

ALTER TYPE valuation_method ADD VALUE IF NOT EXISTS 'holdings';
ALTER TYPE valuation_method ADD VALUE IF NOT EXISTS 'avm';
ALTER TYPE valuation_method ADD VALUE IF NOT EXISTS 'vehicle';

-- Daily prices: shared reference data (not user data, so no RLS), read by every user's
-- holdings; written only by revalue, holdings add and prices import. Exact and positive.
-- An asset is a CoinGecko coin id (lower case: "bitcoin") or a metal (XAU, XAG).
CREATE TABLE prices (
  asset VARCHAR(100) NOT NULL,
  currency CHAR(3) NOT NULL CHECK (currency ~ '^[A-Z]{3}$'),
  date DATE NOT NULL,
  price NUMERIC(30,12) NOT NULL CHECK (price > 0),
  source VARCHAR(30) NOT NULL,
  fetched_at TIMESTAMPTZ NOT NULL DEFAULT NOW(),
  PRIMARY KEY (asset, currency, date)
);
GRANT SELECT, INSERT, UPDATE, DELETE ON prices TO networth_app;

-- Requests made to each provider per calendar month (YYYY-MM), counted before each request
-- is sent: the budget is never exceeded, whatever fails afterwards.
CREATE TABLE provider_requests (
  provider VARCHAR(30) NOT NULL,
  month CHAR(7) NOT NULL CHECK (month ~ '^\d{4}-\d{2}$'),
  requests INTEGER NOT NULL CHECK (requests >= 0),
  PRIMARY KEY (provider, month)
);
GRANT SELECT, INSERT, UPDATE, DELETE ON provider_requests TO networth_app;

-- What an account holds by quantity: a coin (exact quantity, up to 18 decimals) or a metal
-- (a weight in oz (troy), g or kg, and a purity). User data: RLS forced, audited.
CREATE TABLE account_holdings (
  id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
  account_id UUID NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
  user_id UUID NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  kind VARCHAR(5) NOT NULL CHECK (kind IN ('coin', 'metal')),
  asset VARCHAR(100) NOT NULL,
  quantity NUMERIC(38,18) NOT NULL CHECK (quantity > 0),
  unit VARCHAR(2) CHECK (unit IN ('oz', 'g', 'kg')),
  purity NUMERIC(7,6) CHECK (purity > 0 AND purity <= 1),
  start_date DATE NOT NULL,
  created_at TIMESTAMPTZ NOT NULL DEFAULT NOW(),
  updated_at TIMESTAMPTZ NOT NULL DEFAULT NOW(),
  CONSTRAINT uk_account_holdings_asset UNIQUE (account_id, asset),
  CONSTRAINT chk_account_holdings_kind CHECK (
    (kind = 'coin' AND unit IS NULL AND purity IS NULL AND asset ~ '^[a-z0-9][a-z0-9._-]*$')
    OR (kind = 'metal' AND unit IS NOT NULL AND purity IS NOT NULL AND asset IN ('XAU', 'XAG')))
);
CREATE INDEX idx_account_holdings_user_id ON account_holdings(user_id);
CREATE INDEX idx_account_holdings_asset ON account_holdings(asset);
CREATE TRIGGER update_account_holdings_updated_at BEFORE UPDATE ON account_holdings
  FOR EACH ROW EXECUTE FUNCTION update_updated_at_column();
GRANT SELECT, INSERT, UPDATE, DELETE ON account_holdings TO networth_app;
ALTER TABLE account_holdings ENABLE ROW LEVEL SECURITY;
ALTER TABLE account_holdings FORCE ROW LEVEL SECURITY;
CREATE POLICY account_holdings_user_policy ON account_holdings
  FOR ALL USING (user_id = auth.uid())
  WITH CHECK (user_id = auth.uid()
    AND account_id IN (SELECT id FROM accounts WHERE user_id = auth.uid()));
CREATE POLICY account_holdings_system ON account_holdings TO networth_system
  USING (true) WITH CHECK (true);
CREATE TRIGGER audit_account_holdings_insert AFTER INSERT ON account_holdings
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION audit_changes();
CREATE TRIGGER audit_account_holdings_update AFTER UPDATE ON account_holdings
  REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION audit_changes();
CREATE TRIGGER audit_account_holdings_delete AFTER DELETE ON account_holdings
  REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION audit_changes();

-- Staleness: a method whose provider failed (or whose price is missing) keeps its last value
-- and says why, since when, and the date of its last good value. NULL reason: current.
-- The provider methods' inputs: the address (avm) and VIN (vehicle) encrypted as the Plaid
-- access tokens are (nw1:...), never in plain text; the VIN's decoded year, make and model.
ALTER TABLE account_valuations
  ADD COLUMN stale_reason TEXT,
  ADD COLUMN stale_since DATE,
  ADD COLUMN last_good_date DATE,
  ADD COLUMN address_encrypted TEXT,
  ADD COLUMN vin_encrypted TEXT,
  ADD COLUMN zip_encrypted TEXT,
  ADD COLUMN mileage INTEGER CHECK (mileage >= 0),
  ADD COLUMN mileage_on DATE,
  ADD COLUMN miles_per_year INTEGER CHECK (miles_per_year >= 0 AND miles_per_year <= 200000),
  ADD COLUMN vehicle_year INTEGER,
  ADD COLUMN vehicle_make VARCHAR(100),
  ADD COLUMN vehicle_model VARCHAR(100),
  ADD COLUMN looked_up_on DATE;

-- What a provider said an account (a home, a car) was worth on a date, with its range: the
-- avm and vehicle methods' values are these (as 'rule' balances). User data: RLS, audited.
CREATE TABLE valuation_lookups (
  id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
  account_id UUID NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
  user_id UUID NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  date DATE NOT NULL,
  value NUMERIC(19,2) NOT NULL CHECK (value > 0),
  low NUMERIC(19,2) CHECK (low > 0),
  high NUMERIC(19,2) CHECK (high > 0),
  source VARCHAR(30) NOT NULL,
  fetched_at TIMESTAMPTZ NOT NULL DEFAULT NOW(),
  CONSTRAINT uk_valuation_lookups_account_date UNIQUE (account_id, date)
);
CREATE INDEX idx_valuation_lookups_user_id ON valuation_lookups(user_id);
GRANT SELECT, INSERT, UPDATE, DELETE ON valuation_lookups TO networth_app;
ALTER TABLE valuation_lookups ENABLE ROW LEVEL SECURITY;
ALTER TABLE valuation_lookups FORCE ROW LEVEL SECURITY;
CREATE POLICY valuation_lookups_user_policy ON valuation_lookups
  FOR ALL USING (user_id = auth.uid())
  WITH CHECK (user_id = auth.uid()
    AND account_id IN (SELECT id FROM accounts WHERE user_id = auth.uid()));
CREATE POLICY valuation_lookups_system ON valuation_lookups TO networth_system
  USING (true) WITH CHECK (true);
CREATE TRIGGER audit_valuation_lookups_insert AFTER INSERT ON valuation_lookups
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION audit_changes();
CREATE TRIGGER audit_valuation_lookups_update AFTER UPDATE ON valuation_lookups
  REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION audit_changes();
CREATE TRIGGER audit_valuation_lookups_delete AFTER DELETE ON valuation_lookups
  REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION audit_changes();
