import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Database } from "../../src/db/connection.js";
import { cli, json } from "../support/cli.js";
import { DATABASE_KINDS, type TestTarget } from "../support/databases.js";
import { expectSnapshotsMatchBalances } from "../support/snapshot-oracle.js";

const TODAY = "2025-03-05";

/** The ECB's layout: a trailing comma, N/A for a currency not quoted that day. */
const ECB = [
  "Date,USD,JPY,GBP,CYP,",
  "2025-03-04,1.0623,157.81,0.8312,N/A,",
  "2025-03-03,1.0489,157.44,0.8270,N/A,",
  "2025-02-28,1.0400,156.55,0.8300,N/A,",
  "",
].join("\n");

for (const kind of DATABASE_KINDS) {
  describe.skipIf(!kind.available)(
    `many currencies through the CLI on the ${kind.name} database`,
    { timeout: 180_000 },
    () => {
      let t: TestTarget;
      let run: (...args: string[]) => ReturnType<typeof cli>;
      let userId: string;

      /** The embedded database takes one process at a time: open, read, close. */
      async function withDb<T>(f: (db: Database) => Promise<T>): Promise<T> {
        const db = await t.open("none");
        try {
          return await f(db);
        } finally {
          await db.close();
        }
      }
      const snapshots = () =>
        withDb(
          (db) => db.sql<{ date: string; netWorth: string; currency: string; leftOut: unknown }[]>`
          SELECT date, net_worth::text AS net_worth, currency::text AS currency, left_out
          FROM net_worth_snapshots WHERE user_id = ${userId} ORDER BY date`,
        );
      const counts = () =>
        withDb(async (db) => {
          const [row] = await db.sql<{ rates: number; own: number; accounts: number }[]>`
          SELECT (SELECT count(*) FROM exchange_rates)::int AS rates,
                 (SELECT count(*) FROM user_exchange_rates)::int AS own,
                 (SELECT count(*) FROM accounts)::int AS accounts`;
          return row;
        });
      const oracle = () => withDb((db) => expectSnapshotsMatchBalances(db, userId, TODAY));

      beforeAll(async () => {
        t = await kind.create();
        if (kind.name === "server") await (await t.open("auto")).close();
        run = (...args) => cli(args, { ...t.env, NETWORTH_TODAY: TODAY });
        expect((await run("login", "me@example.com")).exitCode).toBe(0);
        const [user] = await withDb((db) => db.sql<{ id: string }[]>`SELECT id FROM users`);
        userId = user?.id as string;
      });
      afterAll(async () => {
        await t?.dispose();
      });

      it("imports the ECB's file all or nothing, with the bad line named", async () => {
        const bad = join(t.home, "bad.csv");
        writeFileSync(bad, ECB.replace("157.44", "-157.44"));
        const refused = await run("rates", "import", bad);
        expect(refused.exitCode).toBe(1);
        expect(refused.stderr.trim().split("\n")).toEqual([
          'networth: bad rate file: line 3: JPY "-157.44" is not a positive rate',
        ]);
        expect((await counts())?.rates).toBe(0);

        const file = join(t.home, "eurofxref-hist.csv");
        writeFileSync(file, ECB);
        const imported = json(await run("rates", "import", file, "--json"));
        expect(imported).toMatchObject({ rates: 9, added: 9, changed: 0, first: "2025-02-28" });
        expect(imported.currencies).toEqual(["GBP", "JPY", "USD"]);
        // Again: nothing changes.
        expect(json(await run("rates", "import", file, "--json"))).toMatchObject({
          added: 0,
          changed: 0,
          unchanged: 9,
        });
        const listed = json<{ published: { quote: string; days: number }[] }>(
          await run("rates", "--json"),
        );
        expect(listed.published.map((p) => [p.quote, p.days])).toEqual([
          ["GBP", 3],
          ["JPY", 3],
          ["USD", 3],
        ]);
      });

      it("keeps a euro account in euros and sums it in dollars at each day's rate", async () => {
        const eur = await run(
          "add-asset",
          "--type",
          "other",
          "--name",
          "Sparkonto",
          "--value",
          "1000",
          "--date",
          "2025-02-26",
          "--currency",
          "eur",
          "--json",
        );
        expect(eur.exitCode).toBe(0);
        expect(json(eur).currency).toBe("EUR");
        expect(
          (
            await run(
              "add-asset",
              "--type",
              "other",
              "--name",
              "Brokerage",
              "--value",
              "500",
              "--date",
              "2025-02-26",
            )
          ).exitCode,
        ).toBe(0);
        const rows = await snapshots();
        expect(rows.map((r) => [r.date, r.netWorth, r.leftOut])).toEqual([
          ["2025-02-26", "500.00", { "EUR/USD": 1 }],
          ["2025-02-27", "500.00", { "EUR/USD": 1 }],
          ["2025-02-28", "1540.00", null],
          ["2025-03-01", "1540.00", null],
          ["2025-03-02", "1540.00", null],
          ["2025-03-03", "1548.90", null],
          ["2025-03-04", "1562.30", null],
          ["2025-03-05", "1562.30", null],
        ]);
        await oracle();
        // Never silent: the report, its JSON and doctor say it in one line.
        // JSON keeps the ISO date; the text and doctor's message write it in the user's format
        // (the default, MM/DD/YYYY).
        const line = "EUR→USD missing before 2025-02-28: 1 account left out";
        const shown = "EUR→USD missing before 02/28/2025: 1 account left out";
        const text = await run("report", "--from", "2025-02-26");
        expect(text.exitCode).toBe(0);
        expect(text.stdout).toContain(`Incomplete: ${shown}`);
        expect(text.stdout).toContain("Net worth $1,562.30");
        // A foreign account: the default report has the currency effect's line.
        // Sparkonto has no rate on 02-26, so only the end counts it: that is the third part,
        // and the parts add up to the snapshots' change (500.00 to 1,562.30).
        expect(text.stdout).toMatch(
          /^Currency effect 02\/26\/2025 to 03\/05\/2025: \+\$1,062\.30 = balances \$0\.00 \+ exchange rates \$0\.00 \+ counted at one end only \+\$1,062\.30 \(no rate on 02\/26\/2025: Sparkonto \(EUR\)\)$/m,
        );
        const wide = json<{
          changes: { range: { amount: number } };
          currencyEffect: { change: number; coverage: number; leftOut: unknown[] };
        }>(await run("report", "--from", "2025-02-26", "--explain-currency", "--json"));
        expect(wide.currencyEffect.change).toBe(wide.changes.range.amount);
        expect(wide.currencyEffect).toMatchObject({
          change: 1062.3,
          coverage: 1062.3,
          leftOut: [{ name: "Sparkonto", currency: "EUR", missing: "from", coverage: 1062.3 }],
        });
        const explained = json<{ currencyEffect: Record<string, unknown> }>(
          await run("report", "--from", "2025-02-28", "--explain-currency", "--json"),
        );
        // 02-28 → 03-05: 1000 EUR at 1.04, then at 1.0623 (03-04's, carried): all the rate.
        expect(explained.currencyEffect).toMatchObject({
          from: "2025-02-28",
          to: "2025-03-05",
          change: 22.3,
          balances: 0,
          rates: 22.3,
          leftOut: [],
        });
        const report = json(await run("report", "--from", "2025-02-26", "--json"));
        expect(report.currency).toBe("USD");
        expect(report.missingRates).toEqual([
          {
            base: "EUR",
            quote: "USD",
            days: 2,
            first: "2025-02-26",
            last: "2025-02-27",
            accounts: 1,
            line,
          },
        ]);
        // accounts: each in its own currency, the totals in yours at today's rate.
        const accounts = json<{
          assets: { name: string; currency: string; converted: number | null }[];
          netWorth: number;
          currency: string;
        }>(await run("accounts", "--json"));
        expect(accounts.currency).toBe("USD");
        expect(accounts.netWorth).toBe(1562.3);
        expect(accounts.assets.map((a) => [a.name, a.currency, a.converted])).toEqual([
          ["Brokerage", "USD", null],
          ["Sparkonto", "EUR", 1062.3],
        ]);
        const listed = await run("accounts");
        expect(listed.stdout).toMatch(/Sparkonto .*\$1,062\.30 .*€1,000\.00/);
        expect(listed.stdout).toContain("Net worth $1,562.30");
        const doctor = json<{ checks: { name: string; status: string; message: string }[] }>(
          await run("doctor", "--json"),
        );
        // doctor's messages are sentences for people, in the user's format as its others are.
        expect(doctor.checks.find((c) => c.name === "rates")).toMatchObject({
          status: "ok",
          message: shown,
        });
      });

      it("lets the user's own rate win on its days, and clears it", async () => {
        const set = await run("rates", "set", "EUR", "USD", "1.0850", "--date", "2025-03-01");
        expect(set.exitCode).toBe(0);
        expect(set.stdout).toContain("1 EUR = 1.085 USD on 03/01/2025");
        expect((await snapshots()).find((r) => r.date === "2025-03-01")?.netWorth).toBe("1585.00");
        const days = json<{ days: { date: string; rate: string | null; source: string | null }[] }>(
          await run("rates", "EUR/USD", "--from", "2025-02-27", "--to", "2025-03-02", "--json"),
        ).days;
        expect(days.map((d) => [d.date, d.rate, d.source])).toEqual([
          ["2025-02-27", null, null],
          ["2025-02-28", "1.0400000000", "ecb"],
          ["2025-03-01", "1.0850000000", "own"],
          ["2025-03-02", "1.0400000000", "ecb"],
        ]);
        await oracle();
        const cleared = json(await run("rates", "clear", "EUR", "USD", "--json"));
        expect(cleared.removed).toBe(1);
        expect((await snapshots()).find((r) => r.date === "2025-03-01")?.netWorth).toBe("1540.00");
      });

      it("changes preferences.currency and rebuilds every snapshot in it", async () => {
        const set = await run("config", "set", "preferences.currency", "EUR");
        expect(set.exitCode).toBe(0);
        const rows = await snapshots();
        expect(new Set(rows.map((r) => r.currency))).toEqual(new Set(["EUR"]));
        // 500 / 1.04 = 480.77; before 02-28 the dollar account is the one left out.
        expect(rows.map((r) => [r.date, r.netWorth, r.leftOut]).slice(0, 3)).toEqual([
          ["2025-02-26", "1000.00", { "USD/EUR": 1 }],
          ["2025-02-27", "1000.00", { "USD/EUR": 1 }],
          ["2025-02-28", "1480.77", null],
        ]);
        await oracle();
        // No rates for it: refused, nothing changed.
        const before = await snapshots();
        const refused = await run("config", "set", "preferences.currency", "CHF");
        expect(refused.exitCode).toBe(1);
        expect(refused.stderr.trim()).toBe(
          "networth: no exchange rates for CHF: run networth rates update (or rates import) first, nothing changed",
        );
        expect(await snapshots()).toEqual(before);
        expect((await run("config", "unset", "preferences.currency")).exitCode).toBe(0);
        expect(new Set((await snapshots()).map((r) => r.currency))).toEqual(new Set(["USD"]));
      });

      it("refuses bad codes and rates in one line, writing nothing", async () => {
        const before = await counts();
        for (const [args, code, message] of [
          [
            ["add-asset", "--type", "other", "--name", "X", "--value", "1", "--currency", "EURO"],
            2,
            'invalid --currency "EURO": a currency is a three-letter ISO 4217 code, e.g. EUR',
          ],
          [
            ["add-asset", "--type", "other", "--name", "X", "--value", "1", "--currency", "XYZ"],
            2,
            "unknown currency XYZ (--currency): not an ISO 4217 code",
          ],
          [
            ["rates", "set", "EUR", "USD", "0"],
            2,
            'invalid rate "0": a positive decimal with at most 10 decimals, e.g. 1.0850',
          ],
          [
            ["rates", "set", "EUR", "USD", "-1.2"],
            2,
            'invalid rate "-1.2": a positive decimal with at most 10 decimals, e.g. 1.0850',
          ],
          [["rates", "set", "EUR", "EUR", "1"], 2, "a rate of EUR in EUR is always 1"],
          [["rates", "EURUSDX"], 2, 'invalid pair "EURUSDX": give two currencies, e.g. EUR/USD'],
          [
            ["config", "set", "preferences.currency", "dollars"],
            2,
            'invalid value "dollars" for preferences.currency: expected a three-letter ISO 4217 code, e.g. EUR',
          ],
        ] as [string[], number, string][]) {
          const result = await run(...args);
          expect([args.join(" "), result.exitCode, result.stderr.trim()]).toEqual([
            args.join(" "),
            code,
            `networth: ${message}`,
          ]);
        }
        expect(await counts()).toEqual(before);
      });
    },
  );
}
