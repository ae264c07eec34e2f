import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { addDays } from "../../src/core/dates.js";
import type { Database } from "../../src/db/connection.js";
import { cli, json } from "../support/cli.js";
import { DATABASE_KINDS, type TestTarget } from "../support/databases.js";
import { type FakeFrankfurter, startFakeFrankfurter } from "../support/fake-frankfurter.js";
import { expectSnapshotsMatchBalances } from "../support/snapshot-oracle.js";

const TODAY = "2025-03-05";

for (const kind of DATABASE_KINDS) {
  describe.skipIf(!kind.available)(
    `rates update from Frankfurter (the fake) on the ${kind.name} database`,
    { timeout: 180_000 },
    () => {
      let t: TestTarget;
      let fake: FakeFrankfurter;
      let run: (...args: string[]) => ReturnType<typeof cli>;
      let userId: string;

      async function withDb<T>(f: (db: Database) => Promise<T>): Promise<T> {
        const db = await t.open("none");
        try {
          return await f(db);
        } finally {
          await db.close();
        }
      }
      const rateCount = () =>
        withDb(async (db) => {
          const [row] = await db.sql<
            { n: number }[]
          >`SELECT count(*)::int AS n FROM exchange_rates`;
          return row?.n ?? 0;
        });

      beforeAll(async () => {
        fake = await startFakeFrankfurter();
        // Weekdays from 2024-12-02 to today: 1 EUR = 1.0xxx USD, different each day.
        for (let day = "2024-12-02", n = 0; day <= TODAY; day = addDays(day, 1), n++) {
          const weekday = new Date(`${day}T00:00:00Z`).getUTCDay();
          if (weekday !== 0 && weekday !== 6) {
            fake.setRate("USD", day, `1.0${String(100 + n).padStart(3, "0")}`);
          }
        }
        t = await kind.create();
        if (kind.name === "server") await (await t.open("auto")).close();
        run = (...args) =>
          cli(args, { ...t.env, NETWORTH_TODAY: TODAY, NETWORTH_FRANKFURTER_URL: fake.url });
        expect((await run("login", "me@example.com")).exitCode).toBe(0);
        const [user] = await withDb((db) => db.sql<{ id: string }[]>`SELECT id FROM users`);
        userId = user?.id as string;
      });
      afterAll(async () => {
        await t?.dispose();
        await fake?.close();
      });

      it("fetches what the accounts need, once, and back-fills an older history", async () => {
        const nothing = json(await run("rates", "update", "--json"));
        expect(nothing).toMatchObject({ requests: 0, fetched: 0, currencies: [] });
        const add = (name: string, date: string) =>
          run(
            ...["add-asset", "--type", "other", "--name", name, "--value", "1000"],
            ...["--date", date, "--currency", "EUR"],
          );
        expect((await add("Sparkonto", "2025-02-26")).exitCode).toBe(0);
        fake.requests.length = 0;
        const first = json(await run("rates", "update", "--json"));
        // From a week before the first balance, so a Monday finds Friday's rate.
        expect(fake.requests).toEqual([
          "/v2/rates?base=EUR&quotes=USD&from=2025-02-19&to=2025-03-05",
        ]);
        expect(first).toMatchObject({ requests: 1, fetched: 11, added: 11, currencies: ["USD"] });
        await withDb((db) => expectSnapshotsMatchBalances(db, userId, TODAY));
        const leftOut = await withDb(
          (db) => db.sql`SELECT 1 FROM net_worth_snapshots WHERE left_out IS NOT NULL`,
        );
        expect(leftOut).toHaveLength(0);

        // Up to date: nothing asked.
        fake.requests.length = 0;
        expect(json(await run("rates", "update", "--json"))).toMatchObject({ requests: 0 });
        expect(fake.requests).toEqual([]);

        // An account with an older history: the days before the stored ones are back-filled.
        expect((await add("Old savings", "2025-01-10")).exitCode).toBe(0);
        const back = json(await run("rates", "update", "--json"));
        expect(fake.requests).toEqual([
          "/v2/rates?base=EUR&quotes=USD&from=2025-01-03&to=2025-02-18",
        ]);
        expect(back.added).toBe(33);
        await withDb((db) => expectSnapshotsMatchBalances(db, userId, TODAY));
      });

      it("fails in one line and writes nothing when the provider fails or does not know a pair", async () => {
        expect(
          (
            await run(
              ...["add-asset", "--type", "other", "--name", "Franc CFA", "--value", "5000"],
              ...["--date", "2025-03-03", "--currency", "XAF"],
            )
          ).exitCode,
        ).toBe(0);
        const before = await rateCount();
        const unknown = await run("rates", "update");
        expect(unknown.exitCode).toBe(1);
        expect(unknown.stderr.trim().split("\n").at(-1)).toBe(
          "networth: Frankfurter does not know EUR→XAF from 2025-02-24 to 2025-03-05 (HTTP 404)",
        );
        fake.setRate("XAF", "2025-03-03", "655.957");
        fake.failNext(5, "500");
        const down = await run("rates", "update", "--json");
        expect(down.exitCode).toBe(1);
        expect(down.stderr.trim()).toBe("networth: Frankfurter failed (HTTP 500)");
        expect(await rateCount()).toBe(before);
        // revalue's hook warns, and revalue still succeeds.
        fake.failNext(5, "500");
        const revalue = await run("revalue");
        expect(revalue.exitCode).toBe(0);
        expect(revalue.stderr).toContain(
          "exchange rates not updated: Frankfurter failed (HTTP 500)",
        );
        // Back up: revalue's hook fetches.
        fake.requests.length = 0;
        expect((await run("revalue")).exitCode).toBe(0);
        expect(fake.requests).toEqual([
          "/v2/rates?base=EUR&quotes=XAF&from=2025-02-24&to=2025-03-05",
        ]);
        expect(await rateCount()).toBe(before + 1);
      });
    },
  );
}
