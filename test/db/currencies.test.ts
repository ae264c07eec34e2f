import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { addDays } from "../../src/core/dates.js";
import { fixedFromCents } from "../../src/core/money.js";
import type { Database } from "../../src/db/connection.js";
import { setOwnRates, storeRates } from "../../src/db/rates.js";
import { userReportWithEffect } from "../../src/db/report.js";
import { readSnapshots, refreshSnapshots } from "../../src/db/snapshots.js";
import { DATABASE_KINDS, type TestTarget } from "../support/databases.js";
import { expectSnapshotsMatchBalances } from "../support/snapshot-oracle.js";

let emails = 0;

async function createUser(db: Database, currency = "USD"): Promise<string> {
  emails += 1;
  const [row] = await db.sql<{ id: string }[]>`
    INSERT INTO users (email, preferences)
    VALUES (${`fx-${emails}-${Date.now()}@example.com`},
            ${db.sql.json({ theme: "system", currency, dateFormat: "YYYY-MM-DD" })})
    RETURNING id`;
  return row?.id as string;
}

async function createAccount(
  db: Database,
  userId: string,
  currency: string,
  category = "cash",
): Promise<string> {
  const type = category === "credit_card" ? "manual_liability" : "manual_asset";
  const [row] = await db.sql<{ id: string }[]>`
    INSERT INTO accounts (user_id, name, type, subtype, category, is_manual, currency)
    VALUES (${userId}, ${`${currency} ${category}`}, ${type}, 'other', ${category}, true,
            ${currency})
    RETURNING id`;
  return row?.id as string;
}

async function setBalances(db: Database, accountId: string, balances: [string, string][]) {
  const rows = balances.map(([date, balance]) => ({ accountId, date, balance, source: "manual" }));
  await db.sql`INSERT INTO account_balances ${db.sql(rows)}
    ON CONFLICT (account_id, date) DO UPDATE SET balance = EXCLUDED.balance`;
}

const eur = (quote: string, date: string, rate: string) => ({ base: "EUR", quote, date, rate });

const refreshAs = (db: Database, userId: string, from: string, to: string) =>
  db.asUser(userId, (tx) => refreshSnapshots(tx, { userId }, from, to));

async function totals(db: Database, userId: string, from: string, to: string) {
  const rows = await db.asUser(userId, (tx) => readSnapshots(tx, userId, from, to));
  return rows.map((r) => [r.date, r.netWorth, r.currency, r.leftOut ?? null]);
}

async function setCurrency(db: Database, userId: string, currency: string) {
  await db.sql`UPDATE users SET preferences = jsonb_set(preferences, '{currency}', ${db.sql.json(currency)})
    WHERE id = ${userId}`;
}

for (const kind of DATABASE_KINDS) {
  describe.skipIf(!kind.available)(`many currencies on the ${kind.name} database`, () => {
    let t: TestTarget;
    let db: Database;

    beforeAll(async () => {
      t = await kind.create();
      db = await t.open("auto");
      // Fri 02-28, Mon 03-03, Tue 03-04; nothing before 02-28, nothing after 03-04.
      await storeRates(
        db.sql,
        [
          eur("USD", "2025-02-28", "1.0400"),
          eur("USD", "2025-03-03", "1.0489"),
          eur("USD", "2025-03-04", "1.0623"),
          eur("GBP", "2025-02-28", "0.8300"),
          eur("GBP", "2025-03-03", "0.8270"),
        ],
        "ecb",
      );
    });
    afterAll(async () => {
      await t?.dispose();
    });

    it("sums a euro and a dollar account in dollars at each day's rate, never 1:1", async () => {
      const userId = await createUser(db, "USD");
      const euros = await createAccount(db, userId, "EUR");
      const dollars = await createAccount(db, userId, "USD");
      await setBalances(db, euros, [["2025-02-26", "1000.00"]]);
      await setBalances(db, dollars, [["2025-02-26", "500.00"]]);
      await refreshAs(db, userId, "2025-02-26", "2025-03-12");
      const missing = { "EUR/USD": 1 };
      expect(await totals(db, userId, "2025-02-26", "2025-03-12")).toEqual([
        // No rate yet: the euro account is left out, and the snapshot says so.
        ["2025-02-26", "500.00", "USD", missing],
        ["2025-02-27", "500.00", "USD", missing],
        ["2025-02-28", "1540.00", "USD", null],
        // The weekend carries Friday's rate.
        ["2025-03-01", "1540.00", "USD", null],
        ["2025-03-02", "1540.00", "USD", null],
        ["2025-03-03", "1548.90", "USD", null],
        ["2025-03-04", "1562.30", "USD", null],
        // Carried at most 7 days: 03-11 is the last day 03-04's rate covers.
        ["2025-03-05", "1562.30", "USD", null],
        ["2025-03-06", "1562.30", "USD", null],
        ["2025-03-07", "1562.30", "USD", null],
        ["2025-03-08", "1562.30", "USD", null],
        ["2025-03-09", "1562.30", "USD", null],
        ["2025-03-10", "1562.30", "USD", null],
        ["2025-03-11", "1562.30", "USD", null],
        ["2025-03-12", "500.00", "USD", missing],
      ]);
      await expectSnapshotsMatchBalances(db, userId, "2025-03-12");
    });

    it("sums the same accounts in euros, and in pounds through the euro", async () => {
      const userId = await createUser(db, "EUR");
      const euros = await createAccount(db, userId, "EUR");
      const dollars = await createAccount(db, userId, "USD");
      const card = await createAccount(db, userId, "USD", "credit_card");
      await setBalances(db, euros, [["2025-02-27", "1000.00"]]);
      await setBalances(db, dollars, [
        ["2025-02-27", "500.00"],
        ["2025-03-02", "-20.01"],
      ]);
      await setBalances(db, card, [["2025-02-28", "100.00"]]);
      await refreshAs(db, userId, "2025-02-27", "2025-03-03");
      expect(await totals(db, userId, "2025-02-27", "2025-03-03")).toEqual([
        ["2025-02-27", "1000.00", "EUR", { "USD/EUR": 1 }],
        // 500 / 1.04 = 480.769… and 100 / 1.04 = 96.153…
        ["2025-02-28", "1384.62", "EUR", null],
        ["2025-03-01", "1384.62", "EUR", null],
        // -20.01 / 1.04 = -19.240… (an overdrawn asset counts as a liability)
        ["2025-03-02", "884.61", "EUR", null],
        // -20.01 / 1.0489 = -19.077…, 100 / 1.0489 = 95.338…
        ["2025-03-03", "885.58", "EUR", null],
      ]);
      await expectSnapshotsMatchBalances(db, userId, "2025-03-03");

      await setCurrency(db, userId, "GBP");
      await refreshAs(db, userId, "2025-02-27", "2025-03-03");
      const rows = await totals(db, userId, "2025-02-27", "2025-03-03");
      expect(rows.map((r) => r[2])).toEqual(["GBP", "GBP", "GBP", "GBP", "GBP"]);
      // 02-28: 1000 × 0.83 = 830.00; (500 - 100) × 0.83 / 1.04 = 319.23 (each rounded apart).
      expect(rows[1]).toEqual(["2025-02-28", "1149.23", "GBP", null]);
      expect(rows[0]).toEqual(["2025-02-27", "0.00", "GBP", { "EUR/GBP": 1, "USD/GBP": 1 }]);
      await expectSnapshotsMatchBalances(db, userId, "2025-03-03");
    });

    it("uses the user's own rate on its days, over the published one, and its inverse", async () => {
      const userId = await createUser(db, "USD");
      const euros = await createAccount(db, userId, "EUR");
      await setBalances(db, euros, [["2025-02-28", "1000.00"]]);
      await db.asUser(userId, (tx) =>
        setOwnRates(tx, userId, { base: "EUR", quote: "USD" }, "2025-03-01", "2025-03-01", "1.085"),
      );
      await db.asUser(userId, (tx) =>
        // 1 USD = 0.9 EUR on 03-03: 1 EUR = 1.111… USD.
        setOwnRates(tx, userId, { base: "USD", quote: "EUR" }, "2025-03-03", "2025-03-03", "0.9"),
      );
      await refreshAs(db, userId, "2025-02-28", "2025-03-04");
      expect((await totals(db, userId, "2025-02-28", "2025-03-04")).map((r) => r[1])).toEqual([
        "1040.00",
        "1085.00",
        "1040.00",
        "1111.11",
        "1062.30",
      ]);
      await expectSnapshotsMatchBalances(db, userId, "2025-03-04");
      // Another user never sees, nor is converted at, this user's rate.
      const other = await createUser(db, "USD");
      const theirs = await createAccount(db, other, "EUR");
      await setBalances(db, theirs, [["2025-03-01", "1000.00"]]);
      await refreshAs(db, other, "2025-03-01", "2025-03-01");
      expect(await totals(db, other, "2025-03-01", "2025-03-01")).toEqual([
        ["2025-03-01", "1040.00", "USD", null],
      ]);
      const seen = await db.asUser(other, (tx) => tx`SELECT * FROM user_exchange_rates`);
      expect(seen).toHaveLength(0);
    });

    it("explains a change: balances in their own currency, then the rate, adding up exactly", async () => {
      const userId = await createUser(db, "USD");
      const euros = await createAccount(db, userId, "EUR");
      const dollars = await createAccount(db, userId, "USD");
      await setBalances(db, euros, [
        ["2025-02-28", "1000.00"],
        ["2025-03-04", "1200.00"],
      ]);
      await setBalances(db, dollars, [
        ["2025-02-28", "500.00"],
        ["2025-03-03", "450.00"],
      ]);
      await refreshAs(db, userId, "2025-02-28", "2025-03-04");
      const { report, effect } = await userReportWithEffect(
        db,
        userId,
        { from: "2025-02-28", to: "2025-03-04" },
        "USD",
        true,
      );
      // 1540.00 → 1274.76 + 450 = 1724.76: +184.76. Balances: +200 EUR at 1.04 = +208.00, and
      // -50.00 USD; rates: 1200 × (1.0623 - 1.04) = +26.76.
      expect(report.changes.range?.amount.cents).toBe(18476n);
      expect(effect).toMatchObject({ change: 18476n, balances: 15800n, rates: 2676n, leftOut: [] });
    });

    it("agrees with the independent conversion on generated histories and rates", async () => {
      const start = "2025-01-01";
      const arb = fc.record({
        mine: fc.constantFrom("USD", "EUR", "GBP"),
        accounts: fc.array(
          fc.record({
            currency: fc.constantFrom("USD", "EUR", "GBP", "CHF"),
            category: fc.constantFrom("cash", "credit_card", "property"),
            balances: fc.array(
              fc.tuple(
                fc.integer({ min: -3, max: 20 }),
                fc.bigInt({ min: -99_999n, max: 999_999n }),
              ),
              { maxLength: 4 },
            ),
          }),
          { minLength: 1, maxLength: 4 },
        ),
        rates: fc.array(
          fc.tuple(
            fc.constantFrom("USD", "GBP", "CHF"),
            fc.integer({ min: -9, max: 20 }),
            fc.integer({ min: 1, max: 99_999_999 }),
          ),
          { maxLength: 12 },
        ),
      });
      await fc.assert(
        fc.asyncProperty(arb, async ({ mine, accounts, rates }) => {
          await db.sql`DELETE FROM exchange_rates WHERE date >= '2024-12-01' AND date < '2025-02-01'`;
          // One rate per quote and day (the last drawn wins), in millionths: 0.000001 up.
          const byKey = new Map(
            rates.map(([quote, day, micro]) => [
              `${quote} ${day}`,
              eur(
                quote,
                addDays(start, day),
                `${Math.floor(micro / 1e6)}.${String(micro % 1e6).padStart(6, "0")}`,
              ),
            ]),
          );
          await storeRates(db.sql, [...byKey.values()], "frankfurter");
          const userId = await createUser(db, mine);
          for (const a of accounts) {
            const id = await createAccount(db, userId, a.currency, a.category);
            const byDay = new Map(a.balances);
            if (byDay.size > 0) {
              await setBalances(
                db,
                id,
                [...byDay].map(([day, cents]) => [addDays(start, day), fixedFromCents(cents)]),
              );
            }
          }
          await refreshAs(db, userId, addDays(start, -3), addDays(start, 20));
          await expectSnapshotsMatchBalances(db, userId, addDays(start, 20));
          // The explanation adds up to the snapshots' change, to the cent.
          const { report, effect } = await userReportWithEffect(
            db,
            userId,
            { from: addDays(start, 2), to: addDays(start, 20) },
            mine,
            true,
          );
          const range = report.changes.range;
          if (effect && range && effect.leftOut.length === 0 && report.missingRates.length === 0) {
            expect(effect.balances + effect.rates).toBe(effect.change);
            expect(effect.change).toBe(range.amount.cents);
          }
        }),
        { numRuns: kind.name === "embedded" ? 15 : 25 },
      );
    });
  });
}
