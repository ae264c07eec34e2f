import { existsSync, mkdirSync, readdirSync, utimesSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { backupFileName } from "../../src/core/backup-format.js";
import { cli, json } from "../support/cli.js";
import { DATABASE_KINDS, type TestTarget } from "../support/databases.js";

// Many whole CLI processes per test on a shared 2-core machine: generous, never a sleep.
vi.setConfig({ hookTimeout: 240_000 });

interface MaintainJson {
  dryRun: boolean;
  backups: { kept: string[]; removed: string[]; leftovers: string[]; keepDays: number };
  expiredSessionsRemoved: number | null;
  analyzed: string[];
  slowStatements: { query: string; calls: number; meanMs: number }[] | null;
  slowStatementsUnavailable: string | null;
}

for (const kind of DATABASE_KINDS) {
  describe.skipIf(!kind.available)(
    `networth maintain on the ${kind.name} database`,
    { timeout: 180_000 },
    () => {
      let t: TestTarget;
      let dir: string;
      const now = Date.now();
      const daysAgo = (d: number) => backupFileName("user", new Date(now - d * 86_400_000));
      beforeAll(async () => {
        t = await kind.create();
        if (kind.name === "server") await (await t.open("auto")).close();
        dir = join(t.home, "data", "backups");
        mkdirSync(dir, { recursive: true });
      });
      afterAll(async () => {
        await t?.dispose();
      });

      it("removes only its own old backups, keeping the newest 4, and old leftovers", async () => {
        const ours = [1, 40, 50, 60, 70, 80].map(daysAgo);
        const others = ["notes.txt", "networth-old.backup.gz", "mine.backup.gz"];
        const staleTemp = ".networth-backup-0123456789abcdef.tmp";
        const freshTemp = ".networth-backup-fedcba9876543210.tmp";
        for (const name of [...ours, ...others, staleTemp, freshTemp])
          writeFileSync(join(dir, name), "x");
        // Old by their time on disk too: retention must go by networth's own names only.
        const old = new Date(now - 400 * 86_400_000);
        for (const name of [...others, staleTemp]) utimesSync(join(dir, name), old, old);

        const dry = json<MaintainJson>(await cli(["maintain", "--dry-run", "--json"], t.env));
        expect(dry.backups.removed).toEqual([daysAgo(70), daysAgo(80)].sort());
        expect(readdirSync(dir)).toHaveLength(11);

        const r = json<MaintainJson>(await cli(["maintain", "--json"], t.env));
        expect(r.backups.keepDays).toBe(30);
        expect(r.backups.removed).toEqual([daysAgo(70), daysAgo(80)].sort());
        expect(r.backups.leftovers).toEqual([staleTemp]);
        expect(r.backups.kept).toEqual([1, 40, 50, 60].map(daysAgo).sort());
        expect(readdirSync(dir).sort()).toEqual(
          [...[1, 40, 50, 60].map(daysAgo), ...others, freshTemp].sort(),
        );
        // keepDays 0 still keeps the newest 4.
        expect((await cli(["config", "set", "backup.keepDays", "0"], t.env)).exitCode).toBe(0);
        const zero = json<MaintainJson>(await cli(["maintain", "--json"], t.env));
        expect(zero.backups.removed).toEqual([]);
        expect(existsSync(join(dir, daysAgo(60)))).toBe(true);
      });

      it("removes expired sessions of every user and analyzes the tables", async () => {
        for (const email of ["a@example.com", "b@example.com"])
          expect((await cli(["login", email], t.env)).exitCode).toBe(0);
        const db = await t.open();
        // A's session is already gone (logging in as b replaced it); an expired one of a's
        // lingers, as sessions of people who never log out do.
        await db.sql`INSERT INTO user_sessions (user_id, token_hash, expires_at)
                   SELECT id, 'expired-hash', now() - interval '1 minute' FROM users
                   WHERE email = 'a@example.com'`;
        await db.close();
        const r = json<MaintainJson>(await cli(["maintain", "--json"], t.env));
        expect(r.expiredSessionsRemoved).toBe(1);
        expect(r.analyzed).toEqual(expect.arrayContaining(["account_balances", "audit_log"]));
        const again = json<MaintainJson>(await cli(["maintain", "--json"], t.env));
        expect(again.expiredSessionsRemoved).toBe(0);
        // b is still logged in.
        expect((await cli(["whoami"], t.env)).stdout).toContain("b@example.com");
      });

      it("lists the slowest statements where pg_stat_statements answers, says why not elsewhere", async () => {
        const before = json<MaintainJson>(await cli(["maintain", "--json"], t.env));
        expect(before.slowStatements).toBeNull();
        expect(before.slowStatementsUnavailable).toMatch(/pg_stat_statements/);
        // A stand-in with the extension's columns (the test server does not preload it).
        const db = await t.open();
        await db.sql.unsafe(`CREATE TABLE pg_stat_statements (dbid oid, query text, calls bigint,
        mean_exec_time float8, total_exec_time float8)`);
        await db.sql.unsafe(`INSERT INTO pg_stat_statements
        SELECT d.oid, q, c, m, m * c FROM pg_database d,
          (VALUES ('SELECT * FROM account_balances WHERE account_id = $1', 10, 12.5),
                  ('BEGIN', 1000, 99.0),
                  ('SELECT 1', 3, 0.25)) v(q, c, m)
        WHERE d.datname = current_database()
        UNION ALL SELECT 0, 'another database', 1, 1000.0, 1000.0`);
        await db.close();
        const r = json<MaintainJson>(await cli(["maintain", "--json"], t.env));
        expect(r.slowStatements).toEqual([
          {
            query: "SELECT * FROM account_balances WHERE account_id = $1",
            calls: 10,
            meanMs: 12.5,
            totalMs: 125,
          },
          { query: "SELECT 1", calls: 3, meanMs: 0.25, totalMs: 0.75 },
        ]);
      });
    },
  );
}

describe("the cron line", () => {
  it("runs maintain weekly", async () => {
    const r = await cli(["cron", "--json"], { NETWORTH_HOME: "/tmp/networth-cron-maintain" });
    const lines = json<{ lines: string[] }>(r).lines;
    expect(lines.some((l) => /^45 6 \* \* 0 .*\/bin\/networth maintain --quiet >> /.test(l))).toBe(
      true,
    );
  });
});
