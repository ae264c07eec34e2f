import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { convertCents } from "../../src/core/currency.js";
import { currencyEffect, type EffectAccount, type Rate } from "../../src/core/currency-effect.js";
import { centsFromDecimal } from "../../src/core/money.js";

/** What a snapshot of one day counts: each account with a rate, converted and rounded alone. */
function snapshotTotal(
  accounts: readonly EffectAccount[],
  end: "before" | "after",
  rate: (c: string) => Rate | null,
): bigint {
  let total = 0n;
  for (const a of accounts) {
    const balance = a[end];
    const r = a.currency === "USD" ? { num: "1", den: "1" } : rate(a.currency);
    if (balance === null || r === null) continue;
    const value = convertCents(centsFromDecimal(balance), r.num, r.den);
    total += a.side === "asset" ? value : -value;
  }
  return total;
}

const decimal = fc
  .bigInt({ min: -10_000_000n, max: 10_000_000_000n })
  .map(
    (c) =>
      `${c < 0n ? "-" : ""}${(c < 0n ? -c : c) / 100n}.${String((c < 0n ? -c : c) % 100n).padStart(2, "0")}`,
  );
const rate = fc.option(
  fc.record({
    num: fc.integer({ min: 1, max: 2_000_000 }).map((n) => (n / 10_000).toFixed(4)),
    den: fc.constantFrom("1", "1.0400", "157.81"),
  }),
  { nil: null },
);

describe("the currency effect", () => {
  it("balances + rates + coverage is the snapshots' change to the cent, rates missing or not", () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.record({
            currency: fc.constantFrom("USD", "EUR", "JPY"),
            side: fc.constantFrom("asset" as const, "liability" as const),
            before: fc.option(decimal, { nil: null }),
            after: fc.option(decimal, { nil: null }),
          }),
          { maxLength: 8 },
        ),
        fc.record({ EUR: rate, JPY: rate }),
        fc.record({ EUR: rate, JPY: rate }),
        (rows, r0, r1) => {
          const accounts: EffectAccount[] = rows.map((r, i) => ({
            ...r,
            id: String(i),
            name: `A${i}`,
          }));
          const before = (c: string) => r0[c as "EUR" | "JPY"] ?? null;
          const after = (c: string) => r1[c as "EUR" | "JPY"] ?? null;
          const effect = currencyEffect(accounts, "USD", before, after);
          const change =
            snapshotTotal(accounts, "after", after) - snapshotTotal(accounts, "before", before);
          expect(effect.change).toBe(change);
          expect(effect.balances + effect.rates + effect.coverage).toBe(change);
          expect(effect.coverage).toBe(effect.leftOut.reduce((s, a) => s + a.coverage, 0n));
          if (effect.leftOut.length === 0) expect(effect.coverage).toBe(0n);
        },
      ),
      { numRuns: 500 },
    );
  });

  it("names an account left out at the start, counts it as coverage, and a new one as balances", () => {
    const accounts: EffectAccount[] = [
      {
        id: "1",
        name: "Sparkonto",
        currency: "EUR",
        side: "asset",
        before: "1000.00",
        after: "1000.00",
      },
      { id: "2", name: "New", currency: "EUR", side: "asset", before: null, after: "10.00" },
      { id: "3", name: "Cash", currency: "USD", side: "asset", before: "5.00", after: "7.00" },
    ];
    const eur = { num: "1.0623", den: "1" };
    const effect = currencyEffect(
      accounts,
      "USD",
      () => null,
      () => eur,
    );
    expect(effect).toMatchObject({
      balances: 1062n + 200n,
      rates: 0n,
      coverage: 106230n,
      change: 106230n + 1262n,
      leftOut: [{ name: "Sparkonto", missing: "from", coverage: 106230n }],
    });
  });
});
