/** Signed figures as the report and the dashboard both print them. */

import { formatAmount } from "../core/amount.js";

/** An amount with its sign, as a change: "+$1,234.50", "-$3.00", "$0.00". */
export function signedAmount(cents: bigint, currency = "USD"): string {
  return `${cents > 0n ? "+" : ""}${formatAmount(cents, currency)}`;
}

/** A percent change: "+1.25%", "-0.50%"; "" when there is none. */
export function signedPercent(percent: string | null): string {
  return percent === null ? "" : `${percent.startsWith("-") ? "" : "+"}${percent}%`;
}
