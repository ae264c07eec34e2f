import type { TransactionSql } from "postgres";
import { fixedFromCents } from "../core/money.js";

/** One dated value to record for an account. */
export interface BalanceInput {
  accountId: string;
  date: string;
  balance: bigint;
  available: bigint | null;
  limit: bigint | null;
  /** kbb_api: a vehicle's price prediction (issue 12; the seed's name for the source). */
  source: "manual" | "plaid" | "kbb_api";
}

/** What a write did: new rows, same-day rows replaced, rows already holding these values. */
export interface WriteCounts {
  inserted: number;
  replaced: number;
  unchanged: number;
  /** The earliest date whose value changed (snapshots from here on are stale), or null. */
  earliestChange: string | null;
}

const money = (cents: bigint | null) => (cents === null ? null : fixedFromCents(cents));

/**
 * Records balances in one statement: one row per account per date, so a value for a date that
 * has one replaces it; a row that already holds exactly these values is left alone (importing
 * the same file twice changes nothing). The triggers keep is_current on the latest date.
 * Serialized per user: it takes the accounts' owners' write lock first (held to the end of
 * the transaction). With dryRun, only classifies (no lock).
 */
export async function writeBalances(
  tx: TransactionSql,
  rows: readonly BalanceInput[],
  options: { dryRun?: boolean } = {},
): Promise<WriteCounts> {
  const counts: WriteCounts = { inserted: 0, replaced: 0, unchanged: 0, earliestChange: null };
  if (rows.length === 0) return counts;
  if (!options.dryRun) {
    // The accounts' owners' write lock (lockUserWrites), before classifying: a second writer
    // for the same user waits here until the first commits, then classifies against the rows
    // the first one wrote (two overlapping imports report what each really did) and never
    // races the first one's current row or snapshot refresh.
    await tx`
      SELECT networth_lock_user(o.user_id)
      FROM (SELECT DISTINCT a.user_id FROM accounts a
            WHERE a.id = ANY(${tx.array([...new Set(rows.map((r) => r.accountId))])}::uuid[])) o
      ORDER BY hashtext(o.user_id::text)`;
  }
  const input = tx`
    SELECT * FROM unnest(
      ${tx.array(rows.map((r) => r.accountId))}::uuid[],
      ${tx.array(rows.map((r) => r.date))}::date[],
      ${tx.array(rows.map((r) => money(r.balance)))}::numeric[],
      ${tx.array(rows.map((r) => money(r.available)))}::numeric[],
      ${tx.array(rows.map((r) => money(r.limit)))}::numeric[],
      ${tx.array(rows.map((r) => r.source))}::balance_source[]
    ) AS t(account_id, date, balance, available_balance, credit_limit, source)`;
  const classify = tx`
    SELECT i.*,
      CASE
        WHEN b.id IS NULL THEN 'inserted'
        WHEN b.balance = i.balance
          AND b.available_balance IS NOT DISTINCT FROM i.available_balance
          AND b.credit_limit IS NOT DISTINCT FROM i.credit_limit
          AND b.source = i.source THEN 'unchanged'
        ELSE 'replaced'
      END AS outcome
    FROM (${input}) i
    LEFT JOIN account_balances b ON b.account_id = i.account_id AND b.date = i.date`;
  const summary = options.dryRun
    ? await tx<{ outcome: keyof WriteCounts; n: number; earliest: string | null }[]>`
        SELECT outcome, count(*)::int AS n, min(date) AS earliest FROM (${classify}) c GROUP BY outcome`
    : await tx<{ outcome: keyof WriteCounts; n: number; earliest: string | null }[]>`
        WITH classified AS (${classify}),
        written AS (
          INSERT INTO account_balances (account_id, date, balance, available_balance, credit_limit, source)
          SELECT account_id, date, balance, available_balance, credit_limit, source
          FROM classified WHERE outcome <> 'unchanged'
          ON CONFLICT (account_id, date) DO UPDATE SET
            balance = EXCLUDED.balance,
            available_balance = EXCLUDED.available_balance,
            credit_limit = EXCLUDED.credit_limit,
            source = EXCLUDED.source,
            created_at = NOW()
          RETURNING 1
        )
        SELECT outcome, count(*)::int AS n, min(date) AS earliest FROM classified GROUP BY outcome`;
  for (const row of summary) {
    if (row.outcome === "inserted" || row.outcome === "replaced" || row.outcome === "unchanged") {
      counts[row.outcome] = row.n;
    }
    if (row.outcome !== "unchanged" && row.earliest !== null) {
      if (counts.earliestChange === null || row.earliest < counts.earliestChange) {
        counts.earliestChange = row.earliest;
      }
    }
  }
  return counts;
}

/** A row of an account's history. */
export interface BalanceRow {
  id: string;
  accountId: string;
  balance: string;
  availableBalance: string | null;
  creditLimit: string | null;
  date: string;
  isCurrent: boolean;
  source: string;
  createdAt: Date;
}

/**
 * An account's balances, newest first, optionally within [from, to]; with includeArchive,
 * also those `maintain --archive` moved to the archive.
 */
export async function balanceHistory(
  tx: TransactionSql,
  accountId: string,
  range: { from?: string | undefined; to?: string | undefined } = {},
  options: { includeArchive?: boolean } = {},
): Promise<BalanceRow[]> {
  return tx<BalanceRow[]>`
    SELECT id, account_id, balance::text AS balance, available_balance::text AS available_balance,
           credit_limit::text AS credit_limit, date, is_current, source::text AS source, created_at
    FROM ${tx(options.includeArchive ? "all_account_balances" : "account_balances")}
    WHERE account_id = ${accountId}
      AND date >= COALESCE(${range.from ?? null}::date, '-infinity')
      AND date <= COALESCE(${range.to ?? null}::date, 'infinity')
    ORDER BY date DESC`;
}

/**
 * Every balance of the user's accounts in [from, to], for export: by account name, then date.
 * The archive included: an export is the whole history.
 */
export async function allBalances(
  tx: TransactionSql,
  range: { from?: string | undefined; to?: string | undefined },
): Promise<(BalanceRow & { accountName: string; accountType: string; accountSubtype: string })[]> {
  return tx<(BalanceRow & { accountName: string; accountType: string; accountSubtype: string })[]>`
    SELECT b.id, b.account_id, a.name AS account_name, a.type::text AS account_type,
           a.subtype AS account_subtype, b.balance::text AS balance,
           b.available_balance::text AS available_balance, b.credit_limit::text AS credit_limit,
           b.date, b.is_current, b.source::text AS source, b.created_at
    FROM all_account_balances b JOIN accounts a ON a.id = b.account_id
    WHERE b.date >= COALESCE(${range.from ?? null}::date, '-infinity')
      AND b.date <= COALESCE(${range.to ?? null}::date, 'infinity')
    ORDER BY a.name, a.id, b.date`;
}
