import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { todayIn } from "../../src/core/dates.js";
import { readSnapshots, refreshSnapshots } from "../../src/db/snapshots.js";
import { cli, json } from "../support/cli.js";
import { DATABASE_KINDS, type TestTarget } from "../support/databases.js";

interface AccountJson {
  id: string;
  name: string;
  type: string;
  subtype: string;
  category: string;
  displayName: string;
  isActive: boolean;
  isManual: boolean;
  currentBalance: { balance: number; date: string; isCurrent: boolean; source: string } | null;
  balanceAgeDays: number | null;
  manualAssetDetails: { description: string; notes: string | null } | null;
}

const today = todayIn();

for (const kind of DATABASE_KINDS) {
  describe.skipIf(!kind.available)(
    `manual accounts through the CLI on the ${kind.name} database`,
    () => {
      let t: TestTarget;
      let run: (...args: string[]) => ReturnType<typeof cli>;
      const ids: Record<string, string> = {};

      beforeAll(async () => {
        t = await kind.create();
        if (kind.name === "server") await (await t.open("auto")).close();
        run = (...args) => cli(args, t.env);
        expect((await run("login", "me@example.com")).exitCode).toBe(0);
      });
      afterAll(async () => {
        await t?.dispose();
      });

      async function count(sql: string): Promise<number> {
        const db = await t.open("none");
        const [row] = await db.sql.unsafe(sql);
        await db.close();
        return Number(row?.n);
      }

      it("adds a house, a car, a mortgage and a card debt, each with its first balance", async () => {
        const house = await run(
          "add-asset",
          "--type",
          "real_estate",
          "--name",
          "House",
          "--value",
          "$450,000",
          "--date",
          "2025-06-01",
          "--description",
          "3 bed",
          "--json",
        );
        expect(house.exitCode).toBe(0);
        const h = json<AccountJson>(house);
        expect(h).toMatchObject({
          name: "House",
          type: "manual_asset",
          subtype: "real_estate",
          category: "property",
          displayName: "Real Estate",
          isManual: true,
          isActive: true,
          manualAssetDetails: { description: "3 bed", notes: null },
          currentBalance: {
            balance: 450000,
            date: "2025-06-01",
            isCurrent: true,
            source: "manual",
          },
        });
        ids.house = h.id;
        const car = json<AccountJson>(
          await run(
            "add-asset",
            "--type",
            "vehicle",
            "--name",
            "Car",
            "--value",
            "18,500.50",
            "--json",
          ),
        );
        expect(car.currentBalance?.balance).toBe(18500.5);
        expect(car.balanceAgeDays).toBe(0);
        ids.car = car.id;
        const mortgage = json<AccountJson>(
          await run(
            "add-liability",
            "--type",
            "mortgage",
            "--name",
            "Mortgage",
            "--balance",
            "312000",
            "--json",
          ),
        );
        expect(mortgage).toMatchObject({
          type: "manual_liability",
          category: "mortgage",
          displayName: "Mortgage",
        });
        ids.mortgage = mortgage.id;
        const card = json<AccountJson>(
          await run(
            "add-liability",
            "--type",
            "credit_card",
            "--name",
            "Visa",
            "--balance",
            "1,250.40",
            "--notes",
            "pay monthly",
            "--json",
          ),
        );
        expect(card).toMatchObject({
          category: "credit_card",
          manualAssetDetails: { notes: "pay monthly" },
        });
        ids.card = card.id;
      });

      it("rejects every bad input with one line, exit 2, and writes nothing", async () => {
        const before = await count("SELECT count(*) AS n FROM account_balances");
        const bad: [string[], RegExp][] = [
          [["add-asset", "--type", "boat", "--name", "B", "--value", "1"], /invalid --type "boat"/],
          [
            ["add-asset", "--type", "vehicle", "--name", "B", "--value", "12.345"],
            /invalid amount "12.345": at most two decimals/,
          ],
          [
            ["add-asset", "--type", "vehicle", "--name", "B", "--value", "-5"],
            /negative values are not allowed/,
          ],
          [
            ["add-asset", "--type", "vehicle", "--name", "B", "--value", "1e5"],
            /invalid amount "1e5"/,
          ],
          [
            ["add-asset", "--type", "vehicle", "--name", "B", "--value", "100000000000000000"],
            /invalid amount/,
          ],
          [
            [
              "add-asset",
              "--type",
              "vehicle",
              "--name",
              "B",
              "--value",
              "5",
              "--date",
              "2999-01-01",
            ],
            /is in the future/,
          ],
          [
            [
              "add-asset",
              "--type",
              "vehicle",
              "--name",
              "B",
              "--value",
              "5",
              "--date",
              "1899-12-31",
            ],
            /1900-01-01/,
          ],
          [
            ["add-asset", "--type", "vehicle", "--name", " ", "--value", "5"],
            /name must not be empty/,
          ],
          [
            ["add-liability", "--type", "crypto", "--name", "B", "--balance", "5"],
            /invalid --type "crypto"/,
          ],
          [["set-balance", "Car", "-100"], /negative values are not allowed/],
          [["set-balance", "Car", "abc"], /invalid amount "abc"/],
          [["history", "Car", "--from", "2026-02-30"], /February 2026 has no day 30/],
        ];
        for (const [args, message] of bad) {
          const result = await run(...args);
          expect(result.exitCode, args.join(" ")).toBe(2);
          expect(result.stderr, args.join(" ")).toMatch(message);
          expect(result.stderr.trim().split("\n"), args.join(" ")).toHaveLength(1);
          expect(result.stdout).toBe("");
        }
        expect(await count("SELECT count(*) AS n FROM account_balances")).toBe(before);
        expect(await count("SELECT count(*) AS n FROM accounts")).toBe(4);
      });

      it("records values over time: same day replaces, back-dated enters history only", async () => {
        const first = json<{ outcome: string }>(
          await run("set-balance", "House", "465000", "--json"),
        );
        expect(first.outcome).toBe("inserted");
        const replaced = json<{ outcome: string; account: AccountJson }>(
          await run("set-balance", "house", "466,000", "--json"),
        );
        expect(replaced.outcome).toBe("replaced");
        expect(replaced.account.currentBalance).toMatchObject({ balance: 466000, date: today });
        const backdated = await run(
          "set-balance",
          ids.house?.slice(0, 6) as string,
          "440000",
          "--date",
          "2025-01-01",
        );
        expect(backdated.exitCode).toBe(0);
        expect(backdated.stdout).toMatch(/the current value stays the one of/);
        const history = json<{ balances: { date: string; balance: number; isCurrent: boolean }[] }>(
          await run("history", "House", "--json"),
        );
        expect(history.balances.map((b) => [b.date, b.balance, b.isCurrent])).toEqual([
          [today, 466000, true],
          ["2025-06-01", 450000, false],
          ["2025-01-01", 440000, false],
        ]);
        // A cash-like account may go negative: a card in credit.
        expect((await run("set-balance", "Visa", "--", "-20.00")).exitCode).toBe(0);
        // Dates in the user's preferred format.
        expect((await run("config", "set", "preferences.dateFormat", "DD/MM/YYYY")).exitCode).toBe(
          0,
        );
        expect((await run("set-balance", "Car", "18000", "--date", "31/12/2025")).exitCode).toBe(0);
        const car = json<{ balances: { date: string }[] }>(
          await run("history", "Car", "--from", "01/12/2025", "--to", "31/12/2025", "--json"),
        );
        expect(car.balances.map((b) => b.date)).toEqual(["2025-12-31"]);
        expect((await run("config", "unset", "preferences.dateFormat")).exitCode).toBe(0);
      });

      it("lists assets and liabilities with totals and net worth", async () => {
        const body = json<{
          assets: AccountJson[];
          liabilities: AccountJson[];
          totalAssets: number;
          totalLiabilities: number;
          netWorth: number;
        }>(await run("accounts", "--json"));
        expect(body.assets.map((a) => a.name)).toEqual(["Car", "House"]);
        expect(body.liabilities.map((a) => a.name)).toEqual(["Mortgage", "Visa"]);
        // The card in credit (-20) counts as an asset: 18,500.50 + 466,000 + 20.
        expect(body.totalAssets).toBe(484520.5);
        expect(body.totalLiabilities).toBe(312000);
        expect(body.netWorth).toBe(172520.5);
        const text = await run("accounts");
        expect(text.stdout).toMatch(
          /Assets[\s\S]*House[\s\S]*Real Estate[\s\S]*manual[\s\S]*\$466,000\.00/,
        );
        expect(text.stdout).toMatch(/Net worth \$172,520\.50/);
      });

      it("resolves references by id, prefix or name, and lists candidates otherwise", async () => {
        expect((await run("history", ids.car as string)).exitCode).toBe(0);
        expect((await run("history", "CAR")).exitCode).toBe(0);
        const unknown = await run("history", "Boat");
        expect(unknown.exitCode).toBe(1);
        expect(unknown.stderr).toMatch(
          /no account matches "Boat"; your accounts: .*Car.*House.*Mortgage.*Visa/,
        );
        expect(
          (await run("add-asset", "--type", "other", "--name", "car", "--value", "1")).exitCode,
        ).toBe(0);
        const ambiguous = await run("history", "Car");
        expect(ambiguous.exitCode).toBe(1);
        expect(ambiguous.stderr).toMatch(/"Car" matches 2 accounts/);
        const short = await run("history", (ids.car as string).slice(0, 3));
        expect(short.exitCode).toBe(1);
      });

      it("edits, archives and deletes (only with --yes)", async () => {
        const edited = json<AccountJson>(
          await run(
            "edit",
            ids.car as string,
            "--name",
            "Old car",
            "--notes",
            "sold soon",
            "--json",
          ),
        );
        expect(edited).toMatchObject({
          name: "Old car",
          manualAssetDetails: { notes: "sold soon" },
        });
        expect((await run("edit", "Old car")).exitCode).toBe(2);

        const archived = json<AccountJson>(await run("archive", "Old car", "--json"));
        expect(archived.isActive).toBe(false);
        const active = json<{ assets: AccountJson[] }>(await run("accounts", "--json"));
        expect(active.assets.map((a) => a.name)).not.toContain("Old car");
        const all = json<{ assets: AccountJson[] }>(await run("accounts", "--all", "--json"));
        expect(all.assets.find((a) => a.name === "Old car")?.isActive).toBe(false);
        expect(
          json<{ balances: unknown[] }>(await run("history", "Old car", "--json")).balances,
        ).toHaveLength(2);

        const refused = await run("delete", "car");
        expect(refused.exitCode).toBe(1);
        expect(refused.stderr).toMatch(/not deleted: "car" has 1 balance\(s\).*--yes/);
        expect(await count("SELECT count(*) AS n FROM accounts WHERE name = 'car'")).toBe(1);
        const gone = await run("delete", "car", "--yes");
        expect(gone.exitCode).toBe(0);
        expect(await count("SELECT count(*) AS n FROM accounts WHERE name = 'car'")).toBe(0);
      });

      it("imports a spreadsheet: all or nothing, idempotent, counted", async () => {
        const lines = ["\uFEFFaccount,date,balance,available,limit"];
        for (let i = 0; i < 10_000; i++) {
          const d = new Date(Date.UTC(1990, 0, 1) + i * 86_400_000).toISOString().slice(0, 10);
          lines.push(
            `"Brokerage",${d},"${(1000 + i).toLocaleString("en-US")}.${String(i % 100).padStart(2, "0")}",,`,
          );
        }
        const good = join(t.home, "good.csv");
        writeFileSync(good, `${lines.join("\r\n")}\r\n`);
        const badLines = [...lines];
        badLines[5000] = `Brokerage,2013-09-09,12.345,,`;
        const bad = join(t.home, "bad.csv");
        writeFileSync(bad, badLines.join("\n"));

        const before = await count("SELECT count(*) AS n FROM account_balances");
        const refused = await run("import", "balances", bad, "--create-missing", "--type", "other");
        expect(refused.exitCode).toBe(1);
        expect(refused.stderr).toMatch(
          /^line 5001: invalid amount "12\.345": at most two decimals$/m,
        );
        expect(refused.stderr).toMatch(/nothing was imported/);
        expect(await count("SELECT count(*) AS n FROM account_balances")).toBe(before);
        expect(await count("SELECT count(*) AS n FROM accounts WHERE name = 'Brokerage'")).toBe(0);

        expect((await run("import", "balances", good)).stderr).toMatch(
          /no account named "Brokerage".*--create-missing/,
        );
        expect((await run("import", "balances", good, "--create-missing")).stderr).toMatch(
          /no type to create it with/,
        );
        const dry = json<{ inserted: number; imported: boolean }>(
          await run(
            "import",
            "balances",
            good,
            "--create-missing",
            "--type",
            "other",
            "--dry-run",
            "--json",
          ),
        );
        expect(dry).toMatchObject({ imported: false, inserted: 10_000 });
        expect(await count("SELECT count(*) AS n FROM account_balances")).toBe(before);

        const first = json<Record<string, unknown>>(
          await run("import", "balances", good, "--create-missing", "--type", "other", "--json"),
        );
        expect(first).toMatchObject({
          imported: true,
          inserted: 10_000,
          replaced: 0,
          unchanged: 0,
          accountsCreated: ["Brokerage"],
        });
        const again = json<Record<string, unknown>>(
          await run("import", "balances", good, "--create-missing", "--type", "other", "--json"),
        );
        expect(again).toMatchObject({
          inserted: 0,
          replaced: 0,
          unchanged: 10_000,
          accountsCreated: [],
        });
        const current = await count("SELECT count(*) AS n FROM account_balances WHERE is_current");
        expect(current).toBe(
          await count("SELECT count(DISTINCT account_id) AS n FROM account_balances"),
        );

        writeFileSync(
          bad,
          "account,date,balance\nBrokerage,1990-01-01,5\nHouse,2025-01-01,440000.00\n",
        );
        expect(
          json<Record<string, unknown>>(await run("import", "balances", bad, "--json")),
        ).toMatchObject({ inserted: 0, replaced: 1, unchanged: 1 });
      });

      it("exports in the import format, and the export round-trips byte for byte", async () => {
        const exported = await run("export", "balances");
        expect(exported.exitCode).toBe(0);
        expect(exported.stdout.split("\n")[0]).toBe("account,date,balance,available,limit,type");
        expect(exported.stdout).toContain("House,2025-01-01,440000.00,,,real_estate\n");
        expect(exported.stdout.split("\n")).toContain(`Visa,${today},-20.00,,,credit_card`);
        const file = join(t.home, "export.csv");
        writeFileSync(file, exported.stdout);

        const fresh = await kind.create();
        try {
          if (kind.name === "server") await (await fresh.open("auto")).close();
          expect((await cli(["login", "other@example.com"], fresh.env)).exitCode).toBe(0);
          // The type column recreates each account as what it was.
          const imported = await cli(["import", "balances", file, "--create-missing"], fresh.env);
          expect(imported.exitCode).toBe(0);
          const again = await cli(["export", "balances"], fresh.env);
          expect(again.stdout).toBe(exported.stdout);
        } finally {
          await fresh.dispose();
        }
        const asJson = json<{ balances: { account: string; balance: number }[] }>(
          await run(
            "export",
            "balances",
            "--format",
            "json",
            "--from",
            "2025-01-01",
            "--to",
            "2025-01-01",
          ),
        );
        expect(asJson.balances).toEqual([
          expect.objectContaining({ account: "House", balance: 440000 }),
        ]);
      });

      it("keeps an audit trail of every change", async () => {
        const audit = json<{
          entries: { tableName: string; action: string; newRow: Record<string, unknown> | null }[];
        }>(await run("logs", "--audit", "--limit", "100000", "--json"));
        const tables = new Set(audit.entries.map((e) => `${e.tableName}:${e.action}`));
        for (const expected of [
          "accounts:INSERT",
          "accounts:UPDATE",
          "accounts:DELETE",
          "account_balances:INSERT",
          "account_balances:UPDATE",
          "manual_assets:INSERT",
          "manual_assets:UPDATE",
        ]) {
          expect(tables, expected).toContain(expected);
        }
        // Money in the trail stays exact.
        expect(audit.entries.some((e) => e.newRow?.balance === "18500.50")).toBe(true);
      });

      it("keeps the daily snapshots current with every change, as a full rebuild would", async () => {
        const listed = json<{ netWorth: number; totalAssets: number }>(
          await run("accounts", "--json"),
        );
        const db = await t.open("none");
        try {
          const [user] = await db.sql`SELECT id FROM users WHERE email = 'me@example.com'`;
          const userId = user?.id as string;
          const stored = await readSnapshots(db.sql, userId, "1900-01-01", today);
          expect(stored.at(-1)).toMatchObject({
            date: today,
            netWorth: listed.netWorth.toFixed(2),
          });
          expect(stored[0]?.date).toBe("1990-01-01");
          await db.sql`DELETE FROM net_worth_snapshots`;
          await refreshSnapshots(db.sql, { userId }, "1900-01-01", today);
          const rebuilt = await readSnapshots(db.sql, userId, "1900-01-01", today);
          const strip = (rows: typeof stored) =>
            rows.map(({ id: _id, createdAt: _c, ...rest }) => rest);
          expect(strip(rebuilt)).toEqual(strip(stored));
        } finally {
          await db.close();
        }
      });

      it("never shows these accounts to another user", async () => {
        expect((await run("login", "someone@example.com")).exitCode).toBe(0);
        const theirs = json<{ assets: unknown[]; liabilities: unknown[] }>(
          await run("accounts", "--all", "--json"),
        );
        expect(theirs).toMatchObject({ assets: [], liabilities: [] });
        expect((await run("history", ids.house as string)).exitCode).toBe(1);
        expect((await run("set-balance", ids.house as string, "1")).exitCode).toBe(1);
        expect(
          json<{ entries: unknown[] }>(await run("logs", "--audit", "--json")).entries.every(
            (e) => (e as { tableName: string }).tableName !== "accounts",
          ),
        ).toBe(true);
        expect(await count("SELECT count(*) AS n FROM account_balances WHERE balance = 1")).toBe(0);
      });
    },
  );
}
