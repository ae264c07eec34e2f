import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { archiveBalances, restoreArchivedBalances } from "../../src/db/archive.js";
import type { Database } from "../../src/db/connection.js";
import { DATABASE_KINDS, type TestTarget } from "../support/databases.js";

for (const kind of DATABASE_KINDS) {
  describe.skipIf(!kind.available)(`the balance archive on the ${kind.name} database`, () => {
    let t: TestTarget;
    let db: Database;
    const users: string[] = [];
    beforeAll(async () => {
      t = await kind.create();
      db = await t.open();
      for (const email of ["a@example.com", "b@example.com"]) {
        const [u] = await db.sql<
          { id: string }[]
        >`INSERT INTO users (email) VALUES (${email}) RETURNING id`;
        const id = u?.id as string;
        users.push(id);
        await db.asUser(id, async (tx) => {
          const [a] = await tx<{ id: string }[]>`
            INSERT INTO accounts (user_id, name, type, subtype, category, is_manual)
            VALUES (${id}, 'Cash', 'manual_asset', 'other', 'other', TRUE) RETURNING id`;
          await tx`INSERT INTO account_balances (account_id, balance, date, source)
            SELECT ${a?.id as string}, 100 + d, '2020-01-01'::date + d, 'manual'
            FROM generate_series(0, 9) d`;
        });
      }
    });
    afterAll(async () => {
      await t?.dispose();
    });

    it("is row-level secured and audited like account_balances", async () => {
      expect(await archiveBalances(db.sql, "2020-01-06")).toBe(2 * 4);
      const [a, b] = users as [string, string];
      const seen = await db.asUser(
        a,
        (tx) => tx<{ n: number }[]>`SELECT count(*)::int AS n FROM account_balances_archive`,
      );
      expect(seen[0]?.n).toBe(4);
      // Another user's archived rows can be neither read nor changed.
      const changed = await db.asUser(
        a,
        (tx) =>
          tx`UPDATE account_balances_archive SET balance = 0
           WHERE account_id IN (SELECT id FROM accounts WHERE user_id = ${b}) RETURNING 1`,
      );
      expect(changed).toHaveLength(0);
      const audit = await db.sql<{ userId: string; action: string; n: number }[]>`
        SELECT user_id, action::text, count(*)::int AS n FROM audit_log
        WHERE table_name = 'account_balances_archive' GROUP BY 1, 2 ORDER BY 1`;
      expect(audit.map((r) => [r.action, r.n]).sort()).toEqual([
        ["INSERT", 4],
        ["INSERT", 4],
      ]);
      expect(new Set(audit.map((r) => r.userId))).toEqual(new Set(users));
      expect(await restoreArchivedBalances(db.sql)).toBe(8);
      const [left] = await db.sql<
        { n: number }[]
      >`SELECT count(*)::int AS n FROM account_balances_archive`;
      expect(left?.n).toBe(0);
    });
  });
}
