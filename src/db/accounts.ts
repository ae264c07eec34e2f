import type { TransactionSql } from "postgres";
import type { AccountCategory } from "../core/buckets.js";
import type { AccountMove } from "../core/build-report.js";

/** An accounts row joined with its type's display name and its current balance. */
export interface AccountRow {
  id: string;
  userId: string;
  plaidItemId: string | null;
  plaidAccountId: string | null;
  name: string;
  officialName: string | null;
  type: string;
  subtype: string;
  category: AccountCategory;
  isManual: boolean;
  isActive: boolean;
  institutionName: string | null;
  mask: string | null;
  currency: string;
  createdAt: Date;
  updatedAt: Date;
  displayName: string;
  side: "asset" | "liability";
  description: string | null;
  notes: string | null;
  balanceId: string | null;
  balance: string | null;
  availableBalance: string | null;
  creditLimit: string | null;
  balanceDate: string | null;
  balanceSource: string | null;
  balanceCreatedAt: Date | null;
  balanceCount: number;
  /** The account's valuation method (issue 11), or null. */
  valuationMethod?: string | null;
  /** A market method's first day without a value (issue 12: its provider failed), or null. */
  valuationStaleSince?: string | null;
}

const ACCOUNT_SELECT = `
  SELECT a.id, a.user_id, a.plaid_item_id, a.plaid_account_id, a.name, a.official_name,
         a.type::text AS type, a.subtype, a.category::text AS category, a.is_manual, a.is_active,
         a.institution_name, a.mask, a.currency, a.created_at, a.updated_at,
         COALESCE(c.display_name, initcap(replace(a.subtype, '_', ' '))) AS display_name,
         (account_bucket(a.category)).side AS side,
         m.description, m.notes,
         b.id AS balance_id, b.balance::text AS balance,
         b.available_balance::text AS available_balance, b.credit_limit::text AS credit_limit,
         b.date AS balance_date, b.source::text AS balance_source, b.created_at AS balance_created_at,
         (SELECT count(*)::int FROM all_account_balances x WHERE x.account_id = a.id) AS balance_count,
         (SELECT v.method::text FROM account_valuations v WHERE v.account_id = a.id) AS valuation_method,
         (SELECT v.stale_since FROM account_valuations v WHERE v.account_id = a.id) AS valuation_stale_since
  FROM accounts a
  LEFT JOIN account_type_config c ON c.type = a.type::text AND c.subtype = a.subtype
  LEFT JOIN manual_assets m ON m.account_id = a.id
  LEFT JOIN account_balances b ON b.account_id = a.id AND b.is_current`;

/** The user's accounts (row level security scopes them), active first by side and name. */
export async function listAccounts(
  tx: TransactionSql,
  options: { includeArchived: boolean },
): Promise<AccountRow[]> {
  return tx.unsafe<AccountRow[]>(
    `${ACCOUNT_SELECT}
     ${options.includeArchived ? "" : "WHERE a.is_active"}
     ORDER BY (account_bucket(a.category)).side, NOT a.is_active, lower(a.name), a.id`,
  );
}

export async function getAccount(tx: TransactionSql, id: string): Promise<AccountRow> {
  const [row] = await tx.unsafe<AccountRow[]>(`${ACCOUNT_SELECT} WHERE a.id = $1`, [id]);
  if (!row) throw new Error(`account ${id} is not visible`);
  return row;
}

/** A row of account_type_config. */
export interface TypeConfig {
  type: string;
  subtype: string;
  displayName: string;
  category: AccountCategory;
}

export async function typeConfig(
  tx: TransactionSql,
  type: string,
  subtype: string,
): Promise<TypeConfig> {
  const [row] = await tx<TypeConfig[]>`
    SELECT type, subtype, display_name, category::text AS category
    FROM account_type_config WHERE type = ${type} AND subtype = ${subtype}`;
  if (!row) throw new Error(`account_type_config has no row for ${type}/${subtype}`);
  return row;
}

/** Input of a manual account: the accounts row and its manual_assets details. */
export interface NewManualAccount {
  userId: string;
  type: "manual_asset" | "manual_liability";
  subtype: string;
  name: string;
  description: string;
  notes: string | null;
  /** The account's currency (default: the user's preferences.currency, else USD). */
  currency?: string | undefined;
}

/** Creates a manual account (accounts and manual_assets rows); returns its id. */
export async function createManualAccount(
  tx: TransactionSql,
  input: NewManualAccount,
): Promise<string> {
  const config = await typeConfig(tx, input.type, input.subtype);
  const [account] = await tx<{ id: string }[]>`
    INSERT INTO accounts (user_id, name, type, subtype, category, is_manual, currency)
    VALUES (${input.userId}, ${input.name}, ${input.type}, ${input.subtype}, ${config.category}, TRUE,
            coalesce(${input.currency ?? null}::text,
                     (SELECT u.preferences->>'currency' FROM users u WHERE u.id = ${input.userId}),
                     'USD'))
    RETURNING id`;
  if (!account) throw new Error("account insert returned nothing");
  await tx`
    INSERT INTO manual_assets (account_id, user_id, description, notes)
    VALUES (${account.id}, ${input.userId}, ${input.description}, ${input.notes})`;
  return account.id;
}

/** Changes the name, description or notes; fields left undefined stay as they are. */
export async function editAccount(
  tx: TransactionSql,
  id: string,
  changes: {
    name?: string | undefined;
    description?: string | undefined;
    notes?: string | undefined;
  },
): Promise<void> {
  if (changes.name !== undefined) {
    await tx`UPDATE accounts SET name = ${changes.name} WHERE id = ${id}`;
  }
  if (changes.description !== undefined || changes.notes !== undefined) {
    await tx`
      UPDATE manual_assets SET
        description = COALESCE(${changes.description ?? null}, description),
        notes = CASE WHEN ${changes.notes !== undefined} THEN ${changes.notes ?? null} ELSE notes END
      WHERE account_id = ${id}`;
  }
}

/**
 * The owner's write lock (snapshots.ts lockUserWrites), taken before a change that the
 * snapshot refresh will follow, so the lock order is the same as a balance write's.
 */
async function lockOwner(tx: TransactionSql, id: string): Promise<void> {
  await tx`SELECT networth_lock_user(user_id) FROM accounts WHERE id = ${id}`;
}

/**
 * Archives an account from `on` (it stops counting in snapshots from that day, its history
 * stays); returns the day snapshots change from.
 */
export async function archiveAccount(tx: TransactionSql, id: string, on: string): Promise<string> {
  await lockOwner(tx, id);
  await tx`UPDATE accounts SET is_active = FALSE, archived_on = ${on} WHERE id = ${id}`;
  return on;
}

/**
 * Deletes an account with its details and its whole balance history; returns the date of its
 * first balance (snapshots from there on no longer include it), or null when it had none.
 */
export async function deleteAccount(tx: TransactionSql, id: string): Promise<string | null> {
  await lockOwner(tx, id);
  const [first] = await tx<{ first: string | null }[]>`
    SELECT min(date) AS first FROM all_account_balances WHERE account_id = ${id}`;
  await tx`DELETE FROM accounts WHERE id = ${id}`;
  return first?.first ?? null;
}

/**
 * The accounts whose balance moved most between `from` and `to` (by size of the move in their
 * own currencies; every one of them when `limit` is null), read from balances with one index
 * lookup per account and date.
 */
export async function accountMoves(
  tx: TransactionSql,
  from: string,
  to: string,
  limit: number | null,
): Promise<AccountMove[]> {
  return tx<AccountMove[]>`
    SELECT a.id, a.name, (account_bucket(a.category)).side AS side, a.currency::text AS currency,
           b0.balance::text AS before, b1.balance::text AS after,
           (COALESCE(b1.balance, 0) - COALESCE(b0.balance, 0))::text AS change
    FROM accounts a
    LEFT JOIN LATERAL (SELECT balance FROM all_account_balances WHERE account_id = a.id AND date <= ${from}
                       ORDER BY date DESC LIMIT 1) b0 ON TRUE
    LEFT JOIN LATERAL (SELECT balance FROM all_account_balances WHERE account_id = a.id AND date <= ${to}
                       ORDER BY date DESC LIMIT 1) b1 ON TRUE
    WHERE COALESCE(b1.balance, 0) <> COALESCE(b0.balance, 0)
    ORDER BY abs(COALESCE(b1.balance, 0) - COALESCE(b0.balance, 0)) DESC, a.name
    LIMIT ${limit}`;
}
