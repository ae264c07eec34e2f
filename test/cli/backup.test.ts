import { readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { cli, json } from "../support/cli.js";
import { DATABASE_KINDS, type TestDatabaseKind, type TestTarget } from "../support/databases.js";

// Many whole CLI processes per test on a shared 2-core machine: generous, never a sleep.
vi.setConfig({ hookTimeout: 240_000 });

const [EMBEDDED, SERVER] = DATABASE_KINDS as [TestDatabaseKind, TestDatabaseKind];

/** A small history with every kind of row: manual accounts, negatives, an archive, back-dating. */
async function fill(run: (...args: string[]) => ReturnType<typeof cli>, home: string) {
  const csv = join(home, "history.csv");
  const lines = ["account,date,balance,type"];
  for (let d = 0; d < 120; d++) {
    const date = new Date(Date.UTC(2025, 0, 1) + d * 3 * 86_400_000).toISOString().slice(0, 10);
    lines.push(`House,${date},${(300000 + d * 101.37).toFixed(2)},real_estate`);
    lines.push(`Car loan,${date},${(20000 - d * 150.05).toFixed(2)},auto`);
    lines.push(`Wallet,${date},${(((d * 37) % 200) + 0.01).toFixed(2)},other`);
  }
  writeFileSync(csv, lines.join("\n"));
  expect((await run("import", "balances", csv, "--create-missing")).exitCode).toBe(0);
  expect(
    (
      await run(
        "add-asset",
        "--type",
        "vehicle",
        "--name",
        "Bike",
        "--value",
        "900.99",
        "--date",
        "2025-02-03",
      )
    ).exitCode,
  ).toBe(0);
  expect((await run("set-balance", "House", "299999.99", "--date", "2025-01-02")).exitCode).toBe(0);
  expect((await run("archive", "Bike")).exitCode).toBe(0);
}

interface Views {
  csv: string;
  jsonExport: string;
  report: string;
  history: string;
}

async function views(run: (...args: string[]) => ReturnType<typeof cli>): Promise<Views> {
  const get = async (...args: string[]) => {
    const r = await run(...args);
    expect(r.exitCode, r.stderr).toBe(0);
    return r.stdout;
  };
  return {
    csv: await get("export", "balances"),
    jsonExport: await get("export", "balances", "--format", "json"),
    report: await get(
      "report",
      "--from",
      "2025-01-01",
      "--to",
      "2025-12-31",
      "--interval",
      "week",
      "--json",
    ),
    history: await get("history", "House", "--json"),
  };
}

// Backup on one kind, restore into a fresh database of the other kind (both kinds when the
// server is there; embedded to embedded otherwise).
const pairs: [TestDatabaseKind, TestDatabaseKind][] = SERVER.available
  ? [
      [EMBEDDED, SERVER],
      [SERVER, EMBEDDED],
    ]
  : [[EMBEDDED, EMBEDDED]];

for (const [from, to] of pairs) {
  describe(`backup on the ${from.name} database, restore into the ${to.name} one`, {
    timeout: 240_000,
  }, () => {
    let source: TestTarget;
    let target: TestTarget;
    let runSource: (...args: string[]) => ReturnType<typeof cli>;
    let runTarget: (...args: string[]) => ReturnType<typeof cli>;
    let before: Views;
    let file: string;
    beforeAll(async () => {
      source = await from.create();
      if (from.name === "server") await (await source.open("auto")).close();
      // The target stays as created: restore migrates a fresh server database itself.
      target = await to.create();
      runSource = (...args) => cli(args, source.env);
      runTarget = (...args) => cli(args, target.env);
      expect((await runSource("login", "me@example.com")).exitCode).toBe(0);
      await fill(runSource, source.home);
      before = await views(runSource);
      file = join(source.home, "my.backup.gz");
    });
    afterAll(async () => {
      await source?.dispose();
      await target?.dispose();
    });

    it("writes one 0600 file, by default under backups/ named by date", async () => {
      const result = json<{
        path: string;
        rows: number;
        tables: Record<string, number>;
        schemaVersion: number;
      }>(await runSource("backup", "--json"));
      expect(result.path.startsWith(join(source.home, "data", "backups"))).toBe(true);
      expect(result.path).toMatch(/networth-\d{4}-\d{2}-\d{2}-\d{6}\.backup\.gz$/);
      expect(statSync(result.path).mode & 0o777).toBe(0o600);
      expect(result.tables.account_balances).toBe(3 * 120 + 2);
      expect(result.tables.accounts).toBe(4);
      expect(result.tables.audit_log).toBeGreaterThan(0);
      expect(result.schemaVersion).toBeGreaterThanOrEqual(4);
      const again = await runSource("backup", "--output", file, "--quiet");
      expect(again.exitCode, again.stderr).toBe(0);
      expect(again.stdout).toBe("");
      expect(readdirSync(source.home).filter((n) => n.endsWith(".tmp"))).toEqual([]);
      // An existing --output is never overwritten.
      const clash = await runSource("backup", "--output", file);
      expect(clash.exitCode).toBe(1);
      expect(clash.stderr).toMatch(/already exists/);
    });

    it("refuses a damaged or truncated file and writes nothing", async () => {
      const bytes = readFileSync(file);
      const flipped = Buffer.from(bytes);
      const at = Math.floor(bytes.length / 2);
      flipped[at] = (flipped[at] ?? 0) ^ 0x01;
      const damaged = join(target.home, "damaged.gz");
      writeFileSync(damaged, flipped);
      const truncated = join(target.home, "truncated.gz");
      writeFileSync(truncated, bytes.subarray(0, bytes.length - 20));
      for (const bad of [damaged, truncated]) {
        const r = await runTarget("restore", bad);
        expect(r.exitCode).toBe(1);
        expect(r.stderr).toMatch(/^networth: .* is damaged or incomplete .*nothing was restored$/);
      }
      const db = await target.open();
      const [users] = await db.sql`SELECT count(*)::int AS n FROM users`;
      expect(users?.n).toBe(0);
      await db.close();
    });

    it("restores into a fresh database: export, report and history byte-identical", async () => {
      const r = await runTarget("restore", file, "--json");
      expect(r.exitCode, r.stderr).toBe(0);
      const restored = json<{ users: number; rows: number; replacedUsers: number }>(r);
      expect(restored).toMatchObject({ users: 1, replacedUsers: 0 });
      expect((await runTarget("login", "me@example.com")).exitCode).toBe(0);
      expect(await views(runTarget)).toEqual(before);
    });

    it("restores the audit trail as it was: no duplicate rows from the triggers", async () => {
      const a = await source.open();
      const b = await target.open();
      const trail = (db: typeof a) =>
        db.sql<{ tableName: string; action: string; rowId: string; newRow: unknown }[]>`
          SELECT table_name, action, row_id, new_row FROM audit_log
          WHERE table_name <> 'user_sessions' AND NOT (table_name = 'users' AND action = 'UPDATE')
          ORDER BY id`;
      const [sourceTrail, targetTrail] = [await trail(a), await trail(b)];
      expect(sourceTrail.length).toBeGreaterThan(300);
      expect(targetTrail).toEqual(sourceTrail);
      const snaps = (db: typeof a) =>
        db.sql`SELECT date, total_assets::text, total_liabilities::text, net_worth::text,
                      asset_breakdown, liability_breakdown FROM net_worth_snapshots ORDER BY date`;
      expect(await snaps(b)).toEqual(await snaps(a));
      await a.close();
      await b.close();
    });

    it("refuses a database that holds the user, unless --replace --yes", async () => {
      const refused = await runTarget("restore", file);
      expect(refused.exitCode).toBe(1);
      expect(refused.stderr).toMatch(
        /already holds user me@example.com: restore with --replace --yes/,
      );
      expect((await runTarget("restore", file, "--replace")).exitCode).toBe(2);
      expect((await runTarget("set-balance", "House", "1.00")).exitCode).toBe(0);
      const replaced = await runTarget("restore", file, "--replace", "--yes", "--json");
      expect(replaced.exitCode, replaced.stderr).toBe(0);
      expect(json(replaced)).toMatchObject({ replacedUsers: 1 });
      expect((await runTarget("login", "me@example.com")).exitCode).toBe(0);
      expect(await views(runTarget)).toEqual(before);
    });
  });
}

describe("backup --all-users", { timeout: 240_000 }, () => {
  it("backs up every user without a login and restores them all", async () => {
    const source = await EMBEDDED.create();
    const target = await (SERVER.available ? SERVER : EMBEDDED).create();
    try {
      const run = (...args: string[]) => cli(args, source.env);
      for (const email of ["a@example.com", "b@example.com"]) {
        expect((await run("login", email)).exitCode).toBe(0);
        expect(
          (
            await run(
              "add-asset",
              "--type",
              "other",
              "--name",
              email,
              "--value",
              "12.34",
              "--date",
              "2025-01-01",
            )
          ).exitCode,
        ).toBe(0);
      }
      expect((await run("logout")).exitCode).toBe(0);
      const file = join(source.home, "all.gz");
      const b = json<{ scope: string; tables: Record<string, number> }>(
        await run("backup", "--all-users", "--output", file, "--json"),
      );
      expect(b.scope).toBe("allUsers");
      expect(b.tables.users).toBe(2);
      expect(b.tables.account_type_config).toBeGreaterThan(0);
      const r = json<{ users: number }>(await cli(["restore", file, "--json"], target.env));
      expect(r.users).toBe(2);
      for (const email of ["a@example.com", "b@example.com"]) {
        expect((await cli(["login", email], target.env)).exitCode).toBe(0);
        const accounts = json<{ assets: { name: string }[] }>(
          await cli(["accounts", "--json"], target.env),
        );
        expect(accounts.assets.map((a) => a.name)).toEqual([email]);
      }
    } finally {
      await source.dispose();
      await target.dispose();
    }
  });
});
