import { expect } from "vitest";
import { type AccountCategory, bucketFor } from "../../src/core/buckets.js";
import { addDays } from "../../src/core/dates.js";
import { centsFromDecimal, fixedFromCents } from "../../src/core/money.js";
import type { Database } from "../../src/db/connection.js";

/**
 * Checks a user's stored snapshots against an independent day-by-day sum: for every day from
 * the first balance to `today`, each account that counts (not archived by then) at its latest
 * balance on or before the day, placed by bucketFor(). Reads plain tables on the system
 * connection, none of the code under test.
 */
export async function expectSnapshotsMatchBalances(
  db: Database,
  userId: string,
  today: string,
): Promise<void> {
  const accounts = await db.sql<
    { id: string; category: AccountCategory; archivedOn: string | null }[]
  >`SELECT id, category::text AS category, archived_on FROM accounts WHERE user_id = ${userId}`;
  const balances = await db.sql<{ accountId: string; date: string; balance: string }[]>`
    SELECT b.account_id, b.date, b.balance::text AS balance FROM account_balances b
    JOIN accounts a ON a.id = b.account_id WHERE a.user_id = ${userId} ORDER BY b.date`;
  const snapshots = await db.sql<
    { date: string; totalAssets: string; totalLiabilities: string; netWorth: string }[]
  >`SELECT date, total_assets::text AS total_assets, total_liabilities::text AS total_liabilities,
           net_worth::text AS net_worth
    FROM net_worth_snapshots WHERE user_id = ${userId} ORDER BY date`;
  const first = balances[0]?.date;
  const expected: {
    date: string;
    totalAssets: string;
    totalLiabilities: string;
    netWorth: string;
  }[] = [];
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
      for (const a of accounts) {
        const cents = latest.get(a.id);
        if (cents === undefined || (a.archivedOn !== null && day >= a.archivedOn)) continue;
        counted = true;
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
        });
      }
    }
  }
  expect(snapshots).toEqual(expected);
}
