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
    // The valuation tables (issues 11, 12) and the user's own exchange rates (issue 13).
    await tx`INSERT INTO account_valuations (account_id, user_id, method, start_date, basis, rate,
        floor_value) VALUES (${account?.id as string}, ${userId}, 'depreciation', '2026-01-01', 100.10, 15, 0)`;
    await tx`INSERT INTO account_holdings (account_id, user_id, kind, asset, quantity, start_date)
      VALUES (${account?.id as string}, ${userId}, 'coin', 'bitcoin', 0.5, '2026-01-01')`;
    await tx`INSERT INTO valuation_lookups (account_id, user_id, date, value, source)
      VALUES (${account?.id as string}, ${userId}, '2026-01-01', 100.10, 'rentcast')`;
    await tx`INSERT INTO user_exchange_rates (user_id, base, quote, date, rate)
      VALUES (${userId}, 'EUR', 'USD', '2026-01-01', 1.0850)`;
    return { userId, accountId: account?.id as string, itemId: item?.id as string };
  });
}

type Seeded = Awaited<ReturnType<typeof seedUser>>;

/**
 * Every foreign key from a user-data table to a row another user may own, and how user `me`
 * could try to point it at user `other`'s row: an INSERT and an UPDATE of `me`'s own row.
 */
const CROSS_USER: Record<string, (me: Seeded, other: Seeded) => [string, unknown[]][]> = {
  "accounts.plaid_item_id": (me, other) => [
    [
      `INSERT INTO accounts (user_id, plaid_item_id, plaid_account_id, name, type, subtype,
         category) VALUES ($1, $2, 'acc-sneaky', 'Sneaky', 'depository', 'checking', 'cash')`,
      [me.userId, other.itemId],
    ],
    [
      `UPDATE accounts SET plaid_item_id = $2, plaid_account_id = 'acc-moved', is_manual = false
       WHERE id = $1`,
      [me.accountId, other.itemId],
    ],
  ],
  "account_balances.account_id": (me, other) => [
    [
      `INSERT INTO account_balances (account_id, balance, date, source)
       VALUES ($1, 1, '2026-02-01', 'manual')`,
      [other.accountId],
    ],
    [
      `UPDATE account_balances SET account_id = $2 WHERE account_id = $1`,
      [me.accountId, other.accountId],
    ],
  ],
  "manual_assets.account_id": (me, other) => [
    [
      "INSERT INTO manual_assets (account_id, user_id, description) VALUES ($1, $2, 'Sneaky')",
      [other.accountId, me.userId],
    ],
    [
      `UPDATE manual_assets SET account_id = $2 WHERE account_id = $1`,
      [me.accountId, other.accountId],
    ],
  ],
  "data_refresh_logs.plaid_item_id": (me, other) => [
    [
      "INSERT INTO data_refresh_logs (user_id, plaid_item_id, refresh_type) VALUES ($1, $2, 'manual')",
      [me.userId, other.itemId],
    ],
    [
      `UPDATE data_refresh_logs SET plaid_item_id = $2 WHERE user_id = $1`,
      [me.userId, other.itemId],
    ],
  ],
  // user_id itself references users: a row for another user is refused in every table.
  "user_sessions.user_id": (_me, other) => [
    [
      `INSERT INTO user_sessions (user_id, token_hash, expires_at)
       VALUES ($1, 'sneaky', NOW() + interval '1 day')`,
      [other.userId],
    ],
  ],
  "plaid_items.user_id": (_me, other) => [
    [
      `INSERT INTO plaid_items (user_id, item_id, access_token, institution_id, institution_name)
       VALUES ($1, 'item-sneaky', 'v1.x', 'ins_1', 'Bank')`,
      [other.userId],
    ],
  ],
  "accounts.user_id": (_me, other) => [
    [
      `INSERT INTO accounts (user_id, name, type, subtype, category, is_manual)
       VALUES ($1, 'Sneaky', 'manual_asset', 'other', 'other', true)`,
      [other.userId],
    ],
  ],
  "manual_assets.user_id": (me, other) => [
    [
      "INSERT INTO manual_assets (account_id, user_id, description) VALUES ($1, $2, 'Sneaky')",
      [me.accountId, other.userId],
    ],
  ],
  "net_worth_snapshots.user_id": (_me, other) => [
    [
      `INSERT INTO net_worth_snapshots (user_id, date, total_assets, total_liabilities,
         net_worth, asset_breakdown, liability_breakdown)
       VALUES ($1, '2026-03-01', 1, 0, 1, '{}', '{}')`,
      [other.userId],
    ],
  ],
  "data_refresh_logs.user_id": (_me, other) => [
    ["INSERT INTO data_refresh_logs (user_id, refresh_type) VALUES ($1, 'manual')", [other.userId]],
  ],
  "account_valuations.account_id": (me, other) => [
    [
      `INSERT INTO account_valuations (account_id, user_id, method, start_date, basis, rate)
       VALUES ($1, $2, 'appreciation', '2026-01-01', 1, 3)`,
      [other.accountId, me.userId],
    ],
    [
      "UPDATE account_valuations SET account_id = $2 WHERE account_id = $1",
      [me.accountId, other.accountId],
    ],
  ],
  // Price indexes are shared reference data (no owner): any user's method may follow any index.
  "account_valuations.index_name": () => [],
  "account_valuations.user_id": (me, other) => [
    [
      "UPDATE account_valuations SET user_id = $2 WHERE account_id = $1",
      [me.accountId, other.userId],
    ],
  ],
  "account_holdings.account_id": (me, other) => [
    [
      `INSERT INTO account_holdings (account_id, user_id, kind, asset, quantity, start_date)
       VALUES ($1, $2, 'coin', 'ethereum', 1, '2026-01-01')`,
      [other.accountId, me.userId],
    ],
    [
      "UPDATE account_holdings SET account_id = $2 WHERE account_id = $1",
      [me.accountId, other.accountId],
    ],
  ],
  "account_holdings.user_id": (me, other) => [
    [
      `INSERT INTO account_holdings (account_id, user_id, kind, asset, quantity, start_date)
       VALUES ($1, $2, 'coin', 'ethereum', 1, '2026-01-01')`,
      [me.accountId, other.userId],
    ],
  ],
  "valuation_lookups.account_id": (me, other) => [
    [
      `INSERT INTO valuation_lookups (account_id, user_id, date, value, source)
       VALUES ($1, $2, '2026-02-01', 1, 'rentcast')`,
      [other.accountId, me.userId],
    ],
    [
      "UPDATE valuation_lookups SET account_id = $2 WHERE account_id = $1",
      [me.accountId, other.accountId],
    ],
  ],
  "valuation_lookups.user_id": (me, other) => [
    [
      `INSERT INTO valuation_lookups (account_id, user_id, date, value, source)
       VALUES ($1, $2, '2026-02-01', 1, 'rentcast')`,
      [me.accountId, other.userId],
    ],
  ],
  "user_exchange_rates.user_id": (me, other) => [
    [
      `INSERT INTO user_exchange_rates (user_id, base, quote, date, rate)
       VALUES ($1, 'GBP', 'USD', '2026-01-01', 1.25)`,
      [other.userId],
    ],
    ["UPDATE user_exchange_rates SET user_id = $2 WHERE user_id = $1", [me.userId, other.userId]],
  ],
};

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
  "account_valuations",
  "account_holdings",
  "valuation_lookups",
  "user_exchange_rates",
];

for (const kind of DATABASE_KINDS) {
  describe.skipIf(!kind.available)(`row level security on the ${kind.name} database`, () => {
    let t: TestTarget;
    let db: Database;
    let a: Seeded;
    let b: Seeded;

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
        "account_holdings",
        "account_valuations",
        "accounts",
        "manual_assets",
        "plaid_items",
        "user_exchange_rates",
        "user_sessions",
        "users",
        "valuation_lookups",
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

    it("covers every foreign key of a user-data table in the cross-user cases", async () => {
      const keys = await db.sql<{ key: string }[]>`
        SELECT c.conrelid::regclass::text || '.' || a.attname AS key
        FROM pg_constraint c
        JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = ANY(c.conkey)
        WHERE c.contype = 'f' AND c.connamespace = 'public'::regnamespace
          AND c.conrelid::regclass::text = ANY(${USER_TABLES})`;
      expect(keys.map((k) => k.key).sort()).toEqual(Object.keys(CROSS_USER).sort());
    });

    it("refuses a row that references another user's row, in every child table", async () => {
      const before = await db.sql`SELECT count(*)::int AS n FROM audit_log`;
      for (const [key, cases] of Object.entries(CROSS_USER)) {
        for (const [statement, params] of cases(a, b)) {
          await expect(
            db.asUser(a.userId, (tx) => tx.unsafe(statement, params as never[])),
            `${key}: ${statement}`,
          ).rejects.toMatchObject({ code: "42501" });
        }
      }
      // Nothing was written: no audit row, and b's rows are as seeded.
      expect(await db.sql`SELECT count(*)::int AS n FROM audit_log`).toEqual(before);
      const [counts] = await db.sql`
        SELECT (SELECT count(*)::int FROM manual_assets WHERE account_id = ${b.accountId}) AS details,
               (SELECT count(*)::int FROM accounts WHERE plaid_item_id = ${b.itemId}) AS linked,
               (SELECT count(*)::int FROM data_refresh_logs WHERE plaid_item_id = ${b.itemId}) AS logs`;
      expect(counts).toEqual({ details: 1, linked: 0, logs: 1 });
    });

    it("still accepts references to the user's own rows", async () => {
      await db.asUser(a.userId, async (tx) => {
        await tx`INSERT INTO data_refresh_logs (user_id, plaid_item_id, refresh_type)
          VALUES (${a.userId}, ${a.itemId}, 'manual')`;
        const [account] = await tx<{ id: string }[]>`
          INSERT INTO accounts (user_id, plaid_item_id, plaid_account_id, name, type, subtype, category)
          VALUES (${a.userId}, ${a.itemId}, 'acc-own', 'Own', 'depository', 'checking', 'cash')
          RETURNING id`;
        await tx`UPDATE manual_assets SET notes = 'fine' WHERE account_id = ${a.accountId}`;
        await tx`DELETE FROM accounts WHERE id = ${account?.id as string}`;
      });
    });
  });
}
