import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { archiveCutoff } from "../../src/core/backup-retention.js";
import { addDays, todayIn } from "../../src/core/dates.js";
import { cli, json } from "../support/cli.js";
import { DATABASE_KINDS, type TestTarget } from "../support/databases.js";

// Many whole CLI processes per test on a shared 2-core machine: generous, never a sleep.
vi.setConfig({ hookTimeout: 240_000 });

interface History {
  balances: { date: string; balance: number }[];
}

for (const kind of DATABASE_KINDS) {
  describe.skipIf(!kind.available)(
    `maintain --archive on the ${kind.name} database`,
    { timeout: 240_000 },
    () => {
      let t: TestTarget;
      let run: (...args: string[]) => ReturnType<typeof cli>;
      const today = todayIn();
      const start = addDays(today, -5 * 365);
      const cutoff = archiveCutoff(today, 2);
      let before: {
        csv: string;
        report: string;
        old: string;
        history: History;
        snapshots: unknown;
      };
      const snapshots = async () => {
        const db = await t.open();
        const rows = await db.sql`
        SELECT date, total_assets::text, total_liabilities::text, net_worth::text,
               asset_breakdown, liability_breakdown FROM net_worth_snapshots ORDER BY date`;
        await db.close();
        return rows;
      };
      const out = async (...args: string[]) => {
        const r = await run(...args);
        expect(r.exitCode, r.stderr).toBe(0);
        return r.stdout;
      };
      beforeAll(async () => {
        t = await kind.create();
        if (kind.name === "server") await (await t.open("auto")).close();
        run = (...args) => cli(args, t.env);
        expect((await run("login", "old@example.com")).exitCode).toBe(0);
        const lines = ["account,date,balance,type"];
        for (let d = 0; d <= 5 * 365; d += 10) {
          const date = addDays(start, d);
          lines.push(`House,${date},${(200000 + d * 13.11).toFixed(2)},real_estate`);
          lines.push(`Loan,${date},${Math.max(0, 50000 - d * 25.5).toFixed(2)},personal`);
        }
        // An account whose history ends long before the cutoff: its last balance must stay.
        lines.push(`Old car,${addDays(start, 5)},3000.00,vehicle`);
        lines.push(`Old car,${addDays(start, 100)},2500.00,vehicle`);
        const csv = join(t.home, "h.csv");
        writeFileSync(csv, lines.join("\n"));
        expect((await run("import", "balances", csv, "--create-missing")).exitCode).toBe(0);
        before = {
          csv: await out("export", "balances"),
          report: await out("report", "--json"),
          old: await out("report", "--from", start, "--to", today, "--interval", "month", "--json"),
          history: JSON.parse(await out("history", "House", "--json")),
          snapshots: await snapshots(),
        };
      });
      afterAll(async () => {
        await t?.dispose();
      });

      it("moves old balances, keeping each account's last one before the cutoff", async () => {
        const r = json<{ archive: { cutoff: string; moved: number; archived: number } }>(
          await run("maintain", "--archive", "--json"),
        );
        expect(r.archive.cutoff).toBe(cutoff);
        const old = before.history.balances.filter((b) => b.date < cutoff);
        // Per account all but one before the cutoff; Old car keeps its last of two.
        expect(r.archive.moved).toBeGreaterThan(2 * (old.length - 1));
        expect(r.archive.archived).toBe(r.archive.moved);
        const recent = json<History>(await run("history", "House", "--json")).balances;
        expect(recent.map((b) => b.date)).toEqual(
          before.history.balances.filter((b) => b.date >= (old[0]?.date ?? "")).map((b) => b.date),
        );
        const car = json<History>(await run("history", "Old car", "--json")).balances;
        expect(car.map((b) => b.date)).toEqual([addDays(start, 100)]);
      });

      it("leaves export, report, history --all and every snapshot as they were", async () => {
        expect(await out("export", "balances")).toBe(before.csv);
        expect(await out("report", "--json")).toBe(before.report);
        expect(
          await out("report", "--from", start, "--to", today, "--interval", "month", "--json"),
        ).toBe(before.old);
        expect(JSON.parse(await out("history", "House", "--all", "--json"))).toEqual(
          before.history,
        );
        // A full rebuild reaching before the cutoff reads the archive: nothing changes.
        const rebuilt = json<{ upserted: number; deleted: number }>(
          await run("snapshot", "--from", start, "--json"),
        );
        expect(rebuilt).toMatchObject({ upserted: 0, deleted: 0 });
        expect(await snapshots()).toEqual(before.snapshots);
      });

      it("a back-dated change before the cutoff refreshes the snapshots exactly", async () => {
        const archivedDay = addDays(start, 50); // a House balance now in the archive
        const newDay = addDays(start, 55); // a day that had none
        expect(
          (await run("set-balance", "House", "123456.78", "--date", archivedDay)).exitCode,
        ).toBe(0);
        expect((await run("set-balance", "House", "234567.89", "--date", newDay)).exitCode).toBe(0);
        const all = json<History>(await run("history", "House", "--all", "--json")).balances;
        // One balance per day across archive and live table: the change replaced the archived one.
        expect(all.filter((b) => b.date === archivedDay)).toEqual([
          expect.objectContaining({ balance: 123456.78 }),
        ]);
        expect(all).toHaveLength(before.history.balances.length + 1);
        const incremental = await snapshots();
        // The exact answer, computed with nothing archived: bring it all back, rebuild from the
        // first day, and nothing may change.
        const back = json<{ restoredFromArchive: number }>(
          await run("maintain", "--restore-archive", "--json"),
        );
        expect(back.restoredFromArchive).toBeGreaterThan(0);
        const rebuilt = json<{ upserted: number; deleted: number }>(
          await run("snapshot", "--from", start, "--json"),
        );
        expect(rebuilt).toMatchObject({ upserted: 0, deleted: 0 });
        expect(await snapshots()).toEqual(incremental);
        expect(json<History>(await run("history", "House", "--json")).balances).toEqual(all);
      });
    },
  );
}
