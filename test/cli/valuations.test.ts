import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { addDays, isIsoDate, todayIn } from "../../src/core/dates.js";
import { addMonths } from "../../src/core/valuation/months.js";
import { cli, json } from "../support/cli.js";
import { DATABASE_KINDS, type TestTarget } from "../support/databases.js";
import { expectSnapshotsMatchBalances } from "../support/snapshot-oracle.js";

const today = todayIn();
/** The car was bought 30 to 36 months ago on a 31st, so that anniversaries clamp to month ends. */
const carStart = Array.from(
  { length: 7 },
  (_, k) => `${addMonths(`${today.slice(0, 7)}-01`, -30 - k).slice(0, 7)}-31`,
).find(isIsoDate) as string;
const loanStart = addMonths(today, -70);
const firstPayment = addMonths(loanStart, 1);

interface Row {
  date: string;
  balance: string;
  source: string;
}

for (const kind of DATABASE_KINDS) {
  // Each test runs up to a dozen CLI processes; on the embedded database under load each can
  // take seconds.
  describe.skipIf(!kind.available)(
    `valuations through the CLI on the ${kind.name} database`,
    { timeout: 180_000 },
    () => {
      let t: TestTarget;
      let run: (...args: string[]) => ReturnType<typeof cli>;
      let userId: string;

      beforeAll(async () => {
        t = await kind.create();
        if (kind.name === "server") await (await t.open("auto")).close();
        run = (...args) => cli(args, t.env);
        expect((await run("login", "me@example.com")).exitCode).toBe(0);
        for (const args of [
          [
            "add-asset",
            "--type",
            "vehicle",
            "--name",
            "Car",
            "--value",
            "30000",
            "--date",
            carStart,
          ],
          [
            "add-asset",
            "--type",
            "real_estate",
            "--name",
            "Home",
            "--value",
            "500000",
            "--date",
            addMonths(today, -5),
          ],
          [
            "add-liability",
            "--type",
            "mortgage",
            "--name",
            "Mortgage",
            "--balance",
            "200000",
            "--date",
            loanStart,
          ],
        ]) {
          const r = await run(...args);
          expect(r.exitCode, r.stderr).toBe(0);
        }
        userId = await withDb(async (db) => {
          const [u] = await db.sql<{ id: string }[]>`SELECT id FROM users`;
          return u?.id as string;
        });
      });
      afterAll(async () => {
        await t?.dispose();
      });

      async function withDb<T>(fn: (db: Awaited<ReturnType<TestTarget["open"]>>) => Promise<T>) {
        const db = await t.open("none");
        try {
          return await fn(db);
        } finally {
          await db.close();
        }
      }

      const rows = (name: string) =>
        withDb(
          (db) => db.sql<Row[]>`
        SELECT b.date, b.balance::text AS balance, b.source::text AS source
        FROM account_balances b JOIN accounts a ON a.id = b.account_id
        WHERE a.name = ${name} ORDER BY b.date`,
        );

      const snapshotsAgree = () => withDb((db) => expectSnapshotsMatchBalances(db, userId, today));

      /** Everything a command could write, to show that a refused one wrote nothing. */
      const fingerprint = () =>
        withDb(async (db) => {
          const [row] = await db.sql`
          SELECT (SELECT count(*) FROM account_balances)::int AS balances,
                 (SELECT coalesce(sum(balance), 0)::text FROM account_balances) AS total,
                 (SELECT count(*) FROM account_valuations)::int AS valuations,
                 (SELECT count(*) FROM valuation_index_values)::int AS index_values,
                 (SELECT count(*) FROM audit_log)::int AS audit,
                 (SELECT coalesce(sum(net_worth), 0)::text FROM net_worth_snapshots) AS snapshots`;
          return row;
        });

      it("depreciation writes every month since the start, as numeric SQL computes it", async () => {
        const set = await run(
          "valuation",
          "set",
          "Car",
          "--method",
          "depreciation",
          "--rate",
          "15",
          "--json",
        );
        expect(set.exitCode, set.stderr).toBe(0);
        expect(json(set)).toMatchObject({ inserted: 30, updated: 0, deleted: 0 });
        const generated = (await rows("Car")).filter((r) => r.source === "rule");
        // Independently: PostgreSQL's own date + interval (which also clamps to the month's last
        // day) and numeric power, rounded half away from zero.
        const expected = await withDb(
          (db) => db.sql<{ date: string; balance: string }[]>`
        SELECT (${carStart}::date + make_interval(months => m))::date AS date,
               round(30000 * power(0.85::numeric, m / 12.0), 2)::text AS balance
        FROM generate_series(1, 30) m ORDER BY m`,
        );
        expect(generated.map(({ date, balance }) => ({ date, balance }))).toEqual(expected);
        expect(generated[11]?.balance).toBe("25500.00");
        expect(generated[23]?.balance).toBe("21675.00");
        await snapshotsAgree();
      });

      it("amortization: 1,199.10 a month, 197,543.99 owed after 12 payments, 186,108.80 after 60", async () => {
        const set = await run(
          "valuation",
          "set",
          "Mortgage",
          "--method",
          "amortization",
          "--apr",
          "6",
          "--term",
          "360",
          "--first-payment",
          firstPayment,
          "--json",
        );
        expect(set.exitCode, set.stderr).toBe(0);
        expect(json(set)).toMatchObject({ valuation: { payment: 1199.1, principal: 200000 } });
        const generated = (await rows("Mortgage")).filter((r) => r.source === "rule");
        expect(generated).toHaveLength(70);
        expect(generated[11]).toEqual({
          date: addMonths(firstPayment, 11),
          balance: "197543.99",
          source: "rule",
        });
        expect(generated[59]).toEqual({
          date: addMonths(firstPayment, 59),
          balance: "186108.80",
          source: "rule",
        });
        const show = json<{ paymentsLeft: number; paidOff: string; next: { balance: number }[] }>(
          await run("valuation", "show", "Mortgage", "--json"),
        );
        expect(show.paymentsLeft).toBe(290);
        expect(show.paidOff).toBe(addMonths(firstPayment, 359));
        await snapshotsAgree();
      });

      it("accounts, history and doctor show the method; a method keeps an account current", async () => {
        const accounts = json<{ liabilities: { name: string; valuation: unknown }[] }>(
          await run("accounts", "--json"),
        );
        expect(accounts.liabilities.find((a) => a.name === "Mortgage")?.valuation).toEqual({
          method: "amortization",
          description: `amortizing, 290 payments left, paid off ${addMonths(firstPayment, 359)}`,
          stale: null,
        });
        expect((await run("accounts")).stdout).toMatch(/^ {2}Car +depreciating 15%\/yr$/m);
        expect((await run("history", "Car")).stdout).toMatch(/rule: depreciation/);
        // A boat written off at 100% a year reaches 0.00 a month on and stays there: its last
        // value is old, yet it is current by its method.
        const boatStart = addDays(today, -200);
        await run(
          "add-asset",
          "--type",
          "other",
          "--name",
          "Boat",
          "--value",
          "900",
          "--date",
          boatStart,
        );
        expect(
          (await run("valuation", "set", "Boat", "--method", "depreciation", "--rate", "100"))
            .exitCode,
        ).toBe(0);
        /** The accounts doctor's manual-values check names as stale. */
        const stale = async () =>
          json<{ checks: { name: string; details: { name?: string }[] }[] }>(
            await run("doctor", "--json"),
          )
            .checks.find((c) => c.name === "manual-values")
            ?.details.map((d) => d.name);
        expect(await stale()).not.toContain("Boat");
        expect((await run("valuation", "clear", "Boat", "--keep-values")).exitCode).toBe(0);
        expect(await stale()).toContain("Boat");
        expect((await run("delete", "Boat", "--yes")).exitCode).toBe(0);
        await snapshotsAgree();
      });

      it("text writes the loan's dates, and snapshot's, in the user's date format; JSON keeps ISO", async () => {
        const dotted = (iso: string) => iso.split("-").reverse().join(".");
        const paidOff = addMonths(firstPayment, 359);
        expect((await run("config", "set", "preferences.dateFormat", "DD.MM.YYYY")).exitCode).toBe(
          0,
        );
        try {
          const description = `amortizing, 290 payments left, paid off ${dotted(paidOff)}`;
          expect((await run("accounts")).stdout).toMatch(
            new RegExp(`^ {2}Mortgage +${description.replace(/\./g, "\\.")}$`, "m"),
          );
          expect((await run("history", "Mortgage")).stdout).toContain(
            `rule: computed by the account's method, ${description}`,
          );
          const show = (await run("valuation", "show", "Mortgage")).stdout.split("\n");
          expect(show[0]).toBe(`Mortgage: ${description}`);
          expect(show).toContain(`  start        ${dotted(loanStart)}`);
          expect(show).toContain(`  firstPayment ${dotted(firstPayment)}`);
          expect(show.find((l) => l.startsWith("  anchor "))).toMatch(
            / on [0-9]{2}\.[0-9]{2}\.[0-9]{4} \(/,
          );
          expect(show.filter((l) => /^[0-9]{2}\.[0-9]{2}\.[0-9]{4} /.test(l))).toHaveLength(12);
          // The machine formats stay ISO.
          const shown = json<{ description: string }>(
            await run("valuation", "show", "Mortgage", "--json"),
          );
          expect(shown.description).toBe(`amortizing, 290 payments left, paid off ${paidOff}`);
          const listed = json<{
            liabilities: { name: string; valuation: { description: string } }[];
          }>(await run("accounts", "--json"));
          expect(listed.liabilities.find((a) => a.name === "Mortgage")?.valuation.description).toBe(
            shown.description,
          );
          const from = addDays(today, -2);
          const snapshot = await run("snapshot", "--from", dotted(from));
          expect(snapshot.exitCode, snapshot.stderr).toBe(0);
          expect(snapshot.stdout).toMatch(
            new RegExp(
              `^Snapshots from ${dotted(from)} to ${dotted(today)}: `.replace(/\./g, "\\."),
              "m",
            ),
          );
          expect(snapshot.stdout).toMatch(
            new RegExp(`^Net worth on ${dotted(today).replace(/\./g, "\\.")}: `, "m"),
          );
          const snapshotJson = json<{ from: string; to: string; snapshot: { date: string } }>(
            await run("snapshot", "--json"),
          );
          expect([snapshotJson.from, snapshotJson.snapshot.date]).toEqual([today, today]);
        } finally {
          expect((await run("config", "unset", "preferences.dateFormat")).exitCode).toBe(0);
        }
      });

      it("a value of the user's own in the middle moves every later generated value and no earlier one", async () => {
        const before = await rows("Car");
        const middle = addDays(addMonths(carStart, 10), 5);
        const set = await run("set-balance", "Car", "20000", "--date", middle);
        expect(set.exitCode, set.stderr).toBe(0);
        const after = await rows("Car");
        expect(after.filter((r) => r.date < middle)).toEqual(before.filter((r) => r.date < middle));
        expect(after.find((r) => r.date === middle)).toEqual({
          date: middle,
          balance: "20000.00",
          source: "manual",
        });
        const later = after.filter((r) => r.date > middle);
        const expected = await withDb(
          (db) => db.sql<{ date: string; balance: string }[]>`
        SELECT (${middle}::date + make_interval(months => m))::date AS date,
               round(20000 * power(0.85::numeric, m / 12.0), 2)::text AS balance
        FROM generate_series(1, 100) m
        WHERE (${middle}::date + make_interval(months => m))::date <= ${today}::date ORDER BY m`,
        );
        expect(later.map(({ date, balance }) => ({ date, balance }))).toEqual(expected);
        expect(later.every((r) => r.source === "rule")).toBe(true);
        // Every later value changed: none of the old ones survive.
        const old = new Set(
          before.filter((r) => r.date > middle).map((r) => `${r.date}/${r.balance}`),
        );
        expect(later.some((r) => old.has(`${r.date}/${r.balance}`))).toBe(false);
        await snapshotsAgree();
      });

      it("revalue is idempotent; --dry-run counts and writes nothing", async () => {
        const base = await fingerprint();
        const again = await run("revalue", "--json");
        expect(again.exitCode, again.stderr).toBe(0);
        expect(json(again)).toMatchObject({ inserted: 0, updated: 0, deleted: 0 });
        expect(await fingerprint()).toEqual(base);
        // A lost value (as after a crash between days) is found by a dry run and not written.
        await withDb(
          (db) => db.sql`
        DELETE FROM account_balances WHERE source = 'rule'
          AND account_id = (SELECT id FROM accounts WHERE name = 'Mortgage')
          AND date = (SELECT max(date) FROM account_balances b JOIN accounts a ON a.id = b.account_id
                      WHERE a.name = 'Mortgage')`,
        );
        const lost = await fingerprint();
        const dry = await run("revalue", "--dry-run", "--json");
        expect(json(dry)).toMatchObject({ dryRun: true, inserted: 1, updated: 0, deleted: 0 });
        expect(await fingerprint()).toEqual(lost);
        const all = await run("revalue", "--all-users", "--json");
        expect(all.exitCode, all.stderr).toBe(0);
        expect(json(all)).toMatchObject({ inserted: 1 });
        const settled = await fingerprint();
        expect(settled?.balances).toBe(base?.balances);
        expect(settled?.total).toBe(base?.total);
        expect(json(await run("revalue", "--json"))).toMatchObject({
          inserted: 0,
          updated: 0,
          deleted: 0,
        });
        // Setting the same method again writes nothing either.
        const same = await run(
          "valuation",
          "set",
          "Car",
          "--method",
          "depreciation",
          "--rate",
          "15",
          "--json",
        );
        expect(json(same)).toMatchObject({ inserted: 0, updated: 0, deleted: 0 });
        await snapshotsAgree();
      });

      it("an index: imported, followed, and re-imported values move the account", async () => {
        const file = join(t.home, "hpi.csv");
        const months = Array.from({ length: 8 }, (_, i) =>
          addMonths(`${today.slice(0, 7)}-01`, i - 7),
        );
        writeFileSync(
          file,
          `date,value\n${months.map((d, i) => `${d},${200 + i * 2.5}`).join("\n")}\n`,
        );
        expect((await run("index", "import", "hpi", file)).exitCode).toBe(0);
        const set = await run(
          "valuation",
          "set",
          "Home",
          "--method",
          "index",
          "--index",
          "hpi",
          "--json",
        );
        expect(set.exitCode, set.stderr).toBe(0);
        const homeStart = addMonths(today, -5);
        const generated = (await rows("Home")).filter((r) => r.source === "rule");
        const base = months.filter((d) => d <= homeStart).length - 1;
        expect(generated.map((r) => r.balance)).toEqual(
          months
            .map((d, i) => [d, i] as const)
            .filter(([d]) => d > homeStart)
            .map(([, i]) => ((500000 * (200 + i * 2.5)) / (200 + base * 2.5)).toFixed(2)),
        );
        writeFileSync(
          file,
          `${months.map((d, i) => `${d},${200 + i * 2.5 + (i === 7 ? 10 : 0)}`).join("\n")}\n`,
        );
        const again = await run("index", "import", "hpi", file, "--json");
        expect(json(again)).toMatchObject({ changed: 1 });
        const moved = (await rows("Home")).filter((r) => r.source === "rule").at(-1);
        expect(moved?.balance).toBe(
          ((500000 * (200 + 7 * 2.5 + 10)) / (200 + base * 2.5)).toFixed(2),
        );
        await snapshotsAgree();
      });

      it("refuses every bad input with one line and writes nothing", async () => {
        await withDb(async (db) => {
          const [item] = await db.sql<{ id: string }[]>`
          INSERT INTO plaid_items (user_id, item_id, access_token, institution_id, institution_name)
          VALUES (${userId}, 'item-v', 'x', 'ins_1', 'Bank') RETURNING id`;
          await db.sql`
          INSERT INTO accounts (user_id, plaid_item_id, plaid_account_id, name, type, subtype, category)
          VALUES (${userId}, ${item?.id as string}, 'acc-v', 'Brokerage', 'investment', 'brokerage', 'investment')`;
        });
        const gap = join(t.home, "gap.csv");
        writeFileSync(gap, "2024-01-01,100\n2024-02-01,101\n2024-04-01,102\n");
        const zero = join(t.home, "zero.csv");
        writeFileSync(zero, "2024-01-01,100\n2024-02-01,0\n");
        const base = await fingerprint();
        const cases: [string[], number, RegExp][] = [
          [
            ["valuation", "set", "Car", "--method", "depreciation", "--rate", "101"],
            2,
            /from 0 to 100/,
          ],
          [
            ["valuation", "set", "Car", "--method", "depreciation", "--rate", "-1"],
            2,
            /from 0 to 100/,
          ],
          [
            [
              "valuation",
              "set",
              "Mortgage",
              "--method",
              "amortization",
              "--apr",
              "6",
              "--term",
              "0",
              "--first-payment",
              firstPayment,
            ],
            2,
            /1 to 600/,
          ],
          [
            [
              "valuation",
              "set",
              "Mortgage",
              "--method",
              "amortization",
              "--apr",
              "6",
              "--term",
              "601",
              "--first-payment",
              firstPayment,
            ],
            2,
            /1 to 600/,
          ],
          [
            [
              "valuation",
              "set",
              "Mortgage",
              "--method",
              "amortization",
              "--apr",
              "6",
              "--term",
              "360",
              "--first-payment",
              addDays(loanStart, -1),
            ],
            1,
            /not after the loan's first balance/,
          ],
          [
            [
              "valuation",
              "set",
              "Car",
              "--method",
              "amortization",
              "--apr",
              "6",
              "--term",
              "60",
              "--first-payment",
              today,
            ],
            1,
            /Car is an asset/,
          ],
          [
            ["valuation", "set", "Brokerage", "--method", "depreciation", "--rate", "10"],
            1,
            /linked through Plaid/,
          ],
          [
            ["valuation", "set", "Home", "--method", "index", "--index", "nope"],
            1,
            /no index named nope/,
          ],
          [
            ["valuation", "set", "Car", "--method", "depreciation", "--rate", "10", "--apr", "5"],
            2,
            /--apr does not apply/,
          ],
          [["index", "import", "gappy", gap], 1, /gap: no value for 2024-03/],
          [["index", "import", "zero", zero], 1, /not a positive number/],
        ];
        for (const [args, code, message] of cases) {
          const r = await run(...args);
          expect([r.exitCode, r.stderr.trim().split("\n").length], args.join(" ")).toEqual([
            code,
            1,
          ]);
          expect(r.stderr, args.join(" ")).toMatch(/^networth: /);
          expect(r.stderr, args.join(" ")).toMatch(message);
        }
        expect(await fingerprint()).toEqual(base);
      });

      it("valuation clear removes generated values (the user's stay); --keep-values keeps them", async () => {
        const own = (await rows("Car")).filter((r) => r.source !== "rule");
        const clear = await run("valuation", "clear", "Car", "--json");
        expect(clear.exitCode, clear.stderr).toBe(0);
        expect(await rows("Car")).toEqual(own);
        await snapshotsAgree();
        const kept = await rows("Mortgage");
        expect((await run("valuation", "clear", "Mortgage", "--keep-values")).exitCode).toBe(0);
        expect(await rows("Mortgage")).toEqual(kept);
        expect((await run("valuation", "show", "Mortgage")).exitCode).toBe(1);
        expect((await run("valuation", "clear", "Mortgage")).exitCode).toBe(1);
        await snapshotsAgree();
      });
    },
  );
}
