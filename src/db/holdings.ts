/**
 * account_holdings (migrations/0009_holdings_prices.up.sql): what an account holds by
 * quantity. User data (RLS forced, audited). The account's method 'holdings' in
 * account_valuations is kept by the caller (src/commands/holdings.ts).
 */

import type { Sql, TransactionSql } from "postgres";
import type { Holding, WeightUnit } from "../core/valuation/holdings.js";

export interface StoredHolding extends Holding {
  readonly id: string;
  readonly accountId: string;
  readonly userId: string;
}

interface Row {
  id: string;
  accountId: string;
  userId: string;
  kind: "coin" | "metal";
  asset: string;
  quantity: string;
  unit: WeightUnit | null;
  purity: string | null;
  startDate: string;
}

const trim = (text: string) =>
  text.includes(".") ? text.replace(/0+$/, "").replace(/\.$/, "") : text;

const toHolding = (r: Row): StoredHolding => ({
  id: r.id,
  accountId: r.accountId,
  userId: r.userId,
  kind: r.kind,
  asset: r.asset,
  quantity: trim(r.quantity),
  unit: r.unit,
  purity: r.purity === null ? null : trim(r.purity),
  start: r.startDate,
});

/** The holdings of these accounts (or, with null, every visible one), by account. */
export async function holdingsByAccount(
  tx: TransactionSql | Sql,
  accountIds: readonly string[] | null,
): Promise<Map<string, StoredHolding[]>> {
  const rows = await tx<Row[]>`
    SELECT id, account_id, user_id, kind, asset, quantity::text AS quantity, unit,
           purity::text AS purity, start_date
    FROM account_holdings
    WHERE ${accountIds === null} OR account_id = ANY(${tx.array([...(accountIds ?? [])])}::uuid[])
    ORDER BY account_id, kind, asset`;
  const map = new Map<string, StoredHolding[]>();
  for (const row of rows) {
    const list = map.get(row.accountId) ?? [];
    list.push(toHolding(row));
    map.set(row.accountId, list);
  }
  return map;
}

/** Adds a holding; false when the account already holds that asset (nothing written). */
export async function insertHolding(
  tx: TransactionSql,
  accountId: string,
  userId: string,
  h: Holding,
): Promise<boolean> {
  const rows = await tx`
    INSERT INTO account_holdings (account_id, user_id, kind, asset, quantity, unit, purity, start_date)
    VALUES (${accountId}, ${userId}, ${h.kind}, ${h.asset}, ${h.quantity}::numeric, ${h.unit},
            ${h.purity}::numeric, ${h.start}::date)
    ON CONFLICT (account_id, asset) DO NOTHING
    RETURNING 1`;
  return rows.length > 0;
}

/** Replaces a holding's quantity (and unit, purity, start); false when there is none. */
export async function updateHolding(
  tx: TransactionSql,
  accountId: string,
  h: Holding,
): Promise<boolean> {
  const rows = await tx`
    UPDATE account_holdings SET quantity = ${h.quantity}::numeric, unit = ${h.unit},
      purity = ${h.purity}::numeric, start_date = ${h.start}::date
    WHERE account_id = ${accountId} AND asset = ${h.asset}
    RETURNING 1`;
  return rows.length > 0;
}

/** Removes a holding; false when there was none. */
export async function deleteHolding(
  tx: TransactionSql,
  accountId: string,
  asset: string,
): Promise<boolean> {
  const rows = await tx`
    DELETE FROM account_holdings WHERE account_id = ${accountId} AND asset = ${asset} RETURNING 1`;
  return rows.length > 0;
}

/**
 * The assets held in scope (these accounts, or every visible holding) with the earliest start
 * of each, among accounts still active.
 */
export async function heldAssets(
  tx: TransactionSql | Sql,
  accountIds: readonly string[] | null,
): Promise<{ asset: string; kind: "coin" | "metal"; start: string }[]> {
  return tx<{ asset: string; kind: "coin" | "metal"; start: string }[]>`
    SELECT h.asset, min(h.kind) AS kind, min(h.start_date) AS start
    FROM account_holdings h JOIN accounts a ON a.id = h.account_id
    WHERE a.is_active
      AND (${accountIds === null} OR h.account_id = ANY(${tx.array([...(accountIds ?? [])])}::uuid[]))
    GROUP BY h.asset ORDER BY h.asset`;
}
