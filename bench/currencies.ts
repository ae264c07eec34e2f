/**
 * Row 1c (issue 13): row 1's cold backfill with half of the user's accounts in EUR and the user
 * in USD, so every day of those accounts is converted at that day's rate (EUR→USD published on
 * weekdays, carried over weekends), measured in the same run as row 1 on the same history.
 * Ratio = 1c / row 1. The accounts go back to USD and the snapshots are rebuilt afterwards, so
 * the later rows see row 1's data.
 */

import type { Database } from "../src/db/connection.js";
import { refreshSnapshots } from "../src/db/snapshots.js";
import { analyze } from "./data.js";
import { BACKFILL_RUNS } from "./engine.js";
import { type BenchRow, type DatabaseKind, measured, newRow, progress, timed } from "./lib.js";

export async function currencyRows(
  db: Database,
  database: DatabaseKind,
  userId: string,
  from: string,
  to: string,
  usdBackfillMs: number | null,
): Promise<BenchRow[]> {
  progress(
    `${database}: row 1c, backfill with half the accounts in EUR (${BACKFILL_RUNS} cold runs)`,
  );
  const row = newRow("1c", "backfill-eur", "backfill 10 years, half in EUR", database, {
    kind: "report",
    text: "ratio to row 1",
  });
  // Every weekday's rate, set-based, exact (a slow sine of the day number, 4 decimals).
  await db.sql`
    INSERT INTO exchange_rates (base, quote, date, rate, source)
    SELECT 'EUR', 'USD', d::date, round(1.1 + 0.1 * sin(extract(julian FROM d) / 90.0)::numeric, 4),
           'ecb'
    FROM generate_series(${from}::date - 7, ${to}::date, interval '1 day') d
    WHERE extract(isodow FROM d) < 6
    ON CONFLICT DO NOTHING`;
  const half = await db.sql<{ id: string }[]>`
    UPDATE accounts SET currency = 'EUR'
    WHERE id IN (SELECT id FROM accounts WHERE user_id = ${userId} ORDER BY name
                 LIMIT (SELECT count(*) / 2 FROM accounts WHERE user_id = ${userId}))
    RETURNING id`;
  await analyze(db.sql);
  const samples: number[] = [];
  let written = 0;
  try {
    for (let run = 0; run < BACKFILL_RUNS; run++) {
      await db.sql`DELETE FROM net_worth_snapshots WHERE user_id = ${userId}`;
      await db.sql.unsafe("VACUUM net_worth_snapshots");
      const { ms, value } = await db.asUser(userId, (tx) =>
        timed(() => refreshSnapshots(tx, { userId }, from, to)),
      );
      samples.push(ms);
      written = value.upserted;
    }
  } finally {
    await db.sql`UPDATE accounts SET currency = 'USD' WHERE user_id = ${userId}`;
    await db.asUser(userId, (tx) => refreshSnapshots(tx, { userId }, from, to));
  }
  const median = [...samples].sort((a, b) => a - b)[Math.floor(samples.length / 2)] ?? 0;
  measured(row, samples, usdBackfillMs ? median / usdBackfillMs : null);
  row.notes.push(
    `${half.length} of the accounts in EUR, ${written} snapshots written; ratio to row 1 (USD only) of this run`,
  );
  row.details = {
    eurAccounts: half.length,
    snapshotsWritten: written,
    usdBackfillMs: usdBackfillMs ?? 0,
  };
  return [row];
}
