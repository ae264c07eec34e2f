import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { writeBalances } from "../../src/db/balances.js";
import type { Database } from "../../src/db/connection.js";
import { DATABASE_KINDS, type TestTarget } from "../support/databases.js";

for (const kind of DATABASE_KINDS) {
  describe.skipIf(!kind.available)(`the current-balance rule on the ${kind.name} database`, () => {
    let t: TestTarget;
    let db: Database;
    let userId: string;
    let accountId: string;
    beforeAll(async () => {
      t = await kind.create();
      db = await t.open("auto");
      const [user] = await db.sql<
        { id: string }[]
      >`INSERT INTO users (email) VALUES ('b@example.com') RETURNING id`;
      userId = user?.id as string;
      const [account] = await db.sql<{ id: string }[]>`
        INSERT INTO accounts (user_id, name, type, subtype, category, is_manual)
        VALUES (${userId}, 'House', 'manual_asset', 'real_estate', 'property', true) RETURNING id`;
      accountId = account?.id as string;
    });
    afterAll(async () => {
      await t?.dispose();
    });

    const write = (date: string, cents: bigint) =>
      db.asUser(userId, (tx) =>
        writeBalances(tx, [
          { accountId, date, balance: cents, available: null, limit: null, source: "manual" },
        ]),
      );
    const rows = () =>
      db.sql<{ date: string; balance: string; isCurrent: boolean }[]>`
        SELECT date, balance::text AS balance, is_current FROM account_balances WHERE account_id = ${accountId} ORDER BY date`;

    it("keeps one row a day, the latest date current, back-dated values in history only", async () => {
      expect(await write("2026-03-01", 100_00n)).toMatchObject({
        inserted: 1,
        earliestChange: "2026-03-01",
      });
      expect(await write("2026-03-01", 120_00n)).toMatchObject({ replaced: 1 });
      expect(await write("2026-03-01", 120_00n)).toMatchObject({
        unchanged: 1,
        earliestChange: null,
      });
      await write("2026-01-01", 90_00n);
      await write("2026-04-01", 130_00n);
      expect(await rows()).toEqual([
        { date: "2026-01-01", balance: "90.00", isCurrent: false },
        { date: "2026-03-01", balance: "120.00", isCurrent: false },
        { date: "2026-04-01", balance: "130.00", isCurrent: true },
      ]);
    });

    it("promotes the next row when the newest is deleted, and follows a date change", async () => {
      await db.asUser(
        userId,
        (tx) =>
          tx`DELETE FROM account_balances WHERE account_id = ${accountId} AND date = '2026-04-01'`,
      );
      expect((await rows()).map((r) => [r.date, r.isCurrent])).toEqual([
        ["2026-01-01", false],
        ["2026-03-01", true],
      ]);
      await db.asUser(
        userId,
        (tx) =>
          tx`UPDATE account_balances SET date = '2026-05-01' WHERE account_id = ${accountId} AND date = '2026-01-01'`,
      );
      expect((await rows()).map((r) => [r.date, r.isCurrent])).toEqual([
        ["2026-03-01", false],
        ["2026-05-01", true],
      ]);
    });
  });
}
