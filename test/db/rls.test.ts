import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Database } from "../../src/db/connection.js";
import { DATABASE_KINDS, type TestTarget } from "../support/databases.js";

/** Creates a user with one row in every user-data table; returns its ids. */
async function seedUser(db: Database, email: string) {
  return db.sql.begin(async (tx) => {
    const [user] = await tx<
      { id: string }[]
    >`INSERT INTO users (email) VALUES (${email}) RETURNING id`;
    const userId = user?.id as string;
    await tx`INSERT INTO user_sessions (user_id, token_hash, expires_at)
      VALUES (${userId}, ${`hash-${email}`}, NOW() + interval '1 day')`;
    const [item] = await tx<{ id: string }[]>`
      INSERT INTO plaid_items (user_id, item_id, access_token, institution_id, institution_name)
      VALUES (${userId}, ${`item-${email}`}, 'v1.encrypted', 'ins_1', 'Bank') RETURNING id`;
    const [account] = await tx<{ id: string }[]>`
      INSERT INTO accounts (user_id, name, type, subtype, category, is_manual)
      VALUES (${userId}, 'House', 'manual_asset', 'real_estate', 'property', true) RETURNING id`;
    await tx`INSERT INTO account_balances (account_id, balance, date, source)
      VALUES (${account?.id as string}, 100.10, '2026-01-01', 'manual')`;
    await tx`INSERT INTO manual_assets (account_id, user_id, description)
      VALUES (${account?.id as string}, ${userId}, 'A house')`;
    await tx`INSERT INTO net_worth_snapshots (user_id, date, total_assets, total_liabilities,
        net_worth, asset_breakdown, liability_breakdown)
      VALUES (${userId}, '2026-01-01', 100.10, 0, 100.10, '{}', '{}')`;
    await tx`INSERT INTO data_refresh_logs (user_id, plaid_item_id, refresh_type)
      VALUES (${userId}, ${item?.id as string}, 'manual')`;
    return { userId, accountId: account?.id as string };
  });
}

const USER_TABLES = [
  "users",
  "user_sessions",
  "plaid_items",
  "accounts",
  "account_balances",
  "manual_assets",
  "net_worth_snapshots",
  "data_refresh_logs",
  "audit_log",
];

for (const kind of DATABASE_KINDS) {
  describe.skipIf(!kind.available)(`row level security on the ${kind.name} database`, () => {
    let t: TestTarget;
    let db: Database;
    let a: { userId: string; accountId: string };
    let b: { userId: string; accountId: string };

    beforeAll(async () => {
      t = await kind.create();
      db = await t.open("auto");
      a = await seedUser(db, "a@example.com");
      b = await seedUser(db, "b@example.com");
    });
    afterAll(async () => {
      await t?.dispose();
    });

    it("shows a user only their own rows in every table, even without a WHERE", async () => {
      for (const table of USER_TABLES) {
        const rows = await db.asUser(a.userId, (tx) => tx.unsafe(`SELECT * FROM ${table}`));
        expect(rows.length, table).toBeGreaterThan(0);
        const owners = rows.map((r) => r.userId ?? r.id);
        if (table === "account_balances") {
          expect(
            rows.every((r) => r.accountId === a.accountId),
            table,
          ).toBe(true);
        } else {
          expect(new Set(owners), table).toEqual(new Set([a.userId]));
        }
      }
      // The views see through the caller's eyes too.
      const view = await db.asUser(
        a.userId,
        (tx) => tx`SELECT user_id FROM current_account_balances`,
      );
      expect(view.map((r) => r.userId)).toEqual([a.userId]);
    });

    it("runs user work under a role that cannot bypass row level security", async () => {
      const [role] = await db.asUser(
        a.userId,
        (tx) => tx<{ currentUser: string; bypass: boolean; superuser: boolean }[]>`
        SELECT current_user, r.rolbypassrls AS bypass, r.rolsuper AS superuser
        FROM pg_roles r WHERE r.rolname = current_user`,
      );
      expect(role).toEqual({ currentUser: "networth_app", bypass: false, superuser: false });
    });

    it("refuses to write a row for another user", async () => {
      await expect(
        db.asUser(
          a.userId,
          (tx) => tx`INSERT INTO accounts (user_id, name, type, subtype, category, is_manual)
          VALUES (${b.userId}, 'Sneaky', 'manual_asset', 'other', 'other', true)`,
        ),
      ).rejects.toMatchObject({ code: "42501" });
      await expect(
        db.asUser(
          a.userId,
          (tx) => tx`INSERT INTO account_balances (account_id, balance, date, source)
          VALUES (${b.accountId}, 1, '2026-02-01', 'manual')`,
        ),
      ).rejects.toMatchObject({ code: "42501" });
      const changed = await db.asUser(
        a.userId,
        (tx) => tx`UPDATE accounts SET name = 'x' WHERE user_id = ${b.userId}`,
      );
      expect(changed.count).toBe(0);
      const [name] = await db.sql`SELECT name FROM accounts WHERE id = ${b.accountId}`;
      expect(name?.name).toBe("House");
    });

    it("audits every change, shows users their own trail, and never lets them edit it", async () => {
      await db.asUser(
        a.userId,
        (tx) => tx`UPDATE accounts SET name = 'Home' WHERE id = ${a.accountId}`,
      );
      const trail = await db.asUser(
        a.userId,
        (tx) => tx`
        SELECT table_name, action, old_row->>'name' AS old_name, new_row->>'name' AS new_name
        FROM audit_log WHERE table_name = 'accounts' ORDER BY id`,
      );
      expect(trail).toEqual([
        { tableName: "accounts", action: "INSERT", oldName: null, newName: "House" },
        { tableName: "accounts", action: "UPDATE", oldName: "House", newName: "Home" },
      ]);
      const tables =
        await db.sql`SELECT DISTINCT table_name FROM audit_log WHERE user_id = ${a.userId}`;
      expect(tables.map((r) => r.tableName).sort()).toEqual([
        "account_balances",
        "accounts",
        "manual_assets",
        "plaid_items",
        "user_sessions",
        "users",
      ]);
      // Secrets never enter the trail.
      const secrets = await db.sql`SELECT 1 FROM audit_log
        WHERE new_row ? 'access_token' OR new_row ? 'token_hash' OR old_row ? 'token_hash'`;
      expect(secrets).toHaveLength(0);
      for (const statement of [
        "UPDATE audit_log SET action = 'DELETE'",
        "DELETE FROM audit_log",
        "INSERT INTO audit_log (table_name, action) VALUES ('x', 'INSERT')",
      ]) {
        await expect(
          db.asUser(a.userId, (tx) => tx.unsafe(statement)),
          statement,
        ).rejects.toMatchObject({ code: "42501" });
      }
    });
  });
}
