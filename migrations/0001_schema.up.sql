-- The seed schema (../shared/seed-schema.md) with its defects resolved; docs/schema.md lists
-- each resolution. Security (roles, RLS) is 0002, the audit trail 0003.

CREATE OR REPLACE FUNCTION update_updated_at_column()
RETURNS TRIGGER AS $$
BEGIN
  NEW.updated_at = NOW();
  RETURN NEW;
END;
$$ LANGUAGE plpgsql;

-- Users ------------------------------------------------------------------------------------

CREATE TABLE users (
  id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
  email VARCHAR(255) UNIQUE NOT NULL,
  created_at TIMESTAMPTZ NOT NULL DEFAULT NOW(),
  updated_at TIMESTAMPTZ NOT NULL DEFAULT NOW(),
  last_login TIMESTAMPTZ,
  preferences JSONB DEFAULT '{"theme": "system", "currency": "USD", "dateFormat": "MM/DD/YYYY"}'::jsonb
);

CREATE INDEX idx_users_email ON users(email);

CREATE TRIGGER update_users_updated_at BEFORE UPDATE ON users
  FOR EACH ROW EXECUTE FUNCTION update_updated_at_column();

-- Sessions ---------------------------------------------------------------------------------

CREATE TABLE user_sessions (
  id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
  user_id UUID NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  token_hash VARCHAR(255) NOT NULL UNIQUE,
  ip_address INET,
  user_agent TEXT,
  expires_at TIMESTAMPTZ NOT NULL,
  created_at TIMESTAMPTZ NOT NULL DEFAULT NOW()
);

CREATE INDEX idx_user_sessions_user_id ON user_sessions(user_id);
CREATE INDEX idx_user_sessions_token_hash ON user_sessions(token_hash);
-- Defect 2: the seed's partial index `WHERE expires_at < NOW()` is rejected (NOW() is not
-- immutable). Cleanup of expired sessions uses this plain index.
CREATE INDEX idx_user_sessions_expires_at ON user_sessions(expires_at);

-- Plaid items ------------------------------------------------------------------------------

CREATE TYPE plaid_item_status AS ENUM ('active', 'error', 'disconnected');

CREATE TABLE plaid_items (
  id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
  user_id UUID NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  item_id VARCHAR(255) UNIQUE NOT NULL,
  -- Encrypted by the application (AES-256-GCM). NULL once the item is unlinked (defect 8):
  -- the row stays so that its accounts keep their history.
  access_token TEXT,
  institution_id VARCHAR(255) NOT NULL,
  institution_name VARCHAR(255) NOT NULL,
  status plaid_item_status NOT NULL DEFAULT 'active',
  error_code VARCHAR(255),
  last_successful_update TIMESTAMPTZ,
  created_at TIMESTAMPTZ NOT NULL DEFAULT NOW(),
  updated_at TIMESTAMPTZ NOT NULL DEFAULT NOW(),
  CONSTRAINT chk_token_while_connected CHECK (status = 'disconnected' OR access_token IS NOT NULL)
);

CREATE INDEX idx_plaid_items_user_id ON plaid_items(user_id);
CREATE INDEX idx_plaid_items_status ON plaid_items(status);

CREATE TRIGGER update_plaid_items_updated_at BEFORE UPDATE ON plaid_items
  FOR EACH ROW EXECUTE FUNCTION update_updated_at_column();

-- Accounts ---------------------------------------------------------------------------------

-- Defect 5: Plaid also returns type `other`.
CREATE TYPE account_type AS ENUM (
  'depository', 'investment', 'loan', 'credit', 'manual_asset', 'manual_liability', 'other'
);
-- Defect 4: the seed has no liability categories; these four map to the liability buckets.
CREATE TYPE account_category AS ENUM (
  'cash', 'investment', 'property', 'vehicle', 'precious_metal', 'digital_asset', 'other',
  'credit_card', 'mortgage', 'loan', 'other_liability'
);

CREATE TABLE accounts (
  id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
  user_id UUID NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  -- Defect 8: RESTRICT, not CASCADE. Removing an item must not silently erase the history of
  -- its accounts; `unlink --purge` deletes the accounts explicitly first.
  plaid_item_id UUID REFERENCES plaid_items(id) ON DELETE RESTRICT,
  plaid_account_id VARCHAR(255) UNIQUE,
  name VARCHAR(255) NOT NULL,
  official_name VARCHAR(255),
  type account_type NOT NULL,
  subtype VARCHAR(255) NOT NULL, -- a null Plaid subtype is stored as 'other' (defect 5)
  category account_category NOT NULL,
  is_manual BOOLEAN NOT NULL DEFAULT FALSE,
  is_active BOOLEAN NOT NULL DEFAULT TRUE,
  institution_name VARCHAR(255),
  mask VARCHAR(10),
  currency CHAR(3) NOT NULL DEFAULT 'USD' CHECK (currency = 'USD'), -- defect 11: USD only
  created_at TIMESTAMPTZ NOT NULL DEFAULT NOW(),
  updated_at TIMESTAMPTZ NOT NULL DEFAULT NOW(),
  CONSTRAINT chk_plaid_or_manual CHECK (
    (is_manual = FALSE AND plaid_item_id IS NOT NULL AND plaid_account_id IS NOT NULL) OR
    (is_manual = TRUE AND plaid_item_id IS NULL AND plaid_account_id IS NULL)
  )
);

CREATE INDEX idx_accounts_user_id ON accounts(user_id);
CREATE INDEX idx_accounts_plaid_item_id ON accounts(plaid_item_id);
CREATE INDEX idx_accounts_is_active ON accounts(is_active);
CREATE INDEX idx_accounts_category ON accounts(category);

CREATE TRIGGER update_accounts_updated_at BEFORE UPDATE ON accounts
  FOR EACH ROW EXECUTE FUNCTION update_updated_at_column();

-- Balances ---------------------------------------------------------------------------------

CREATE TYPE balance_source AS ENUM ('plaid', 'manual', 'kbb_api');

CREATE TABLE account_balances (
  id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
  account_id UUID NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
  balance NUMERIC(19,2) NOT NULL,
  available_balance NUMERIC(19,2),
  credit_limit NUMERIC(19,2), -- defect 1: `limit` is a reserved word
  date DATE NOT NULL,
  is_current BOOLEAN NOT NULL DEFAULT FALSE,
  source balance_source NOT NULL,
  created_at TIMESTAMPTZ NOT NULL DEFAULT NOW(),
  -- Defect 9: one balance per account per day; a later write that day replaces it.
  CONSTRAINT uk_account_balances_account_date UNIQUE (account_id, date)
);

CREATE UNIQUE INDEX idx_account_balances_current ON account_balances(account_id) WHERE is_current = TRUE;
CREATE INDEX idx_account_balances_account_date ON account_balances(account_id, date DESC);
CREATE INDEX idx_account_balances_date ON account_balances(date);

-- Defect 9: the current row is the one with the latest date, kept so by these statement-level
-- triggers (one pass per statement, so a 100,000-row import recomputes each account once). A
-- back-dated value enters history without becoming current; deleting the newest row promotes
-- the next. The clear runs before the set so the unique partial index never sees two.
CREATE FUNCTION account_balances_refresh_current(changed UUID[])
RETURNS VOID AS $$
BEGIN
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

CREATE FUNCTION account_balances_current_after_insert()
RETURNS TRIGGER AS $$
BEGIN
  PERFORM account_balances_refresh_current(ARRAY(SELECT DISTINCT account_id FROM new_rows));
  RETURN NULL;
END;
$$ LANGUAGE plpgsql;

CREATE FUNCTION account_balances_current_after_delete()
RETURNS TRIGGER AS $$
BEGIN
  PERFORM account_balances_refresh_current(ARRAY(SELECT DISTINCT account_id FROM old_rows));
  RETURN NULL;
END;
$$ LANGUAGE plpgsql;

CREATE FUNCTION account_balances_current_after_update()
RETURNS TRIGGER AS $$
BEGIN
  -- The refresh's own UPDATE fires this trigger again; only a user's statement matters.
  IF pg_trigger_depth() > 1 THEN
    RETURN NULL;
  END IF;
  PERFORM account_balances_refresh_current(ARRAY(
    SELECT o.account_id FROM old_rows o JOIN new_rows n ON n.id = o.id
    WHERE o.date IS DISTINCT FROM n.date OR o.account_id IS DISTINCT FROM n.account_id
    UNION
    SELECT n.account_id FROM old_rows o JOIN new_rows n ON n.id = o.id
    WHERE o.date IS DISTINCT FROM n.date OR o.account_id IS DISTINCT FROM n.account_id
  ));
  RETURN NULL;
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER account_balances_current_insert AFTER INSERT ON account_balances
  REFERENCING NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION account_balances_current_after_insert();
CREATE TRIGGER account_balances_current_delete AFTER DELETE ON account_balances
  REFERENCING OLD TABLE AS old_rows
  FOR EACH STATEMENT EXECUTE FUNCTION account_balances_current_after_delete();
CREATE TRIGGER account_balances_current_update AFTER UPDATE ON account_balances
  REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION account_balances_current_after_update();

-- Manual assets ----------------------------------------------------------------------------

CREATE TABLE manual_assets (
  id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
  account_id UUID NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
  user_id UUID NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  description TEXT NOT NULL,
  notes TEXT,
  created_at TIMESTAMPTZ NOT NULL DEFAULT NOW(),
  updated_at TIMESTAMPTZ NOT NULL DEFAULT NOW()
);

CREATE INDEX idx_manual_assets_account_id ON manual_assets(account_id);

CREATE TRIGGER update_manual_assets_updated_at BEFORE UPDATE ON manual_assets
  FOR EACH ROW EXECUTE FUNCTION update_updated_at_column();

-- Net worth snapshots ----------------------------------------------------------------------

-- Defect 7: a negative asset balance counts as a liability and a negative liability balance
-- as an asset, so both totals stay non-negative and the seed's CHECKs hold.
CREATE TABLE net_worth_snapshots (
  id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
  user_id UUID NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  date DATE NOT NULL,
  total_assets NUMERIC(19,2) NOT NULL CHECK (total_assets >= 0),
  total_liabilities NUMERIC(19,2) NOT NULL CHECK (total_liabilities >= 0),
  net_worth NUMERIC(19,2) NOT NULL,
  asset_breakdown JSONB NOT NULL,
  liability_breakdown JSONB NOT NULL,
  created_at TIMESTAMPTZ NOT NULL DEFAULT NOW(),
  CONSTRAINT uk_user_date UNIQUE (user_id, date),
  CONSTRAINT chk_net_worth CHECK (net_worth = total_assets - total_liabilities)
);

CREATE INDEX idx_net_worth_snapshots_user_date ON net_worth_snapshots(user_id, date DESC);

-- Data refresh logs ------------------------------------------------------------------------

CREATE TYPE refresh_type AS ENUM ('manual', 'scheduled', 'webhook');
CREATE TYPE refresh_status AS ENUM ('pending', 'success', 'partial_success', 'failed');

CREATE TABLE data_refresh_logs (
  id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
  user_id UUID NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  -- Defect 8: SET NULL, not CASCADE: purging an item keeps the record of its refreshes.
  plaid_item_id UUID REFERENCES plaid_items(id) ON DELETE SET NULL,
  refresh_type refresh_type NOT NULL,
  status refresh_status NOT NULL DEFAULT 'pending',
  accounts_updated INTEGER DEFAULT 0,
  error_message TEXT,
  started_at TIMESTAMPTZ NOT NULL DEFAULT NOW(),
  completed_at TIMESTAMPTZ
);

CREATE INDEX idx_refresh_logs_user_id ON data_refresh_logs(user_id);
CREATE INDEX idx_refresh_logs_status ON data_refresh_logs(status);
CREATE INDEX idx_refresh_logs_started_at ON data_refresh_logs(started_at DESC);

-- Account type configuration ---------------------------------------------------------------

CREATE TABLE account_type_config (
  id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
  type VARCHAR(50) NOT NULL,
  subtype VARCHAR(50) NOT NULL,
  display_name VARCHAR(255) NOT NULL,
  -- Defect 4: the seed's 'credit_cards', 'mortgages', 'loans' were not categories at all;
  -- every row now names a real account_category.
  category account_category NOT NULL,
  icon VARCHAR(50),
  sort_order INTEGER NOT NULL DEFAULT 0,
  CONSTRAINT uk_type_subtype UNIQUE (type, subtype)
);

INSERT INTO account_type_config (type, subtype, display_name, category, icon, sort_order) VALUES
-- Cash accounts
('depository', 'checking', 'Checking Account', 'cash', 'wallet', 1),
('depository', 'savings', 'Savings Account', 'cash', 'piggy-bank', 2),
('depository', 'cd', 'Certificate of Deposit', 'cash', 'lock', 3),
('depository', 'money market', 'Money Market', 'cash', 'wallet', 4),
('depository', 'other', 'Cash Account', 'cash', 'wallet', 9),
-- Investment accounts
('investment', 'brokerage', 'Brokerage Account', 'investment', 'trending-up', 10),
('investment', '401k', '401(k)', 'investment', 'briefcase', 11),
('investment', 'ira', 'IRA', 'investment', 'shield', 12),
('investment', 'roth_ira', 'Roth IRA', 'investment', 'shield', 13),
('investment', 'roth', 'Roth IRA', 'investment', 'shield', 14),
('investment', 'other', 'Investment Account', 'investment', 'trending-up', 19),
-- Liabilities
('credit', 'credit_card', 'Credit Card', 'credit_card', 'credit-card', 20),
('credit', 'credit card', 'Credit Card', 'credit_card', 'credit-card', 21),
('credit', 'other', 'Credit Account', 'credit_card', 'credit-card', 29),
('loan', 'mortgage', 'Mortgage', 'mortgage', 'home', 30),
('loan', 'auto', 'Auto Loan', 'loan', 'car', 31),
('loan', 'personal', 'Personal Loan', 'loan', 'user', 32),
('loan', 'student', 'Student Loan', 'loan', 'graduation-cap', 33),
('loan', 'other', 'Loan', 'loan', 'file-text', 39),
-- Manual assets
('manual_asset', 'real_estate', 'Real Estate', 'property', 'home', 40),
('manual_asset', 'vehicle', 'Vehicle', 'vehicle', 'car', 41),
('manual_asset', 'precious_metal', 'Precious Metal', 'precious_metal', 'coins', 42),
('manual_asset', 'crypto', 'Cryptocurrency', 'digital_asset', 'bitcoin', 43),
('manual_asset', 'other', 'Other Asset', 'other', 'box', 50),
-- Manual liabilities (missing from the seed)
('manual_liability', 'mortgage', 'Mortgage', 'mortgage', 'home', 60),
('manual_liability', 'auto', 'Auto Loan', 'loan', 'car', 61),
('manual_liability', 'personal', 'Personal Loan', 'loan', 'user', 62),
('manual_liability', 'student', 'Student Loan', 'loan', 'graduation-cap', 63),
('manual_liability', 'credit_card', 'Credit Card', 'credit_card', 'credit-card', 64),
('manual_liability', 'other', 'Other Liability', 'other_liability', 'file-text', 70),
-- Plaid's type `other` (defect 5)
('other', 'other', 'Other Account', 'other', 'box', 80);

-- The one mapping from account category to breakdown bucket (defect 4 and 6). Keys are the
-- TypeScript models' breakdown keys. src/core/buckets.ts mirrors it; a test holds them equal.
CREATE FUNCTION account_bucket(c account_category, OUT side TEXT, OUT bucket TEXT)
AS $$
  SELECT CASE WHEN c IN ('credit_card', 'mortgage', 'loan', 'other_liability')
              THEN 'liability' ELSE 'asset' END,
         CASE c
           WHEN 'cash' THEN 'cash'
           WHEN 'investment' THEN 'investments'
           WHEN 'property' THEN 'property'
           WHEN 'vehicle' THEN 'vehicles'
           WHEN 'precious_metal' THEN 'preciousMetals'
           WHEN 'digital_asset' THEN 'digitalAssets'
           WHEN 'other' THEN 'other'
           WHEN 'credit_card' THEN 'creditCards'
           WHEN 'mortgage' THEN 'mortgages'
           WHEN 'loan' THEN 'loans'
           WHEN 'other_liability' THEN 'other'
         END
$$ LANGUAGE sql IMMUTABLE STRICT;

-- Views ------------------------------------------------------------------------------------

-- security_invoker: the caller's row level security applies, not the view owner's.
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

CREATE VIEW user_net_worth_summary WITH (security_invoker = true) AS
WITH latest_snapshot AS (
  SELECT DISTINCT ON (user_id) *
  FROM net_worth_snapshots
  ORDER BY user_id, date DESC
)
SELECT
  u.id AS user_id,
  u.email,
  COALESCE(s.net_worth, 0) AS current_net_worth,
  COALESCE(s.total_assets, 0) AS total_assets,
  COALESCE(s.total_liabilities, 0) AS total_liabilities,
  s.date AS last_updated
FROM users u
LEFT JOIN latest_snapshot s ON u.id = s.user_id;
