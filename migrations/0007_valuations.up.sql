-- Valuations (DESIGN.md, "Valuations"; docs/schema.md, "Valuations"): a rule per manual
-- account that generates its values, forward every day and backward over its history.

-- Generated balances carry their own source. A row of any other source is the account's own
-- (entered, imported, synced): the rules never overwrite one; it anchors later values.
ALTER TYPE balance_source ADD VALUE IF NOT EXISTS 'rule';

-- Price indexes (a house price index): shared reference data, not user data, so no RLS.
-- An index is imported whole, one value per month with no month missing (checked by the
-- application; values positive, checked here too).
CREATE TABLE valuation_indexes (
  name VARCHAR(100) PRIMARY KEY,
  imported_at TIMESTAMPTZ NOT NULL DEFAULT NOW()
);

CREATE TABLE valuation_index_values (
  index_name VARCHAR(100) NOT NULL REFERENCES valuation_indexes(name) ON DELETE CASCADE,
  date DATE NOT NULL,
  value NUMERIC(19,6) NOT NULL CHECK (value > 0),
  PRIMARY KEY (index_name, date)
);

CREATE TYPE valuation_method AS ENUM ('depreciation', 'appreciation', 'index', 'amortization');

-- At most one method per account. basis is the value on start_date (the principal, for
-- amortization); the columns of the other methods are NULL.
CREATE TABLE account_valuations (
  id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
  account_id UUID NOT NULL UNIQUE REFERENCES accounts(id) ON DELETE CASCADE,
  user_id UUID NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  method valuation_method NOT NULL,
  start_date DATE NOT NULL,
  basis NUMERIC(19,2) NOT NULL,
  rate NUMERIC(9,4) CHECK (rate >= 0 AND rate <= 100),
  floor_value NUMERIC(19,2),
  index_name VARCHAR(100) REFERENCES valuation_indexes(name) ON DELETE RESTRICT,
  apr NUMERIC(9,4) CHECK (apr >= 0 AND apr <= 100),
  term_months INTEGER CHECK (term_months >= 1 AND term_months <= 600),
  first_payment DATE,
  payment NUMERIC(19,2) CHECK (payment > 0),
  extra_payment NUMERIC(19,2) CHECK (extra_payment >= 0),
  created_at TIMESTAMPTZ NOT NULL DEFAULT NOW(),
  updated_at TIMESTAMPTZ NOT NULL DEFAULT NOW(),
  CONSTRAINT chk_valuation_inputs CHECK (CASE method
    WHEN 'depreciation' THEN rate IS NOT NULL AND floor_value IS NOT NULL
    WHEN 'appreciation' THEN rate IS NOT NULL
    WHEN 'index' THEN index_name IS NOT NULL
    WHEN 'amortization' THEN apr IS NOT NULL AND term_months IS NOT NULL
      AND first_payment > start_date AND payment IS NOT NULL AND extra_payment IS NOT NULL
  END)
);

CREATE INDEX idx_account_valuations_user_id ON account_valuations(user_id);
CREATE INDEX idx_account_valuations_index_name ON account_valuations(index_name);

CREATE TRIGGER update_account_valuations_updated_at BEFORE UPDATE ON account_valuations
  FOR EACH ROW EXECUTE FUNCTION update_updated_at_column();

GRANT SELECT, INSERT, UPDATE, DELETE ON account_valuations TO networth_app;
GRANT SELECT, INSERT, UPDATE, DELETE ON valuation_indexes, valuation_index_values TO networth_app;

ALTER TABLE account_valuations ENABLE ROW LEVEL SECURITY;
ALTER TABLE account_valuations FORCE ROW LEVEL SECURITY;
-- The account must be the user's own as well (a foreign key check ignores RLS).
CREATE POLICY account_valuations_user_policy ON account_valuations
  FOR ALL USING (user_id = auth.uid())
  WITH CHECK (user_id = auth.uid()
    AND account_id IN (SELECT id FROM accounts WHERE user_id = auth.uid()));
CREATE POLICY account_valuations_system ON account_valuations TO networth_system
  USING (true) WITH CHECK (true);

CREATE TRIGGER audit_account_valuations_insert AFTER INSERT ON account_valuations
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION audit_changes();
CREATE TRIGGER audit_account_valuations_update AFTER UPDATE ON account_valuations
  REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION audit_changes();
CREATE TRIGGER audit_account_valuations_delete AFTER DELETE ON account_valuations
  REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION audit_changes();
