/**
 * The current-row triggers stay linear in the rows one statement writes, whatever the
 * statistics say. The case that was quadratic: accounts analyzed with one balance each (every
 * row current), then one statement (revalue's, an import's) writing years of values for all of
 * them as the logged-in user. The planner, believing the table tiny, re-ran the "latest date
 * per account" aggregate once per row of the table: 100 accounts of 10 years took 6.7 s on the
 * server, 1,000 did not finish.
 *
 * No time is compared with a fixed bar: the test compares two sizes in the same run. Linear
 * work gives a ratio near 4 for 4 times the rows; the quadratic plan gave 16 and more.
 */

import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Database } from "../../src/db/connection.js";
import { DATABASE_KINDS, type TestTarget } from "../support/databases.js";

const MONTHS = 120;
const SMALL = 25;
const LARGE = 100;
/** Four times the rows: linear work is about 4 times slower, the quadratic plan 16 times. */
const MAX_RATIO = 10;

for (const kind of DATABASE_KINDS) {
  describe.skipIf(!kind.available)(`current-row triggers on the ${kind.name} database`, () => {
    let t: TestTarget;
    let db: Database;
    beforeAll(async () => {
      t = await kind.create();
      db = await t.open("auto");
    });
    afterAll(async () => {
      await t?.dispose();
    });

    /** A new user with `n` accounts of one balance each, analyzed: the stale statistics. */
    async function freshUser(n: number, label: string): Promise<string> {
      // Only this user's rows in the statistics: the earlier runs' are gone.
      await db.sql`DELETE FROM account_balances`;
      await db.sql`DELETE FROM accounts`;
      const [user] = await db.sql<{ id: string }[]>`
        INSERT INTO users (email) VALUES (${`${label}@example.com`}) RETURNING id`;
      const userId = user?.id as string;
      await db.sql`
        WITH made AS (
          INSERT INTO accounts (user_id, name, type, subtype, category, is_manual)
          SELECT ${userId}, 'car ' || i, 'manual_asset', 'vehicle', 'vehicle', TRUE
          FROM generate_series(1, ${n}) i RETURNING id
        )
        INSERT INTO account_balances (account_id, date, balance, source)
        SELECT id, DATE '2016-01-01', 30000, 'manual' FROM made`;
      await db.sql`ANALYZE account_balances`;
      await db.sql`ANALYZE accounts`;
      return userId;
    }

    /** One statement, as the user, writing MONTHS values for each of the user's accounts. */
    async function writeHistory(userId: string): Promise<number> {
      const started = performance.now();
      await db.asUser(userId, async (tx) => {
        await tx`
          INSERT INTO account_balances (account_id, date, balance, source)
          SELECT a.id, (DATE '2016-01-01' + make_interval(months => m))::date, 30000 - m * 100, 'rule'
          FROM accounts a, generate_series(1, ${MONTHS}) m`;
      });
      return performance.now() - started;
    }

    it("writes 4 times the rows in about 4 times the time, not 16", async () => {
      // A warm-up of each size first (plans, caches, the embedded engine's first compile).
      await writeHistory(await freshUser(SMALL, "warm-small"));
      const small: number[] = [];
      const large: number[] = [];
      for (let run = 0; run < 3; run++) {
        small.push(await writeHistory(await freshUser(SMALL, `small-${run}`)));
        large.push(await writeHistory(await freshUser(LARGE, `large-${run}`)));
      }
      const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[1] as number;
      const ratio = median(large) / median(small);
      expect(
        ratio,
        `median ${Math.round(median(large))} ms for ${LARGE} accounts vs ${Math.round(median(small))} ms for ${SMALL}`,
      ).toBeLessThan(MAX_RATIO);

      // And the rule still holds: each account's latest date is its one current row.
      const wrong = await db.sql<{ n: number }[]>`
        SELECT count(*)::int AS n FROM accounts a
        WHERE (SELECT count(*) FROM account_balances b WHERE b.account_id = a.id AND b.is_current) <> 1
           OR NOT (SELECT b.is_current FROM account_balances b WHERE b.account_id = a.id
                   ORDER BY b.date DESC LIMIT 1)`;
      expect(wrong[0]?.n).toBe(0);
    }, 300_000);
  });
}
