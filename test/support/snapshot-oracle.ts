import { expect } from "vitest";
import { type AccountCategory, bucketFor } from "../../src/core/buckets.js";
import { addDays } from "../../src/core/dates.js";
import { centsFromDecimal, fixedFromCents } from "../../src/core/money.js";
import type { Database } from "../../src/db/connection.js";

/** An exact rational n/d (d > 0) from a decimal string such as "1.0850000000". */
function ratio(text: string): { n: bigint; d: bigint } {
  const [whole = "0", fraction = ""] = text.split(".");
  return { n: BigInt(whole + fraction), d: 10n ** BigInt(fraction.length) };
}

/** n/d rounded half away from zero. */
function roundHalfAway(n: bigint, d: bigint): bigint {
  const negative = n < 0n !== d < 0n;
  const [a, b] = [n < 0n ? -n : n, d < 0n ? -d : d];
  const q = (2n * a + b) / (2n * b);
  return negative ? -q : q;
}

/**
 * Checks a user's stored snapshots against an independent day-by-day sum: for every day from
 * the first balance to `today`, each account that counts (not archived by then) at its latest
 * balance on or before the day, converted into the user's currency at that day's rate, placed
 * by bucketFor(). The rate of day d: the user's own rate of the pair (or 1 / that of its
 * inverse) on d; else through EUR, the latest published rate of each leg on or before d and at
 * most 7 days back. An account without a rate is left out and counted in left_out. Reads plain
 * tables on the system connection, none of the code under test.
 */
export async function expectSnapshotsMatchBalances(
  db: Database,
  userId: string,
  today: string,
): Promise<void> {
  const [user] = await db.sql<{ currency: string }[]>`
    SELECT coalesce(preferences->>'currency', 'USD') AS currency FROM users WHERE id = ${userId}`;
  const mine = user?.currency ?? "USD";
  const accounts = await db.sql<
    { id: string; category: AccountCategory; archivedOn: string | null; currency: string }[]
  >`SELECT id, category::text AS category, archived_on, currency::text AS currency
    FROM accounts WHERE user_id = ${userId}`;
  const balances = await db.sql<{ accountId: string; date: string; balance: string }[]>`
    SELECT b.account_id, b.date, b.balance::text AS balance FROM account_balances b
    JOIN accounts a ON a.id = b.account_id WHERE a.user_id = ${userId} ORDER BY b.date`;
  const published = await db.sql<{ quote: string; date: string; rate: string }[]>`
    SELECT quote::text AS quote, date, rate::text AS rate FROM exchange_rates
    WHERE base = 'EUR' ORDER BY date`;
  const own = await db.sql<{ base: string; quote: string; date: string; rate: string }[]>`
    SELECT base::text AS base, quote::text AS quote, date, rate::text AS rate
    FROM user_exchange_rates WHERE user_id = ${userId}`;
  const snapshots = await db.sql<
    {
      date: string;
      totalAssets: string;
      totalLiabilities: string;
      netWorth: string;
      currency: string;
      leftOut: Record<string, number> | null;
    }[]
  >`SELECT date, total_assets::text AS total_assets, total_liabilities::text AS total_liabilities,
           net_worth::text AS net_worth, currency::text AS currency, left_out
    FROM net_worth_snapshots WHERE user_id = ${userId} ORDER BY date`;

  const byQuote = new Map<string, Map<string, string>>();
  for (const r of published) {
    const days = byQuote.get(r.quote) ?? new Map<string, string>();
    days.set(r.date, r.rate);
    byQuote.set(r.quote, days);
  }
  const leg = (x: string, day: string): { n: bigint; d: bigint } | null => {
    if (x === "EUR") return { n: 1n, d: 1n };
    for (let back = 0; back <= 7; back++) {
      const rate = byQuote.get(x)?.get(addDays(day, -back));
      if (rate !== undefined) return ratio(rate);
    }
    return null;
  };
  const ownRate = (base: string, quote: string, day: string) =>
    own.find((r) => r.base === base && r.quote === quote && r.date === day)?.rate;
  /** cents of `from` on `day` in the user's currency, or null without a rate. */
  const convert = (cents: bigint, from: string, day: string): bigint | null => {
    if (from === mine) return cents;
    const direct = ownRate(from, mine, day);
    if (direct !== undefined) {
      const r = ratio(direct);
      return roundHalfAway(cents * r.n, r.d);
    }
    const inverse = ownRate(mine, from, day);
    if (inverse !== undefined) {
      const r = ratio(inverse);
      return roundHalfAway(cents * r.d, r.n);
    }
    const up = leg(mine, day);
    const down = leg(from, day);
    if (!up || !down) return null;
    return roundHalfAway(cents * up.n * down.d, up.d * down.n);
  };

  const first = balances[0]?.date;
  const expected: (typeof snapshots)[number][] = [];
  if (first) {
    const latest = new Map<string, bigint>();
    let i = 0;
    for (let day = first; day <= today; day = addDays(day, 1)) {
      while (i < balances.length && (balances[i]?.date ?? "") <= day) {
        const b = balances[i++];
        if (b) latest.set(b.accountId, centsFromDecimal(b.balance));
      }
      let assets = 0n;
      let liabilities = 0n;
      let counted = false;
      const leftOut: Record<string, number> = {};
      for (const a of accounts) {
        const own = latest.get(a.id);
        if (own === undefined || (a.archivedOn !== null && day >= a.archivedOn)) continue;
        counted = true;
        const cents = convert(own, a.currency, day);
        if (cents === null) {
          const pair = `${a.currency}/${mine}`;
          leftOut[pair] = (leftOut[pair] ?? 0) + 1;
          continue;
        }
        const placed = bucketFor(a.category, cents);
        if (placed.side === "asset") assets += placed.cents;
        else liabilities += placed.cents;
      }
      if (counted) {
        expected.push({
          date: day,
          totalAssets: fixedFromCents(assets),
          totalLiabilities: fixedFromCents(liabilities),
          netWorth: fixedFromCents(assets - liabilities),
          currency: mine,
          leftOut: Object.keys(leftOut).length > 0 ? leftOut : null,
        });
      }
    }
  }
  expect(snapshots).toEqual(expected);
}
