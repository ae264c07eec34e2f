import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { loadMigrations, migrateDown, migrateUp } from "../../src/db/migrator.js";
import { DATABASE_KINDS, type TestTarget } from "../support/databases.js";

const CURRENCIES = 10;

for (const kind of DATABASE_KINDS) {
  describe.skipIf(!kind.available)(
    `migration 0010 (currencies) on the ${kind.name} database`,
    () => {
      let t: TestTarget;
      beforeEach(async () => {
        t = await kind.create();
      });
      afterEach(async () => {
        await t.dispose();
      });

      it("is numbered 0010 and loads beside a gap", () => {
        const versions = loadMigrations().map((m) => m.version);
        expect(versions).toContain(CURRENCIES);
        expect(versions).toEqual([...versions].sort((a, b) => a - b));
      });

      it("checks the code's form instead of USD only, and goes up, down and up again", async () => {
        const db = await t.open("none");
        const before =
          loadMigrations()
            .filter((m) => m.version < CURRENCIES)
            .at(-1)?.version ?? 0;
        await migrateUp(db.sql, { to: before });
        const [user] = await db.sql<{ id: string }[]>`
        INSERT INTO users (email) VALUES ('m@example.com') RETURNING id`;
        const account = (currency: string) => db.sql`
        INSERT INTO accounts (user_id, name, type, subtype, category, is_manual, currency)
        VALUES (${user?.id ?? ""}, ${`in ${currency}`}, 'manual_asset', 'other', 'other', TRUE,
                ${currency})`;
        await expect(account("EUR")).rejects.toThrow(/accounts_currency_check/);
        await migrateUp(db.sql, { to: CURRENCIES });
        await account("EUR");
        await account("USD");
        await expect(account("eur")).rejects.toThrow(/chk_accounts_currency_code/);
        await expect(account("E1R")).rejects.toThrow(/chk_accounts_currency_code/);
        await db.sql`INSERT INTO exchange_rates (base, quote, date, rate, source)
        VALUES ('EUR', 'USD', '2025-03-03', 1.0489, 'ecb')`;
        await expect(
          db.sql`INSERT INTO exchange_rates (base, quote, date, rate, source)
          VALUES ('EUR', 'GBP', '2025-03-03', 0, 'ecb')`,
        ).rejects.toThrow(/check/);
        const [snapshot] = await db.sql<{ currency: string }[]>`
        SELECT column_default AS currency FROM information_schema.columns
        WHERE table_name = 'net_worth_snapshots' AND column_name = 'currency'`;
        expect(snapshot?.currency).toContain("USD");

        await migrateDown(db.sql, { to: before });
        // Back to USD only: the euro account cannot stay, the dollar one does.
        const left = await db.sql<{ currency: string }[]>`SELECT currency FROM accounts`;
        expect(left.map((r) => r.currency)).toEqual(["USD"]);
        const [gone] = await db.sql<{ present: boolean }[]>`
        SELECT to_regclass('exchange_rates') IS NULL AND to_regclass('user_exchange_rates') IS NULL
          AS present`;
        expect(gone?.present).toBe(true);
        await expect(account("EUR")).rejects.toThrow(/accounts_currency_check/);

        await migrateUp(db.sql);
        await account("GBP");
        const codes = await db.sql<{ currency: string }[]>`
        SELECT currency FROM accounts ORDER BY currency`;
        expect(codes.map((r) => r.currency)).toEqual(["GBP", "USD"]);
      });
    },
  );
}
