import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { execa } from "execa";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { UserRun } from "../../src/commands/app.js";
import { dashboardLoaders } from "../../src/commands/dashboard.js";
import { dashboardSync } from "../../src/commands/sync.js";
import { Context } from "../../src/context.js";
import { addDays, todayIn } from "../../src/core/dates.js";
import { CHANGE_WINDOWS } from "../../src/core/report.js";
import type { Database } from "../../src/db/connection.js";
import { seedDemo } from "../../src/db/demo.js";
import { userReport } from "../../src/db/report.js";
import { readSnapshots, refreshSnapshots } from "../../src/db/snapshots.js";
import { cli } from "../support/cli.js";
import { DATABASE_KINDS, type TestTarget } from "../support/databases.js";

describe("networth dashboard without a terminal", () => {
  const home = mkdtempSync(join(tmpdir(), "networth-dashboard-"));
  afterAll(() => rmSync(home, { recursive: true, force: true }));

  it("says to use networth report and exits 1", async () => {
    const result = await cli(["dashboard"], { NETWORTH_HOME: home });
    expect(result.exitCode).toBe(1);
    expect(result.stderr).toBe(
      "networth: networth dashboard needs a terminal; use networth report instead",
    );
    expect(result.stdout).toBe("");
  });

  it("leaves networth with no arguments showing the help, which lists the dashboard", async () => {
    const result = await cli([], { NETWORTH_HOME: home });
    expect(result.exitCode).toBe(0);
    expect(result.stderr).toContain("Usage: networth");
    expect(result.stderr).toMatch(/dashboard +an interactive terminal dashboard/);
  });
});

for (const kind of DATABASE_KINDS) {
  describe.skipIf(!kind.available)(`the dashboard's loaders on the ${kind.name} database`, () => {
    const today = "2026-06-30";
    let t: TestTarget;
    let db: Database;
    let run: UserRun;
    beforeAll(async () => {
      t = await kind.create();
      db = await t.open("auto");
      const [user] = await db.sql<{ id: string }[]>`
        INSERT INTO users (email) VALUES ('dash@example.com') RETURNING id`;
      const id = user?.id ?? "";
      await db.asUser(id, async (tx) => {
        const first = await seedDemo(tx, id, today);
        // Every day but today: the snapshot loader takes today's.
        await refreshSnapshots(tx, { userId: id }, first, addDays(today, -1));
      });
      run = {
        ctx: undefined as never,
        user: {
          id,
          email: "dash@example.com",
          createdAt: new Date(),
          updatedAt: new Date(),
          lastLogin: null,
          preferences: { theme: "system", currency: "USD", dateFormat: "MM/DD/YYYY" },
        },
        db,
        today,
        todayNow: () => today,
        dateFormat: "MM/DD/YYYY",
      };
    });
    afterAll(async () => {
      await t?.dispose();
    });

    it("take today's snapshot, then report what networth report reports", async () => {
      const loaders = dashboardLoaders(run);
      expect(await loaders.snapshot()).toBe(today);
      const stored = await db.asUser(run.user.id, (tx) =>
        readSnapshots(tx, run.user.id, today, today),
      );
      expect(stored).toHaveLength(1);
      // `networth report` with no options: its change windows are the dashboard's ranges.
      const report = await userReport(db, run.user.id, { to: today, currency: "USD" });
      for (const window of CHANGE_WINDOWS) {
        const range = (await loaders.report(window)).changes.range;
        expect(range, window).toEqual(report.changes[window]);
      }
      const all = await loaders.report("ALL");
      expect(all.changes.range).toEqual(report.changes.range);
      expect(all.current).toEqual(report.current);
      expect(all.series.at(-1)?.date).toBe(today);
      expect((await loaders.report("6M")).from).toBe("2025-12-30");
    });

    it("list the accounts and an account's history, newest first", async () => {
      const loaders = dashboardLoaders(run);
      const accounts = await loaders.accounts();
      expect(accounts).toHaveLength(14);
      // Gold coins has a value today (the home follows a valuation method since issue 11).
      const gold = accounts.find((a) => a.name === "Gold coins");
      const history = await loaders.history(gold?.id ?? "");
      expect(history[0]).toMatchObject({ date: today, isCurrent: true });
      expect(history.map((h) => h.date)).toEqual(
        history
          .map((h) => h.date)
          .sort()
          .reverse(),
      );
      expect(loaders.sync).toBeUndefined();
    });

    it("read today from the clock at each use: open past midnight, s and r take the new day", async () => {
      // A clock the test moves: a second before midnight of the day before `today` (in the
      // process's zone, which todayIn uses), then a second after it.
      const [y, m, d] = addDays(today, -1).split("-").map(Number) as [number, number, number];
      let now = new Date(y, m - 1, d, 23, 59, 59);
      const clocked: UserRun = { ...run, today: todayIn(undefined, now) };
      Object.assign(clocked, { todayNow: () => todayIn(undefined, now) });
      expect(clocked.today).toBe(addDays(today, -1));
      const synced: string[] = [];
      const loaders = dashboardLoaders(clocked, {
        // As dashboardSync does: the date of the balances it writes is the run's today, read
        // when r is pressed.
        sync: (live) => async () => {
          synced.push(live.today);
        },
      });
      expect((await loaders.report("1M")).to).toBe(addDays(today, -1));
      now = new Date(y, m - 1, d + 1, 0, 0, 1);
      expect(await loaders.snapshot()).toBe(today);
      const stored = await db.asUser(run.user.id, (tx) =>
        readSnapshots(tx, run.user.id, today, today),
      );
      expect(stored.map((s) => s.date)).toEqual([today]);
      await loaders.sync?.(() => {});
      expect(synced).toEqual([today]);
      expect((await loaders.report("1M")).to).toBe(today);
    });
  });
}

const embedded = DATABASE_KINDS.find((k) => k.name === "embedded");
const BIN = fileURLToPath(new URL("../../bin/networth", import.meta.url));

describe.skipIf(!embedded?.available)(
  "the dashboard's loaders attached to another process's embedded database",
  () => {
    let t: TestTarget;
    let ctx: Context | undefined;
    afterAll(async () => {
      await ctx?.close();
      await t?.dispose();
    });

    it("when that process ends (kill -9), r (the sync) and the change poll open the database again, now holding it, and carry on", async () => {
      t = await (embedded as NonNullable<typeof embedded>).create();
      expect((await cli(["login", "me@example.com"], t.env)).exitCode).toBe(0);
      // The holder: db serve, as the dashboard would find a webhooks serve or a long import.
      const holder = execa(BIN, ["db", "serve"], {
        env: { PATH: process.env.PATH ?? "", NO_COLOR: "1", ...t.env },
        extendEnv: false,
        reject: false,
        timeout: 120_000,
      });
      let stdout = "";
      await new Promise<void>((resolve, reject) => {
        holder.stdout?.on("data", (chunk: Buffer) => {
          stdout += chunk.toString();
          if (stdout.includes("Press Ctrl-C to stop.")) resolve();
        });
        holder.then((r) => reject(new Error(`db serve exited early: ${r.stderr}`)), reject);
      });
      // This process opens the database as the dashboard command does: attached to the holder.
      ctx = new Context({}, { ...t.env, NETWORTH_LOCK_TIMEOUT_MS: "10000" });
      const { user } = await ctx.requireUser();
      const run: UserRun = {
        ctx,
        user,
        db: await ctx.database(),
        today: ctx.today(),
        todayNow: () => ctx?.today() ?? "",
        dateFormat: "MM/DD/YYYY",
      };
      const servingPid = () =>
        (
          JSON.parse(readFileSync(join(t.home, "data", "db", "serving.json"), "utf8")) as {
            pid: number;
          }
        ).pid;
      expect(servingPid()).toBe(holder.pid);
      const loaders = dashboardLoaders(run, { sync: dashboardSync });
      const before = await loaders.changes?.();
      await loaders.sync?.(() => {});

      holder.kill("SIGKILL");
      await holder;
      // r, the first to find the holder gone: the sync opens the database again and runs.
      await loaders.sync?.(() => {});
      expect(servingPid()).toBe(process.pid);
      // The change poll and the reads go on, on the database opened again; another command
      // attaches to this process now, and the poll sees what it wrote.
      expect(await loaders.changes?.()).toBe(before);
      const added = await cli(
        [
          "add-asset",
          "--type",
          "other",
          "--name",
          "Gold",
          "--value",
          "100",
          "--date",
          "2026-01-01",
        ],
        { ...t.env, NETWORTH_LOCK_TIMEOUT_MS: "1000" },
      );
      expect(added.exitCode, added.stderr).toBe(0);
      expect(await loaders.changes?.()).not.toBe(before);
      expect((await loaders.accounts()).map((a) => a.name)).toEqual(["Gold"]);
      // And r again, after the poll: on the same database, not the lost one.
      await loaders.sync?.(() => {});
    }, 120_000);
  },
);
