/**
 * The shared daily prices (migrations/0009_holdings_prices.up.sql: prices) and each
 * provider's monthly request counter (provider_requests). Reference data, not user data: no
 * RLS; written by revalue, holdings add and prices import.
 */

import type { Sql, TransactionSql } from "postgres";
import type { DatedPrice } from "../core/valuation/holdings.js";

export const CURRENCY = "USD";

export interface PriceRow {
  readonly asset: string;
  readonly date: string;
  readonly price: string;
  readonly source: string;
}

export interface StoredPrice extends PriceRow {
  readonly currency: string;
  readonly fetchedAt: Date;
}

/**
 * Writes prices (USD), one per asset and date: a new one is added, a different one replaces
 * the stored one, an identical one is left alone. Returns the counts and the earliest date
 * that changed per asset.
 */
export async function upsertPrices(
  tx: TransactionSql,
  rows: readonly PriceRow[],
): Promise<{ added: number; changed: number; unchanged: number }> {
  if (rows.length === 0) return { added: 0, changed: 0, unchanged: 0 };
  const [row] = await tx<{ added: number; changed: number; unchanged: number }[]>`
    WITH input AS (
      SELECT * FROM unnest(${tx.array(rows.map((r) => r.asset))}::text[],
                           ${tx.array(rows.map((r) => r.date))}::date[],
                           ${tx.array(rows.map((r) => r.price))}::numeric[],
                           ${tx.array(rows.map((r) => r.source))}::text[])
        AS t(asset, date, price, source)
    ), classified AS MATERIALIZED (
      SELECT i.*, p.price AS old FROM input i
      LEFT JOIN prices p ON p.asset = i.asset AND p.currency = ${CURRENCY} AND p.date = i.date
    ), written AS (
      INSERT INTO prices (asset, currency, date, price, source)
      SELECT asset, ${CURRENCY}, date, price, source FROM classified
      WHERE old IS DISTINCT FROM price
      ON CONFLICT (asset, currency, date) DO UPDATE
        SET price = EXCLUDED.price, source = EXCLUDED.source, fetched_at = NOW()
      RETURNING 1
    )
    SELECT (SELECT count(*)::int FROM classified WHERE old IS NULL) AS added,
           (SELECT count(*)::int FROM classified WHERE old IS NOT NULL AND old <> price) AS changed,
           (SELECT count(*)::int FROM classified WHERE old = price) AS unchanged,
           (SELECT count(*) FROM written) AS written`;
  if (!row) throw new Error("the price write returned no row");
  return { added: row.added, changed: row.changed, unchanged: row.unchanged };
}

/** Every USD price of these assets, by asset, in date order. */
export async function pricesFor(
  tx: TransactionSql | Sql,
  assets: readonly string[],
): Promise<Map<string, DatedPrice[]>> {
  const map = new Map<string, DatedPrice[]>(assets.map((a) => [a, []]));
  if (assets.length === 0) return map;
  const rows = await tx<{ asset: string; date: string; price: string }[]>`
    SELECT asset, date, price::text AS price FROM prices
    WHERE currency = ${CURRENCY} AND asset = ANY(${tx.array([...assets])}::text[])
    ORDER BY asset, date`;
  for (const row of rows) map.get(row.asset)?.push({ date: row.date, price: trim(row.price) });
  return map;
}

/** "67187.339110000000" → "67187.33911". */
function trim(text: string): string {
  return text.includes(".") ? text.replace(/0+$/, "").replace(/\.$/, "") : text;
}

/** Each asset's latest USD price on or before `date`. */
export async function latestPrices(
  tx: TransactionSql | Sql,
  assets: readonly string[],
  date: string,
): Promise<Map<string, DatedPrice>> {
  if (assets.length === 0) return new Map();
  const rows = await tx<{ asset: string; date: string; price: string }[]>`
    SELECT DISTINCT ON (asset) asset, date, price::text AS price FROM prices
    WHERE currency = ${CURRENCY} AND asset = ANY(${tx.array([...assets])}::text[])
      AND date <= ${date}::date
    ORDER BY asset, date DESC`;
  return new Map(rows.map((r) => [r.asset, { date: r.date, price: trim(r.price) }]));
}

/**
 * The assets among these with a real USD price (not the demo's) dated on or before `date`:
 * the coins a Plaid account may be kept in (src/plaid/accounts.ts).
 */
export async function pricedAssets(
  tx: TransactionSql | Sql,
  assets: readonly string[],
  date: string,
): Promise<Set<string>> {
  if (assets.length === 0) return new Set();
  const rows = await tx<{ asset: string }[]>`
    SELECT DISTINCT asset FROM prices
    WHERE currency = ${CURRENCY} AND asset = ANY(${tx.array([...assets])}::text[])
      AND date <= ${date}::date AND source <> 'demo'`;
  return new Set(rows.map((r) => r.asset));
}

/** The stored prices, filtered, in asset and date order. */
export async function listPrices(
  tx: TransactionSql | Sql,
  filter: { asset?: string | undefined; from?: string | undefined; to?: string | undefined },
): Promise<StoredPrice[]> {
  const rows = await tx<StoredPrice[]>`
    SELECT asset, currency, date, price::text AS price, source, fetched_at FROM prices
    WHERE (${filter.asset ?? null}::text IS NULL OR asset = ${filter.asset ?? null})
      AND (${filter.from ?? null}::date IS NULL OR date >= ${filter.from ?? null}::date)
      AND (${filter.to ?? null}::date IS NULL OR date <= ${filter.to ?? null}::date)
    ORDER BY asset, currency, date`;
  return rows.map((r) => ({ ...r, price: trim(r.price) }));
}

/**
 * For each asset, the first and last day from its start through `through` that has no
 * price, and how many such days (none missing: absent from the map).
 */
export async function missingDays(
  tx: TransactionSql | Sql,
  needs: readonly { asset: string; start: string }[],
  through: string,
): Promise<Map<string, { from: string; to: string; days: number }>> {
  const wanted = needs.filter((n) => n.start <= through);
  if (wanted.length === 0) return new Map();
  const rows = await tx<{ asset: string; from: string; to: string; days: number }[]>`
    SELECT n.asset, min(d)::date AS "from", max(d)::date AS "to", count(*)::int AS days
    FROM unnest(${tx.array(wanted.map((n) => n.asset))}::text[],
                ${tx.array(wanted.map((n) => n.start))}::date[]) AS n(asset, start)
    CROSS JOIN LATERAL generate_series(n.start, ${through}::date, interval '1 day') AS g(d)
    -- A demo price (networth demo) is no real price: a real fetch replaces it.
    WHERE NOT EXISTS (SELECT 1 FROM prices p
                      WHERE p.asset = n.asset AND p.currency = ${CURRENCY} AND p.date = g.d::date
                        AND p.source <> 'demo')
    GROUP BY n.asset`;
  return new Map(rows.map((r) => [r.asset, { from: r.from, to: r.to, days: r.days }]));
}

/**
 * Counts one request to `provider` in `month` (YYYY-MM) if the budget allows it; false when
 * `limit` requests were already counted. Its own statement, committed at once: the count
 * stands whatever happens to the request or the command afterwards.
 */
export async function takeRequest(
  sql: Sql,
  provider: string,
  month: string,
  limit: number,
): Promise<boolean> {
  if (limit <= 0) return false;
  const rows = await sql`
    INSERT INTO provider_requests (provider, month, requests) VALUES (${provider}, ${month}, 1)
    ON CONFLICT (provider, month) DO UPDATE SET requests = provider_requests.requests + 1
    WHERE provider_requests.requests < ${limit}
    RETURNING requests`;
  return rows.length > 0;
}

/** Requests counted per provider in `month`. */
export async function requestsIn(
  sql: Sql | TransactionSql,
  month: string,
): Promise<Map<string, number>> {
  const rows = await sql<{ provider: string; requests: number }[]>`
    SELECT provider, requests FROM provider_requests WHERE month = ${month}`;
  return new Map(rows.map((r) => [r.provider, r.requests]));
}
