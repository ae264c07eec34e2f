import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { MAX_AMOUNT_CENTS } from "../../src/core/amount.js";
import {
  ACCOUNT_CATEGORIES,
  type AccountCategory,
  ASSET_BUCKETS,
  type AssetBucket,
  bucketFor,
  CATEGORY_BUCKETS,
  LIABILITY_BUCKETS,
  type LiabilityBucket,
  type SnapshotRow,
} from "../../src/core/buckets.js";
import { addDays } from "../../src/core/dates.js";
import { fixedFromCents } from "../../src/core/money.js";
import type { Database } from "../../src/db/connection.js";
import { readSnapshots, refreshSnapshots } from "../../src/db/snapshots.js";
import { DATABASE_KINDS, type TestTarget } from "../support/databases.js";

/** A snapshot without its id and creation time: what the tests compare. */
interface Snapshot {
  date: string;
  totalAssets: string;
  totalLiabilities: string;
  netWorth: string;
  assetBreakdown: Record<AssetBucket, string>;
  liabilityBreakdown: Record<LiabilityBucket, string>;
}

const strip = (rows: SnapshotRow[]): Snapshot[] =>
  rows.map(
    ({ id: _id, userId: _user, createdAt: _created, currency: _c, leftOut: _l, ...rest }) => rest,
  );

/** A hand-written row: [date, assets, liabilities, net worth, asset buckets, liability buckets]. */
type Row = [
  string,
  string,
  string,
  string,
  [string, string, string, string, string, string, string],
  [string, string, string, string],
];

function expand([
  date,
  totalAssets,
  totalLiabilities,
  netWorth,
  assets,
  liabilities,
]: Row): Snapshot {
  const [cash, investments, property, vehicles, preciousMetals, digitalAssets, other] = assets;
  const [creditCards, mortgages, loans, otherLiability] = liabilities;
  return {
    date,
    totalAssets,
    totalLiabilities,
    netWorth,
    assetBreakdown: { cash, investments, property, vehicles, preciousMetals, digitalAssets, other },
    liabilityBreakdown: { creditCards, mortgages, loans, other: otherLiability },
  };
}

let emails = 0;

async function createUser(db: Database): Promise<string> {
  emails += 1;
  const [row] = await db.sql<{ id: string }[]>`
    INSERT INTO users (email) VALUES (${`snap-${emails}-${Date.now()}@example.com`}) RETURNING id`;
  return row?.id as string;
}

async function createAccount(
  db: Database,
  userId: string,
  category: AccountCategory,
  archivedOn: string | null = null,
): Promise<string> {
  const type = CATEGORY_BUCKETS[category].side === "asset" ? "manual_asset" : "manual_liability";
  const [row] = await db.sql<{ id: string }[]>`
    INSERT INTO accounts (user_id, name, type, subtype, category, is_manual, is_active, archived_on)
    VALUES (${userId}, ${category}, ${type}, 'other', ${category}, true, ${archivedOn === null},
            ${archivedOn})
    RETURNING id`;
  return row?.id as string;
}

async function setBalances(db: Database, accountId: string, balances: [string, string][]) {
  if (balances.length === 0) return;
  const rows = balances.map(([date, balance]) => ({ accountId, date, balance, source: "manual" }));
  await db.sql`INSERT INTO account_balances ${db.sql(rows)}
    ON CONFLICT (account_id, date) DO UPDATE SET balance = EXCLUDED.balance`;
}

const refreshAs = (db: Database, userId: string, from: string, to: string) =>
  db.asUser(userId, (tx) => refreshSnapshots(tx, { userId }, from, to));

const readAs = async (db: Database, userId: string, from: string, to: string) =>
  strip(await db.asUser(userId, (tx) => readSnapshots(tx, userId, from, to)));

const days = (from: string, to: string): string[] => {
  const out: string[] = [];
  for (let day = from; day <= to; day = addDays(day, 1)) out.push(day);
  return out;
};

/** An account of a generated history: balances by day offset from the range start, in cents. */
interface ModelAccount {
  category: AccountCategory;
  archivedOn: number | null;
  balances: Map<number, bigint>;
}

/** The snapshots the rule gives, computed in TypeScript with bigint cents and bucketFor(). */
function model(accounts: ModelAccount[], start: string, length: number): Snapshot[] {
  const out: Snapshot[] = [];
  for (let day = 0; day < length; day++) {
    const assets = Object.fromEntries(ASSET_BUCKETS.map((b) => [b, 0n])) as Record<
      AssetBucket,
      bigint
    >;
    const liabilities = Object.fromEntries(LIABILITY_BUCKETS.map((b) => [b, 0n])) as Record<
      LiabilityBucket,
      bigint
    >;
    let counted = false;
    for (const account of accounts) {
      if (account.archivedOn !== null && day >= account.archivedOn) continue;
      const dated = [...account.balances.keys()].filter((d) => d <= day);
      if (dated.length === 0) continue;
      counted = true;
      const placed = bucketFor(
        account.category,
        account.balances.get(Math.max(...dated)) as bigint,
      );
      if (placed.side === "asset") assets[placed.bucket] += placed.cents;
      else liabilities[placed.bucket] += placed.cents;
    }
    if (!counted) continue;
    const totalAssets = Object.values(assets).reduce((a, b) => a + b, 0n);
    const totalLiabilities = Object.values(liabilities).reduce((a, b) => a + b, 0n);
    const fixed = <K extends string>(r: Record<K, bigint>) =>
      Object.fromEntries(Object.entries<bigint>(r).map(([k, v]) => [k, fixedFromCents(v)]));
    out.push({
      date: addDays(start, day),
      totalAssets: fixedFromCents(totalAssets),
      totalLiabilities: fixedFromCents(totalLiabilities),
      netWorth: fixedFromCents(totalAssets - totalLiabilities),
      assetBreakdown: fixed(assets) as Record<AssetBucket, string>,
      liabilityBreakdown: fixed(liabilities) as Record<LiabilityBucket, string>,
    });
  }
  return out;
}

/** Writes a generated history for a new user; returns the user and the account ids. */
async function insertHistory(db: Database, start: string, accounts: ModelAccount[]) {
  const userId = await createUser(db);
  const ids: string[] = [];
  for (const account of accounts) {
    const archivedOn = account.archivedOn === null ? null : addDays(start, account.archivedOn);
    const id = await createAccount(db, userId, account.category, archivedOn);
    ids.push(id);
    await setBalances(
      db,
      id,
      [...account.balances].map(([day, cents]) => [addDays(start, day), fixedFromCents(cents)]),
    );
  }
  return { userId, ids };
}

const RANGE = 20; // days in a generated range
const centsArb = fc.oneof(
  fc.bigInt({ min: -50_000n, max: 50_000n }),
  // Up to the largest balance allowed (migration 0005's chk_balance_range).
  fc.bigInt({ min: -MAX_AMOUNT_CENTS, max: MAX_AMOUNT_CENTS }),
  fc.constant(0n),
);
const accountArb: fc.Arbitrary<ModelAccount> = fc.record({
  category: fc.constantFrom(...ACCOUNT_CATEGORIES),
  archivedOn: fc.option(fc.integer({ min: -3, max: RANGE + 2 }), { freq: 3 }),
  // Offsets from before the range (the balance in effect at its start) to its last day.
  balances: fc
    .array(fc.tuple(fc.integer({ min: -5, max: RANGE - 1 }), centsArb), { maxLength: 6 })
    .map((entries) => new Map(entries)),
});
const historyArb = fc.array(accountArb, { minLength: 1, maxLength: 4 });
const changeArb = fc.oneof(
  fc.record({
    kind: fc.constant("set" as const),
    account: fc.nat(),
    day: fc.integer({ min: -2, max: RANGE - 1 }),
    cents: centsArb,
  }),
  fc.record({ kind: fc.constant("delete" as const), account: fc.nat(), pick: fc.nat() }),
  fc.record({
    kind: fc.constant("archive" as const),
    account: fc.nat(),
    day: fc.integer({ min: 0, max: RANGE - 1 }),
  }),
);

for (const kind of DATABASE_KINDS) {
  describe.skipIf(!kind.available)(`net worth snapshots on the ${kind.name} database`, () => {
    let t: TestTarget;
    let db: Database;

    beforeAll(async () => {
      t = await kind.create();
      db = await t.open("auto");
    });
    afterAll(async () => {
      await t?.dispose();
    });

    it("gives the hand-computed totals and breakdowns of every day of a scenario", async () => {
      const userId = await createUser(db);
      const checking = await createAccount(db, userId, "cash");
      const house = await createAccount(db, userId, "property");
      const card = await createAccount(db, userId, "credit_card");
      const carLoan = await createAccount(db, userId, "loan");
      // Archived on 03-13: counts through 03-12; its balance dated 03-14 never counts.
      const savings = await createAccount(db, userId, "cash", "2026-03-13");
      await setBalances(db, checking, [
        ["2026-02-28", "1500.00"],
        ["2026-03-03", "1250.55"],
        ["2026-03-06", "-75.20"], // overdrawn: liability `other`
        ["2026-03-07", "310.00"],
        ["2026-03-12", "2000.10"],
      ]);
      await setBalances(db, house, [
        ["2026-02-27", "350000.00"],
        ["2026-03-10", "355000.00"],
      ]);
      await setBalances(db, card, [
        ["2026-03-01", "820.40"],
        ["2026-03-05", "-15.60"], // in credit: asset `cash`
        ["2026-03-06", "140.00"],
      ]);
      await setBalances(db, carLoan, [
        ["2026-02-27", "4200.00"],
        ["2026-03-08", "3900.00"],
        ["2026-03-11", "0.00"], // paid off: still counts, at zero
      ]);
      await setBalances(db, savings, [
        ["2026-03-02", "5000.00"],
        ["2026-03-09", "5100.25"],
        ["2026-03-14", "5200.00"],
      ]);
      // Stale rows: one on a day before any balance (deleted), one wrong (rewritten).
      for (const date of ["2026-02-25", "2026-03-02"]) {
        await db.sql`INSERT INTO net_worth_snapshots (user_id, date, total_assets,
            total_liabilities, net_worth, asset_breakdown, liability_breakdown)
          VALUES (${userId}, ${date}, 1, 0, 1, '{}', '{}')`;
      }

      const z = "0.00";
      // After the back-dated revaluation of the house (362500.00 from 03-04).
      // biome-ignore format: a table, one day a line
      const expected: Row[] = [
        ["2026-02-27", "350000.00", "4200.00", "345800.00", [z, z, "350000.00", z, z, z, z], [z, z, "4200.00", z]],
        ["2026-02-28", "351500.00", "4200.00", "347300.00", ["1500.00", z, "350000.00", z, z, z, z], [z, z, "4200.00", z]],
        ["2026-03-01", "351500.00", "5020.40", "346479.60", ["1500.00", z, "350000.00", z, z, z, z], ["820.40", z, "4200.00", z]],
        ["2026-03-02", "356500.00", "5020.40", "351479.60", ["6500.00", z, "350000.00", z, z, z, z], ["820.40", z, "4200.00", z]],
        ["2026-03-03", "356250.55", "5020.40", "351230.15", ["6250.55", z, "350000.00", z, z, z, z], ["820.40", z, "4200.00", z]],
        ["2026-03-04", "368750.55", "5020.40", "363730.15", ["6250.55", z, "362500.00", z, z, z, z], ["820.40", z, "4200.00", z]],
        ["2026-03-05", "368766.15", "4200.00", "364566.15", ["6266.15", z, "362500.00", z, z, z, z], [z, z, "4200.00", z]],
        ["2026-03-06", "367500.00", "4415.20", "363084.80", ["5000.00", z, "362500.00", z, z, z, z], ["140.00", z, "4200.00", "75.20"]],
        ["2026-03-07", "367810.00", "4340.00", "363470.00", ["5310.00", z, "362500.00", z, z, z, z], ["140.00", z, "4200.00", z]],
        ["2026-03-08", "367810.00", "4040.00", "363770.00", ["5310.00", z, "362500.00", z, z, z, z], ["140.00", z, "3900.00", z]],
        ["2026-03-09", "367910.25", "4040.00", "363870.25", ["5410.25", z, "362500.00", z, z, z, z], ["140.00", z, "3900.00", z]],
        ["2026-03-10", "360410.25", "4040.00", "356370.25", ["5410.25", z, "355000.00", z, z, z, z], ["140.00", z, "3900.00", z]],
        ["2026-03-11", "360410.25", "140.00", "360270.25", ["5410.25", z, "355000.00", z, z, z, z], ["140.00", z, z, z]],
        ["2026-03-12", "362100.35", "140.00", "361960.35", ["7100.35", z, "355000.00", z, z, z, z], ["140.00", z, z, z]],
        ["2026-03-13", "357000.10", "140.00", "356860.10", ["2000.10", z, "355000.00", z, z, z, z], ["140.00", z, z, z]],
        ["2026-03-14", "357000.10", "140.00", "356860.10", ["2000.10", z, "355000.00", z, z, z, z], ["140.00", z, z, z]],
        ["2026-03-15", "357000.10", "140.00", "356860.10", ["2000.10", z, "355000.00", z, z, z, z], ["140.00", z, z, z]],
        ["2026-03-16", "357000.10", "140.00", "356860.10", ["2000.10", z, "355000.00", z, z, z, z], ["140.00", z, z, z]],
      ];
      // Before it, 03-04..03-09 had the house at 350000.00: assets and net worth 12500.00 less.
      // biome-ignore format: a table, one day a line
      const before: Row[] = [
        ["2026-03-04", "356250.55", "5020.40", "351230.15", ["6250.55", z, "350000.00", z, z, z, z], ["820.40", z, "4200.00", z]],
        ["2026-03-05", "356266.15", "4200.00", "352066.15", ["6266.15", z, "350000.00", z, z, z, z], [z, z, "4200.00", z]],
        ["2026-03-06", "355000.00", "4415.20", "350584.80", ["5000.00", z, "350000.00", z, z, z, z], ["140.00", z, "4200.00", "75.20"]],
        ["2026-03-07", "355310.00", "4340.00", "350970.00", ["5310.00", z, "350000.00", z, z, z, z], ["140.00", z, "4200.00", z]],
        ["2026-03-08", "355310.00", "4040.00", "351270.00", ["5310.00", z, "350000.00", z, z, z, z], ["140.00", z, "3900.00", z]],
        ["2026-03-09", "355410.25", "4040.00", "351370.25", ["5410.25", z, "350000.00", z, z, z, z], ["140.00", z, "3900.00", z]],
      ];
      const [from, to] = ["2026-02-25", "2026-03-16"];
      const check = async (rows: Row[]) => {
        const actual = await readAs(db, userId, from, to);
        const byDate = new Map(rows.map((row) => [row[0], expand(row)]));
        // Every day of the range: its row, or none before the first balance (02-25, 02-26).
        for (const day of days(from, to)) {
          expect(actual.find((s) => s.date === day) ?? null, day).toEqual(byDate.get(day) ?? null);
        }
        expect(actual.map((s) => s.date)).toEqual(rows.map((row) => row[0]));
      };

      expect(await refreshAs(db, userId, from, to)).toEqual({
        days: 20,
        upserted: 18,
        deleted: 1,
        overflowed: 0,
      });
      const replaced = new Map(before.map((row) => [row[0], row]));
      await check(expected.map((row) => replaced.get(row[0]) ?? row));

      // The back-dated revaluation: history, not current; refreshing from its date is enough.
      await setBalances(db, house, [["2026-03-04", "362500.00"]]);
      expect(await refreshAs(db, userId, "2026-03-04", to)).toEqual({
        days: 13,
        upserted: 6,
        deleted: 0,
        overflowed: 0,
      });
      await check(expected);
      // Nothing left to do: unchanged days are not rewritten.
      expect(await refreshAs(db, userId, from, to)).toEqual({
        days: 20,
        upserted: 0,
        deleted: 0,
        overflowed: 0,
      });
      // One day alone, in the middle of a balance's interval.
      expect(await refreshAs(db, userId, "2026-03-14", "2026-03-14")).toEqual({
        days: 1,
        upserted: 0,
        deleted: 0,
        overflowed: 0,
      });
      expect(await refreshAs(db, userId, to, from)).toEqual({
        days: 0,
        upserted: 0,
        deleted: 0,
        overflowed: 0,
      });
    });

    it("deletes the snapshot of a day where no account counts any more", async () => {
      const userId = await createUser(db);
      const account = await createAccount(db, userId, "investment");
      await setBalances(db, account, [
        ["2026-05-01", "10.00"],
        ["2026-05-02", "12.10"],
      ]);
      expect(await refreshAs(db, userId, "2026-04-30", "2026-05-03")).toEqual({
        days: 4,
        upserted: 3,
        deleted: 0,
        overflowed: 0,
      });
      await db.sql`DELETE FROM account_balances WHERE account_id = ${account} AND date = '2026-05-01'`;
      expect(await refreshAs(db, userId, "2026-05-01", "2026-05-03")).toEqual({
        days: 3,
        upserted: 0,
        deleted: 1,
        overflowed: 0,
      });
      await db.sql`UPDATE accounts SET is_active = false, archived_on = '2026-05-03'
        WHERE id = ${account}`;
      expect(await refreshAs(db, userId, "2026-05-03", "2026-05-03")).toEqual({
        days: 1,
        upserted: 0,
        deleted: 1,
        overflowed: 0,
      });
      const rows = await readAs(db, userId, "2026-04-01", "2026-06-01");
      expect(rows.map((r) => [r.date, r.assetBreakdown.investments])).toEqual([
        ["2026-05-02", "12.10"],
      ]);
    });

    it("keeps values exact at the limits of NUMERIC(19,2), and fails loudly beyond them", async () => {
      // Balances this large are refused since migration 0005 (chk_balance_range, NOT VALID):
      // only rows stored before it can hold them, as here with the check lifted meanwhile.
      const [check] = await db.sql<{ definition: string }[]>`
        SELECT pg_get_constraintdef(oid) AS definition FROM pg_constraint
        WHERE conname = 'chk_balance_range'`;
      await db.sql`ALTER TABLE account_balances DROP CONSTRAINT chk_balance_range`;
      try {
        await limits();
      } finally {
        await db.sql.unsafe(
          `ALTER TABLE account_balances ADD CONSTRAINT chk_balance_range ${check?.definition}`,
        );
      }
    });

    async function limits() {
      const userId = await createUser(db);
      const house = await createAccount(db, userId, "property");
      const checking = await createAccount(db, userId, "cash");
      const card = await createAccount(db, userId, "credit_card");
      await setBalances(db, house, [
        ["2026-06-01", "99999999999999999.98"],
        ["2026-06-02", "-99999999999999999.98"],
      ]);
      await setBalances(db, checking, [["2026-06-01", "0.01"]]);
      await setBalances(db, card, [
        ["2026-06-01", "0.01"],
        ["2026-06-02", "0.00"],
      ]);
      await refreshAs(db, userId, "2026-06-01", "2026-06-02");
      const [first, second] = await readAs(db, userId, "2026-06-01", "2026-06-02");
      expect(first).toMatchObject({
        totalAssets: "99999999999999999.99",
        totalLiabilities: "0.01",
        netWorth: "99999999999999999.98",
        assetBreakdown: { cash: "0.01", property: "99999999999999999.98" },
        liabilityBreakdown: { creditCards: "0.01", other: "0.00" },
      });
      expect(second).toMatchObject({
        totalAssets: "0.01",
        totalLiabilities: "99999999999999999.98",
        netWorth: "-99999999999999999.97",
        assetBreakdown: { cash: "0.01", property: "0.00" },
        liabilityBreakdown: { creditCards: "0.00", other: "99999999999999999.98" },
      });
      // A total beyond 17 integer digits cannot be stored: an error, never a rounded value.
      await setBalances(db, checking, [["2026-06-03", "99999999999999999.99"]]);
      await setBalances(db, house, [["2026-06-03", "0.01"]]);
      await expect(refreshAs(db, userId, "2026-06-03", "2026-06-04")).rejects.toMatchObject({
        code: "22003",
      });
      // The cross-user job skips (and counts) such days: one user cannot stop everyone's.
      expect(
        await refreshSnapshots(db.sql, { allUsers: true }, "2026-06-02", "2026-06-04"),
      ).toMatchObject({ overflowed: 2 });
      expect((await readAs(db, userId, "2026-06-01", "2026-06-04")).map((s) => s.date)).toEqual([
        "2026-06-01",
        "2026-06-02",
      ]);
      await db.sql`DELETE FROM account_balances WHERE account_id = ${checking} AND date = '2026-06-03'`;
    }

    it("refreshes only the scope's user, under row level security", async () => {
      const [a, b] = [await createUser(db), await createUser(db)];
      const [accountA, accountB] = [
        await createAccount(db, a, "cash"),
        await createAccount(db, b, "cash"),
      ];
      await setBalances(db, accountA, [["2026-07-01", "1.00"]]);
      await setBalances(db, accountB, [["2026-07-01", "2.00"]]);
      await refreshAs(db, a, "2026-07-01", "2026-07-02");
      await refreshAs(db, b, "2026-07-01", "2026-07-02");
      await setBalances(db, accountA, [["2026-07-02", "10.00"]]);
      await setBalances(db, accountB, [["2026-07-02", "20.00"]]);
      await db.sql`DELETE FROM account_balances WHERE account_id = ${accountB} AND date = '2026-07-01'`;
      const bBefore = await db.sql`SELECT * FROM net_worth_snapshots WHERE user_id = ${b}`;

      expect(await refreshAs(db, a, "2026-07-01", "2026-07-02")).toEqual({
        days: 2,
        upserted: 1,
        deleted: 0,
        overflowed: 0,
      });
      // Asking for b's scope as a: b's accounts and snapshots are invisible, nothing changes.
      expect(
        await db.asUser(a, (tx) => refreshSnapshots(tx, { userId: b }, "2026-07-01", "2026-07-02")),
      ).toEqual({ days: 2, upserted: 0, deleted: 0, overflowed: 0 });
      expect(await db.sql`SELECT * FROM net_worth_snapshots WHERE user_id = ${b}`).toEqual(bBefore);
      expect(await db.asUser(a, (tx) => readSnapshots(tx, b, "2026-07-01", "2026-07-02"))).toEqual(
        [],
      );
      expect((await readAs(db, a, "2026-07-01", "2026-07-02")).map((s) => s.netWorth)).toEqual([
        "1.00",
        "10.00",
      ]);
      expect((await readAs(db, b, "2026-07-01", "2026-07-02")).map((s) => s.netWorth)).toEqual([
        "2.00",
        "2.00",
      ]);
    });

    it("makes an incremental refresh after any change equal to a full rebuild", async () => {
      const start = "2027-01-01";
      const end = addDays(start, RANGE - 1);
      await fc.assert(
        fc.asyncProperty(historyArb, changeArb, async (history, change) => {
          const { userId, ids } = await insertHistory(db, start, history);
          await refreshAs(db, userId, start, end);

          const index = change.account % history.length;
          const account = history[index] as ModelAccount;
          const accountId = ids[index] as string;
          let changedFrom: number;
          if (change.kind === "archive") {
            changedFrom = Math.min(change.day, account.archivedOn ?? change.day);
            account.archivedOn = change.day;
            await db.sql`UPDATE accounts SET is_active = false,
              archived_on = ${addDays(start, change.day)} WHERE id = ${accountId}`;
          } else if (change.kind === "delete" && account.balances.size > 0) {
            const dated = [...account.balances.keys()];
            changedFrom = dated[change.pick % dated.length] as number;
            account.balances.delete(changedFrom);
            await db.sql`DELETE FROM account_balances
              WHERE account_id = ${accountId} AND date = ${addDays(start, changedFrom)}`;
          } else {
            changedFrom = change.kind === "set" ? change.day : 0;
            const cents = change.kind === "set" ? change.cents : 1n;
            account.balances.set(changedFrom, cents);
            await setBalances(db, accountId, [
              [addDays(start, changedFrom), fixedFromCents(cents)],
            ]);
          }
          const from = addDays(start, Math.max(0, changedFrom));
          await refreshAs(db, userId, from, end);
          const incremental = await readAs(db, userId, start, end);

          expect(incremental).toEqual(model(history, start, RANGE));
          // A full refresh finds nothing left to change...
          expect(await refreshAs(db, userId, start, end)).toEqual({
            days: RANGE,
            upserted: 0,
            deleted: 0,
            overflowed: 0,
          });
          // ...and a rebuild from nothing gives the same rows.
          await db.sql`DELETE FROM net_worth_snapshots WHERE user_id = ${userId}`;
          await refreshAs(db, userId, start, end);
          expect(await readAs(db, userId, start, end)).toEqual(incremental);
        }),
        { numRuns: 100 },
      );
    });

    it("refreshes all users at once exactly as one user at a time", async () => {
      const start = "2028-01-01";
      const end = addDays(start, RANGE - 1);
      await fc.assert(
        fc.asyncProperty(fc.array(historyArb, { minLength: 2, maxLength: 5 }), async (users) => {
          const inserted = [];
          for (const history of users) inserted.push(await insertHistory(db, start, history));
          // Also a user without accounts: no rows.
          const idle = await createUser(db);

          await refreshSnapshots(db.sql, { allUsers: true }, start, end);
          const together = [];
          for (const { userId } of inserted) together.push(await readAs(db, userId, start, end));
          expect(await readAs(db, idle, start, end)).toEqual([]);

          for (const { userId } of inserted) {
            await db.sql`DELETE FROM net_worth_snapshots WHERE user_id = ${userId}`;
            await refreshAs(db, userId, start, end);
          }
          const alone = [];
          for (const { userId } of inserted) alone.push(await readAs(db, userId, start, end));
          expect(together).toEqual(alone);
          expect(together).toEqual(users.map((history) => model(history, start, RANGE)));
          expect(await refreshSnapshots(db.sql, { allUsers: true }, start, end)).toEqual({
            days: RANGE,
            upserted: 0,
            deleted: 0,
            overflowed: 0,
          });
        }),
        { numRuns: 25 },
      );
    });
  });
}
