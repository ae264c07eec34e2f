import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { todayIn } from "../../src/core/dates.js";
import { addMonths } from "../../src/core/valuation/months.js";
import type { ValuationRule } from "../../src/core/valuation/rules.js";
import type { Database } from "../../src/db/connection.js";
import { revalue } from "../../src/db/revalue.js";
import { upsertValuation, valuationsByAccount } from "../../src/db/valuations.js";
import { DATABASE_KINDS, type TestTarget } from "../support/databases.js";

const today = todayIn();
const start = addMonths(today, -24);

async function userWithCar(db: Database, email: string) {
  const [user] = await db.sql<
    { id: string }[]
  >`INSERT INTO users (email) VALUES (${email}) RETURNING id`;
  const userId = user?.id as string;
  const [account] = await db.sql<{ id: string }[]>`
    INSERT INTO accounts (user_id, name, type, subtype, category, is_manual)
    VALUES (${userId}, 'Car', 'manual_asset', 'vehicle', 'vehicle', true) RETURNING id`;
  const accountId = account?.id as string;
  await db.sql`INSERT INTO account_balances (account_id, date, balance, source)
               VALUES (${accountId}, ${start}, 30000, 'manual')`;
  return { userId, accountId };
}

const rule: ValuationRule = {
  method: "depreciation",
  start,
  basis: 3_000_000n,
  rate: "15",
  floor: 0n,
};

const ruleRows = (db: Database, accountId: string) =>
  db.sql<{ date: string; balance: string }[]>`
    SELECT date, balance::text AS balance FROM account_balances
    WHERE account_id = ${accountId} AND source = 'rule' ORDER BY date`;

for (const kind of DATABASE_KINDS) {
  describe.skipIf(!kind.available)(`valuations on the ${kind.name} database`, () => {
    let t: TestTarget;
    let db: Database;
    beforeAll(async () => {
      t = await kind.create();
      db = await t.open("auto");
    });
    afterAll(async () => {
      await t?.dispose();
    });

    it("is user data: RLS keeps one user's methods and values from another, and it is audited", async () => {
      const a = await userWithCar(db, `a-${kind.name}@example.com`);
      const b = await userWithCar(db, `b-${kind.name}@example.com`);
      await db.asUser(a.userId, async (tx) => {
        await upsertValuation(tx, a.accountId, a.userId, rule);
        await revalue(tx, { all: true }, { today });
      });
      expect((await ruleRows(db, a.accountId)).length).toBe(24);
      // B sees no method of A's, and a revalue of "all" of B's touches nothing of A's.
      await db.asUser(b.userId, async (tx) => {
        expect([...(await valuationsByAccount(tx)).keys()]).toEqual([]);
        const done = await revalue(tx, { all: true }, { today });
        expect(done.accounts).toEqual([]);
      });
      // B cannot give A's account a method, even naming itself as the owner.
      await expect(
        db.asUser(b.userId, (tx) => upsertValuation(tx, a.accountId, b.userId, rule)),
      ).rejects.toThrow(/row-level security/);
      const [audit] = await db.sql<{ n: number }[]>`
        SELECT count(*)::int AS n FROM audit_log
        WHERE table_name = 'account_valuations' AND user_id = ${a.userId} AND action = 'INSERT'`;
      expect(audit?.n).toBe(1);
    });

    it.skipIf(kind.name !== "server")(
      "two revalues of one account at once write each value once, and agree",
      async () => {
        const c = await userWithCar(db, `c-${kind.name}@example.com`);
        await db.asUser(c.userId, (tx) => upsertValuation(tx, c.accountId, c.userId, rule));
        const second = await t.open("none");
        for (let round = 0; round < 5; round++) {
          await db.sql`DELETE FROM account_balances WHERE account_id = ${c.accountId} AND source = 'rule'`;
          const results = await Promise.all(
            [db, second].map((d) =>
              d.asUser(c.userId, (tx) => revalue(tx, { accountIds: [c.accountId] }, { today })),
            ),
          );
          const inserted = results.map((r) => r.accounts[0]?.inserted ?? 0).sort();
          // The lock makes them take turns: the first writes all 24, the second finds them.
          expect(inserted).toEqual([0, 24]);
          expect((await ruleRows(db, c.accountId)).length).toBe(24);
        }
      },
    );
  });
}
