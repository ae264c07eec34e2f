/**
 * Row 11: `revalue` of 1,000 accounts with valuation methods over 10 years of history (one
 * user; 250 each of depreciation, appreciation, index and amortization, every one starting
 * 10 years ago from a single value of its own), against the naive baseline: the same work one
 * account at a time (revalue called per account: its lock, reads and write, 4 statements).
 * Both run as `revalue --all-users` does (the cron line): on the system connection.
 */

import { pathToFileURL } from "node:url";
import type { TransactionSql } from "postgres";
import { addDays, todayIn } from "../src/core/dates.js";
import { addMonths } from "../src/core/valuation/months.js";
import type { Database } from "../src/db/connection.js";
import { revalue } from "../src/db/revalue.js";
import { refreshSnapshots } from "../src/db/snapshots.js";
import { freshEmbedded, freshServer } from "./backup.js";
import {
  type BenchRow,
  type DatabaseKind,
  formatTable,
  measured,
  median,
  newRow,
  progress,
  timed,
} from "./lib.js";

export const REVALUE = {
  accounts: Number(process.env.BENCH_REVALUE_ACCOUNTS) || 1_000,
  years: 10,
  email: "bench-revalue@example.com",
};
const RUNS = 3;
const NAIVE_RUNS = 1;

/** A user with the accounts, their first values, their methods and the index (set-based). */
export async function generate(db: Database, today: string): Promise<string> {
  const start = addMonths(today, -12 * REVALUE.years);
  const [user] = await db.sql<{ id: string }[]>`
    INSERT INTO users (email) VALUES (${REVALUE.email}) RETURNING id`;
  const userId = user?.id as string;
  await db.sql`INSERT INTO valuation_indexes (name) VALUES ('bench-hpi') ON CONFLICT DO NOTHING`;
  await db.sql`
    INSERT INTO valuation_index_values (index_name, date, value)
    SELECT 'bench-hpi', (date_trunc('month', ${start}::date) + make_interval(months => m))::date,
           round((200 + m * 0.75 + 3 * sin(m / 6.0))::numeric, 4)
    FROM generate_series(0, ${REVALUE.years * 12 + 1}) m
    ON CONFLICT DO NOTHING`;
  // i % 4: 0 depreciation (vehicle), 1 appreciation (home), 2 index (home), 3 amortization.
  await db.sql`
    WITH made AS (
      INSERT INTO accounts (user_id, name, type, subtype, category, is_manual)
      SELECT ${userId}, 'account ' || i,
             (CASE WHEN i % 4 = 3 THEN 'manual_liability' ELSE 'manual_asset' END)::account_type,
             CASE i % 4 WHEN 0 THEN 'vehicle' WHEN 3 THEN 'mortgage' ELSE 'real_estate' END,
             (CASE i % 4 WHEN 0 THEN 'vehicle' WHEN 3 THEN 'mortgage' ELSE 'property' END)::account_category,
             TRUE
      FROM generate_series(0, ${REVALUE.accounts - 1}) i
      RETURNING id, (substring(name from 9))::int AS i
    ), first AS (
      INSERT INTO account_balances (account_id, date, balance, source)
      SELECT id, ${start}::date, 20000 + (i * 997) % 400000, 'manual' FROM made
      RETURNING account_id, balance
    )
    INSERT INTO account_valuations (account_id, user_id, method, start_date, basis, rate,
      floor_value, index_name, apr, term_months, first_payment, payment, extra_payment)
    SELECT m.id, ${userId}, (CASE m.i % 4 WHEN 0 THEN 'depreciation' WHEN 1 THEN 'appreciation'
             WHEN 2 THEN 'index' ELSE 'amortization' END)::valuation_method,
           ${start}::date, f.balance,
           CASE WHEN m.i % 4 IN (0, 1) THEN 2 + (m.i % 13) END,
           CASE WHEN m.i % 4 = 0 THEN 500 END,
           CASE WHEN m.i % 4 = 2 THEN 'bench-hpi' END,
           CASE WHEN m.i % 4 = 3 THEN 3 + (m.i % 5) END,
           CASE WHEN m.i % 4 = 3 THEN 360 END,
           CASE WHEN m.i % 4 = 3 THEN ${addMonths(start, 1)}::date END,
           -- The level payment, rounded (numeric power: 360 is a whole exponent).
           CASE WHEN m.i % 4 = 3 THEN round(f.balance * ((3 + m.i % 5) / 1200.0)
             / (1 - power(1 + (3 + m.i % 5) / 1200.0, -360)), 2) END,
           CASE WHEN m.i % 4 = 3 THEN 0 END
    FROM made m JOIN first f ON f.account_id = m.id`;
  await db.sql`ANALYZE`;
  return userId;
}

async function clearGenerated(db: Database, userId: string): Promise<void> {
  await db.sql`DELETE FROM account_balances b USING accounts a
               WHERE a.id = b.account_id AND a.user_id = ${userId} AND b.source = 'rule'`;
  await db.sql`VACUUM account_balances`;
}

/**
 * The revalue command's transaction: revalue, then the snapshots from the earliest change.
 * On the system connection (`--all-users`) or, run under asUser, as the logged-in user.
 */
async function revalueAll(tx: TransactionSql, userId: string, today: string) {
  const done = await revalue(tx, { all: true }, { today });
  const from = done.earliestByUser.get(userId);
  const refresh = from ? await timed(() => refreshSnapshots(tx, { userId }, from, today)) : null;
  return { done, refreshMs: refresh?.ms ?? 0 };
}

export async function revalueRows(
  db: Database,
  database: DatabaseKind,
  today: string,
): Promise<BenchRow[]> {
  const made = await timed(() => generate(db, today));
  const userId = made.value;
  progress(
    `${database}: row 11, ${REVALUE.accounts} accounts with methods generated in ${Math.round(made.ms)} ms`,
  );

  const row = newRow("11", "revalue", "revalue 1,000 accounts, 10 years", database, {
    kind: "report",
    text: "reported",
  });
  const samples: number[] = [];
  const refreshes: number[] = [];
  let written = 0;
  for (let run = 0; run < RUNS; run++) {
    await clearGenerated(db, userId);
    const { ms, value } = await timed(() => db.sql.begin((tx) => revalueAll(tx, userId, today)));
    samples.push(ms);
    refreshes.push(value.refreshMs);
    written = value.done.accounts.reduce((n, a) => n + a.inserted, 0);
  }
  // A second run with nothing to do: the daily cron's case.
  const idle = await timed(() => db.sql.begin((tx) => revalueAll(tx, userId, today)));
  const idleWritten = idle.value.done.accounts.reduce(
    (n, a) => n + a.inserted + a.updated + a.deleted,
    0,
  );

  // Row 11u: the same cold run as the logged-in user (`networth revalue`): row level security
  // on every read and on the current-row triggers' statements.
  const asUser = newRow("11u", "revalue-as-user", "revalue as the logged-in user", database, {
    kind: "report",
    text: "reported",
  });
  const userSamples: number[] = [];
  let userWritten = 0;
  for (let run = 0; run < RUNS; run++) {
    await clearGenerated(db, userId);
    const { ms, value } = await timed(() =>
      db.asUser(userId, (tx) => revalueAll(tx, userId, today)),
    );
    userSamples.push(ms);
    userWritten = value.done.accounts.reduce((n, a) => n + a.inserted, 0);
  }

  const naive = newRow("11n", "naive-revalue", "naive revalue: 1 account at a time", database, {
    kind: "report",
    text: "reported",
  });
  const naiveSamples: number[] = [];
  let naiveWritten = 0;
  const ids = (
    await db.sql<{ accountId: string }[]>`
    SELECT v.account_id FROM account_valuations v WHERE v.user_id = ${userId} ORDER BY v.account_id`
  ).map((r) => r.accountId);
  for (let run = 0; run < NAIVE_RUNS; run++) {
    await clearGenerated(db, userId);
    const { ms } = await timed(() =>
      db.sql.begin(async (tx) => {
        naiveWritten = 0;
        let from: string | null = null;
        for (const id of ids) {
          const done = await revalue(tx, { accountIds: [id] }, { today });
          naiveWritten += done.accounts[0]?.inserted ?? 0;
          const changed = done.earliestByUser.get(userId) ?? null;
          if (changed !== null && (from === null || changed < from)) from = changed;
        }
        if (from) await refreshSnapshots(tx, { userId }, from, today);
      }),
    );
    naiveSamples.push(ms);
  }
  measured(row, samples, null);
  measured(asUser, userSamples, median(userSamples) / median(samples));
  measured(naive, naiveSamples, median(naiveSamples) / median(samples));
  row.notes.push(
    `${written.toLocaleString("en-US")} values written (+ their audit rows), snapshots from ${addDays(today, -365 * REVALUE.years).slice(0, 4)} refreshed in the same transaction (median ${Math.round(median(refreshes))} ms of it)`,
    `second run: ${Math.round(idle.ms)} ms, ${idleWritten} written`,
  );
  asUser.notes.push(
    "ratio = as the user / row 11 (system connection)",
    userWritten === written ? "same rows as row 11" : "DIFFERS",
  );
  naive.notes.push(
    `${naiveWritten.toLocaleString("en-US")} values, ${ids.length} x 4 statements; ratio = naive / row 11`,
    naiveWritten === written ? "same rows as row 11" : "DIFFERS",
  );
  row.details = {
    values: written,
    refreshMs: Math.round(median(refreshes)),
    idleMs: Math.round(idle.ms),
    idleWritten,
  };
  return [row, asUser, naive];
}

/** Rows 11, 11u and 11n alone: `node --import tsx bench/revalue.ts` (BENCH_SERVER=0 / BENCH_EMBEDDED=0). */
async function standalone(): Promise<void> {
  const adminUrl = process.env.BENCH_DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/postgres";
  const today = todayIn();
  const rows: BenchRow[] = [];
  const kinds: DatabaseKind[] = [];
  if (process.env.BENCH_SERVER !== "0") kinds.push("server");
  if (process.env.BENCH_EMBEDDED !== "0") kinds.push("embedded");
  for (const kind of kinds) {
    const fresh = kind === "server" ? await freshServer(adminUrl) : await freshEmbedded();
    try {
      rows.push(...(await revalueRows(fresh.db, kind, today)));
    } finally {
      await fresh.drop().catch(() => {});
    }
  }
  process.stdout.write(`${formatTable(rows)}\n`);
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) await standalone();
