import { readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { cli, json } from "../support/cli.js";
import { DATABASE_KINDS, type TestDatabaseKind, type TestTarget } from "../support/databases.js";

// Many whole CLI processes per test on a shared 2-core machine: generous, never a sleep.
vi.setConfig({ hookTimeout: 240_000 });

const [EMBEDDED, SERVER] = DATABASE_KINDS as [TestDatabaseKind, TestDatabaseKind];

describe.skipIf(!SERVER.available)(
  "db copy between the embedded database and a server",
  { timeout: 240_000 },
  () => {
    let home: TestTarget;
    let server: TestTarget;
    let back: TestTarget;
    let url: string;
    const report = ["report", "--from", "2024-01-01", "--to", "2024-12-31", "--json"];
    let before: { csv: string; report: string };
    beforeAll(async () => {
      home = await EMBEDDED.create();
      server = await SERVER.create();
      back = await EMBEDDED.create();
      url = server.env.DATABASE_URL as string;
      const run = (...args: string[]) => cli(args, home.env);
      expect((await run("login", "move@example.com")).exitCode).toBe(0);
      const csv = join(home.home, "h.csv");
      const lines = ["account,date,balance,type"];
      for (let d = 0; d < 200; d++) {
        const date = new Date(Date.UTC(2024, 0, 1) + d * 86_400_000).toISOString().slice(0, 10);
        lines.push(`Gold,${date},${(5000 + d * 3.33).toFixed(2)},precious_metal`);
        lines.push(`Loan,${date},${(9000 - d * 7.77).toFixed(2)},personal`);
      }
      writeFileSync(csv, lines.join("\n"));
      expect((await run("import", "balances", csv, "--create-missing")).exitCode).toBe(0);
      before = {
        csv: (await run("export", "balances")).stdout,
        report: (await run(...report)).stdout,
      };
    });
    afterAll(async () => {
      await home?.dispose();
      await server?.dispose();
      await back?.dispose();
    });

    it("moves the embedded database to an empty server in one command, logged in there", async () => {
      const r = await cli(["db", "copy", "--to", url, "--json"], home.env);
      expect(r.exitCode, r.stderr).toBe(0);
      expect(json(r)).toMatchObject({ users: 1, to: server.target.display });
      // The session came along: no login needed against the server.
      const onServer = (...args: string[]) =>
        cli(["--database-url", url, ...args], { NETWORTH_HOME: home.home });
      expect((await onServer("export", "balances")).stdout).toBe(before.csv);
      expect((await onServer(...report)).stdout).toBe(before.report);
      // The temporary backup is gone.
      expect(readdirSync(join(home.home, "data", "backups"))).toEqual([]);
    });

    it("refuses a destination that holds users, and the database itself", async () => {
      const again = await cli(["db", "copy", "--to", url], home.env);
      expect(again.exitCode).toBe(1);
      expect(again.stderr).toMatch(/already holds 1 user: db copy only fills an empty database/);
      const self = await cli(["db", "copy", "--to", url], {
        NETWORTH_HOME: home.home,
        DATABASE_URL: url,
      });
      expect(self.exitCode).toBe(2);
      expect((await cli(["db", "copy"], home.env)).exitCode).toBe(2);
    });

    it("and back: --from a server into a fresh embedded database", async () => {
      const r = await cli(["db", "copy", "--from", url, "--json"], back.env);
      expect(r.exitCode, r.stderr).toBe(0);
      expect((await cli(["login", "move@example.com"], back.env)).exitCode).toBe(0);
      expect((await cli(["export", "balances"], back.env)).stdout).toBe(before.csv);
      expect((await cli(report, back.env)).stdout).toBe(before.report);
    });
  },
);
