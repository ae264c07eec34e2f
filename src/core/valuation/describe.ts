/** A method in words, and an amortized loan's outlook, for accounts, history and doctor. */

import type { DateFormat } from "../../config.js";
import { formatAmount } from "../amount.js";
import { formatDate } from "../dates.js";
import { parseRatio, ratioText } from "./exact.js";
import { addMonths } from "./months.js";
import { type DatedCents, generate, type ValuationRule } from "./rules.js";

const percent = (text: string) => {
  const r = parseRatio(text);
  return r ? ratioText(r) : text;
};

/** An amortized loan from a value on: the payments still to come and the day it is paid. */
export interface LoanOutlook {
  readonly paymentsLeft: number;
  /** The date of the payment that clears it; null when the payment never does in 100 years. */
  readonly paidOff: string | null;
}

/** The outlook of an amortizing rule from `from` (the account's value on a date). */
export function loanOutlook(
  rule: Extract<ValuationRule, { method: "amortization" }>,
  from: DatedCents,
): LoanOutlook {
  if (from.cents <= 0n) return { paymentsLeft: 0, paidOff: from.date };
  let paymentsLeft = 0;
  let paidOff: string | null = null;
  const horizon = addMonths(from.date, 1200);
  for (const row of generate({ ...rule, start: from.date, basis: from.cents }, [], horizon)) {
    paymentsLeft += 1;
    if (row.cents === 0n) paidOff = row.date;
  }
  return { paymentsLeft, paidOff };
}

/**
 * "depreciating 15%/yr", "appreciating 4.5%/yr", "following index hpi",
 * "amortizing, 287 payments left, paid off 02/01/2049". `current` is the account's latest
 * value (for a loan's outlook); `format` is how its dates are written (ISO for JSON).
 */
export function describeValuation(
  rule: ValuationRule,
  current: DatedCents | null,
  format: DateFormat,
): string {
  switch (rule.method) {
    case "depreciation":
      return `depreciating ${percent(rule.rate)}%/yr${rule.floor > 0n ? `, floor ${formatAmount(rule.floor)}` : ""}`;
    case "appreciation":
      return `appreciating ${percent(rule.rate)}%/yr`;
    case "index":
      return `following index ${rule.index}`;
    case "holdings":
      return "holdings at market prices";
    case "vehicle":
      return `vehicle value (price predictions when available), depreciating ${percent(rule.rate)}%/yr between them`;
    case "avm":
      return "home value (automated valuation, RentCast)";
    case "amortization": {
      if (!current) return `amortizing at ${percent(rule.apr)}%`;
      const outlook = loanOutlook(rule, current);
      const paidOff = (date: string | null) => (date === null ? "" : formatDate(date, format));
      if (outlook.paymentsLeft === 0) return `amortizing, paid off ${paidOff(outlook.paidOff)}`;
      return outlook.paidOff === null
        ? `amortizing, ${outlook.paymentsLeft}+ payments left, not paid off by the payment`
        : `amortizing, ${outlook.paymentsLeft} payment${outlook.paymentsLeft === 1 ? "" : "s"} left, paid off ${paidOff(outlook.paidOff)}`;
    }
  }
}
