import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { cli } from "../support/cli.js";
import { DATABASE_KINDS, type TestTarget } from "../support/databases.js";

// Each test runs the CLI several times: on a loaded two-core machine that takes minutes.
vi.setConfig({ testTimeout: 240_000 });

const TODAY = "2026-03-15";

// Names a spreadsheet would run as formulas, and names that already start with a quote.
const NAMES = ["=SUM(A1:A9)", "+1 Fund", "-Debt", "@Home", "'Quoted", "'=Both", "Plain"];

for (const kind of DATABASE_KINDS) {
  describe.skipIf(!kind.available)(`CSV formula names on the ${kind.name} database`, () => {
    let a: TestTarget;
    let b: TestTarget;
    beforeAll(async () => {
      a = await kind.create();
      b = await kind.create();
      for (const t of [a, b]) {
        if (kind.name === "server") await (await t.open("auto")).close();
        const login = await cli(["login", "me@example.com"], { ...t.env, NETWORTH_TODAY: TODAY });
        expect(login.exitCode).toBe(0);
      }
    });
    afterAll(async () => {
      await a?.dispose();
      await b?.dispose();
    });

    it("exports formula-leading names neutralized, and the round trip is exact", async () => {
      const env = { ...a.env, NETWORTH_TODAY: TODAY };
      for (const [i, name] of NAMES.entries()) {
        const args = ["add-asset", "--type", "other", `--name=${name}`, `--value=${i + 1}`];
        expect((await cli([...args, "--date", "2026-01-01"], env)).exitCode).toBe(0);
      }
      const exported = await cli(["export", "balances"], env);
      expect(exported.exitCode).toBe(0);
      const firstCells = exported.stdout
        .trim()
        .split("\n")
        .slice(1)
        .map((l) => l.split(",")[0]);
      expect(firstCells.sort()).toEqual(
        ["'=SUM(A1:A9)", "'+1 Fund", "'-Debt", "'@Home", "'Quoted", "''=Both", "Plain"].sort(),
      );
      for (const cell of firstCells) expect(cell).not.toMatch(/^[=+\-@\t\r]/);

      const file = join(b.home, "export.csv");
      writeFileSync(file, exported.stdout);
      const envB = { ...b.env, NETWORTH_TODAY: TODAY };
      expect((await cli(["import", "balances", file, "--create-missing"], envB)).exitCode).toBe(0);
      const names = JSON.parse((await cli(["accounts", "--json"], envB)).stdout).assets.map(
        (x: { name: string }) => x.name,
      );
      expect(names.sort()).toEqual([...NAMES].sort());
      const again = await cli(["export", "balances"], envB);
      expect(again.stdout).toBe(exported.stdout);
    });
  });
}
