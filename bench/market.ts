/**
 * Rows 12 and 13 (issue 12): market prices.
 *   12: `revalue` of 1,000 holdings accounts over 100 distinct coins: the calls planned (one
 *       batched simple/price call for every coin), made against a local fake CoinGecko,
 *       judged, written, and the accounts' values and snapshots, as `revalue --all-users`
 *       does (the system connection). Checked: exactly one request.
 *   13: the history back-fill of one coin over 10 years: one market_chart/range call, ~3,650
 *       prices judged and written, the account's ~3,650 values and its snapshots.
 * The fake answers at once: the figures are this program's own work, not a network's.
 */

import { fetchMarket, planMarket } from "../src/commands/market.js";
import type { Context } from "../src/context.js";
import { addDays } from "../src/core/dates.js";
import type { Database } from "../src/db/connection.js";
import { heldAssets } from "../src/db/holdings.js";
import { upsertPrices } from "../src/db/prices.js";
import { revalue } from "../src/db/revalue.js";
import { refreshSnapshots } from "../src/db/snapshots.js";
import { FakeCoinGecko } from "../test/support/fake-coingecko.js";
import { type BenchRow, type DatabaseKind, measured, newRow, progress, timed } from "./lib.js";

export const MARKET = {
  accounts: Number(process.env.BENCH_MARKET_ACCOUNTS) || 1_000,
  coins: 100,
  years: 10,
};
const RUNS = 3;

/** A Context with only what the market step reads: the env and an empty config. */
function marketContext(url: string): Context {
  return {
    env: { NETWORTH_COINGECKO_URL: url },
    config: { get: () => undefined },
    paths: { keysDir: "/nonexistent" },
  } as unknown as Context;
}

async function makeUser(db: Database, email: string): Promise<string> {
  const [user] = await db.sql<
    { id: string }[]
  >`INSERT INTO users (email) VALUES (${email}) RETURNING id`;
  return user?.id as string;
}

/** n crypto accounts, each holding two of the coins (every coin held), with method holdings. */
async function makeHoldings(db: Database, userId: string, n: number, coins: number, start: string) {
  await db.sql`
    WITH made AS (
      INSERT INTO accounts (user_id, name, type, subtype, category, is_manual)
      SELECT ${userId}, 'wallet ' || i, 'manual_asset'::account_type, 'crypto',
             'digital_asset'::account_category, TRUE
      FROM generate_series(0, ${n - 1}) i
      RETURNING id, (substring(name from 8))::int AS i
    ), held AS (
      INSERT INTO account_holdings (account_id, user_id, kind, asset, quantity, start_date)
      SELECT id, ${userId}, 'coin', 'coin-' || c, 0.001 * (1 + (i * 37 + c) % 997), ${start}::date
      FROM made, LATERAL (VALUES (i % ${coins}), ((i * 7 + 3) % ${coins})) AS v(c)
      ON CONFLICT DO NOTHING
      RETURNING 1
    )
    INSERT INTO account_valuations (account_id, user_id, method, start_date, basis)
    SELECT id, ${userId}, 'holdings', ${start}::date, 0 FROM made`;
  await db.sql`ANALYZE`;
}

/** One run of the market step and the revalue transaction, as the cron line does it. */
async function marketRun(db: Database, ctx: Context, userId: string, today: string) {
  const needs = await db.sql.begin((tx) => heldAssets(tx, null));
  // No history window: the fake answers any range, as a plan with full history does.
  const plan = await planMarket(db, needs, today, null);
  const market = await fetchMarket(ctx, db, plan, { today });
  const done = await db.sql.begin(async (tx) => {
    await upsertPrices(tx, market.prices);
    const done = await revalue(tx, { all: true }, { today, reasons: market.reasons });
    const from = done.earliestByUser.get(userId);
    if (from) await refreshSnapshots(tx, { userId }, from, today);
    return done;
  });
  return { plan, market, done };
}

export async function marketRows(
  db: Database,
  database: DatabaseKind,
  today: string,
): Promise<BenchRow[]> {
  const fake = await new FakeCoinGecko().start();
  try {
    for (let c = 0; c < MARKET.coins; c++) fake.prices.set(`coin-${c}`, `${100 + c}.123456`);
    fake.history = (_id, date) => `${20000 + ((Date.parse(date) / 86_400_000) % 5000)}.5`;
    const ctx = marketContext(fake.url);

    // Row 12.
    const userId = await makeUser(db, "bench-market@example.com");
    await makeHoldings(db, userId, MARKET.accounts, MARKET.coins, today);
    progress(
      `${database}: row 12, ${MARKET.accounts} holdings accounts over ${MARKET.coins} coins`,
    );
    const row = newRow(
      "12",
      "revalue-holdings",
      "revalue 1,000 holdings accounts, 100 coins",
      database,
      {
        kind: "report",
        text: "reported",
      },
    );
    const samples: number[] = [];
    let requests = 0;
    let written = 0;
    for (let run = 0; run < RUNS; run++) {
      await db.sql`DELETE FROM prices WHERE asset LIKE 'coin-%' AND date = ${today}`;
      await db.sql`DELETE FROM account_balances b USING accounts a
                   WHERE a.id = b.account_id AND a.user_id = ${userId} AND b.source = 'rule'`;
      const before = fake.requests.length;
      const { ms, value } = await timed(() => marketRun(db, ctx, userId, today));
      samples.push(ms);
      requests = fake.requests.length - before;
      written = value.done.accounts.reduce((n, a) => n + a.inserted, 0);
    }
    measured(row, samples, null);
    row.notes.push(
      `${requests} request(s) per run (${requests === 1 ? "one batched call" : "NOT ONE CALL"}), ${written} values written, snapshots refreshed in the same transaction`,
    );
    row.details = { requests, values: written };

    // Row 13.
    const userB = await makeUser(db, "bench-backfill@example.com");
    const start = addDays(today, -365 * MARKET.years);
    await db.sql`INSERT INTO accounts (user_id, name, type, subtype, category, is_manual)
      VALUES (${userB}, 'Cold wallet', 'manual_asset', 'crypto', 'digital_asset', TRUE)`;
    const [acct] = await db.sql<{ id: string }[]>`SELECT id FROM accounts WHERE user_id = ${userB}`;
    await db.sql`INSERT INTO account_holdings (account_id, user_id, kind, asset, quantity, start_date)
      VALUES (${acct?.id as string}, ${userB}, 'coin', 'backfill-coin', 0.5, ${start})`;
    await db.sql`INSERT INTO account_valuations (account_id, user_id, method, start_date, basis)
      VALUES (${acct?.id as string}, ${userB}, 'holdings', ${start}, 0)`;
    fake.prices.set("backfill-coin", "25000.5");
    const back = newRow("13", "backfill-coin", "back-fill one coin over 10 years", database, {
      kind: "report",
      text: "reported",
    });
    const backSamples: number[] = [];
    let backRequests = 0;
    let backPrices = 0;
    let backValues = 0;
    for (let run = 0; run < RUNS; run++) {
      await db.sql`DELETE FROM prices WHERE asset = 'backfill-coin'`;
      await db.sql`DELETE FROM account_balances WHERE account_id = ${acct?.id as string}`;
      const before = fake.requests.length;
      // Only this user's holdings: the other user's are priced already.
      const { ms, value } = await timed(async () => {
        const need = { asset: "backfill-coin", kind: "coin", start } as const;
        const plan = await planMarket(db, [need], today, null);
        const market = await fetchMarket(ctx, db, plan, { today });
        return db.sql.begin(async (tx) => {
          await upsertPrices(tx, market.prices);
          const done = await revalue(tx, { accountIds: [acct?.id as string] }, { today });
          const from = done.earliestByUser.get(userB);
          if (from) await refreshSnapshots(tx, { userId: userB }, from, today);
          return { market, done };
        });
      });
      backSamples.push(ms);
      backRequests = fake.requests.length - before;
      backPrices = value.market.prices.length;
      backValues = value.done.accounts[0]?.inserted ?? 0;
    }
    measured(back, backSamples, null);
    back.notes.push(
      `${backRequests} requests (range + today), ${backPrices} prices judged and written, ${backValues} values, snapshots from ${start}`,
    );
    back.details = { requests: backRequests, prices: backPrices, values: backValues };
    return [row, back];
  } finally {
    await fake.stop();
  }
}
