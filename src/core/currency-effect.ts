/**
 * The change of net worth over a range split into what the balances did in their own
 * currencies and what the exchange rates did (issue 13), exactly: per account, with c(b, r) the
 * balance b converted at rate r and rounded to the cent as the snapshots do,
 *   balances = c(b₁, r₀) − c(b₀, r₀)    (the new balance at the old rate, less the old)
 *   rates    = c(b₁, r₁) − c(b₁, r₀)    (the new balance at the new rate, less at the old)
 * so balances + rates = c(b₁, r₁) − c(b₀, r₀), the account's change in the snapshots, to the
 * cent. A liability's amounts count negatively. An account without a rate on either day is left
 * out of both parts and named (never 1:1).
 */

import { convertCents } from "./currency.js";
import { centsFromDecimal } from "./money.js";

export interface EffectAccount {
  readonly id: string;
  readonly name: string;
  readonly currency: string;
  readonly side: "asset" | "liability";
  readonly before: string | null;
  readonly after: string | null;
}

/** A pair's rate on a day as num/den (null: none). */
export type RateOf = (currency: string) => { num: string; den: string } | null;

export interface CurrencyEffect {
  readonly change: bigint;
  readonly balances: bigint;
  readonly rates: bigint;
  readonly accounts: {
    id: string;
    name: string;
    currency: string;
    balances: bigint;
    rates: bigint;
  }[];
  readonly leftOut: { id: string; name: string; currency: string }[];
}

export function currencyEffect(
  accounts: readonly EffectAccount[],
  mine: string,
  rateBefore: RateOf,
  rateAfter: RateOf,
): CurrencyEffect {
  let balances = 0n;
  let rates = 0n;
  const rows: CurrencyEffect["accounts"] = [];
  const leftOut: CurrencyEffect["leftOut"] = [];
  const one = { num: "1", den: "1" };
  for (const a of accounts) {
    if (a.before === null && a.after === null) continue;
    const r0 = a.currency === mine ? one : rateBefore(a.currency);
    const r1 = a.currency === mine ? one : rateAfter(a.currency);
    const b0 = a.before === null ? 0n : centsFromDecimal(a.before);
    const b1 = a.after === null ? 0n : centsFromDecimal(a.after);
    // A rate is needed on each day the account counts; the old rate also prices the new balance.
    const needBefore = a.before !== null || a.after !== null;
    if ((needBefore && r0 === null) || (a.after !== null && r1 === null)) {
      leftOut.push({ id: a.id, name: a.name, currency: a.currency });
      continue;
    }
    const c = (cents: bigint, r: { num: string; den: string } | null) =>
      r === null ? 0n : convertCents(cents, r.num, r.den);
    const sign = a.side === "asset" ? 1n : -1n;
    const byBalance = sign * (c(b1, r0) - c(b0, r0));
    const byRate = sign * (a.after === null ? 0n : c(b1, r1) - c(b1, r0));
    balances += byBalance;
    rates += byRate;
    if (byBalance !== 0n || byRate !== 0n) {
      rows.push({
        id: a.id,
        name: a.name,
        currency: a.currency,
        balances: byBalance,
        rates: byRate,
      });
    }
  }
  return { change: balances + rates, balances, rates, accounts: rows, leftOut };
}
