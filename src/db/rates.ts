/**
 * Exchange rates (migration 0010; docs/schema.md, "Currencies"): the published ones, shared
 * reference data (exchange_rates), and the user's own (user_exchange_rates, row level
 * security). Set-based: one statement per call, whatever the number of rows.
 */

import type { Sql, TransactionSql } from "postgres";
import type { RateRow } from "../core/currency.js";
import type { Database } from "./connection.js";
import { PIVOT, refreshSnapshots } from "./snapshots.js";

type Tx = Sql | TransactionSql;

export type RateSource = "frankfurter" | "ecb";

/** What storing published rates did; earliest: the first date added or changed, or null. */
export interface StoreResult {
  added: number;
  changed: number;
  unchanged: number;
  earliest: string | null;
}

/**
 * Upserts published rates (base EUR, as the providers give them). A rate that equals the
 * stored one is left as it was; a different one replaces it.
 */
export async function storeRates(
  tx: Tx,
  rows: readonly RateRow[],
  source: RateSource,
): Promise<StoreResult> {
  if (rows.length === 0) return { added: 0, changed: 0, unchanged: 0, earliest: null };
  const [row] = await tx<
    { added: number; changed: number; total: number; earliest: string | null }[]
  >`
    WITH input AS (
      SELECT * FROM unnest(${rows.map((r) => r.base)}::text[], ${rows.map((r) => r.quote)}::text[],
                           ${rows.map((r) => r.date)}::date[], ${rows.map((r) => r.rate)}::numeric[])
        AS i(base, quote, date, rate)
    ), before AS (
      SELECT i.*, e.rate AS old FROM input i
      LEFT JOIN exchange_rates e ON e.base = i.base AND e.quote = i.quote AND e.date = i.date
    ), written AS (
      INSERT INTO exchange_rates AS e (base, quote, date, rate, source)
      SELECT base, quote, date, rate, ${source} FROM before WHERE old IS DISTINCT FROM rate
      ON CONFLICT (base, quote, date) DO UPDATE
        SET rate = EXCLUDED.rate, source = EXCLUDED.source, fetched_at = NOW()
      RETURNING 1
    )
    SELECT (SELECT count(*)::int FROM before WHERE old IS NULL) AS added,
           (SELECT count(*)::int FROM before WHERE old IS NOT NULL AND old <> rate) AS changed,
           (SELECT count(*)::int FROM written) AS total,
           (SELECT min(date) FROM before WHERE old IS DISTINCT FROM rate) AS earliest`;
  const added = row?.added ?? 0;
  const changed = row?.changed ?? 0;
  return {
    added,
    changed,
    unchanged: rows.length - added - changed,
    earliest: row?.earliest ?? null,
  };
}

/**
 * Stores published rates and refreshes every user's snapshots from the first day that changed
 * through `today`, in one transaction on the system connection: the rates are shared, so a rate
 * one user's command brings in changes the totals of everyone with an account in its currency,
 * and no user's history may keep a day counted without (or at) a rate that has since changed.
 */
export async function publishRates(
  db: Database,
  rows: readonly RateRow[],
  source: RateSource,
  today: string,
): Promise<StoreResult> {
  return db.sql.begin(async (tx) => {
    const stored = await storeRates(tx, rows, source);
    if (stored.earliest !== null && stored.earliest <= today) {
      await refreshSnapshots(tx, { allUsers: true }, stored.earliest, today);
    }
    return stored;
  });
}

/** The currencies rates exist for: the pivot and every quote stored. */
export async function ratedCurrencies(tx: Tx): Promise<Set<string>> {
  const rows = await tx<{ code: string }[]>`
    SELECT DISTINCT quote::text AS code FROM exchange_rates`;
  return new Set([PIVOT, ...rows.map((r) => r.code)]);
}

/** The first and last published date of EUR→code (null: none). */
export async function rateSpan(
  tx: Tx,
  code: string,
): Promise<{ first: string; last: string } | null> {
  if (code === PIVOT) return null;
  const [row] = await tx<{ first: string | null; last: string | null }[]>`
    SELECT min(date) AS first, max(date) AS last FROM exchange_rates
    WHERE base = ${PIVOT} AND quote = ${code}`;
  return row?.first && row.last ? { first: row.first, last: row.last } : null;
}

/** The user's own rate of a pair on each day from..to; returns the days written. */
export async function setOwnRates(
  tx: TransactionSql,
  userId: string,
  pair: { base: string; quote: string },
  from: string,
  to: string,
  rate: string,
): Promise<number> {
  const [row] = await tx<{ n: number }[]>`
    WITH written AS (
      INSERT INTO user_exchange_rates AS o (user_id, base, quote, date, rate)
      SELECT ${userId}::uuid, ${pair.base}, ${pair.quote}, d::date, ${rate}::numeric
      FROM generate_series(${from}::date, ${to}::date, interval '1 day') d
      ON CONFLICT (user_id, base, quote, date) DO UPDATE SET rate = EXCLUDED.rate
        WHERE o.rate IS DISTINCT FROM EXCLUDED.rate
      RETURNING 1
    )
    SELECT count(*)::int AS n FROM written`;
  return row?.n ?? 0;
}

/**
 * Removes the user's own rates of a pair (either direction), on from..to or all of them;
 * returns how many and the first date removed.
 */
export async function clearOwnRates(
  tx: TransactionSql,
  pair: { base: string; quote: string },
  from: string | null,
  to: string | null,
): Promise<{ removed: number; earliest: string | null }> {
  const [row] = await tx<{ removed: number; earliest: string | null }[]>`
    WITH gone AS (
      DELETE FROM user_exchange_rates
      WHERE ((base = ${pair.base} AND quote = ${pair.quote})
          OR (base = ${pair.quote} AND quote = ${pair.base}))
        AND (${from}::date IS NULL OR date >= ${from}::date)
        AND (${to}::date IS NULL OR date <= ${to}::date)
      RETURNING date
    )
    SELECT count(*)::int AS removed, min(date) AS earliest FROM gone`;
  return { removed: row?.removed ?? 0, earliest: row?.earliest ?? null };
}

/** One day's rate of a pair as networth uses it, and where it came from. */
export interface PairRate {
  date: string;
  base: string;
  quote: string;
  /** 1 base = rate quote, exact, 10 decimals; null when there is none (never 1:1). */
  rate: string | null;
  /** "own": the user's; else the providers' (a cross rate through EUR, or direct). */
  source: "own" | RateSource | null;
  /** The published date used (a weekend carries the last business day forward). */
  publishedOn: string | null;
}

/**
 * A pair's rate on each day from..to, as the snapshots use it: the user's own rate of the
 * day wins; else through EUR, each leg's latest published rate at most `carry` days back.
 * The caller's RLS scopes the own rates. Rounded to 10 decimals for display only (the
 * snapshots convert with the exact fraction).
 */
export async function pairRates(
  tx: TransactionSql,
  pair: { base: string; quote: string },
  from: string,
  to: string,
  carry: number,
): Promise<PairRate[]> {
  return tx<PairRate[]>`
    WITH days AS (
      SELECT d::date AS day FROM generate_series(${from}::date, ${to}::date, interval '1 day') d
    ), leg AS (
      SELECT d.day, x.code, l.rate, l.date, l.source
      FROM days d CROSS JOIN unnest(ARRAY[${pair.base}, ${pair.quote}]::text[]) AS x(code)
      LEFT JOIN LATERAL (
        SELECT 1::numeric AS rate, d.day AS date, NULL::text AS source
        WHERE x.code = ${PIVOT}
        UNION ALL
        (SELECT e.rate, e.date, e.source::text FROM exchange_rates e
         WHERE e.base = ${PIVOT} AND e.quote = x.code AND e.date <= d.day
           AND e.date >= d.day - ${carry}::int
         ORDER BY e.date DESC LIMIT 1)
      ) l ON TRUE
    )
    SELECT d.day AS date, ${pair.base}::text AS base, ${pair.quote}::text AS quote,
           round(coalesce(od.rate, 1 / oi.rate, q.rate / b.rate), 10)::text AS rate,
           CASE WHEN od.rate IS NOT NULL OR oi.rate IS NOT NULL THEN 'own'
                WHEN q.rate IS NOT NULL AND b.rate IS NOT NULL
                THEN coalesce(q.source, b.source) END AS source,
           CASE WHEN od.rate IS NOT NULL OR oi.rate IS NOT NULL THEN d.day
                WHEN q.rate IS NOT NULL AND b.rate IS NOT NULL THEN least(q.date, b.date) END
             AS published_on
    FROM days d
    LEFT JOIN user_exchange_rates od
      ON od.base = ${pair.base} AND od.quote = ${pair.quote} AND od.date = d.day
    LEFT JOIN user_exchange_rates oi
      ON oi.base = ${pair.quote} AND oi.quote = ${pair.base} AND oi.date = d.day
    LEFT JOIN leg b ON b.day = d.day AND b.code = ${pair.base}
    LEFT JOIN leg q ON q.day = d.day AND q.code = ${pair.quote}
    ORDER BY d.day`;
}

/** The user's own rates, by pair and date. */
export async function ownRates(
  tx: TransactionSql,
): Promise<{ base: string; quote: string; date: string; rate: string }[]> {
  return tx`
    SELECT base::text AS base, quote::text AS quote, date, rate::text AS rate
    FROM user_exchange_rates ORDER BY base, quote, date`;
}

/** The stored published rates per quote: how many, first and last date. */
export async function rateCoverage(
  tx: Tx,
): Promise<{ quote: string; days: number; first: string; last: string; source: string }[]> {
  return tx`
    SELECT quote::text AS quote, count(*)::int AS days, min(date) AS first, max(date) AS last,
           string_agg(DISTINCT source, ', ' ORDER BY source) AS source
    FROM exchange_rates WHERE base = ${PIVOT} GROUP BY quote ORDER BY quote`;
}

/** The currencies the user's accounts are in (RLS scopes them). */
export async function accountCurrencies(tx: TransactionSql): Promise<string[]> {
  const rows = await tx<{ currency: string }[]>`
    SELECT DISTINCT currency::text AS currency FROM accounts ORDER BY 1`;
  return rows.map((r) => r.currency);
}

/**
 * The currencies that need rates, with the first balance date that needs one: every foreign
 * account's currency and its owner's currency (a cross rate needs both legs), the pivot left
 * out. Row level security scopes it: a user's own under asUser, everyone's on the system
 * connection.
 */
export async function rateNeeds(tx: Tx): Promise<{ code: string; earliest: string | null }[]> {
  return tx`
    WITH f AS (
      SELECT a.id, a.currency::text AS cur, coalesce(u.preferences->>'currency', 'USD') AS ucur
      FROM accounts a JOIN users u ON u.id = a.user_id
      WHERE a.currency::text <> coalesce(u.preferences->>'currency', 'USD')
    ), e AS (
      SELECT f.cur, f.ucur,
             (SELECT min(b.date) FROM all_account_balances b WHERE b.account_id = f.id) AS earliest
      FROM f
    )
    SELECT code, min(earliest) AS earliest
    FROM (SELECT cur AS code, earliest FROM e UNION ALL SELECT ucur, earliest FROM e) x
    WHERE code <> ${PIVOT}
    GROUP BY code ORDER BY code`;
}

/** The stored span of each quote (per EUR), and when Frankfurter was last asked. */
export async function rateSpans(
  tx: Tx,
): Promise<{ spans: Map<string, { first: string; last: string }>; lastFetch: Date | null }> {
  const rows = await tx<{ quote: string; first: string; last: string }[]>`
    SELECT quote::text AS quote, min(date) AS first, max(date) AS last FROM exchange_rates
    WHERE base = ${PIVOT} GROUP BY quote`;
  const [fetched] = await tx<{ at: Date | null }[]>`
    SELECT max(fetched_at) AS at FROM exchange_rates WHERE source = 'frankfurter'`;
  return {
    spans: new Map(rows.map((r) => [r.quote, { first: r.first, last: r.last }])),
    lastFetch: fetched?.at ?? null,
  };
}

/**
 * The rate of each pair (1 base = num/den quote, exact) on `day` as the snapshots use it: the
 * user's own rate of the day (or of its inverse) wins; else through EUR, each leg's latest
 * published rate at most `carry` days back. Null num and den: no rate (never 1:1). The
 * caller's RLS scopes the own rates.
 */
export async function pairFractions(
  tx: TransactionSql,
  pairs: readonly { base: string; quote: string }[],
  day: string,
  carry: number,
): Promise<{ base: string; quote: string; num: string | null; den: string | null }[]> {
  if (pairs.length === 0) return [];
  return tx`
    WITH p AS (
      SELECT * FROM unnest(${pairs.map((p) => p.base)}::text[], ${pairs.map((p) => p.quote)}::text[])
        AS p(base, quote)
    ), leg AS (
      SELECT x.code,
             CASE WHEN x.code = ${PIVOT} THEN 1::numeric ELSE
               (SELECT e.rate FROM exchange_rates e
                WHERE e.base = ${PIVOT} AND e.quote = x.code AND e.date <= ${day}::date
                  AND e.date >= ${day}::date - ${carry}::int
                ORDER BY e.date DESC LIMIT 1) END AS rate
      FROM (SELECT base AS code FROM p UNION SELECT quote FROM p) x
    )
    SELECT p.base, p.quote,
           coalesce(od.rate, CASE WHEN oi.rate IS NOT NULL THEN 1 END, q.rate)::text AS num,
           coalesce(CASE WHEN od.rate IS NOT NULL THEN 1 END, oi.rate, b.rate)::text AS den
    FROM p
    LEFT JOIN user_exchange_rates od
      ON od.base = p.base AND od.quote = p.quote AND od.date = ${day}::date
    LEFT JOIN user_exchange_rates oi
      ON oi.base = p.quote AND oi.quote = p.base AND oi.date = ${day}::date
    LEFT JOIN leg b ON b.code = p.base
    LEFT JOIN leg q ON q.code = p.quote`;
}

/**
 * Each of the user's accounts that counts on `from` or `to` (not archived by then, a balance on
 * or before the day): its currency, side and balance in effect on each day (null: it does not
 * count that day). RLS scopes it to the user.
 */
export async function balancesOnDays(
  tx: TransactionSql,
  from: string,
  to: string,
): Promise<
  {
    id: string;
    name: string;
    currency: string;
    side: "asset" | "liability";
    before: string | null;
    after: string | null;
  }[]
> {
  return tx`
    SELECT a.id, a.name, a.currency::text AS currency, (account_bucket(a.category)).side AS side,
           CASE WHEN a.archived_on IS NULL OR a.archived_on > ${from}::date THEN
             (SELECT b.balance::text FROM all_account_balances b
              WHERE b.account_id = a.id AND b.date <= ${from}::date ORDER BY b.date DESC LIMIT 1)
           END AS before,
           CASE WHEN a.archived_on IS NULL OR a.archived_on > ${to}::date THEN
             (SELECT b.balance::text FROM all_account_balances b
              WHERE b.account_id = a.id AND b.date <= ${to}::date ORDER BY b.date DESC LIMIT 1)
           END AS after
    FROM accounts a
    ORDER BY lower(a.name), a.id`;
}
