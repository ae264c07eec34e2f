import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { addDays, daysBetween } from "../../src/core/dates.js";
import { cli, json } from "../support/cli.js";
import { DATABASE_KINDS, type TestTarget } from "../support/databases.js";
import { FakeCoinGecko } from "../support/fake-coingecko.js";
import { expectSnapshotsMatchBalances } from "../support/snapshot-oracle.js";

const D0 = "2025-03-10";
/** Bitcoin's price on a date: 40000 + 10.5 a day since 2025-01-01 (exact decimal text). */
const btc = (date: string) => {
  const n = daysBetween("2025-01-01", date);
  return `${40000 + Math.floor(n * 10.5)}${n % 2 === 1 ? ".5" : ""}`;
};
/** The cents of q × price, half-up, computed independently (BigInt on the decimal text). */
const times = (q: string, price: string) => {
  const scale = (t: string, places: number) => {
    const [w, f = ""] = t.split(".");
    return BigInt(`${w}${f.padEnd(places, "0")}`);
  };
  const v = scale(q, 18) * scale(price, 12); // 10^30 units
  const cents = (v * 2n + 10n ** 28n) / (2n * 10n ** 28n);
  const s = cents.toString().padStart(3, "0");
  return `${s.slice(0, -2)}.${s.slice(-2)}`;
};

interface Row {
  date: string;
  balance: string;
  source: string;
}

for (const kind of DATABASE_KINDS) {
  describe.skipIf(!kind.available)(
    `holdings and market prices through the CLI on the ${kind.name} database`,
    { timeout: 180_000 },
    () => {
      let t: TestTarget;
      let fake: FakeCoinGecko;
      let userId: string;
      const run = (today: string, ...args: string[]) =>
        cli(args, {
          ...t.env,
          NETWORTH_TODAY: today,
          NETWORTH_COINGECKO_URL: fake.url,
          COINGECKO_API_KEY: "demo-test-key",
          NETWORTH_PROVIDER_RETRY_MS: "1",
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
        WHERE a.name = ${name} AND b.source = 'rule' ORDER BY b.date`,
        );
      const fingerprint = () =>
        withDb(async (db) => {
          const [row] = await db.sql`
          SELECT (SELECT count(*) FROM account_balances)::int AS balances,
                 (SELECT coalesce(sum(balance), 0)::text FROM account_balances) AS total,
                 (SELECT count(*) FROM prices)::int AS prices,
                 (SELECT coalesce(sum(net_worth), 0)::text FROM net_worth_snapshots) AS snapshots`;
          return row;
        });
      const setToday = (date: string) => {
        fake.prices.set("bitcoin", btc(date));
      };

      beforeAll(async () => {
        fake = await new FakeCoinGecko().start();
        fake.key = "demo-test-key";
        fake.history = (id, date) => (id === "bitcoin" ? btc(date) : undefined);
        fake.rates = { usd: "60000", xau: "24", xag: "2000" }; // 2500 and 30 USD an ounce
        t = await kind.create();
        if (kind.name === "server") await (await t.open("auto")).close();
        expect((await run(D0, "login", "me@example.com")).exitCode).toBe(0);
        for (const name of ["Crypto", "Wallet", "Vault"]) {
          const r = await run(
            D0,
            "add-asset",
            "--type",
            name === "Vault" ? "precious_metal" : "crypto",
            "--name",
            name,
            "--value",
            "0",
            "--date",
            addDays(D0, -30),
          );
          expect(r.exitCode, r.stderr).toBe(0);
        }
        userId = await withDb(async (db) => {
          const [u] = await db.sql<{ id: string }[]>`SELECT id FROM users`;
          return u?.id as string;
        });
      });
      afterAll(async () => {
        await t?.dispose();
        await fake?.stop();
      });

      it("a coin added with a past start is priced today and back-filled, exactly", async () => {
        setToday(D0);
        const start = addDays(D0, -5);
        const r = await run(
          D0,
          "holdings",
          "add",
          "Crypto",
          "--coin",
          "bitcoin",
          "--quantity",
          "0.5",
          "--start",
          start,
          "--json",
        );
        expect(r.exitCode, r.stderr).toBe(0);
        expect(json(r)).toMatchObject({
          holding: { asset: "bitcoin", quantity: "0.5" },
          stale: null,
        });
        expect(fake.calls("/simple/price")).toHaveLength(1);
        expect(fake.calls("/market_chart/range")).toHaveLength(1);
        for (const req of fake.requests)
          expect(req.headers["x-cg-demo-api-key"]).toBe("demo-test-key");
        const values = await rows("Crypto");
        expect(values.map((v) => v.date)).toEqual(
          Array.from({ length: 6 }, (_, i) => addDays(start, i)),
        );
        for (const v of values) expect(v.balance, v.date).toBe(times("0.5", btc(v.date)));
      });

      it("a metal is priced from one exchange_rates call, in troy ounces × purity", async () => {
        const before = fake.requests.length;
        const r = await run(
          D0,
          "holdings",
          "add",
          "Vault",
          "--metal",
          "XAU",
          "--weight",
          "311.034768",
          "--unit",
          "g",
          "--purity",
          "0.9999",
        );
        expect(r.exitCode, r.stderr).toBe(0);
        expect(fake.requests.slice(before).map((q) => q.path)).toEqual(["/api/v3/exchange_rates"]);
        // 10 oz × 0.9999 × 2500 = 24997.50
        expect(await rows("Vault")).toEqual([{ date: D0, balance: "24997.50", source: "rule" }]);
      });

      it("a second account holding the same coin costs no call today, and one batched call tomorrow", async () => {
        const before = fake.requests.length;
        const r = await run(
          D0,
          "holdings",
          "add",
          "Wallet",
          "--coin",
          "bitcoin",
          "--quantity",
          "1.25",
        );
        expect(r.exitCode, r.stderr).toBe(0);
        expect(fake.requests.length).toBe(before);
        const d1 = addDays(D0, 1);
        setToday(d1);
        const dry = await run(d1, "revalue", "--dry-run", "--json");
        expect(dry.exitCode, dry.stderr).toBe(0);
        const plan = json<{
          calls: { call: string; assets: string[] }[];
          budgets: { left: number }[];
        }>(dry);
        expect(plan.calls.map((c) => c.call).sort()).toEqual(["exchange_rates", "simple/price"]);
        expect(plan.calls.find((c) => c.call === "simple/price")?.assets).toEqual(["bitcoin"]);
        expect(fake.requests.length).toBe(before); // a dry run sends nothing
        const done = await run(d1, "revalue");
        expect(done.exitCode, done.stderr).toBe(0);
        const sent = fake.requests.slice(before);
        expect(sent.map((q) => q.path).sort()).toEqual([
          "/api/v3/exchange_rates",
          "/api/v3/simple/price",
        ]);
        expect((await rows("Wallet")).at(-1)).toEqual({
          date: d1,
          balance: times("1.25", btc(d1)),
          source: "rule",
        });
        const snapshots = await withDb((db) => expectSnapshotsMatchBalances(db, userId, d1));
        expect(snapshots).toBeUndefined();
      });

      it("a provider down for a day leaves the last values, marks them stale, exits 1; back, the gap is filled", async () => {
        const d2 = addDays(D0, 2);
        const d3 = addDays(D0, 3);
        fake.down = 503;
        const before = await fingerprint();
        const down = await run(d2, "revalue");
        expect(down.exitCode).toBe(1);
        expect(down.stderr).toMatch(
          /Crypto is stale: bitcoin: coingecko: HTTP 503; last good value/,
        );
        expect(down.stderr).toMatch(/Vault is stale/);
        expect((await fingerprint())?.prices).toBe(before?.prices);
        const accounts = json<{ assets: { name: string; valuation: { stale: unknown } }[] }>(
          await run(d2, "accounts", "--json"),
        );
        expect(accounts.assets.find((a) => a.name === "Crypto")?.valuation.stale).toMatchObject({
          since: d2,
          lastGood: addDays(D0, 1),
        });
        const doctor = await run(d2, "doctor");
        expect(doctor.stdout + doctor.stderr).toMatch(/Crypto.*stale/);
        fake.down = null;
        setToday(d3);
        const back = await run(d3, "revalue", "--json");
        expect(back.exitCode, back.stderr).toBe(0);
        expect(json<{ stale: unknown[] }>(back).stale).toEqual([]);
        const dates = (await rows("Crypto")).map((v) => v.date);
        expect(dates.slice(-3)).toEqual([addDays(D0, 1), d2, d3]);
        // Gold has no history from the provider: its missing day stays missing.
        expect((await rows("Vault")).map((v) => v.date)).toEqual([D0, addDays(D0, 1), d3]);
      });

      it("garbage is refused: a negative price, a missing id, a 100× jump (held back until --accept)", async () => {
        const d4 = addDays(D0, 4);
        fake.prices.set("bitcoin", "-5");
        let r = await run(d4, "revalue");
        expect(r.exitCode).toBe(1);
        expect(r.stderr).toMatch(/not positive/);
        fake.lies.set("bitcoin", null);
        r = await run(d4, "revalue");
        expect(r.exitCode).toBe(1);
        expect(r.stderr).toMatch(/the answer has no price for bitcoin/);
        fake.lies.delete("bitcoin");
        fake.prices.set("bitcoin", "9000000");
        const before = await fingerprint();
        r = await run(d4, "revalue");
        expect(r.exitCode).toBe(1);
        expect(r.stderr).toMatch(/held back/);
        expect(await fingerprint()).toEqual(before);
        r = await run(d4, "revalue", "--accept");
        expect(r.exitCode, r.stderr).toBe(0);
        expect((await rows("Crypto")).at(-1)).toEqual({
          date: d4,
          balance: "4500000.00",
          source: "rule",
        });
      });

      it("a budget spent mid-run sends nothing more: the rest stays stale, exit 1", async () => {
        const d5 = addDays(D0, 5);
        fake.prices.set("bitcoin", "9000001"); // after the accepted 9000000 of the day before
        const used = await withDb(async (db) => {
          const [row] = await db.sql<{ requests: number }[]>`
            SELECT requests FROM provider_requests WHERE provider = 'coingecko' AND month = ${d5.slice(0, 7)}`;
          return row?.requests ?? 0;
        });
        expect(used).toBe(fake.requests.length);
        expect(
          (await run(d5, "config", "set", "budget.coingecko", String(used + 1))).exitCode,
        ).toBe(0);
        const before = fake.requests.length;
        const r = await run(d5, "revalue", "--json");
        expect(r.exitCode).toBe(1);
        expect(fake.requests.length).toBe(before + 1);
        const out = json<{
          stale: { name: string; reason: string }[];
          budgets: { left: number }[];
        }>(r);
        expect(out.stale).toHaveLength(1);
        expect(out.stale[0]?.reason).toMatch(/budget of \d+ spent/);
        expect(out.budgets[0]?.left).toBe(0);
      });

      it("prices import fills history a provider cannot, and prices lists it", async () => {
        const file = join(t.home, "gold.csv");
        writeFileSync(file, `asset,date,price\nXAU,${addDays(D0, 2)},2400.25\n`);
        const r = await run(addDays(D0, 5), "prices", "import", file, "--json");
        expect(r.exitCode, r.stderr).toBe(0);
        expect(json(r)).toMatchObject({ added: 1, changed: 0 });
        const listed = json<{ prices: { date: string; price: string; source: string }[] }>(
          await run(addDays(D0, 5), "prices", "XAU", "--json"),
        );
        expect(listed.prices.find((p) => p.date === addDays(D0, 2))).toMatchObject({
          price: "2400.25",
          source: "import",
        });
        // 10 × 0.9999 × 2400.25 = 23999.9 (2399.98...): the gap in Vault's history is filled.
        const vault = await rows("Vault");
        expect(vault.find((v) => v.date === addDays(D0, 2))?.balance).toBe("24000.10");
        const snapshots = await withDb((db) =>
          expectSnapshotsMatchBalances(db, userId, addDays(D0, 5)),
        );
        expect(snapshots).toBeUndefined();
      });

      it("refuses every holdings and valuation change on a Plaid account, coin account or not, with one line, writing nothing", async () => {
        const today = addDays(D0, 5);
        // A coin account as a link stores it (src/plaid/coins.ts): a holding of Plaid's
        // quantity, the holdings method and a generated value; and a plain Plaid account.
        await withDb(async (db) => {
          const [item] = await db.sql<{ id: string }[]>`
            INSERT INTO plaid_items (user_id, item_id, access_token, institution_id, institution_name)
            VALUES (${userId}, 'item-h', 'x', 'ins_1', 'Exchange') RETURNING id`;
          const [coin] = await db.sql<{ id: string }[]>`
            INSERT INTO accounts (user_id, plaid_item_id, plaid_account_id, name, type, subtype, category)
            VALUES (${userId}, ${item?.id as string}, 'acc-coin', 'Coin Wallet', 'other', 'other', 'digital_asset')
            RETURNING id`;
          await db.sql`
            INSERT INTO accounts (user_id, plaid_item_id, plaid_account_id, name, type, subtype, category)
            VALUES (${userId}, ${item?.id as string}, 'acc-brk', 'Brokerage', 'investment', 'brokerage', 'investment')`;
          const id = coin?.id as string;
          await db.sql`
            INSERT INTO account_holdings (account_id, user_id, kind, asset, quantity, start_date)
            VALUES (${id}, ${userId}, 'coin', 'bitcoin', '0.123456780000000000', ${today})`;
          await db.sql`
            INSERT INTO account_valuations (account_id, user_id, method, start_date, basis)
            VALUES (${id}, ${userId}, 'holdings', ${today}, 0)`;
          await db.sql`
            INSERT INTO account_balances (account_id, date, balance, source)
            VALUES (${id}, ${today}, 1111.11, 'rule')`;
        });
        const everything = () =>
          withDb(async (db) => {
            const [row] = await db.sql`
              SELECT (SELECT json_agg(b ORDER BY b.account_id, b.date) FROM account_balances b)::text AS balances,
                     (SELECT json_agg(h ORDER BY h.account_id, h.asset) FROM account_holdings h)::text AS holdings,
                     (SELECT json_agg(v ORDER BY v.account_id) FROM account_valuations v)::text AS valuations,
                     (SELECT json_agg(s ORDER BY s.date) FROM net_worth_snapshots s)::text AS snapshots,
                     (SELECT count(*) FROM prices)::int AS prices`;
            return row;
          });
        const before = await everything();
        const calls = fake.requests.length;
        for (const name of ["Coin Wallet", "Brokerage"]) {
          const cases = [
            ["holdings", "add", name, "--coin", "ethereum", "--quantity", "1"],
            ["holdings", "set", name, "--coin", "bitcoin", "--quantity", "5"],
            ["holdings", "remove", name, "--coin", "bitcoin"],
            ["valuation", "set", name, "--method", "depreciation", "--rate", "10"],
            ["valuation", "clear", name],
            ["valuation", "clear", name, "--keep-values"],
          ];
          for (const args of cases) {
            const r = await run(today, ...args);
            expect([r.exitCode, r.stderr.trim().split("\n").length], args.join(" ")).toEqual([
              1, 1,
            ]);
            expect(r.stderr.trim(), args.join(" ")).toBe(
              `networth: ${name} is linked through Plaid: Plaid is its source`,
            );
          }
        }
        expect(await everything()).toEqual(before);
        expect(fake.requests.length).toBe(calls);
      });
    },
  );
}
