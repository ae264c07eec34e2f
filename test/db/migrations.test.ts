import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { loadMigrations, migrateDown, migrateUp, migrationStatus } from "../../src/db/migrator.js";
import { DATABASE_KINDS, type TestTarget } from "../support/databases.js";

/** Everything the seed names, plus the resolutions, that the migrated schema must hold. */
const TABLES: Record<string, string[]> = {
  users: ["id", "email", "created_at", "updated_at", "last_login", "preferences"],
  user_sessions: [
    "id",
    "user_id",
    "token_hash",
    "ip_address",
    "user_agent",
    "expires_at",
    "created_at",
  ],
  plaid_items: [
    "id",
    "user_id",
    "item_id",
    "access_token",
    "institution_id",
    "institution_name",
    "status",
    "error_code",
    "last_successful_update",
    "created_at",
    "updated_at",
  ],
  accounts: [
    "id",
    "user_id",
    "plaid_item_id",
    "plaid_account_id",
    "name",
    "official_name",
    "type",
    "subtype",
    "category",
    "is_manual",
    "is_active",
    "institution_name",
    "mask",
    "currency",
    "created_at",
    "updated_at",
    "archived_on",
  ],
  account_balances: [
    "id",
    "account_id",
    "balance",
    "available_balance",
    "credit_limit",
    "date",
    "is_current",
    "source",
    "created_at",
  ],
  manual_assets: [
    "id",
    "account_id",
    "user_id",
    "description",
    "notes",
    "created_at",
    "updated_at",
  ],
  net_worth_snapshots: [
    "id",
    "user_id",
    "date",
    "total_assets",
    "total_liabilities",
    "net_worth",
    "asset_breakdown",
    "liability_breakdown",
    "created_at",
    "currency",
    "left_out",
  ],
  exchange_rates: ["base", "quote", "date", "rate", "source", "fetched_at"],
  user_exchange_rates: ["id", "user_id", "base", "quote", "date", "rate", "created_at"],
  data_refresh_logs: [
    "id",
    "user_id",
    "plaid_item_id",
    "refresh_type",
    "status",
    "accounts_updated",
    "error_message",
    "started_at",
    "completed_at",
  ],
  account_type_config: ["id", "type", "subtype", "display_name", "category", "icon", "sort_order"],
  audit_log: [
    "id",
    "user_id",
    "table_name",
    "row_id",
    "action",
    "old_row",
    "new_row",
    "changed_at",
  ],
};

const ENUMS: Record<string, string[]> = {
  plaid_item_status: ["active", "error", "disconnected"],
  account_type: [
    "depository",
    "investment",
    "loan",
    "credit",
    "manual_asset",
    "manual_liability",
    "other",
  ],
  account_category: [
    "cash",
    "investment",
    "property",
    "vehicle",
    "precious_metal",
    "digital_asset",
    "other",
    "credit_card",
    "mortgage",
    "loan",
    "other_liability",
  ],
  balance_source: ["plaid", "manual", "kbb_api", "rule"],
  valuation_method: [
    "depreciation",
    "appreciation",
    "index",
    "amortization",
    "holdings",
    "avm",
    "vehicle",
  ],
  refresh_type: ["manual", "scheduled", "webhook"],
  refresh_status: ["pending", "success", "partial_success", "failed"],
};

const INDEXES = [
  "idx_users_email",
  "idx_user_sessions_user_id",
  "idx_user_sessions_token_hash",
  "idx_user_sessions_expires_at",
  "idx_plaid_items_user_id",
  "idx_plaid_items_status",
  "idx_accounts_user_id",
  "idx_accounts_plaid_item_id",
  "idx_accounts_is_active",
  "idx_accounts_category",
  "idx_account_balances_current",
  "idx_account_balances_account_date",
  "idx_account_balances_date",
  "idx_manual_assets_account_id",
  "idx_net_worth_snapshots_user_date",
  "idx_net_worth_snapshots_date",
  "idx_refresh_logs_user_id",
  "idx_refresh_logs_status",
  "idx_refresh_logs_started_at",
  "uk_account_balances_account_date",
  "idx_exchange_rates_quote_date",
  "uk_user_exchange_rates",
];

const TRIGGERS = [
  "update_users_updated_at",
  "update_plaid_items_updated_at",
  "update_accounts_updated_at",
  "update_manual_assets_updated_at",
  "account_balances_current_insert",
  "account_balances_current_update",
  "account_balances_current_delete",
  "update_account_valuations_updated_at",
  "audit_account_valuations_insert",
  "audit_account_valuations_update",
  "audit_account_valuations_delete",
  "audit_user_exchange_rates_insert",
  "audit_user_exchange_rates_update",
  "audit_user_exchange_rates_delete",
];

// all_account_balances: migration 0006 (the balance archive).
const VIEWS = ["all_account_balances", "current_account_balances", "user_net_worth_summary"];

const RLS_TABLES = [
  "users",
  "user_sessions",
  "plaid_items",
  "accounts",
  "account_balances",
  "manual_assets",
  "net_worth_snapshots",
  "data_refresh_logs",
  "audit_log",
  "account_balances_archive",
  "user_exchange_rates",
];

for (const kind of DATABASE_KINDS) {
  describe.skipIf(!kind.available)(`migrations on the ${kind.name} database`, () => {
    let t: TestTarget;
    beforeEach(async () => {
      t = await kind.create();
    });
    afterEach(async () => {
      await t.dispose();
    });

    async function projectObjects(db: Awaited<ReturnType<TestTarget["open"]>>) {
      const [row] = await db.sql<
        { relations: number; types: number; functions: number; schemas: number }[]
      >`
        SELECT
          (SELECT count(*)::int FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
             WHERE n.nspname = 'public') AS relations,
          (SELECT count(*)::int FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace
             WHERE n.nspname = 'public' AND t.typtype = 'e') AS types,
          (SELECT count(*)::int FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
             WHERE n.nspname IN ('public', 'auth')) AS functions,
          (SELECT count(*)::int FROM pg_namespace WHERE nspname = 'auth') AS schemas`;
      return row;
    }

    it("goes all the way up, all the way down to nothing, and up again", async () => {
      const db = await t.open("none");
      const migrations = loadMigrations();
      expect(await projectObjects(db)).toEqual({
        relations: 0,
        types: 0,
        functions: 0,
        schemas: 0,
      });

      const up = await migrateUp(db.sql);
      expect(up.map((m) => m.version)).toEqual(migrations.map((m) => m.version));
      expect((await migrationStatus(db.sql)).pending).toEqual([]);

      const down = await migrateDown(db.sql, { to: 0 });
      expect(down.map((m) => m.version)).toEqual(migrations.map((m) => m.version).reverse());
      expect(await projectObjects(db)).toEqual({
        relations: 0,
        types: 0,
        functions: 0,
        schemas: 0,
      });

      await migrateUp(db.sql);
      const status = await migrationStatus(db.sql);
      expect(status.applied.map((a) => a.version)).toEqual(migrations.map((m) => m.version));
      // Running it again changes nothing.
      expect(await migrateUp(db.sql)).toEqual([]);
    });

    it("holds every table, column, enum value, index, trigger and view the seed names", async () => {
      const db = await t.open("auto");
      const columns = await db.sql<{ tableName: string; columnName: string }[]>`
        SELECT table_name, column_name FROM information_schema.columns WHERE table_schema = 'public'`;
      for (const [table, expected] of Object.entries(TABLES)) {
        const actual = columns.filter((c) => c.tableName === table).map((c) => c.columnName);
        expect(actual.sort(), table).toEqual([...expected].sort());
      }
      const enums = await db.sql<{ name: string; labels: string[] }[]>`
        SELECT t.typname AS name, array_agg(e.enumlabel ORDER BY e.enumsortorder) AS labels
        FROM pg_type t JOIN pg_enum e ON e.enumtypid = t.oid GROUP BY t.typname`;
      for (const [name, labels] of Object.entries(ENUMS)) {
        expect(enums.find((e) => e.name === name)?.labels, name).toEqual(labels);
      }
      const indexes = (
        await db.sql<{ indexname: string }[]>`
        SELECT indexname FROM pg_indexes WHERE schemaname = 'public'`
      ).map((r) => r.indexname);
      expect(indexes).toEqual(expect.arrayContaining(INDEXES));
      const triggers = (
        await db.sql<{ tgname: string }[]>`
        SELECT tgname FROM pg_trigger WHERE NOT tgisinternal`
      ).map((r) => r.tgname);
      expect(triggers).toEqual(expect.arrayContaining(TRIGGERS));
      const views = (
        await db.sql<{ viewname: string }[]>`
        SELECT viewname FROM pg_views WHERE schemaname = 'public'`
      ).map((r) => r.viewname);
      expect(views.sort()).toEqual(VIEWS);
      const rls = await db.sql<
        { relname: string; relrowsecurity: boolean; relforcerowsecurity: boolean }[]
      >`
        SELECT relname, relrowsecurity, relforcerowsecurity FROM pg_class
        WHERE relname IN ${db.sql(RLS_TABLES)}`;
      expect(rls).toHaveLength(RLS_TABLES.length);
      for (const r of rls)
        expect([r.relname, r.relrowsecurity, r.relforcerowsecurity]).toEqual([
          r.relname,
          true,
          true,
        ]);
      // The seed's rows of account_type_config are all there, with real categories.
      const config = await db.sql<{ type: string; subtype: string; category: string }[]>`
        SELECT type, subtype, category::text FROM account_type_config`;
      expect(config).toEqual(
        expect.arrayContaining([
          { type: "depository", subtype: "checking", category: "cash" },
          { type: "credit", subtype: "credit_card", category: "credit_card" },
          { type: "loan", subtype: "mortgage", category: "mortgage" },
          { type: "manual_asset", subtype: "crypto", category: "digital_asset" },
          { type: "manual_liability", subtype: "student", category: "loan" },
        ]),
      );
      // Defect 2: no index on a NOW() predicate.
      const partial =
        await db.sql`SELECT 1 FROM pg_indexes WHERE indexname = 'idx_user_sessions_cleanup'`;
      expect(partial).toHaveLength(0);
    });

    it("migrates --to a version, rolls back by steps, and refuses an edited applied migration", async () => {
      const db = await t.open("none");
      await migrateUp(db.sql, { to: 1 });
      expect((await migrationStatus(db.sql)).applied.map((a) => a.version)).toEqual([1]);
      await migrateUp(db.sql);
      await migrateDown(db.sql, { steps: loadMigrations().length - 1 });
      expect((await migrationStatus(db.sql)).applied.map((a) => a.version)).toEqual([1]);

      const edited = loadMigrations().map((m) =>
        m.version === 1 ? { ...m, up: `${m.up}\n-- edited`, checksum: "0".repeat(64) } : m,
      );
      await expect(migrateUp(db.sql, {}, edited)).rejects.toThrow(
        /0001_schema was changed after it was applied/,
      );
      // Nothing was applied by the refused run.
      expect((await migrationStatus(db.sql)).applied.map((a) => a.version)).toEqual([1]);
    });

    it("lets two migrators race without applying anything twice", async () => {
      const db = await t.open("none");
      if (kind.name === "embedded") {
        // One connection: the migrations run one after the other, the second finds them applied.
        const [a, b] = await Promise.all([migrateUp(db.sql), migrateUp(db.sql)]);
        expect(a.length + b.length).toBe(loadMigrations().length);
        return;
      }
      const second = await t.open("none");
      const [a, b] = await Promise.all([migrateUp(db.sql), migrateUp(second.sql)]);
      expect(a.length + b.length).toBe(loadMigrations().length);
    });
  });
}
