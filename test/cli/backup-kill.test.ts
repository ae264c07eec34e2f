import { existsSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { execa } from "execa";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { readBackupFile } from "../../src/core/backup-file.js";
import { cli } from "../support/cli.js";
import { DATABASE_KINDS, type TestDatabaseKind, type TestTarget } from "../support/databases.js";

// Many whole CLI processes per test on a shared 2-core machine: generous, never a sleep.
vi.setConfig({ hookTimeout: 240_000 });

const BIN = fileURLToPath(new URL("../../bin/networth", import.meta.url));
const [EMBEDDED] = DATABASE_KINDS as [TestDatabaseKind, TestDatabaseKind];

/** Starts the CLI and SIGKILLs it after `ms`; resolves once it has gone, with its exit. */
async function killAfter(args: string[], env: Record<string, string>, ms: number) {
  const base = Object.fromEntries(
    Object.entries(process.env).filter(
      ([k]) => !k.startsWith("NETWORTH_") && !k.startsWith("PLAID_") && k !== "DATABASE_URL",
    ),
  ) as Record<string, string>;
  const child = execa(BIN, args, {
    env: { ...base, NO_COLOR: "1", ...env },
    extendEnv: false,
    reject: false,
    timeout: 60_000,
  });
  const timer = setTimeout(() => child.kill("SIGKILL"), ms);
  const result = await child;
  clearTimeout(timer);
  return { killed: result.signal === "SIGKILL", exitCode: result.exitCode };
}

/** Delays spread over [0, span): a bounded loop that lands at different moments each time. */
const delays = (n: number, span: number) =>
  Array.from({ length: n }, (_, i) => Math.round((span * (i + Math.random())) / n));

describe("killed backups and restores", { timeout: 240_000 }, () => {
  let source: TestTarget;
  let file: string;
  let exported: string;
  let backupMs: number;
  let restoreMs: number;
  beforeAll(async () => {
    source = await EMBEDDED.create();
    const run = (...args: string[]) => cli(args, source.env);
    expect((await run("login", "kill@example.com")).exitCode).toBe(0);
    const lines = ["account,date,balance,type"];
    for (let a = 0; a < 8; a++)
      for (let d = 0; d < 750; d++) {
        const date = new Date(Date.UTC(2022, 0, 1) + d * 86_400_000).toISOString().slice(0, 10);
        lines.push(`Asset ${a},${date},${(1000 + a * 100 + d * 1.01).toFixed(2)},other`);
      }
    const csv = join(source.home, "h.csv");
    writeFileSync(csv, lines.join("\n"));
    expect((await run("import", "balances", csv, "--create-missing")).exitCode).toBe(0);
    exported = (await run("export", "balances")).stdout;
    file = join(source.home, "full.gz");
    let t = Date.now();
    expect((await run("backup", "--output", file, "--quiet")).exitCode).toBe(0);
    backupMs = Date.now() - t;
    const probe = await EMBEDDED.create();
    t = Date.now();
    expect((await cli(["restore", file, "--quiet"], probe.env)).exitCode).toBe(0);
    restoreMs = Date.now() - t;
    await probe.dispose();
  });
  afterAll(async () => {
    await source?.dispose();
  });

  it("a backup killed at any moment leaves nothing under the final name, or a whole file", async () => {
    const out = join(source.home, "out");
    const seen = { killed: 0, finished: 0 };
    for (const ms of delays(6, backupMs * 1.2)) {
      const path = join(out, "b.gz");
      rmSync(out, { recursive: true, force: true });
      await import("node:fs/promises").then((fs) => fs.mkdir(out));
      const r = await killAfter(["backup", "--output", path, "--quiet"], source.env, ms);
      if (r.killed) seen.killed++;
      else seen.finished++;
      for (const name of readdirSync(out))
        expect(name === "b.gz" || /^\.networth-backup-[0-9a-f]{16}\.tmp$/.test(name), name).toBe(
          true,
        );
      if (existsSync(path)) await readBackupFile(path);
      else expect(r.killed, `exit ${r.exitCode} without a file`).toBe(true);
    }
    expect(seen.killed, "no run was killed: the loop tested nothing").toBeGreaterThan(0);
  });

  for (const kind of DATABASE_KINDS) {
    it.skipIf(!kind.available)(
      `a restore into the ${kind.name} database killed at any moment leaves it as it was, or restored whole`,
      async () => {
        let killed = 0;
        for (const ms of delays(4, restoreMs * 1.2)) {
          const target = await kind.create();
          try {
            // Migrated first: "as it was" is then an empty, current database.
            await (await target.open("auto")).close();
            const r = await killAfter(["restore", file, "--quiet"], target.env, ms);
            if (r.killed) killed++;
            const db = await target.open("none");
            const [row] = await db.sql<{ users: number; balances: number; audit: number }[]>`
              SELECT (SELECT count(*)::int FROM users) AS users,
                     (SELECT count(*)::int FROM account_balances) AS balances,
                     (SELECT count(*)::int FROM audit_log) AS audit`;
            await db.close();
            if (row?.users === 0) {
              expect(row, `killed after ${ms} ms`).toEqual({ users: 0, balances: 0, audit: 0 });
              expect(r.killed).toBe(true);
            } else {
              expect(row?.balances, `killed after ${ms} ms`).toBe(8 * 750);
              expect((await cli(["login", "kill@example.com"], target.env)).exitCode).toBe(0);
              expect((await cli(["export", "balances"], target.env)).stdout).toBe(exported);
            }
          } finally {
            await target.dispose();
          }
        }
        expect(killed, "no run was killed: the loop tested nothing").toBeGreaterThan(0);
      },
      240_000,
    );
  }
});
