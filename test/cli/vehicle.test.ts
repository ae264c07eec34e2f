import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { addDays } from "../../src/core/dates.js";
import { cli, json } from "../support/cli.js";
import { DATABASE_KINDS, type TestTarget } from "../support/databases.js";
import { FakeMarketCheck } from "../support/fake-marketcheck.js";
import { FakeVpic } from "../support/fake-vpic.js";

const D0 = "2025-04-01";
const VIN = "1HGCM82633A004352";
const BAD_VIN = "1HGCM82633A004353";

for (const kind of DATABASE_KINDS) {
  describe.skipIf(!kind.available)(
    `vehicle values through the CLI on the ${kind.name} database`,
    { timeout: 180_000 },
    () => {
      let t: TestTarget;
      let vpic: FakeVpic;
      let mc: FakeMarketCheck;
      const outputs: string[] = [];
      const run = async (today: string, withKey: boolean, ...args: string[]) => {
        const r = await cli(args, {
          ...t.env,
          NETWORTH_TODAY: today,
          NETWORTH_VPIC_URL: vpic.url,
          NETWORTH_MARKETCHECK_URL: mc.url,
          NETWORTH_PROVIDER_RETRY_MS: "1",
          ...(withKey ? { MARKETCHECK_API_KEY: "marketcheck-test-key" } : {}),
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
      const rows = (name: string) =>
        withDb(
          (db) => db.sql<{ date: string; balance: string; source: string }[]>`
            SELECT b.date, b.balance::text AS balance, b.source::text AS source
            FROM account_balances b JOIN accounts a ON a.id = b.account_id
            WHERE a.name = ${name} ORDER BY b.date`,
        );

      beforeAll(async () => {
        vpic = await new FakeVpic().start();
        vpic.vins.set(VIN, { year: "2003", make: "HONDA", model: "Accord" });
        mc = await new FakeMarketCheck().start();
        t = await kind.create();
        if (kind.name === "server") await (await t.open("auto")).close();
        expect((await run(D0, false, "login", "me@example.com")).exitCode).toBe(0);
        for (const name of ["Car", "Truck"]) {
          const r = await run(
            D0,
            false,
            "add-asset",
            "--type",
            "vehicle",
            "--name",
            name,
            "--value",
            "20000",
            "--date",
            addDays(D0, -90),
          );
          expect(r.exitCode, r.stderr).toBe(0);
        }
      });
      afterAll(async () => {
        await t?.dispose();
        await vpic?.stop();
        await mc?.stop();
      });

      it("a VIN that does not decode is one line, nothing written, the VIN not repeated", async () => {
        const before = await withDb(
          (db) => db.sql`SELECT count(*)::int AS n FROM account_valuations`,
        );
        const r = await run(
          D0,
          true,
          "valuation",
          "set",
          "Car",
          "--method",
          "vehicle",
          "--vin",
          BAD_VIN,
          "--mileage",
          "40000",
        );
        expect(r.exitCode).toBe(1);
        expect(r.stderr.trim()).toBe(
          "networth: vpic: the VIN does not decode (vPIC error code 1, 11); nothing was changed",
        );
        expect(
          await withDb((db) => db.sql`SELECT count(*)::int AS n FROM account_valuations`),
        ).toEqual(before);
        expect(mc.requests).toHaveLength(0);
      });

      it("without a MarketCheck key, the car depreciates by the rule of Valuations I", async () => {
        const r = await run(
          D0,
          false,
          "valuation",
          "set",
          "Truck",
          "--method",
          "vehicle",
          "--vin",
          VIN,
          "--mileage",
          "40000",
          "--json",
        );
        expect(r.exitCode, r.stderr).toBe(0);
        expect(json(r)).toMatchObject({
          vehicle: {
            year: 2003,
            make: "HONDA",
            model: "Accord",
            mileage: 40000,
            milesPerYear: 12000,
          },
          priced: null,
          depreciationOnly: true,
        });
        expect(vpic.requests.at(-1)).toEqual({
          path: `/api/vehicles/DecodeVinValues/${VIN}`,
          query: { format: "json" },
        });
        const values = (await rows("Truck")).filter((v) => v.source === "rule");
        // 20000 × 0.85^(m/12) on the monthly anniversaries of the first value.
        expect(values.map((v) => v.balance)).toEqual(["19730.96", "19465.54", "19203.69"]);
        expect(mc.requests).toHaveLength(0);
      });

      it("with a key, MarketCheck prices it from VIN, miles (grown by the yearly figure) and ZIP", async () => {
        const r = await run(
          D0,
          true,
          "valuation",
          "set",
          "Car",
          "--method",
          "vehicle",
          "--vin",
          VIN,
          "--mileage",
          "40000",
          "--zip",
          "78244",
          "--json",
        );
        expect(r.exitCode, r.stderr).toBe(0);
        expect(mc.requests.at(-1)).toEqual({
          api_key: "marketcheck-test-key",
          vin: VIN,
          miles: "40000",
          zip: "78244",
        });
        expect(json(r)).toMatchObject({
          priced: { date: D0, value: 26000, source: "marketcheck" },
        });
        expect((await rows("Car")).find((v) => v.date === D0)).toEqual({
          date: D0,
          balance: "26000.00",
          source: "kbb_api",
        });
        const later = addDays(D0, 31);
        const again = await run(later, true, "revalue");
        expect(again.exitCode, again.stderr).toBe(0);
        // 40000 + round(12000 × 31 / 365) = 41019 miles.
        expect(mc.requests.at(-1)?.miles).toBe("41019");
        expect((await rows("Car")).find((v) => v.date === later)).toMatchObject({
          source: "kbb_api",
          balance: "25899.00",
        });
      });

      it("MarketCheck down: the car is stale with the reason and revalue exits 1", async () => {
        mc.down = 503;
        const r = await run(addDays(D0, 62), true, "revalue");
        expect(r.exitCode).toBe(1);
        expect(r.stderr).toMatch(/Car is stale: marketcheck: HTTP 503/);
        mc.down = null;
        for (const text of outputs) expect(text).not.toContain(VIN);
        for (const text of outputs) expect(text).not.toContain("marketcheck-test-key");
        const stored = await withDb(
          (db) => db.sql<{ vin: string }[]>`
          SELECT vin_encrypted AS vin FROM account_valuations WHERE vin_encrypted IS NOT NULL`,
        );
        for (const s of stored) expect(s.vin).toMatch(/^nw1:/);
      });
    },
  );
}
