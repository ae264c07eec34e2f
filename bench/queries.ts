/**
 * The SQL the bench compares the engine with: the naive one-snapshot-per-query baseline and
 * the report's snapshot read (for the psql process).
 */

import { ASSET_BUCKETS, LIABILITY_BUCKETS } from "../src/core/buckets.js";
import { LATEST_SQL, TOTALS_SQL } from "../src/db/snapshots.js";

const zeros = (buckets: readonly string[]) =>
  `jsonb_build_object(${buckets.map((b) => `'${b}', 0.00`).join(", ")})`;

/**
 * The naive baseline: ONE day's snapshot of ONE user ($1 = user id, $2 = day), computed the
 * simple way and upserted. Each account that counts on the day contributes its latest balance
 * on or before it (one index probe per account, the cheapest form of "latest balance"); a
 * GROUP BY sums them per bucket under the same sign rule as the engine (a negative asset in
 * liability `other`, a negative liability in asset `cash`), with every breakdown key present,
 * so its rows equal the engine's (the bench checks that). Run once per user per day from Node.
 */
export const NAIVE_DAY_SQL = `
WITH latest AS (
  SELECT x.side, x.bucket, l.balance
  FROM accounts a
  CROSS JOIN LATERAL account_bucket(a.category) x
  CROSS JOIN LATERAL (
    SELECT b.balance FROM account_balances b
    WHERE b.account_id = a.id AND b.date <= $2::date
    ORDER BY b.date DESC LIMIT 1
  ) l
  WHERE a.user_id = $1::uuid AND (a.archived_on IS NULL OR $2::date < a.archived_on)
), buckets AS (
  SELECT CASE WHEN balance >= 0 THEN side WHEN side = 'asset' THEN 'liability' ELSE 'asset' END
           AS side,
         CASE WHEN balance >= 0 THEN bucket WHEN side = 'asset' THEN 'other' ELSE 'cash' END
           AS bucket,
         sum(abs(balance)) AS amount
  FROM latest
  GROUP BY 1, 2
), totals AS (
  SELECT count(*) AS n,
         coalesce(sum(amount) FILTER (WHERE side = 'asset'), 0.00) AS assets,
         coalesce(sum(amount) FILTER (WHERE side = 'liability'), 0.00) AS liabilities,
         ${zeros(ASSET_BUCKETS)} || coalesce(jsonb_object_agg(bucket, amount)
           FILTER (WHERE side = 'asset'), '{}') AS asset_breakdown,
         ${zeros(LIABILITY_BUCKETS)} || coalesce(jsonb_object_agg(bucket, amount)
           FILTER (WHERE side = 'liability'), '{}') AS liability_breakdown
  FROM buckets
)
INSERT INTO net_worth_snapshots AS s (user_id, date, total_assets, total_liabilities, net_worth,
  asset_breakdown, liability_breakdown)
SELECT $1::uuid, $2::date, assets, liabilities, assets - liabilities, asset_breakdown,
       liability_breakdown
FROM totals WHERE n > 0
ON CONFLICT (user_id, date) DO UPDATE SET
  total_assets = EXCLUDED.total_assets,
  total_liabilities = EXCLUDED.total_liabilities,
  net_worth = EXCLUDED.net_worth,
  asset_breakdown = EXCLUDED.asset_breakdown,
  liability_breakdown = EXCLUDED.liability_breakdown`;

const quote = (text: string) => `'${text.replaceAll("'", "''")}'`;

/**
 * The report's snapshot reads as literal statements for psql: the same SELECTs that
 * readSnapshotTotals and readLatestSnapshot (src/db/snapshots.ts) run for one user and range,
 * the series' totals of every day and the breakdowns of the last one.
 */
export function reportQuery(userId: string, from: string, to: string): string {
  const literal = (sql: string) =>
    sql.replaceAll("$1", quote(userId)).replaceAll("$2", quote(from)).replaceAll("$3", quote(to));
  return `${literal(TOTALS_SQL)};\n${literal(LATEST_SQL)};`;
}
