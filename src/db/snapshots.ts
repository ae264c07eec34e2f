/**
 * Daily net worth snapshots (docs/schema.md, defects 4, 6, 7 and 9).
 *
 * The snapshot of user U on day D: every account of U that counts on D (archived_on IS NULL
 * OR D < archived_on) at its latest balance dated on or before D, summed into the buckets of
 * account_bucket(category) with the sign rule: a negative asset balance counts, as its
 * absolute value, in liability bucket `other`; a negative liability balance in asset bucket
 * `cash`. A day has a snapshot row exactly when at least one account counts with a balance on
 * or before it. Money stays exact: NUMERIC in SQL, decimal strings here.
 */

import type { Sql, TransactionSql } from "postgres";
import {
  ASSET_BUCKETS,
  LIABILITY_BUCKETS,
  type SnapshotRow,
  type SnapshotTotals,
} from "../core/buckets.js";
import { daysBetween, isIsoDate } from "../core/dates.js";

/** Whose snapshots a refresh recomputes: one user's (under asUser), or everyone's (system). */
export type SnapshotScope = { readonly userId: string } | { readonly allUsers: true };

/** What a refresh did: days in the range, rows inserted or changed, rows deleted. */
export interface RefreshResult {
  days: number;
  upserted: number;
  deleted: number;
  /**
   * All-users scope only: (user, day) snapshots left as they were because a total exceeds
   * NUMERIC(19,2), so that one user's absurd balances cannot stop everyone's refresh. The
   * user scope fails instead (numeric field overflow, SQLSTATE 22003). Always 0 when no
   * total is that large.
   */
  overflowed: number;
}

/** Cross rates go through this currency: the providers publish rates per euro. */
export const PIVOT = "EUR";
/** A day without a published rate takes the latest one at most this many days before it. */
export const CARRY_DAYS = 7;

/** A SQL literal of a bucket name (they are fixed identifiers, no quote can occur). */
const literal = (name: string) => `'${name}'`;

/**
 * Every (side, bucket) of a breakdown. Inside the refresh a bucket is its index here (k), and
 * its running sum the column b<k>: integers hash and compare faster than (side, bucket) text.
 */
const KEYS = [
  ...ASSET_BUCKETS.map((bucket) => ({ side: "asset", bucket })),
  ...LIABILITY_BUCKETS.map((bucket) => ({ side: "liability", bucket })),
].map((key, k) => ({ ...key, k, column: `b${k}` }));
const keyOf = (side: string, bucket: string) =>
  KEYS.findIndex((key) => key.side === side && key.bucket === bucket);
const ofSide = (side: string) => KEYS.filter((key) => key.side === side);
const each = (f: (key: (typeof KEYS)[number]) => string) => KEYS.map(f).join(",\n         ");
const breakdown = (side: string) =>
  `jsonb_build_object(${ofSide(side)
    .map((key) => `${literal(key.bucket)}, ${key.column}`)
    .join(", ")})`;
const total = (side: string) =>
  ofSide(side)
    .map((key) => key.column)
    .join(" + ");
/** The sign rule (defect 7): where a negative balance counts instead of its home bucket. */
const NEGATIVE_ASSET = keyOf("liability", "other");
const NEGATIVE_LIABILITY = keyOf("asset", "cash");
const FIRST_LIABILITY = ofSide("liability")[0]?.k ?? KEYS.length;

/**
 * One statement: $1 = from, $2 = to (dates), $3 = the user in the user scope. `scope` filters
 * accounts (alias a) and snapshots (alias s). Never a query per day, account or user:
 *   1. per account that counts on some day of the range, in date order, its balances from the
 *      one in effect on `from` (an index lookup of the latest on or before it) up to `to`,
 *      none dated on or after archived_on;
 *   2. each balance an event on its first day in the range: its amount enters its bucket (by
 *      the sign rule) and the previous balance's amount leaves that one's bucket; the first
 *      balance also makes the account count; an account archived within the range leaves on
 *      archived_on;
 *   3. per user, running sums of the events over the days of the range give each day's
 *      buckets; the days on which at least one account counts are the snapshots;
 *   4. upserted (rewriting only rows whose values differ) and, in the range, the snapshots of
 *      days where no account counts deleted (index probes per stored row, whatever the plan).
 * Balances come from all_account_balances (account_balances and the archive of maintain
 * --archive), so a refresh reaching before the archive's cutoff stays exact.
 * Sums are unbounded NUMERIC until stored: with skipOverflow, a day whose totals do not fit
 * NUMERIC(19,2) is left as it was and counted; without, storing it fails the statement.
 */
function refreshSql(
  scope: (alias: string) => string,
  users: string,
  skipOverflow: boolean,
): string {
  const fits = "(assets < 1e17 AND liabilities < 1e17)";
  const names = KEYS.map((key) => literal(`${key.side}/${key.bucket}`)).join(", ");
  const entering = (k: number) => `coalesce(sum(amount) FILTER (WHERE k = ${k}), 0.00)`;
  const leaving = (k: number) =>
    `coalesce(sum(previous_amount) FILTER (WHERE previous_k = ${k}), 0.00)`;
  const bucketOf = (balance: string) =>
    `CASE WHEN ${balance} >= 0 THEN c.home WHEN ${balance} IS NULL THEN NULL ` +
    `WHEN c.home < ${FIRST_LIABILITY} ` +
    `THEN ${NEGATIVE_ASSET} ELSE ${NEGATIVE_LIABILITY} END`;
  // A foreign account (its currency is not the user's) is converted day by day instead: its
  // events carry no bucket (k NULL), only the count n, so it counts on the same days.
  const home = (balance: string) =>
    `CASE WHEN c.is_foreign THEN NULL ELSE ${bucketOf(balance)} END`;
  const converted = (k: number) => `coalesce(sum(amount) FILTER (WHERE k = ${k}), 0.00)`;
  return `
WITH homes AS (
  SELECT c AS category, array_position(ARRAY[${names}], x.side || '/' || x.bucket) - 1 AS home
  FROM unnest(enum_range(NULL::account_category)) AS c, account_bucket(c) AS x
), counted AS MATERIALIZED (
  SELECT a.id, a.user_id, a.archived_on, h.home, a.currency::text AS cur,
         u.currency AS ucur, a.currency::text <> u.currency AS is_foreign
  FROM accounts a JOIN homes h ON h.category = a.category
  JOIN (SELECT id, coalesce(preferences->>'currency', 'USD') AS currency FROM users) u
    ON u.id = a.user_id
  WHERE ${scope("a")} AND (a.archived_on IS NULL OR a.archived_on > $1::date)
), events AS (
  SELECT c.user_id, greatest(l.date, $1::date) AS day, ${home("l.balance")} AS k,
         abs(l.balance) AS amount, ${home("l.previous")} AS previous_k,
         -abs(l.previous) AS previous_amount, CASE WHEN l.previous IS NULL THEN 1 ELSE 0 END AS n
  FROM counted c
  CROSS JOIN LATERAL (
    SELECT b.date, b.balance, lag(b.balance) OVER (ORDER BY b.date) AS previous
    FROM all_account_balances b
    WHERE b.account_id = c.id AND b.date <= $2::date
      AND (c.archived_on IS NULL OR b.date < c.archived_on)
      AND b.date >= coalesce((SELECT max(m.date) FROM all_account_balances m
                              WHERE m.account_id = c.id AND m.date <= $1::date), $1::date)
  ) l
  UNION ALL
  SELECT c.user_id, c.archived_on, ${home("l.balance")}, -abs(l.balance), NULL, NULL, -1
  FROM counted c
  CROSS JOIN LATERAL (
    SELECT b.balance FROM all_account_balances b
    WHERE b.account_id = c.id AND b.date < c.archived_on
    ORDER BY b.date DESC LIMIT 1
  ) l
  WHERE c.archived_on <= $2::date
), daily AS (
  SELECT user_id, day, sum(n) AS n,
         ${each((key) => `${entering(key.k)} + ${leaving(key.k)} AS ${key.column}`)}
  FROM events GROUP BY user_id, day
), running AS (
  SELECT g.user_id, g.day, sum(d.n) OVER w AS n,
         ${each((key) => `coalesce(sum(d.${key.column}) OVER w, 0.00) AS ${key.column}`)}
  FROM (
    SELECT u.user_id, $1::date + i AS day
    FROM ${users} u CROSS JOIN generate_series(0, $2::date - $1::date) i
  ) g
  LEFT JOIN daily d ON d.user_id = g.user_id AND d.day = g.day
  WINDOW w AS (PARTITION BY g.user_id ORDER BY g.day)
), foreign_days AS (
  -- Each foreign account's balance on each day of the range on which it counts.
  SELECT c.user_id, c.home, c.cur, c.ucur, l.date + i AS day, l.balance
  FROM counted c
  CROSS JOIN LATERAL (
    SELECT b.date, b.balance, lead(b.date) OVER (ORDER BY b.date) AS next
    FROM all_account_balances b
    WHERE b.account_id = c.id AND b.date <= $2::date
      AND (c.archived_on IS NULL OR b.date < c.archived_on)
      AND b.date >= coalesce((SELECT max(m.date) FROM all_account_balances m
                              WHERE m.account_id = c.id AND m.date <= $1::date), $1::date)
  ) l
  CROSS JOIN LATERAL generate_series(
    greatest($1::date - l.date, 0),
    least(coalesce(l.next, $2::date + 1), c.archived_on, $2::date + 1) - 1 - l.date) i
  WHERE c.is_foreign
), needed AS (
  SELECT cur AS x FROM counted WHERE is_foreign UNION SELECT ucur FROM counted WHERE is_foreign
), legs AS MATERIALIZED (
  -- 1 EUR (the pivot) = rate x on each day of the range: the latest published rate on or
  -- before the day, at most ${CARRY_DAYS} days back (weekends and holidays carry forward).
  SELECT r.x, r.date + i AS day, r.rate
  FROM (
    SELECT e.quote::text AS x, e.date, e.rate,
           lead(e.date) OVER (PARTITION BY e.quote ORDER BY e.date) AS next
    FROM exchange_rates e
    WHERE e.base = '${PIVOT}' AND e.quote::text IN (SELECT x FROM needed)
      AND e.date BETWEEN $1::date - ${CARRY_DAYS} AND $2::date
  ) r
  CROSS JOIN LATERAL generate_series(
    greatest($1::date - r.date, 0),
    least(coalesce(r.next - r.date - 1, ${CARRY_DAYS}), ${CARRY_DAYS}, $2::date - r.date)) i
  UNION ALL
  SELECT '${PIVOT}', $1::date + i, 1::numeric
  FROM generate_series(0, $2::date - $1::date) i
  WHERE '${PIVOT}' IN (SELECT x FROM needed)
), fractions AS (
  -- The day's rate as num/den: the user's own rate of the pair (or of its inverse) wins;
  -- else through the pivot, 1 cur = (EUR->ucur) / (EUR->cur) ucur. NULL: no rate, never 1:1.
  SELECT f.user_id, f.day, f.home, f.cur, f.ucur, f.balance,
         coalesce(od.rate, CASE WHEN oi.rate IS NOT NULL THEN 1 END, lu.rate) AS num,
         coalesce(CASE WHEN od.rate IS NOT NULL THEN 1 END, oi.rate, lc.rate) AS den
  FROM foreign_days f
  -- CHAR(3) on both sides, so the unique index (user_id, base, quote, date) serves the probe.
  LEFT JOIN user_exchange_rates od
    ON od.user_id = f.user_id AND od.base = f.cur::char(3) AND od.quote = f.ucur::char(3)
   AND od.date = f.day
  LEFT JOIN user_exchange_rates oi
    ON oi.user_id = f.user_id AND oi.base = f.ucur::char(3) AND oi.quote = f.cur::char(3)
   AND oi.date = f.day
  LEFT JOIN legs lu ON lu.x = f.ucur AND lu.day = f.day
  LEFT JOIN legs lc ON lc.x = f.cur AND lc.day = f.day
), converted AS (
  -- balance x num / den, rounded half away from zero to the cent, exactly (integer division).
  SELECT user_id, day, home, cur, ucur, num IS NULL OR den IS NULL AS missing,
         sign(balance) * div(abs(balance * num) * 200 + den, 2 * den) * 0.01 AS amount
  FROM fractions
), placed AS (
  SELECT user_id, day, ${bucketOf("amount")} AS k, abs(amount) AS amount
  FROM converted c WHERE NOT missing
), foreign_daily AS (
  SELECT user_id, day, ${each((key) => `${converted(key.k)} AS ${key.column}`)}
  FROM placed GROUP BY user_id, day
), left_out AS (
  SELECT user_id, day, jsonb_object_agg(pair, accounts) AS left_out
  FROM (
    SELECT user_id, day, cur || '/' || ucur AS pair, count(*)::int AS accounts
    FROM converted WHERE missing GROUP BY user_id, day, cur, ucur
  ) m
  GROUP BY user_id, day
), summed AS (
  SELECT r.user_id, r.day, r.n,
         ${each((key) => `r.${key.column} + coalesce(f.${key.column}, 0.00) AS ${key.column}`)},
         o.left_out
  FROM running r
  LEFT JOIN foreign_daily f ON f.user_id = r.user_id AND f.day = r.day
  LEFT JOIN left_out o ON o.user_id = r.user_id AND o.day = r.day
  WHERE r.n > 0
), totals AS (
  SELECT s.user_id, s.day, ${total("asset")} AS assets, ${total("liability")} AS liabilities,
         ${breakdown("asset")} AS asset_breakdown,
         ${breakdown("liability")} AS liability_breakdown,
         (SELECT coalesce(u.preferences->>'currency', 'USD') FROM users u WHERE u.id = s.user_id)
           AS currency,
         s.left_out
  FROM summed s
), upserted AS (
  INSERT INTO net_worth_snapshots AS s (user_id, date, total_assets, total_liabilities,
    net_worth, asset_breakdown, liability_breakdown, currency, left_out)
  SELECT user_id, day, assets, liabilities, assets - liabilities, asset_breakdown,
         liability_breakdown, currency, left_out
  FROM totals
  WHERE ${skipOverflow ? fits : "TRUE"}
  ON CONFLICT (user_id, date) DO UPDATE SET
    total_assets = EXCLUDED.total_assets,
    total_liabilities = EXCLUDED.total_liabilities,
    net_worth = EXCLUDED.net_worth,
    asset_breakdown = EXCLUDED.asset_breakdown,
    liability_breakdown = EXCLUDED.liability_breakdown,
    currency = EXCLUDED.currency,
    left_out = EXCLUDED.left_out
  WHERE (s.total_assets, s.total_liabilities, s.net_worth, s.asset_breakdown,
         s.liability_breakdown, s.currency, s.left_out)
    IS DISTINCT FROM (EXCLUDED.total_assets, EXCLUDED.total_liabilities, EXCLUDED.net_worth,
         EXCLUDED.asset_breakdown, EXCLUDED.liability_breakdown, EXCLUDED.currency,
         EXCLUDED.left_out)
  RETURNING 1
), deleted AS (
  DELETE FROM net_worth_snapshots s
  WHERE ${scope("s")} AND s.date BETWEEN $1::date AND $2::date
    AND NOT EXISTS (
      SELECT 1 FROM accounts a
      WHERE a.user_id = s.user_id AND (a.archived_on IS NULL OR s.date < a.archived_on)
        AND EXISTS (
          SELECT 1 FROM all_account_balances b WHERE b.account_id = a.id AND b.date <= s.date))
  RETURNING 1
)
SELECT (SELECT count(*)::int FROM upserted) AS upserted,
       (SELECT count(*)::int FROM deleted) AS deleted,
       ${skipOverflow ? `(SELECT count(*)::int FROM totals WHERE NOT ${fits})` : "0"} AS overflowed`;
}

const REFRESH_USER = refreshSql(
  (alias) => `${alias}.user_id = $3::uuid`,
  "(SELECT $3::uuid AS user_id)",
  false,
);
const REFRESH_ALL_USERS = refreshSql(() => "TRUE", "(SELECT DISTINCT user_id FROM counted)", true);

function checkRange(from: string, to: string): void {
  for (const date of [from, to]) {
    if (!isIsoDate(date)) throw new RangeError(`not a YYYY-MM-DD date: ${JSON.stringify(date)}`);
  }
}

/**
 * Serializes one user's writers until the transaction ends (a transaction-scoped advisory
 * lock, migration 0005): two refreshes, or two balance writes, for one user never interleave,
 * so the one that commits last computed from everything the other wrote. Other users never
 * wait; the all-users refresh waits for every user's writers and they for it. Reentrant.
 * Outside a transaction (a bare Sql) it would be released at once: call it inside one.
 */
export async function lockUserWrites(sql: Sql | TransactionSql, userId: string): Promise<void> {
  await sql`SELECT networth_lock_user(${userId}::uuid)`;
}

/**
 * Recomputes the snapshots of every day from..to (inclusive) for the scope, in one statement;
 * from > to does nothing. Unchanged days are not rewritten: `upserted` counts the rows
 * inserted or changed, `deleted` the rows of days where no account counts any more. Call the
 * user scope inside db.asUser(userId, ...) (it filters by user_id as well), the all-users
 * scope on the system connection. After a change dated D (a balance's date; for a new
 * archived_on, the earlier of the old and the new one), refreshing D..today is enough.
 * A day whose totals exceed NUMERIC(19,2) fails a user's refresh (nothing is written) and is
 * skipped, and counted in `overflowed`, by the all-users one (the input limits of migration
 * 0005 keep every total in range; rows stored before it are not re-checked).
 * Serialized per user (lockUserWrites) before it reads; the all-users scope runs alone.
 */
export async function refreshSnapshots(
  sql: Sql | TransactionSql,
  scope: SnapshotScope,
  from: string,
  to: string,
): Promise<RefreshResult> {
  checkRange(from, to);
  if (from > to) return { days: 0, upserted: 0, deleted: 0, overflowed: 0 };
  type Counts = Omit<RefreshResult, "days">[];
  const run = async (tx: Sql | TransactionSql, inCaller: boolean) => {
    // Inside the caller's transaction too (for the rest of it): the statement with foreign
    // accounts is costed high enough for the server to spend seconds compiling it (measured:
    // bench row 1c, 7 s with JIT against 2 s without), for nothing.
    if (inCaller) await tx`SET LOCAL jit = off`;
    // Before reading any balance, in its own statement: the refresh statement's snapshot is
    // then taken after the previous holder committed, so it sees that writer's balances.
    if ("userId" in scope) {
      await lockUserWrites(tx, scope.userId);
      return tx.unsafe<Counts>(REFRESH_USER, [from, to, scope.userId]);
    }
    await tx`SELECT networth_lock_all_users()`;
    return tx.unsafe<Counts>(REFRESH_ALL_USERS, [from, to]);
  };
  // Outside a transaction, open one to turn JIT off for this statement alone: a large refresh
  // is costed high enough for the server to spend most of a second compiling it, for nothing.
  const [row] =
    "begin" in sql
      ? await sql.begin(async (tx) => {
          await tx`SET LOCAL jit = off`;
          return run(tx, false);
        })
      : await run(sql, true);
  if (!row) throw new Error("the snapshot refresh returned no row");
  return { days: daysBetween(from, to) + 1, ...row };
}

/** A breakdown as JSONB of exact two-decimal strings (JSON numbers would become floats). */
function breakdownAsText(column: string, buckets: readonly string[]): string {
  const keys = buckets.map(literal).join(", ");
  return `(SELECT jsonb_object_agg(k, coalesce((${column} ->> k)::numeric(19,2), 0)::text)
     FROM unnest(ARRAY[${keys}]) AS k)`;
}

const READ_COLUMNS = `
SELECT s.id, s.user_id, s.date, s.total_assets::text AS total_assets,
       s.total_liabilities::text AS total_liabilities, s.net_worth::text AS net_worth,
       ${breakdownAsText("s.asset_breakdown", ASSET_BUCKETS)} AS asset_breakdown,
       ${breakdownAsText("s.liability_breakdown", LIABILITY_BUCKETS)} AS liability_breakdown,
       s.created_at, s.currency, s.left_out
FROM net_worth_snapshots s
WHERE s.user_id = $1::uuid AND s.date BETWEEN $2::date AND $3::date`;
const READ_SQL = `${READ_COLUMNS} ORDER BY s.date`;
export const LATEST_SQL = `${READ_COLUMNS} ORDER BY s.date DESC LIMIT 1`;

/**
 * The user's snapshots from..to (inclusive), by date. Breakdown values are read as text, so
 * they stay exact, with every bucket present (a key missing from a stored row reads "0.00").
 */
export async function readSnapshots(
  sql: Sql | TransactionSql,
  userId: string,
  from: string,
  to: string,
): Promise<SnapshotRow[]> {
  checkRange(from, to);
  if (from > to) return [];
  return sql.unsafe<SnapshotRow[]>(READ_SQL, [userId, from, to]);
}

export const TOTALS_SQL = `
SELECT s.id, s.user_id, s.date, s.total_assets::text AS total_assets,
       s.total_liabilities::text AS total_liabilities, s.net_worth::text AS net_worth,
       s.created_at, s.currency, s.left_out
FROM net_worth_snapshots s
WHERE s.user_id = $1::uuid AND s.date BETWEEN $2::date AND $3::date
ORDER BY s.date`;

/**
 * The user's snapshots from..to by date, totals only: a report's series over ten years reads
 * 3,650 rows but needs the breakdowns of one day (readSnapshot), not of every day.
 */
export async function readSnapshotTotals(
  sql: Sql | TransactionSql,
  userId: string,
  from: string,
  to: string,
): Promise<SnapshotTotals[]> {
  checkRange(from, to);
  if (from > to) return [];
  return sql.unsafe<SnapshotTotals[]>(TOTALS_SQL, [userId, from, to]);
}

/** The user's latest whole snapshot from..to (breakdowns included), or null when none. */
export async function readLatestSnapshot(
  sql: Sql | TransactionSql,
  userId: string,
  from: string,
  to: string,
): Promise<SnapshotRow | null> {
  checkRange(from, to);
  if (from > to) return null;
  return (await sql.unsafe<SnapshotRow[]>(LATEST_SQL, [userId, from, to]))[0] ?? null;
}

/** The first and last snapshot dates of a user, or null when there are none. */
export async function snapshotSpan(
  sql: Sql | TransactionSql,
  userId: string,
): Promise<{ first: string; last: string } | null> {
  const [row] = await sql<{ first: string | null; last: string | null }[]>`
    SELECT min(date) AS first, max(date) AS last FROM net_worth_snapshots WHERE user_id = ${userId}`;
  return row?.first && row.last ? { first: row.first, last: row.last } : null;
}

/**
 * Recomputes every snapshot of the user, from the first balance through `today`, in one
 * statement (as the backfill does): after a change of preferences.currency every stored day is
 * in the new currency. Inside db.asUser(userId, ...), in the transaction of the change.
 */
export async function rebuildSnapshots(
  sql: TransactionSql,
  userId: string,
  today: string,
): Promise<RefreshResult> {
  await lockUserWrites(sql, userId);
  const [row] = await sql<{ first: string | null }[]>`
    SELECT least((SELECT min(b.date) FROM all_account_balances b
                  JOIN accounts a ON a.id = b.account_id WHERE a.user_id = ${userId}),
                 (SELECT min(date) FROM net_worth_snapshots WHERE user_id = ${userId})) AS first`;
  const first = row?.first ?? null;
  if (first === null || first > today) return { days: 0, upserted: 0, deleted: 0, overflowed: 0 };
  return refreshSnapshots(sql, { userId }, first, today);
}

/** The user's snapshot days with what each left out for want of a rate (null: nothing). */
export async function snapshotsLeftOut(
  sql: Sql | TransactionSql,
  userId: string,
): Promise<{ date: string; leftOut: Record<string, number> | null }[]> {
  return sql`
    SELECT date, left_out FROM net_worth_snapshots WHERE user_id = ${userId} ORDER BY date`;
}
