import type { TransactionSql } from "postgres";
import type { DateFormat } from "../config.js";
import { formatAmount } from "../core/amount.js";
import { formatDate, isIsoDate } from "../core/dates.js";
import { centsFromDecimal } from "../core/money.js";
import { describeValuation } from "../core/valuation/describe.js";
import { describeHolding } from "../core/valuation/holdings.js";
import type { AccountRow } from "../db/accounts.js";
import { holdingsByAccount } from "../db/holdings.js";
import { lookupsFor, vehiclesByAccount } from "../db/lookups.js";
import { type StaleState, valuationsByAccount } from "../db/valuations.js";

/** An account's method for accounts, history, the dashboard and doctor. */
export interface ValuationLabel {
  readonly method: string;
  /** "depreciating 15%/yr", "amortizing, 287 payments left, paid off 02/01/2049". */
  readonly description: string;
  /** A market method that could not value today: why, since when, its last good value. */
  readonly stale: StaleState | null;
}

/**
 * The methods of these accounts, described from each account's current value, with dates in
 * `format` (the user's for text, ISO for JSON).
 */
export async function valuationLabels(
  tx: TransactionSql,
  accounts: readonly Pick<AccountRow, "id" | "balance" | "balanceDate">[],
  format: DateFormat,
): Promise<Map<string, ValuationLabel>> {
  // A stale state's `since` may be empty (a row written without one): shown as it is.
  const date = (iso: string) => (isIsoDate(iso) ? formatDate(iso, format) : iso);
  const stored = await valuationsByAccount(tx);
  const withHoldings = accounts
    .filter((a) => stored.get(a.id)?.rule.method === "holdings")
    .map((a) => a.id);
  const holdings = withHoldings.length > 0 ? await holdingsByAccount(tx, withHoldings) : new Map();
  const avm = accounts.filter((a) => stored.get(a.id)?.rule.method === "avm").map((a) => a.id);
  const lookups = avm.length > 0 ? await lookupsFor(tx, avm) : new Map();
  const cars = [...stored.values()].some((v) => v.rule.method === "vehicle")
    ? await vehiclesByAccount(tx)
    : new Map();
  const labels = new Map<string, ValuationLabel>();
  for (const account of accounts) {
    const v = stored.get(account.id);
    if (!v) continue;
    const current =
      account.balance !== null && account.balanceDate !== null
        ? { date: account.balanceDate, cents: centsFromDecimal(account.balance) }
        : null;
    const held = holdings.get(account.id);
    const last = lookups.get(account.id)?.at(-1);
    const range =
      last?.low != null && last?.high != null
        ? `, range ${formatAmount(last.low)} to ${formatAmount(last.high)}`
        : "";
    const base =
      v.rule.method === "holdings" && held
        ? `holdings: ${held.map(describeHolding).join(", ")}`
        : v.rule.method === "avm" && last
          ? `home value from RentCast: ${formatAmount(last.cents)}${range}, looked up ${date(last.date)}`
          : v.rule.method === "vehicle" && cars.get(account.id)?.make
            ? `${[cars.get(account.id)?.year, cars.get(account.id)?.make, cars.get(account.id)?.model].filter(Boolean).join(" ")}, ${describeValuation(v.rule, current, format)}`
            : describeValuation(v.rule, current, format);
    const staleText = v.stale
      ? `; STALE since ${date(v.stale.since)} (last good value ${v.stale.lastGood === null ? "none" : date(v.stale.lastGood)}): ${v.stale.reason}`
      : "";
    labels.set(account.id, {
      method: v.rule.method,
      description: `${base}${staleText}`,
      stale: v.stale,
    });
  }
  return labels;
}

/** The "Valuation methods" block under the accounts tables (nothing when there are none). */
export function methodLines(
  accounts: readonly Pick<AccountRow, "id" | "name">[],
  labels: ReadonlyMap<string, ValuationLabel>,
): string[] {
  const named = accounts.filter((a) => labels.has(a.id));
  if (named.length === 0) return [];
  const width = Math.max(...named.map((a) => a.name.length));
  return [
    "",
    "Valuation methods",
    ...named.map((a) => `  ${a.name.padEnd(width)}  ${labels.get(a.id)?.description}`),
  ];
}

/** The Source cell of a history row: generated rows name their method. */
export function sourceLabel(source: string, label: ValuationLabel | undefined): string {
  if (source !== "rule") return source;
  return label ? `rule: ${label.method}` : "rule (method cleared)";
}
