/**
 * The change of net worth over a range split into what the balances did in their own
 * currencies and what the exchange rates did (issue 13), exactly: per account, with c(b, r) the
 * balance b converted at rate r and rounded to the cent as the snapshots do,
 *   balances = c(b₁, r₀) − c(b₀, r₀)    (the new balance at the old rate, less the old)
 *   rates    = c(b₁, r₁) − c(b₁, r₀)    (the new balance at the new rate, less at the old)
 * so balances + rates = c(b₁, r₁) − c(b₀, r₀), the account's change in the snapshots, to the
 * cent. A liability's amounts count negatively. An account that is new in the range (no balance
 * at its start) needs no old rate: its whole new value is balances.
 *
 * A rate missing on one day leaves the account out of that day's snapshot (never 1:1), so the
 * snapshots' change has a third part: `coverage`, the value of the accounts counted at one end
 * only (+ counted at the end alone, − at the start alone), each named in `leftOut`. Then
 * balances + rates + coverage = change, the snapshots' change, to the cent; coverage is 0 when
 * every rate is there.
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

/** A rate as the exact fraction num/den. */
export interface Rate {
  readonly num: string;
  readonly den: string;
}

/** A pair's rate on a day (null: none). */
export type RateOf = (currency: string) => Rate | null;

export interface CurrencyEffect {
  /** The snapshots' change: balances + rates + coverage. */
  readonly change: bigint;
  readonly balances: bigint;
  readonly rates: bigint;
  /** The accounts counted at one end of the range only, for a missing rate at the other. */
  readonly coverage: bigint;
  readonly accounts: {
    id: string;
    name: string;
    currency: string;
    balances: bigint;
    rates: bigint;
  }[];
  /** Accounts without a rate on a day they count: `missing` says which end(s). */
  readonly leftOut: {
    id: string;
    name: string;
    currency: string;
    missing: "from" | "to" | "both";
    coverage: bigint;
  }[];
}

export function currencyEffect(
  accounts: readonly EffectAccount[],
  mine: string,
  rateBefore: RateOf,
  rateAfter: RateOf,
): CurrencyEffect {
  let balances = 0n;
  let rates = 0n;
  let coverage = 0n;
  const rows: CurrencyEffect["accounts"] = [];
  const leftOut: CurrencyEffect["leftOut"] = [];
  const one: Rate = { num: "1", den: "1" };
  const c = (text: string, r: Rate) => convertCents(centsFromDecimal(text), r.num, r.den);
  for (const a of accounts) {
    if (a.before === null && a.after === null) continue;
    const sign = a.side === "asset" ? 1n : -1n;
    const r0 = a.currency === mine ? one : rateBefore(a.currency);
    const r1 = a.currency === mine ? one : rateAfter(a.currency);
    // What the snapshot of each end counted for the account (null: left out for its rate).
    const v0 = a.before === null ? 0n : r0 === null ? null : c(a.before, r0);
    const v1 = a.after === null ? 0n : r1 === null ? null : c(a.after, r1);
    if (v0 === null || v1 === null) {
      const part = sign * ((v1 ?? 0n) - (v0 ?? 0n));
      coverage += part;
      leftOut.push({
        id: a.id,
        name: a.name,
        currency: a.currency,
        missing: v0 === null && v1 === null ? "both" : v0 === null ? "from" : "to",
        coverage: part,
      });
      continue;
    }
    let byBalance: bigint;
    let byRate: bigint;
    if (a.after === null) {
      byBalance = -v0;
      byRate = 0n;
    } else if (a.before === null || r0 === null) {
      // New in the range: no old balance, so no old rate is needed.
      byBalance = v1;
      byRate = 0n;
    } else {
      const atOld = c(a.after, r0);
      byBalance = atOld - v0;
      byRate = v1 - atOld;
    }
    byBalance *= sign;
    byRate *= sign;
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
  return {
    change: balances + rates + coverage,
    balances,
    rates,
    coverage,
    accounts: rows,
    leftOut,
  };
}
