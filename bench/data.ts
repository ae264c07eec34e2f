/**
 * Set-based data generation: every row is made by INSERT ... SELECT over generate_series in
 * the database, never one statement per row from Node.
 *
 * Generation writes as the connecting role (a superuser on the default server and on PGlite)
 * with `session_replication_role = replica` for its transaction, so the statement-level
 * triggers (audit_log, is_current, foreign keys) do not run over millions of made-up rows;
 * is_current is set directly instead (the latest date of each account). The snapshot engine
 * reads none of what the triggers maintain.
 */

import type { Sql, TransactionSql } from "postgres";

/**
 * The ten kinds of account a generated user has, one per slot 0..9: Plaid-linked cash,
 * investments and a credit card, manual property, vehicle, crypto, a mortgage and a car loan.
 */
const KINDS = `(VALUES
  (0, 'depository', 'checking', 'cash', TRUE),
  (1, 'depository', 'savings', 'cash', TRUE),
  (2, 'investment', 'brokerage', 'investment', TRUE),
  (3, 'investment', '401k', 'investment', TRUE),
  (4, 'credit', 'credit_card', 'credit_card', TRUE),
  (5, 'manual_asset', 'real_estate', 'property', FALSE),
  (6, 'manual_asset', 'vehicle', 'vehicle', FALSE),
  (7, 'manual_asset', 'crypto', 'digital_asset', FALSE),
  (8, 'manual_liability', 'mortgage', 'mortgage', FALSE),
  (9, 'manual_liability', 'auto', 'loan', FALSE)
) AS k(slot, type, subtype, category, plaid)`;

/**
 * A deterministic amount for account `id` on day `d`: a base per account (100 to 1,000,100)
 * and a daily move of up to +/- 1,000; the rare account whose base is small goes negative on
 * some days, which exercises the sign rule.
 */
const AMOUNT = (id: string, d: string) =>
  `round((100 + abs(hashtext(${id}::text)) % 100000000 / 100.0
          + hashtext(${id}::text || ${d}::text) % 100000 / 100.0)::numeric, 2)`;

/** Whether this role may set session_replication_role (a superuser). */
async function isSuperuser(sql: Sql | TransactionSql): Promise<boolean> {
  const [row] = await sql<{ super: boolean }[]>`
    SELECT rolsuper AS super FROM pg_roles WHERE rolname = current_user`;
  return Boolean(row?.super);
}

/** Runs fn in one transaction that skips triggers when the role is allowed to. */
async function bulk<T>(sql: Sql, fn: (tx: TransactionSql) => Promise<T>): Promise<T> {
  const superuser = await isSuperuser(sql);
  return (await sql.begin(async (tx) => {
    if (superuser) await tx`SET LOCAL session_replication_role = replica`;
    return fn(tx);
  })) as T;
}

/**
 * One user's history: `accounts` accounts (kinds cycling through the ten slots) with a
 * balance on every day from..to. Returns the number of balance rows written.
 */
export async function generateDailyHistory(
  sql: Sql,
  userId: string,
  accounts: number,
  from: string,
  to: string,
): Promise<number> {
  return bulk(sql, async (tx) => {
    await tx.unsafe(
      `INSERT INTO plaid_items (user_id, item_id, access_token, institution_id, institution_name)
       VALUES ($1::uuid, 'bench-item-' || $1, 'bench-token', 'ins_bench', 'Bench Bank')`,
      [userId],
    );
    await tx.unsafe(
      `INSERT INTO accounts (user_id, plaid_item_id, plaid_account_id, name, type, subtype,
                             category, is_manual)
       SELECT $1::uuid,
              CASE WHEN k.plaid THEN (SELECT id FROM plaid_items WHERE item_id = 'bench-item-' || $1) END,
              CASE WHEN k.plaid THEN 'bench-' || $1 || '-' || i END,
              'Account ' || lpad(i::text, 3, '0'), k.type::account_type, k.subtype,
              k.category::account_category, NOT k.plaid
       FROM generate_series(1, $2::int) i JOIN ${KINDS} ON k.slot = i % 10`,
      [userId, accounts],
    );
    const [row] = await tx.unsafe<{ n: number }[]>(
      `WITH written AS (
         INSERT INTO account_balances (account_id, date, balance, source, is_current)
         SELECT a.id, d::date, ${AMOUNT("a.id", "d::date")}, 'manual', d::date = $3::date
         FROM accounts a CROSS JOIN generate_series($2::date, $3::date, interval '1 day') d
         WHERE a.user_id = $1::uuid
         ORDER BY a.id, d
         RETURNING 1)
       SELECT count(*)::int AS n FROM written`,
      [userId, from, to],
    );
    return row?.n ?? 0;
  });
}

/**
 * Users first..last (numbered; emails bench-user-NNNNN@example.com), each with one Plaid item
 * and 10 accounts, one of each kind. Returns the accounts created.
 */
export async function generateUsers(sql: Sql, first: number, last: number): Promise<number> {
  return bulk(sql, async (tx) => {
    const [row] = await tx.unsafe<{ n: number }[]>(
      `WITH u AS (
         INSERT INTO users (email)
         SELECT 'bench-user-' || lpad(i::text, 5, '0') || '@example.com'
         FROM generate_series($1::int, $2::int) i
         RETURNING id
       ), p AS (
         INSERT INTO plaid_items (user_id, item_id, access_token, institution_id, institution_name)
         SELECT id, 'bench-item-' || id, 'bench-token', 'ins_bench', 'Bench Bank' FROM u
         RETURNING id, user_id
       ), a AS (
         INSERT INTO accounts (user_id, plaid_item_id, plaid_account_id, name, type, subtype,
                               category, is_manual)
         SELECT p.user_id, CASE WHEN k.plaid THEN p.id END,
                CASE WHEN k.plaid THEN 'bench-' || p.user_id || '-' || k.slot END,
                'Account ' || k.slot, k.type::account_type, k.subtype,
                k.category::account_category, NOT k.plaid
         FROM p CROSS JOIN ${KINDS}
         RETURNING 1
       )
       SELECT count(*)::int AS n FROM a`,
      [first, last],
    );
    return row?.n ?? 0;
  });
}

/**
 * Part `part` of `parts` of the generated users' weekly balances: `weeks` balances for every
 * account of a bench-user whose id falls in that slice of the UUID space, the newest 0 to 6
 * days (a per-account offset) before `day`. Written in account order, so each part's index
 * entries land together; balance ids count up from `firstId` (the engine never reads them).
 * Returns the rows written.
 */
export async function generateWeeklyBalances(
  sql: Sql,
  part: number,
  parts: number,
  weeks: number,
  day: string,
  firstId: number,
): Promise<number> {
  const bound = (i: number) =>
    i >= parts
      ? null
      : `${Math.floor((i * 2 ** 32) / parts)
          .toString(16)
          .padStart(8, "0")}-0000-0000-0000-000000000000`;
  return bulk(sql, async (tx) => {
    const [row] = await tx.unsafe<{ n: number }[]>(
      `WITH written AS (
         INSERT INTO account_balances (id, account_id, date, balance, source, is_current)
         SELECT lpad(to_hex($5::bigint + row_number() OVER (ORDER BY a.id, w)), 32, '0')::uuid,
                a.id, b.date, ${AMOUNT("a.id", "b.date")}, 'plaid', w = 0
         FROM accounts a
         JOIN users u ON u.id = a.user_id AND u.email LIKE 'bench-user-%'
         CROSS JOIN generate_series(0, $3::int - 1) w
         CROSS JOIN LATERAL (
           SELECT $4::date - (7 * w + abs(hashtext(a.id::text)) % 7) AS date) b
         WHERE a.id >= $1::uuid AND ($2::uuid IS NULL OR a.id < $2::uuid)
         ORDER BY a.id, w
         RETURNING 1
       )
       SELECT count(*)::int AS n FROM written`,
      [bound(part), bound(part + 1), weeks, day, firstId],
    );
    return row?.n ?? 0;
  });
}

/**
 * After generation: fresh planner statistics and visibility map (autovacuum would do it
 * later), then a checkpoint, so that writing out the generated data does not run in the
 * background of the measurements (when the role may; otherwise it is left to the server).
 */
export async function analyze(sql: Sql): Promise<void> {
  await sql.unsafe("VACUUM ANALYZE");
  await sql.unsafe("CHECKPOINT").catch(() => {});
}
