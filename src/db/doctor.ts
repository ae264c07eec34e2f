/**
 * The reads of `networth doctor` that no other module already has. Every function runs inside
 * db.asUser (row level security scopes the rows to the user) and only reads.
 */

import type { TransactionSql } from "postgres";

/** A manual account (active) whose current value is older than the cutoff, or that has none. */
export interface StaleManualAccount {
  id: string;
  name: string;
  /** The date of its current value, or null when it has no value at all. */
  balanceDate: string | null;
}

/**
 * The user's active manual accounts without a valuation method whose current value is dated
 * before `before` (YYYY-MM-DD), or that have no value; oldest value first, accounts without
 * one first of all.
 */
export async function staleManualAccounts(
  tx: TransactionSql,
  before: string,
): Promise<StaleManualAccount[]> {
  return tx<StaleManualAccount[]>`
    SELECT a.id, a.name, b.date AS balance_date
    FROM accounts a
    LEFT JOIN account_balances b ON b.account_id = a.id AND b.is_current
    WHERE a.is_manual AND a.is_active AND (b.date IS NULL OR b.date < ${before}::date)
      -- An account with a valuation method is kept current by revalue (issue 11).
      AND NOT EXISTS (SELECT 1 FROM account_valuations v WHERE v.account_id = a.id)
    ORDER BY b.date NULLS FIRST, lower(a.name), a.id`;
}

/** Whether a snapshot for `day` should exist, and whether it does. */
export interface SnapshotPresence {
  /** Some account counts on `day` with a value dated on or before it (the snapshot rule). */
  expected: boolean;
  exists: boolean;
}

/**
 * Whether the user's snapshot of `day` exists, and whether one should: by the rule of
 * src/db/snapshots.ts, a day has a snapshot exactly when an account not archived by then has
 * a value dated on or before it.
 */
export async function snapshotPresence(
  tx: TransactionSql,
  userId: string,
  day: string,
): Promise<SnapshotPresence> {
  const [row] = await tx<SnapshotPresence[]>`
    SELECT EXISTS (
             SELECT 1 FROM accounts a
             WHERE a.user_id = ${userId}
               AND (a.archived_on IS NULL OR a.archived_on > ${day}::date)
               AND EXISTS (SELECT 1 FROM account_balances b
                           WHERE b.account_id = a.id AND b.date <= ${day}::date)) AS expected,
           EXISTS (SELECT 1 FROM net_worth_snapshots s
                   WHERE s.user_id = ${userId} AND s.date = ${day}::date) AS "exists"`;
  if (!row) throw new Error("the snapshot presence query returned no row");
  return row;
}
