import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { cli, json } from "../support/cli.js";
import { DATABASE_KINDS, type TestTarget } from "../support/databases.js";

const TODAY = "2025-03-05";
const ECB = ["Date,USD,JPY,", "2025-03-04,1.0623,157.81,", "2025-02-28,1.0400,156.55,", ""].join(
  "\n",
);

for (const kind of DATABASE_KINDS) {
  describe.skipIf(!kind.available)(
    `the report's movers in your currency on the ${kind.name} database`,
    { timeout: 120_000 },
    () => {
      let t: TestTarget;
      let run: (...args: string[]) => ReturnType<typeof cli>;
      beforeAll(async () => {
        t = await kind.create();
        if (kind.name === "server") await (await t.open("auto")).close();
        run = (...args) => cli(args, { ...t.env, NETWORTH_TODAY: TODAY });
        expect((await run("login", "me@example.com")).exitCode).toBe(0);
        const file = join(t.home, "eurofxref.csv");
        writeFileSync(file, ECB);
        expect((await run("rates", "import", file)).exitCode).toBe(0);
        const add = async (name: string, currency: string, value: string, later: string) => {
          const added = await run(
            "add-asset",
            "--type",
            "other",
            "--name",
            name,
            "--value",
            value,
            "--date",
            "2025-02-28",
            "--currency",
            currency,
          );
          expect(added.exitCode, added.stderr).toBe(0);
          const moved = await run("set-balance", name, later, "--date", "2025-03-04");
          expect(moved.exitCode, moved.stderr).toBe(0);
        };
        await add("Sparkonto", "EUR", "1000", "1100");
        await add("Brokerage", "USD", "500", "560");
        await add("Yen", "JPY", "100000", "90000");
      });
      afterAll(async () => {
        await t?.dispose();
      });

      it("ranks and states each move by what it did to net worth in your currency", async () => {
        const report = json<{
          currency: string;
          changes: { range: { amount: number } };
          movers: { name: string; currency: string; change: number; effect: number }[];
        }>(await run("report", "--from", "2025-02-28", "--json"));
        expect(report.currency).toBe("USD");
        // Each end at its day's rate, rounded to the cent as the snapshots do:
        // Sparkonto 1100 × 1.0623 − 1000 × 1.04 = 1168.53 − 1040.00;
        // Yen 90000 × 1.0623 / 157.81 − 100000 × 1.04 / 156.55 = 605.84 − 664.32.
        // By their own currencies' numbers the yen (−10,000) would come first.
        expect(report.movers.map((m) => [m.name, m.currency, m.change, m.effect])).toEqual([
          ["Sparkonto", "EUR", 100, 128.53],
          ["Brokerage", "USD", 60, 60],
          ["Yen", "JPY", -10000, -58.48],
        ]);
        expect(report.changes.range.amount).toBe(130.05);
        const text = await run("report", "--from", "2025-02-28");
        expect(text.stdout).toMatch(/Sparkonto .*€1,000\.00 .*€1,100\.00 .*\+\$128\.53/);
        expect(text.stdout).toMatch(/Yen .*-\$58\.48/);
      });
    },
  );
}
