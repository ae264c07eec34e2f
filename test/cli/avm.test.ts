import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { addDays } from "../../src/core/dates.js";
import { cli, json } from "../support/cli.js";
import { DATABASE_KINDS, type TestTarget } from "../support/databases.js";
import { FakeRentCast } from "../support/fake-rentcast.js";

const D0 = "2025-05-01";
const ADDRESS = "5500 Grand Lake Dr, San Antonio, TX 78244";

for (const kind of DATABASE_KINDS) {
  describe.skipIf(!kind.available)(
    `home values (avm) through the CLI on the ${kind.name} database`,
    { timeout: 180_000 },
    () => {
      let t: TestTarget;
      let fake: FakeRentCast;
      const outputs: string[] = [];
      const run = async (today: string, ...args: string[]) => {
        const r = await cli(args, {
          ...t.env,
          NETWORTH_TODAY: today,
          NETWORTH_RENTCAST_URL: fake.url,
          RENTCAST_API_KEY: "rentcast-test-key",
          NETWORTH_PROVIDER_RETRY_MS: "1",
        });
        outputs.push(r.stdout, r.stderr);
        return r;
      };
      async function withDb<T>(fn: (db: Awaited<ReturnType<TestTarget["open"]>>) => Promise<T>) {
        const db = await t.open("none");
        try {
          return await fn(db);
        } finally {
          await db.close();
        }
      }

      beforeAll(async () => {
        fake = await new FakeRentCast().start();
        fake.homes.set(ADDRESS, { price: "412000", low: "380000", high: "441500.5" });
        t = await kind.create();
        if (kind.name === "server") await (await t.open("auto")).close();
        expect((await run(D0, "login", "me@example.com")).exitCode).toBe(0);
        const r = await run(
          D0,
          "add-asset",
          "--type",
          "real_estate",
          "--name",
          "Home",
          "--value",
          "400000",
          "--date",
          addDays(D0, -60),
        );
        expect(r.exitCode, r.stderr).toBe(0);
      });
      afterAll(async () => {
        await t?.dispose();
        await fake?.stop();
      });

      it("looks the home up with the key in X-Api-Key, keeps the value and its range", async () => {
        const r = await run(
          D0,
          "valuation",
          "set",
          "Home",
          "--method",
          "avm",
          "--address",
          ADDRESS,
          "--json",
        );
        expect(r.exitCode, r.stderr).toBe(0);
        expect(json(r)).toMatchObject({
          valuation: { method: "avm" },
          lookup: { date: D0, value: 412000, low: 380000, high: 441500.5, source: "rentcast" },
          stale: null,
        });
        expect(fake.requests).toEqual([{ address: ADDRESS, key: "rentcast-test-key" }]);
        const history = await run(D0, "history", "Home");
        expect(history.stdout, history.stderr).toMatch(/412,000\.00/);
        expect(history.stdout).toMatch(/range \$380,000\.00 to \$441,500\.50/);
      });

      it("looks it up at most once in 30 days, and lists the call in a dry run without the address", async () => {
        expect((await run(addDays(D0, 10), "revalue")).exitCode).toBe(0);
        expect(fake.requests).toHaveLength(1);
        const day = addDays(D0, 30);
        const dry = await run(day, "revalue", "--dry-run", "--json");
        expect(dry.exitCode, dry.stderr).toBe(0);
        const plan = json<{
          calls: { provider: string; call: string }[];
          budgets: { provider: string; used: number; left: number }[];
        }>(dry);
        expect(plan.calls).toMatchObject([{ provider: "rentcast", call: "avm/value" }]);
        expect(plan.budgets.find((b) => b.provider === "rentcast")).toMatchObject({
          used: 1,
          left: 49,
        });
        expect(fake.requests).toHaveLength(1);
        fake.homes.set(ADDRESS, { price: "415000", low: "390000", high: "440000" });
        const done = await run(day, "revalue");
        expect(done.exitCode, done.stderr).toBe(0);
        expect(fake.requests).toHaveLength(2);
      });

      it("a failing or lying provider leaves the last value, stale, and revalue exits 1", async () => {
        const day = addDays(D0, 61);
        fake.down = 500;
        const down = await run(day, "revalue");
        expect(down.exitCode).toBe(1);
        expect(down.stderr).toMatch(/Home is stale: rentcast: HTTP 500/);
        fake.down = null;
        fake.scripted.push({
          status: 200,
          body: '{"price":0,"priceRangeLow":1,"priceRangeHigh":2}',
        });
        const zero = await run(day, "revalue");
        expect(zero.exitCode).toBe(1);
        expect(zero.stderr).toMatch(/not positive/);
        const rows = await withDb(
          (db) => db.sql<{ date: string; balance: string }[]>`
            SELECT date, balance::text AS balance FROM account_balances WHERE source = 'rule' ORDER BY date`,
        );
        expect(rows).toEqual([
          { date: D0, balance: "412000.00" },
          { date: addDays(D0, 30), balance: "415000.00" },
        ]);
        const doctor = await run(day, "doctor", "--json");
        expect(JSON.stringify(json(doctor))).toMatch(/market-values.*Home/);
      });

      it("keys rotate re-seals the address: the next lookup still sends it", async () => {
        const before = await withDb(
          async (db) =>
            (
              await db.sql<
                { enc: string }[]
              >`SELECT address_encrypted AS enc FROM account_valuations`
            )[0]?.enc,
        );
        const rotated = await run(addDays(D0, 61), "keys", "rotate", "--json");
        expect(rotated.exitCode, rotated.stderr).toBe(0);
        const after = await withDb(
          async (db) =>
            (
              await db.sql<
                { enc: string }[]
              >`SELECT address_encrypted AS enc FROM account_valuations`
            )[0]?.enc,
        );
        expect(after).toMatch(/^nw1:/);
        expect(after).not.toBe(before);
        // Before the rotation re-sealed addresses, the old key left the file with the tokens'
        // last use, and the home went stale: "cannot be read".
        const requests = fake.requests.length;
        const later = await run(addDays(D0, 95), "revalue");
        expect(later.exitCode, later.stderr).toBe(0);
        expect(fake.requests.length).toBe(requests + 1);
        expect(JSON.stringify(fake.requests.at(-1))).toContain("Grand Lake");
      });

      it("the address is never in output, logs, errors or the database in plain text", async () => {
        await run(addDays(D0, 61), "accounts", "--json");
        await run(addDays(D0, 61), "valuation", "show", "Home", "--json");
        await run(addDays(D0, 61), "logs", "--json");
        for (const text of outputs) expect(text).not.toContain("Grand Lake");
        const leaked = await withDb(async (db) => {
          const [row] = await db.sql<{ n: number; enc: string }[]>`
            SELECT (SELECT count(*)::int FROM audit_log WHERE old_row::text LIKE '%Grand Lake%'
                      OR new_row::text LIKE '%Grand Lake%') AS n,
                   (SELECT address_encrypted FROM account_valuations) AS enc`;
          return row;
        });
        expect(leaked?.n).toBe(0);
        expect(leaked?.enc).toMatch(/^nw1:/);
      });
    },
  );
}
