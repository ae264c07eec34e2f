import type { TransactionSql } from "postgres";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { addDays } from "../../src/core/dates.js";
import { type BalanceInput, type WriteCounts, writeBalances } from "../../src/db/balances.js";
import type { Database } from "../../src/db/connection.js";
import { purgeItem } from "../../src/db/plaid.js";
import { refreshSnapshots } from "../../src/db/snapshots.js";
import { DATABASE_KINDS, type TestTarget } from "../support/databases.js";

/**
 * Two writers for one user at the same moment (issue 15, items 1, 2 and the import counts of
 * 8). Each transaction does what the commands do: writeBalances, then refreshSnapshots from
 * the earliest change through "today". After every round, every snapshot day must equal an
 * independent day-by-day sum over the balances, and every value written must be stored.
 *
 * On the server the writers run on two connections. The embedded database is one connection
 * (one process at a time), so there the same rounds run interleaved as far as one connection
 * allows: queued transactions, still checked after each round.
 */

const START = "2026-01-01";
const TODAY = "2026-03-31";

let emails = 0;

async function createUser(db: Database): Promise<string> {
  emails += 1;
  const [row] = await db.sql<{ id: string }[]>`
    INSERT INTO users (email) VALUES (${`race-${emails}-${Date.now()}@example.com`}) RETURNING id`;
  return row?.id as string;
}

async function createAccount(db: Database, userId: string, name: string): Promise<string> {
  const [row] = await db.sql<{ id: string }[]>`
    INSERT INTO accounts (user_id, name, type, subtype, category, is_manual)
    VALUES (${userId}, ${name}, 'manual_asset', 'other', 'property', true) RETURNING id`;
  const id = row?.id as string;
  await db.sql`INSERT INTO account_balances (account_id, date, balance, source)
    VALUES (${id}, ${START}, 1000.00, 'manual')`;
  return id;
}

const balance = (accountId: string, date: string, cents: bigint): BalanceInput => ({
  accountId,
  date,
  balance: cents,
  available: null,
  limit: null,
  source: "manual",
});

/** What set-balance and import do in their transaction: write, then refresh the snapshots. */
async function writeAndRefresh(
  tx: TransactionSql,
  userId: string,
  rows: BalanceInput[],
): Promise<WriteCounts> {
  const counts = await writeBalances(tx, rows);
  if (counts.earliestChange !== null)
    await refreshSnapshots(tx, { userId }, counts.earliestChange, TODAY);
  return counts;
}

/**
 * The snapshots that do not match an independent sum: per day, the latest balance on or
 * before it of every account of the user (all are positive property balances, so the sum is
 * both total assets and net worth). A missing or extra snapshot day counts as a mismatch.
 */
async function wrongDays(db: Database, userId: string): Promise<string[]> {
  const rows = await db.sql<{ date: string; expected: string | null; stored: string | null }[]>`
    WITH expected AS (
      SELECT d::date AS date, sum(x.v) AS total
      FROM generate_series(${START}::date, ${TODAY}::date, interval '1 day') d
      CROSS JOIN accounts a
      CROSS JOIN LATERAL (
        SELECT b.balance AS v FROM account_balances b
        WHERE b.account_id = a.id AND b.date <= d::date ORDER BY b.date DESC LIMIT 1) x
      WHERE a.user_id = ${userId}
      GROUP BY d
    ), stored AS (
      SELECT date, total_assets, net_worth FROM net_worth_snapshots WHERE user_id = ${userId}
    )
    SELECT coalesce(e.date, s.date) AS date, e.total::text AS expected,
           s.net_worth::text AS stored
    FROM expected e FULL JOIN stored s ON s.date = e.date
    WHERE e.total IS DISTINCT FROM s.net_worth OR e.total IS DISTINCT FROM s.total_assets
    ORDER BY 1`;
  return rows.map((r) => `${r.date}: expected ${r.expected}, stored ${r.stored}`);
}

/** The stored balance of an account on a date, as text, or null. */
async function stored(db: Database, accountId: string, date: string): Promise<string | null> {
  const [row] = await db.sql<{ balance: string }[]>`
    SELECT balance::text AS balance FROM account_balances
    WHERE account_id = ${accountId} AND date = ${date}`;
  return row?.balance ?? null;
}

/** The date of each account's current row (and how many current rows it has). */
async function currentRows(db: Database, accountId: string) {
  return db.sql<{ date: string }[]>`
    SELECT date FROM account_balances WHERE account_id = ${accountId} AND is_current`;
}

/** Resolves once some backend of this database waits for a lock, or `done` settles. */
async function blockedOrDone(db: Database, done: Promise<unknown>): Promise<void> {
  let settled = false;
  done.then(
    () => {
      settled = true;
    },
    () => {
      settled = true;
    },
  );
  const deadline = Date.now() + 10_000;
  while (!settled && Date.now() < deadline) {
    const [row] = await db.sql<{ n: number }[]>`
      SELECT count(*)::int AS n FROM pg_stat_activity
      WHERE datname = current_database() AND wait_event_type = 'Lock'`;
    if ((row?.n ?? 0) > 0) return;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** A transaction that holds after its work until release() is called. */
function held<T>(db: Database, userId: string, work: (tx: TransactionSql) => Promise<T>) {
  let release: () => void = () => {};
  const gate = new Promise<void>((resolve) => {
    release = resolve;
  });
  let reached: () => void = () => {};
  const ready = new Promise<void>((resolve) => {
    reached = resolve;
  });
  const result = db.asUser(userId, async (tx) => {
    const value = await work(tx);
    reached();
    await gate;
    return value;
  });
  result.catch(() => reached());
  return { ready, release, result };
}

const randomDay = () => addDays(START, 1 + Math.floor(Math.random() * 80));
const randomCents = () => BigInt(100 + Math.floor(Math.random() * 1_000_000));

for (const kind of DATABASE_KINDS) {
  describe.skipIf(!kind.available)(`two writers for one user on the ${kind.name} database`, () => {
    let t: TestTarget;
    let db: Database;

    beforeAll(async () => {
      t = await kind.create();
      db = await t.open("auto");
    });
    afterAll(async () => {
      await t?.dispose();
    });

    it.runIf(kind.name === "server")(
      "keeps every snapshot day exact when two accounts change in overlapping transactions",
      async () => {
        const userId = await createUser(db);
        const a = await createAccount(db, userId, "A");
        const b = await createAccount(db, userId, "B");
        await db.asUser(userId, (tx) => refreshSnapshots(tx, { userId }, START, TODAY));
        expect(await wrongDays(db, userId)).toEqual([]);

        const first = held(db, userId, (tx) =>
          writeAndRefresh(tx, userId, [balance(a, "2026-02-01", 200_000n)]),
        );
        await first.ready;
        const second = db.asUser(userId, (tx) =>
          writeAndRefresh(tx, userId, [balance(b, "2026-01-15", 300_000n)]),
        );
        await blockedOrDone(db, second);
        first.release();
        await Promise.all([first.result, second]);

        expect(await wrongDays(db, userId)).toEqual([]);
        expect(await stored(db, a, "2026-02-01")).toBe("2000.00");
        expect(await stored(db, b, "2026-01-15")).toBe("3000.00");
      },
    );

    it.runIf(kind.name === "server")(
      "saves both values and one right current row when one account gets two newer dates at once",
      async () => {
        const userId = await createUser(db);
        const a = await createAccount(db, userId, "A");
        await db.asUser(userId, (tx) => refreshSnapshots(tx, { userId }, START, TODAY));
        for (const [d1, d2] of [
          ["2026-02-01", "2026-02-10"],
          ["2026-03-10", "2026-03-01"],
        ] as const) {
          const first = held(db, userId, (tx) =>
            writeAndRefresh(tx, userId, [balance(a, d1, 111_00n)]),
          );
          await first.ready;
          const second = db.asUser(userId, (tx) =>
            writeAndRefresh(tx, userId, [balance(a, d2, 222_00n)]),
          );
          await blockedOrDone(db, second);
          first.release();
          await Promise.all([first.result, second]);
          expect(await stored(db, a, d1)).toBe("111.00");
          expect(await stored(db, a, d2)).toBe("222.00");
          const latest = [d1, d2].sort()[1];
          expect(await currentRows(db, a)).toEqual([{ date: latest }]);
          expect(await wrongDays(db, userId)).toEqual([]);
        }
      },
    );

    it.runIf(kind.name === "server")(
      "counts inserted and replaced rows right when two imports of the same rows overlap",
      async () => {
        const userId = await createUser(db);
        const a = await createAccount(db, userId, "A");
        const b = await createAccount(db, userId, "B");
        await db.asUser(userId, (tx) => refreshSnapshots(tx, { userId }, START, TODAY));
        const dates = Array.from({ length: 20 }, (_, i) => addDays("2026-02-01", i));
        const file = (cents: bigint) => [
          ...dates.map((d) => balance(a, d, cents)),
          ...dates.map((d) => balance(b, d, cents)),
        ];
        const first = held(db, userId, (tx) => writeAndRefresh(tx, userId, file(500_00n)));
        await first.ready;
        const second = db.asUser(userId, (tx) => writeAndRefresh(tx, userId, file(600_00n)));
        await blockedOrDone(db, second);
        first.release();
        const [one, two] = await Promise.all([first.result, second]);
        expect({ inserted: one.inserted, replaced: one.replaced }).toEqual({
          inserted: 40,
          replaced: 0,
        });
        // The second found every row the first one committed: it replaced them all.
        expect({ inserted: two.inserted, replaced: two.replaced }).toEqual({
          inserted: 0,
          replaced: 40,
        });
        expect(await stored(db, a, dates[5] as string)).toBe("600.00");
        expect(await wrongDays(db, userId)).toEqual([]);
      },
    );

    it.runIf(kind.name === "server")(
      "purges an item beside a writer of the same user without a deadlock",
      async () => {
        const userId = await createUser(db);
        const manual = await createAccount(db, userId, "Cash");
        const [item] = await db.sql<{ id: string }[]>`
          INSERT INTO plaid_items (user_id, item_id, access_token, institution_id, institution_name)
          VALUES (${userId}, ${`item-${userId}`}, 'sealed', 'ins_1', 'Bank') RETURNING id`;
        const itemId = item?.id as string;
        const [linked] = await db.sql<{ id: string }[]>`
          INSERT INTO accounts (user_id, plaid_item_id, plaid_account_id, name, type, subtype, category)
          VALUES (${userId}, ${itemId}, ${`acc-${userId}`}, 'Checking', 'depository', 'checking', 'cash')
          RETURNING id`;
        const linkedId = linked?.id as string;
        await db.sql`INSERT INTO account_balances (account_id, date, balance, source)
          VALUES (${linkedId}, ${START}, 50.00, 'plaid')`;

        // The writer holds the user's lock (its first write), then writes the linked account
        // while the purge runs: before the purge took the lock first, the purge held the
        // account rows and waited for the lock, the writer held the lock and waited for the
        // rows: "deadlock detected".
        let release: () => void = () => {};
        const gate = new Promise<void>((resolve) => {
          release = resolve;
        });
        let reached: () => void = () => {};
        const ready = new Promise<void>((resolve) => {
          reached = resolve;
        });
        const writer = db.asUser(userId, async (tx) => {
          await writeBalances(tx, [balance(manual, "2026-02-01", 200_000n)]);
          reached();
          await gate;
          return writeBalances(tx, [balance(linkedId, "2026-02-02", 70_00n)]);
        });
        writer.catch(() => reached());
        await ready;
        const purge = db.asUser(userId, async (tx) => {
          const first = await purgeItem(tx, itemId);
          if (first !== null) await refreshSnapshots(tx, { userId }, first, TODAY);
          return first;
        });
        await blockedOrDone(db, purge);
        release();
        const [wrote, purged] = await Promise.allSettled([writer, purge]);
        expect(wrote.status, String((wrote as PromiseRejectedResult).reason)).toBe("fulfilled");
        expect(purged.status, String((purged as PromiseRejectedResult).reason)).toBe("fulfilled");
        // The purge ran after the writer committed: the linked account is gone with the value
        // the writer gave it; the manual account keeps its own.
        const left = await db.sql`SELECT id FROM accounts WHERE plaid_item_id = ${itemId}`;
        expect(left).toHaveLength(0);
        expect(await stored(db, manual, "2026-02-01")).toBe("2000.00");
        expect(await wrongDays(db, userId)).toEqual([]);
      },
    );

    it("stays exact over rounds of two racing writers, and a refresh beside a writer", async () => {
      const userId = await createUser(db);
      const accounts = [
        await createAccount(db, userId, "A"),
        await createAccount(db, userId, "B"),
        await createAccount(db, userId, "C"),
      ];
      await db.asUser(userId, (tx) => refreshSnapshots(tx, { userId }, START, TODAY));
      const deadline = Date.now() + 4_000;
      let rounds = 0;
      while (Date.now() < deadline || rounds < 5) {
        rounds += 1;
        const [x, y] = [accounts[rounds % 3] as string, accounts[(rounds + 1) % 3] as string];
        // Two different accounts, or the same one, on random newer and older dates.
        const target = rounds % 4 === 0 ? x : y;
        const one = balance(x, randomDay(), randomCents());
        const two = balance(target, randomDay(), randomCents());
        if (two.accountId === one.accountId && two.date === one.date) continue;
        const refreshFrom = randomDay();
        const outcomes = await Promise.allSettled([
          db.asUser(userId, (tx) => writeAndRefresh(tx, userId, [one])),
          db.asUser(userId, (tx) => writeAndRefresh(tx, userId, [two])),
          db.asUser(userId, (tx) => refreshSnapshots(tx, { userId }, refreshFrom, TODAY)),
        ]);
        expect(
          outcomes.filter((o) => o.status === "rejected"),
          `round ${rounds}`,
        ).toEqual([]);
        expect(await wrongDays(db, userId), `round ${rounds}`).toEqual([]);
        for (const row of [one, two]) {
          expect(await stored(db, row.accountId, row.date), `round ${rounds}`).toBe(
            `${row.balance / 100n}.${(row.balance % 100n).toString().padStart(2, "0")}`,
          );
        }
        for (const account of accounts) {
          expect(await currentRows(db, account), `round ${rounds}`).toHaveLength(1);
        }
      }
    });
  });
}
