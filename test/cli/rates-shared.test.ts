import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Database } from "../../src/db/connection.js";
import { cli } from "../support/cli.js";
import { DATABASE_KINDS, type TestTarget } from "../support/databases.js";
import { type FakeFrankfurter, startFakeFrankfurter } from "../support/fake-frankfurter.js";
import { expectSnapshotsMatchBalances } from "../support/snapshot-oracle.js";

const TODAY = "2025-03-05";

/**
 * Published rates are everyone's: a rate one user's command brings in must reach every user's
 * snapshots at once, not only the importing user's (they would keep a day left out, or counted
 * at a rate since replaced, until something else refreshed it).
 */
for (const kind of DATABASE_KINDS) {
  describe.skipIf(!kind.available)(
    `published rates reach every user's snapshots on the ${kind.name} database`,
    { timeout: 180_000 },
    () => {
      let t: TestTarget;
      let fake: FakeFrankfurter;
      let run: (...args: string[]) => ReturnType<typeof cli>;
      const ids = new Map<string, string>();

      async function withDb<T>(f: (db: Database) => Promise<T>): Promise<T> {
        const db = await t.open("none");
        try {
          return await f(db);
        } finally {
          await db.close();
        }
      }
      const snapshots = (email: string) =>
        withDb(
          (db) => db.sql<{ date: string; netWorth: string; leftOut: unknown }[]>`
            SELECT date, net_worth::text AS net_worth, left_out FROM net_worth_snapshots
            WHERE user_id = ${ids.get(email) ?? ""} ORDER BY date`,
        );
      const as = async (email: string) => {
        const login = await run("login", email);
        expect(login.exitCode, login.stderr).toBe(0);
      };

      beforeAll(async () => {
        fake = await startFakeFrankfurter();
        t = await kind.create();
        if (kind.name === "server") await (await t.open("auto")).close();
        run = (...args) =>
          cli(args, { ...t.env, NETWORTH_TODAY: TODAY, NETWORTH_FRANKFURTER_URL: fake.url });
        for (const email of ["ana@example.com", "ben@example.com"]) {
          await as(email);
          const added = await run(
            ...["add-asset", "--type", "other", "--name", "Sparkonto", "--value", "1000"],
            ...["--date", "2025-03-03", "--currency", "EUR"],
          );
          expect(added.exitCode, added.stderr).toBe(0);
        }
        const users = await withDb(
          (db) => db.sql<{ id: string; email: string }[]>`
          SELECT id, email FROM users`,
        );
        for (const u of users) ids.set(u.email, u.id);
      });
      afterAll(async () => {
        await t?.dispose();
        await fake?.close();
      });

      it("an import by one user rebuilds the other's snapshots in the same command", async () => {
        expect((await snapshots("ana@example.com")).map((s) => s.leftOut)).toEqual([
          { "EUR/USD": 1 },
          { "EUR/USD": 1 },
          { "EUR/USD": 1 },
        ]);
        await as("ben@example.com");
        const file = join(t.home, "eurofxref.csv");
        writeFileSync(file, "Date,USD,\n2025-03-04,1.0623,\n2025-03-03,1.0489,\n");
        const imported = await run("rates", "import", file);
        expect(imported.exitCode, imported.stderr).toBe(0);
        for (const email of ["ana@example.com", "ben@example.com"]) {
          expect((await snapshots(email)).map((s) => [s.date, s.netWorth, s.leftOut])).toEqual([
            ["2025-03-03", "1048.90", null],
            ["2025-03-04", "1062.30", null],
            ["2025-03-05", "1062.30", null],
          ]);
          await withDb((db) => expectSnapshotsMatchBalances(db, ids.get(email) ?? "", TODAY));
        }
      });

      it("a rate fetched by one user reaches the other's snapshots too", async () => {
        // Only 03-05 is not stored yet: the update asks for it alone.
        fake.setRate("USD", "2025-03-03", "1.0489");
        fake.setRate("USD", "2025-03-04", "1.0623");
        fake.setRate("USD", "2025-03-05", "1.0800");
        await as("ana@example.com");
        const updated = await run("rates", "update");
        expect(updated.exitCode, updated.stderr).toBe(0);
        for (const email of ["ana@example.com", "ben@example.com"]) {
          expect((await snapshots(email)).map((s) => [s.date, s.netWorth])).toEqual([
            ["2025-03-03", "1048.90"],
            ["2025-03-04", "1062.30"],
            ["2025-03-05", "1080.00"],
          ]);
        }
      });
    },
  );
}
