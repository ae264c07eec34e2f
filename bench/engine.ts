/**
 * Rows 1 to 4: the snapshot engine (refreshSnapshots) against the naive one-query-per-day
 * baseline, on any open Database (server or embedded).
 */

import { addDays, daysBetween } from "../src/core/dates.js";
import { writeBalances } from "../src/db/balances.js";
import type { Database } from "../src/db/connection.js";
import { refreshSnapshots } from "../src/db/snapshots.js";
import { analyze, generateUsers, generateWeeklyBalances } from "./data.js";
import {
  type BenchRow,
  type DatabaseKind,
  formatMs,
  measured,
  median,
  newRow,
  progress,
  skip,
  timed,
} from "./lib.js";
import { NAIVE_DAY_SQL } from "./queries.js";

export const BACKFILL_RUNS = 3;
export const INCREMENTAL_RUNS = 5;
export const ALL_USERS_RUNS = 3;
export const NAIVE_RUNS = 3;

/** Sizes of the all-users data set (row 3). */
export const ALL_USERS = { users: 10_000, accountsPerUser: 10, weeks: 50, naiveSample: 1_000 };

const count = (n: number) => n.toLocaleString("en-US");

/** Empties a scope's snapshots (a cold start for the next refresh), outside any timing. */
async function clearSnapshots(db: Database, where: string, params: string[]): Promise<void> {
  await db.sql.unsafe(`DELETE FROM net_worth_snapshots WHERE ${where}`, params);
  await db.sql.unsafe("VACUUM net_worth_snapshots");
}

/**
 * Rows 1, 2 and 4a for one user whose daily history covers from..to: the cold backfill, the
 * incremental refresh after a back-dated change a year before `to`, and the naive baseline
 * of the backfill. Leaves the user's snapshots complete and current.
 */
export async function userRows(
  db: Database,
  database: DatabaseKind,
  userId: string,
  from: string,
  to: string,
  balanceRows: number,
): Promise<BenchRow[]> {
  const days = daysBetween(from, to) + 1;
  const size = `${count(days)} days, ${count(balanceRows)} balance rows`;

  progress(`${database}: row 1, backfill of ${size} (${BACKFILL_RUNS} cold runs)`);
  const backfill = newRow("1", "backfill", "backfill 10 years, 1 user", database, {
    kind: "ms",
    below: 1000,
  });
  const backfillMs: number[] = [];
  let written = 0;
  for (let run = 0; run < BACKFILL_RUNS; run++) {
    await clearSnapshots(db, "user_id = $1", [userId]);
    const { ms, value } = await db.asUser(userId, (tx) =>
      timed(() => refreshSnapshots(tx, { userId }, from, to)),
    );
    backfillMs.push(ms);
    written = value.upserted;
  }
  measured(backfill, backfillMs);
  backfill.notes.push(`${size}; ${count(written)} snapshots written`);
  backfill.details = { days, balanceRows, snapshotsWritten: written };

  const changed = addDays(to, -365);
  progress(`${database}: row 2, incremental refresh from ${changed} (${INCREMENTAL_RUNS} runs)`);
  const incremental = newRow("2", "incremental", "incremental, change 1 year back", database, {
    kind: "ms",
    below: 100,
  });
  const [account] = await db.sql<{ id: string }[]>`
    SELECT id FROM accounts WHERE user_id = ${userId} ORDER BY name LIMIT 1`;
  if (!account) throw new Error("the bench user has no account");
  const incrementalMs: number[] = [];
  let rewritten = 0;
  for (let run = 0; run < INCREMENTAL_RUNS; run++) {
    const { ms, value } = await db.asUser(userId, async (tx) => {
      await writeBalances(tx, [
        {
          accountId: account.id,
          date: changed,
          balance: 12_345_600n + BigInt(run) * 100n,
          available: null,
          limit: null,
          source: "manual",
        },
      ]);
      return timed(() => refreshSnapshots(tx, { userId }, changed, to));
    });
    incrementalMs.push(ms);
    rewritten = value.upserted;
  }
  measured(incremental, incrementalMs);
  incremental.notes.push(
    `${count(daysBetween(changed, to) + 1)} days refreshed, ${count(rewritten)} rewritten (after writeBalances, same transaction)`,
  );

  progress(
    `${database}: row 4a, naive baseline of the backfill (${NAIVE_RUNS} cold runs of ${count(days)} queries)`,
  );
  const naive = newRow("4a", "naive-backfill", "naive backfill: 1 query/day", database, {
    kind: "ratio-at-least",
    value: 10,
  });
  const naiveMs: number[] = [];
  for (let run = 0; run < NAIVE_RUNS; run++) {
    await clearSnapshots(db, "user_id = $1", [userId]);
    const { ms } = await db.asUser(userId, (tx) =>
      timed(async () => {
        for (let day = from; day <= to; day = addDays(day, 1)) {
          await tx.unsafe(NAIVE_DAY_SQL, [userId, day], { prepare: true });
        }
      }),
    );
    naiveMs.push(ms);
  }
  // The baseline must compute what the engine computes: refreshing now rewrites no row.
  const check = await db.asUser(userId, (tx) => refreshSnapshots(tx, { userId }, from, to));
  measured(naive, naiveMs, median(naiveMs) / (backfill.ms ?? Number.NaN));
  naive.notes.push(
    `${count(days)} prepared queries in one transaction, vs row 1's median ${formatMs(backfill.ms)} ms`,
    check.upserted === 0 && check.deleted === 0
      ? "same rows as the engine (its refresh after it rewrote none)"
      : `DIFFERS from the engine: its refresh then rewrote ${check.upserted}, deleted ${check.deleted}`,
  );
  naive.details = { queries: days, engineMs: backfill.ms ?? 0, sameAsEngine: check.upserted === 0 };

  return [backfill, incremental, naive];
}

/**
 * Generates the all-users data set (10,000 users, 100,000 accounts, 5,000,000 balances), in
 * chunks; with a budget, gives up as soon as the projected total exceeds it. Returns the
 * generation time, or the reason it stopped.
 */
async function generateAllUsers(
  db: Database,
  database: DatabaseKind,
  day: string,
  budgetMs: number | null,
): Promise<{ ms: number; rows: number } | { stopped: string }> {
  const parts = 20;
  const { users, weeks } = ALL_USERS;
  const start = performance.now();
  await generateUsers(db.sql, 1, users);
  const usersMs = performance.now() - start;
  let rows = 0;
  for (let part = 0; part < parts; part++) {
    rows += await generateWeeklyBalances(db.sql, part, parts, weeks, day, rows + 1);
    const elapsed = performance.now() - start;
    const projected = usersMs + ((elapsed - usersMs) * parts) / (part + 1);
    if (budgetMs !== null && projected > budgetMs && part + 1 < parts) {
      return {
        stopped:
          `generating it would take ~${Math.ceil(projected / 1000)} s here ` +
          `(${count(rows)} of ${count(users * ALL_USERS.accountsPerUser * weeks)} balances took ` +
          `${Math.round(elapsed / 1000)} s), over the ${budgetMs / 1000} s budget`,
      };
    }
    if ((part + 1) % 5 === 0) progress(`${database}: ${count(rows)} balances`);
  }
  const analyzeStart = performance.now();
  await analyze(db.sql);
  progress(
    `${database}: VACUUM ANALYZE, CHECKPOINT ${Math.round(performance.now() - analyzeStart)} ms`,
  );
  return { ms: performance.now() - start, rows };
}

/**
 * Rows 3 and 4b: the all-users refresh of `day`, and the naive baseline (one query per user)
 * on a sample, extrapolated linearly.
 */
export async function allUsersRows(
  db: Database,
  database: DatabaseKind,
  day: string,
  budgetMs: number | null,
): Promise<{ rows: BenchRow[]; generationMs: number | null }> {
  const { users, accountsPerUser, weeks, naiveSample } = ALL_USERS;
  const row = newRow("3", "all-users", "all users, 1 day", database, { kind: "ms", below: 5000 });
  const naive = newRow("4b", "naive-all-users", "naive all users: 1 query/user", database, {
    kind: "ratio-at-least",
    value: 10,
  });
  progress(
    `${database}: generating ${count(users)} users, ${count(users * accountsPerUser)} accounts, ` +
      `${count(users * accountsPerUser * weeks)} balances`,
  );
  const generated = await generateAllUsers(db, database, day, budgetMs);
  if ("stopped" in generated) {
    progress(`${database}: row 3 skipped: ${generated.stopped}`);
    return {
      rows: [skip(row, generated.stopped), skip(naive, generated.stopped)],
      generationMs: null,
    };
  }
  progress(`${database}: generated in ${Math.round(generated.ms / 1000)} s`);
  const [sizes] = await db.sql<{ users: number; accounts: number; balances: number }[]>`
    SELECT (SELECT count(*)::int FROM users) AS users,
           (SELECT count(*)::int FROM accounts) AS accounts,
           (SELECT count(*)::int FROM account_balances) AS balances`;
  const size = `${count(sizes?.users ?? 0)} users, ${count(sizes?.accounts ?? 0)} accounts, ${count(sizes?.balances ?? 0)} balance rows`;

  progress(`${database}: row 3, all-users refresh of ${day} (${ALL_USERS_RUNS} cold runs)`);
  const samples: number[] = [];
  let written = 0;
  for (let run = 0; run < ALL_USERS_RUNS; run++) {
    await clearSnapshots(db, "date = $1", [day]);
    const { ms, value } = await timed(() => refreshSnapshots(db.sql, { allUsers: true }, day, day));
    samples.push(ms);
    written = value.upserted;
  }
  measured(row, samples);
  row.notes.push(`${size}; ${count(written)} snapshots written`);
  row.details = {
    users: sizes?.users ?? 0,
    accounts: sizes?.accounts ?? 0,
    balanceRows: sizes?.balances ?? 0,
    snapshotsWritten: written,
    generationMs: Math.round(generated.ms),
  };

  progress(
    `${database}: row 4b, naive baseline on ${count(naiveSample)} users (${NAIVE_RUNS} runs)`,
  );
  const sample = await db.sql<{ id: string }[]>`
    SELECT id FROM users WHERE email LIKE 'bench-user-%' ORDER BY email LIMIT ${naiveSample}`;
  const sampleRuns: number[] = [];
  for (let run = 0; run < NAIVE_RUNS; run++) {
    await clearSnapshots(db, "date = $1", [day]);
    const { ms } = await timed(async () => {
      for (const { id } of sample) {
        await db.sql.unsafe(NAIVE_DAY_SQL, [id, day], { prepare: true });
      }
    });
    sampleRuns.push(ms);
  }
  const sampleMs = median(sampleRuns);
  const extrapolated = (sampleMs * users) / sample.length;
  // Same rows as the engine: the refresh after it rewrites every user's row but the sample's.
  const check = await refreshSnapshots(db.sql, { allUsers: true }, day, day);
  const expected = (sizes?.users ?? 0) - sample.length;
  const scale = users / sample.length;
  measured(
    naive,
    sampleRuns.map((ms) => ms * scale),
    extrapolated / (row.ms ?? Number.NaN),
  );
  naive.notes.push(
    `EXTRAPOLATED: ${count(sample.length)} users took ${formatMs(sampleMs)} ms (median), x ${scale} (linear)`,
    check.upserted === expected
      ? "same rows as the engine on the sample"
      : `DIFFERS from the engine: its refresh then rewrote ${check.upserted}, expected ${expected}`,
  );
  naive.details = {
    sampleUsers: sample.length,
    sampleMs: Math.round(sampleMs),
    engineMs: row.ms ?? 0,
    sameAsEngine: check.upserted === expected,
  };
  return { rows: [row, naive], generationMs: generated.ms };
}
