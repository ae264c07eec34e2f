ALTER TABLE account_valuations
  DROP COLUMN IF EXISTS stale_reason,
  DROP COLUMN IF EXISTS stale_since,
  DROP COLUMN IF EXISTS last_good_date,
  DROP COLUMN IF EXISTS address_encrypted,
  DROP COLUMN IF EXISTS vin_encrypted,
  DROP COLUMN IF EXISTS zip_encrypted,
  DROP COLUMN IF EXISTS mileage,
  DROP COLUMN IF EXISTS mileage_on,
  DROP COLUMN IF EXISTS miles_per_year,
  DROP COLUMN IF EXISTS vehicle_year,
  DROP COLUMN IF EXISTS vehicle_make,
  DROP COLUMN IF EXISTS vehicle_model,
  DROP COLUMN IF EXISTS looked_up_on;
DROP TABLE IF EXISTS valuation_lookups;
DROP TABLE IF EXISTS account_holdings;
DROP TABLE IF EXISTS provider_requests;
DROP TABLE IF EXISTS prices;

-- An enum value cannot be dropped: the methods of 0009 go (with the values they generated),
-- and the type is rebuilt with 0007's values.
DELETE FROM account_balances b USING account_valuations v
  WHERE b.account_id = v.account_id AND b.source = 'rule'
    AND v.method::text IN ('holdings', 'avm', 'vehicle');
DELETE FROM account_balances_archive b USING account_valuations v
  WHERE b.account_id = v.account_id AND b.source = 'rule'
    AND v.method::text IN ('holdings', 'avm', 'vehicle');
DELETE FROM account_valuations WHERE method::text IN ('holdings', 'avm', 'vehicle');
ALTER TABLE account_valuations DROP CONSTRAINT chk_valuation_inputs;
ALTER TYPE valuation_method RENAME TO valuation_method_0009;
CREATE TYPE valuation_method AS ENUM ('depreciation', 'appreciation', 'index', 'amortization');
ALTER TABLE account_valuations
  ALTER COLUMN method TYPE valuation_method USING method::text::valuation_method;
DROP TYPE valuation_method_0009;
ALTER TABLE account_valuations ADD CONSTRAINT chk_valuation_inputs CHECK (CASE method
    WHEN 'depreciation' THEN rate IS NOT NULL AND floor_value IS NOT NULL
    WHEN 'appreciation' THEN rate IS NOT NULL
    WHEN 'index' THEN index_name IS NOT NULL
    WHEN 'amortization' THEN apr IS NOT NULL AND term_months IS NOT NULL
      AND first_payment > start_date AND payment IS NOT NULL AND extra_payment IS NOT NULL
  END);
