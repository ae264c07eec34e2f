import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { MANUAL_TYPES } from "../../src/core/balance-import.js";
import { ACCOUNT_CATEGORIES, CATEGORY_BUCKETS } from "../../src/core/buckets.js";
import type { Database } from "../../src/db/connection.js";
import { DATABASE_KINDS, type TestTarget } from "../support/databases.js";

const embedded = DATABASE_KINDS[0] as (typeof DATABASE_KINDS)[number];

describe("the one category-to-bucket mapping", () => {
  let t: TestTarget;
  let db: Database;
  beforeAll(async () => {
    t = await embedded.create();
    db = await t.open("auto");
  });
  afterAll(async () => {
    await t?.dispose();
  });

  it("is the same in SQL and TypeScript, for every category of the enum", async () => {
    const rows = await db.sql<{ category: string; side: string; bucket: string }[]>`
      SELECT c::text AS category, (account_bucket(c)).side, (account_bucket(c)).bucket
      FROM unnest(enum_range(NULL::account_category)) AS c`;
    expect(rows.map((r) => r.category)).toEqual([...ACCOUNT_CATEGORIES]);
    for (const row of rows) {
      expect({ side: row.side, bucket: row.bucket }, row.category).toEqual(
        CATEGORY_BUCKETS[row.category as keyof typeof CATEGORY_BUCKETS],
      );
    }
  });

  it("creates imported accounts with the category account_type_config gives their type", async () => {
    for (const [key, spec] of Object.entries(MANUAL_TYPES)) {
      const [row] = await db.sql`SELECT category::text AS category FROM account_type_config
        WHERE type = ${spec.type} AND subtype = ${spec.subtype}`;
      expect(row?.category, key).toBe(spec.category);
    }
  });

  it("gives every account_type_config row a category, so every account has one bucket", async () => {
    const rows =
      await db.sql`SELECT type, subtype FROM account_type_config WHERE account_bucket(category) IS NULL`;
    expect(rows).toEqual([]);
  });
});
