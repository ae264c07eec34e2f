import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { addDays, daysBetween } from "../../src/core/dates.js";
import { cli, json } from "../support/cli.js";
import { DATABASE_KINDS, type TestTarget } from "../support/databases.js";
import { FakeCoinGecko } from "../support/fake-coingecko.js";

const D0 = "2025-03-10";
/** Bitcoin's price on a date: whole dollars, one more each day (exact text). */
const btc = (date: string) => String(40000 + daysBetween("2023-01-01", date));
const seconds = (date: string) => String(Date.parse(`${date}T00:00:00Z`) / 1000);

/**
 * CoinGecko's demo plan answers a range only within the past 365 days and refuses an older
 * `from` whole (401, error 10012). A holding started two years ago must still get the year
 * it can have, and no day after must ask again for what the plan will never give.
 */
for (const kind of DATABASE_KINDS) {
  describe.skipIf(!kind.available)(
    `a coin's history within CoinGecko's demo window on the ${kind.name} database`,
    { timeout: 180_000 },
    () => {
      let t: TestTarget;
      let fake: FakeCoinGecko;
      const run = (today: string, ...args: string[]) => {
        fake.historyWindow = { now: today, days: 365 };
        fake.prices.set("bitcoin", btc(today));
        return cli(args, {
          ...t.env,
          NETWORTH_TODAY: today,
          NETWORTH_COINGECKO_URL: fake.url,
          COINGECKO_API_KEY: "demo-test-key",
          NETWORTH_PROVIDER_RETRY_MS: "1",
        });
      };
      const ruleDates = async () => {
        const db = await t.open("none");
        try {
          const rows = await db.sql<{ date: string }[]>`
            SELECT b.date FROM account_balances b JOIN accounts a ON a.id = b.account_id
            WHERE a.name = 'Crypto' AND b.source = 'rule' ORDER BY b.date`;
          return rows.map((r) => r.date);
        } finally {
          await db.close();
        }
      };

      beforeAll(async () => {
        fake = await new FakeCoinGecko().start();
        fake.key = "demo-test-key";
        fake.history = (id, date) => (id === "bitcoin" ? btc(date) : undefined);
        t = await kind.create();
        if (kind.name === "server") await (await t.open("auto")).close();
        expect((await run(D0, "login", "me@example.com")).exitCode).toBe(0);
        const add = await run(
          D0,
          ...["add-asset", "--type", "crypto", "--name", "Crypto", "--value", "0"],
          ...["--date", addDays(D0, -800)],
        );
        expect(add.exitCode, add.stderr).toBe(0);
      });
      afterAll(async () => {
        await t?.dispose();
        await fake?.stop();
      });

      it("back-fills the window's days of a holding started two years ago, asking once", async () => {
        const r = await run(
          D0,
          "holdings",
          "add",
          "Crypto",
          "--coin",
          "bitcoin",
          "--quantity",
          "1",
          "--start",
          addDays(D0, -730),
          "--json",
        );
        expect(r.exitCode, r.stderr).toBe(0);
        expect(json(r)).toMatchObject({ stale: null });
        // The days the plan refuses are said, with the way to give them.
        expect(r.stderr).toMatch(/past 365 days only: 367 days from .* have no price/);
        expect(r.stderr).toMatch(/networth prices import/);
        const ranges = fake.calls("/market_chart/range");
        expect(ranges).toHaveLength(1);
        // 363 days back: inside the 365 whatever the user's time zone makes of "today".
        expect(ranges[0]?.query.from).toBe(seconds(addDays(D0, -363)));
        const dates = await ruleDates();
        expect(dates[0]).toBe(addDays(D0, -363));
        expect(dates.at(-1)).toBe(D0);
        expect(dates).toHaveLength(364);
      });

      it("the next days ask for today's price only, never again for the days the plan refuses", async () => {
        const before = fake.calls("/market_chart/range").length;
        for (const today of [addDays(D0, 1), addDays(D0, 2)]) {
          const r = await run(today, "revalue", "--json");
          expect(r.exitCode, r.stderr).toBe(0);
        }
        expect(fake.calls("/market_chart/range")).toHaveLength(before);
        expect((await ruleDates()).at(-1)).toBe(addDays(D0, 2));
      });
    },
  );
}
