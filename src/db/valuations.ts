/**
 * account_valuations (one method per manual account) and the price indexes it can follow
 * (migrations/0007_valuations.up.sql). Generated values themselves are account_balances rows
 * with source 'rule'; ./revalue.ts writes them.
 */

import type { Sql, TransactionSql } from "postgres";
import { centsFromDecimal, fixedFromCents } from "../core/money.js";
import type { IndexPoint, ValuationRule } from "../core/valuation/rules.js";

/** A stored method, with its account's owner and the days it may generate values on. */
export interface StoredValuation {
  readonly accountId: string;
  readonly userId: string;
  readonly rule: ValuationRule;
  /** The account's archived_on: it counts, and so is valued, only on days before it. */
  readonly archivedOn: string | null;
  readonly updatedAt: Date;
  /** Why its values stopped (a provider failed, a price is missing), or null: current. */
  readonly stale: StaleState | null;
}

export interface StaleState {
  readonly reason: string;
  /** The first day it was found stale. */
  readonly since: string;
  /** The date of its last good value, or null when it never had one. */
  readonly lastGood: string | null;
}

interface Row {
  accountId: string;
  userId: string;
  method: ValuationRule["method"];
  startDate: string;
  basis: string;
  rate: string | null;
  floorValue: string | null;
  indexName: string | null;
  apr: string | null;
  termMonths: number | null;
  firstPayment: string | null;
  payment: string | null;
  extraPayment: string | null;
  archivedOn: string | null;
  updatedAt: Date;
  staleReason: string | null;
  staleSince: string | null;
  lastGoodDate: string | null;
}

const COLUMNS = `v.account_id, v.user_id, v.method::text AS method, v.start_date,
  v.basis::text AS basis, v.rate::text AS rate, v.floor_value::text AS floor_value, v.index_name,
  v.apr::text AS apr, v.term_months, v.first_payment, v.payment::text AS payment,
  v.extra_payment::text AS extra_payment, a.archived_on, v.updated_at,
  v.stale_reason, v.stale_since, v.last_good_date
  FROM account_valuations v JOIN accounts a ON a.id = v.account_id`;

function need<T>(value: T | null, what: string): T {
  if (value === null) throw new Error(`account_valuations.${what} is NULL`);
  return value;
}

function toStored(row: Row): StoredValuation {
  const base = { start: row.startDate, basis: centsFromDecimal(row.basis) };
  let rule: ValuationRule;
  switch (row.method) {
    case "depreciation":
      rule = {
        method: "depreciation",
        ...base,
        rate: need(row.rate, "rate"),
        floor: centsFromDecimal(need(row.floorValue, "floor_value")),
      };
      break;
    case "appreciation":
      rule = { method: "appreciation", ...base, rate: need(row.rate, "rate") };
      break;
    case "index":
      rule = { method: "index", ...base, index: need(row.indexName, "index_name") };
      break;
    case "amortization":
      rule = {
        method: "amortization",
        ...base,
        apr: need(row.apr, "apr"),
        term: need(row.termMonths, "term_months"),
        firstPayment: need(row.firstPayment, "first_payment"),
        payment: centsFromDecimal(need(row.payment, "payment")),
        extra: centsFromDecimal(need(row.extraPayment, "extra_payment")),
      };
      break;
    case "holdings":
      rule = { method: "holdings", ...base };
      break;
    case "avm":
      rule = { method: "avm", ...base };
      break;
    case "vehicle":
      rule = {
        method: "vehicle",
        ...base,
        rate: need(row.rate, "rate"),
        floor: centsFromDecimal(need(row.floorValue, "floor_value")),
      };
      break;
    default:
      throw new Error(`account_valuations.method ${row.method} is not known to this version`);
  }
  return {
    accountId: row.accountId,
    userId: row.userId,
    rule,
    archivedOn: row.archivedOn,
    updatedAt: row.updatedAt,
    stale:
      row.staleReason === null
        ? null
        : { reason: row.staleReason, since: row.staleSince ?? "", lastGood: row.lastGoodDate },
  };
}

/** Which methods to read: these accounts', or all visible ones (the user's under RLS, or every user's). */
export type ValuationScope = { readonly accountIds: readonly string[] } | { readonly all: true };

/**
 * The methods in scope, locked (FOR UPDATE) so that two revalues of one account run one after
 * the other (an account scope gives at most one).
 */
export async function lockValuations(
  tx: TransactionSql,
  scope: ValuationScope,
): Promise<StoredValuation[]> {
  const rows =
    "accountIds" in scope
      ? await tx<Row[]>`
          SELECT ${tx.unsafe(COLUMNS)} WHERE v.account_id = ANY(${tx.array([...scope.accountIds])}::uuid[])
          ORDER BY v.account_id FOR UPDATE OF v`
      : await tx.unsafe<Row[]>(`SELECT ${COLUMNS} ORDER BY v.account_id FOR UPDATE OF v`);
  return rows.map(toStored);
}

/** The user's methods by account id (for accounts, history, the dashboard and doctor). */
export async function valuationsByAccount(
  tx: TransactionSql | Sql,
): Promise<Map<string, StoredValuation>> {
  const rows = await tx.unsafe<Row[]>(`SELECT ${COLUMNS}`);
  return new Map(rows.map((row) => [row.accountId, toStored(row)]));
}

/** Sets the account's method (replacing any), as one row. */
export async function upsertValuation(
  tx: TransactionSql,
  accountId: string,
  userId: string,
  rule: ValuationRule,
): Promise<void> {
  const r = rule;
  const row = {
    accountId,
    userId,
    method: r.method,
    startDate: r.start,
    basis: fixedFromCents(r.basis),
    rate:
      r.method === "depreciation" || r.method === "appreciation" || r.method === "vehicle"
        ? r.rate
        : null,
    floorValue:
      r.method === "depreciation" || r.method === "vehicle" ? fixedFromCents(r.floor) : null,
    indexName: r.method === "index" ? r.index : null,
    apr: r.method === "amortization" ? r.apr : null,
    termMonths: r.method === "amortization" ? r.term : null,
    firstPayment: r.method === "amortization" ? r.firstPayment : null,
    payment: r.method === "amortization" ? fixedFromCents(r.payment) : null,
    extraPayment: r.method === "amortization" ? fixedFromCents(r.extra) : null,
  };
  await tx`
    INSERT INTO account_valuations ${tx(row)}
    ON CONFLICT (account_id) DO UPDATE SET
      method = EXCLUDED.method, start_date = EXCLUDED.start_date, basis = EXCLUDED.basis,
      rate = EXCLUDED.rate, floor_value = EXCLUDED.floor_value, index_name = EXCLUDED.index_name,
      apr = EXCLUDED.apr, term_months = EXCLUDED.term_months,
      first_payment = EXCLUDED.first_payment, payment = EXCLUDED.payment,
      extra_payment = EXCLUDED.extra_payment
    WHERE (account_valuations.method, account_valuations.start_date, account_valuations.basis,
           account_valuations.rate, account_valuations.floor_value,
           account_valuations.index_name, account_valuations.apr,
           account_valuations.term_months, account_valuations.first_payment,
           account_valuations.payment, account_valuations.extra_payment)
      IS DISTINCT FROM (EXCLUDED.method, EXCLUDED.start_date, EXCLUDED.basis, EXCLUDED.rate,
           EXCLUDED.floor_value, EXCLUDED.index_name, EXCLUDED.apr, EXCLUDED.term_months,
           EXCLUDED.first_payment, EXCLUDED.payment, EXCLUDED.extra_payment)`;
}

/** Removes the account's method; true when it had one. */
export async function deleteValuation(tx: TransactionSql, accountId: string): Promise<boolean> {
  const rows = await tx`DELETE FROM account_valuations WHERE account_id = ${accountId} RETURNING 1`;
  return rows.length > 0;
}

/**
 * Deletes the account's generated values (source 'rule'); returns the earliest deleted date
 * (snapshots from there on change), or null when there were none.
 */
export async function deleteGenerated(
  tx: TransactionSql,
  accountId: string,
): Promise<{ deleted: number; earliest: string | null }> {
  const [row] = await tx<{ deleted: number; earliest: string | null }[]>`
    WITH gone AS (
      DELETE FROM account_balances WHERE account_id = ${accountId} AND source = 'rule'
      RETURNING date
    )
    SELECT count(*)::int AS deleted, min(date) AS earliest FROM gone`;
  return row ?? { deleted: 0, earliest: null };
}

/**
 * Makes the account's generated values dated before `before` its own ('plaid'): a Plaid coin
 * account's past, valued at the quantity Plaid gave then, kept when the quantity changes
 * (src/plaid/coins.ts) instead of being recomputed at the new one. Returns how many.
 */
export async function settleGenerated(
  tx: TransactionSql,
  accountId: string,
  before: string,
): Promise<number> {
  const rows = await tx`
    UPDATE account_balances SET source = 'plaid'
    WHERE account_id = ${accountId} AND source = 'rule' AND date < ${before}::date
    RETURNING 1`;
  return rows.length;
}

/** The account's own values (every source but 'rule'), by date, in cents. */
export async function ownValues(
  tx: TransactionSql,
  accountIds: readonly string[],
): Promise<Map<string, { date: string; cents: bigint }[]>> {
  const rows = await tx<{ accountId: string; date: string; balance: string }[]>`
    SELECT account_id, date, balance::text AS balance FROM account_balances
    WHERE account_id = ANY(${tx.array([...accountIds])}::uuid[]) AND source <> 'rule'
    ORDER BY account_id, date`;
  const map = new Map<string, { date: string; cents: bigint }[]>();
  for (const row of rows) {
    const list = map.get(row.accountId) ?? [];
    list.push({ date: row.date, cents: centsFromDecimal(row.balance) });
    map.set(row.accountId, list);
  }
  return map;
}

/** The points of the named indexes, by date. */
export async function indexPoints(
  tx: TransactionSql | Sql,
  names: readonly string[],
): Promise<Map<string, IndexPoint[]>> {
  const map = new Map<string, IndexPoint[]>(names.map((name) => [name, []]));
  if (names.length === 0) return map;
  const rows = await tx<{ indexName: string; date: string; value: string }[]>`
    SELECT index_name, date, value::text AS value FROM valuation_index_values
    WHERE index_name = ANY(${tx.array([...names])}::text[]) ORDER BY index_name, date`;
  for (const row of rows) map.get(row.indexName)?.push({ date: row.date, value: row.value });
  return map;
}

/** Whether an index of that name was imported. */
export async function indexExists(tx: TransactionSql | Sql, name: string): Promise<boolean> {
  const rows = await tx`SELECT 1 FROM valuation_indexes WHERE name = ${name}`;
  return rows.length > 0;
}

/**
 * Replaces the index's values with these (validated by the caller), creating it if new;
 * returns how many values were added, changed and removed.
 */
export async function replaceIndex(
  tx: TransactionSql,
  name: string,
  points: readonly IndexPoint[],
): Promise<{ added: number; changed: number; removed: number; earliest: string | null }> {
  await tx`
    INSERT INTO valuation_indexes (name) VALUES (${name})
    ON CONFLICT (name) DO UPDATE SET imported_at = NOW()`;
  const [row] = await tx<
    { added: number; changed: number; removed: number; earliest: string | null }[]
  >`
    WITH input AS (
      SELECT * FROM unnest(${tx.array(points.map((p) => p.date))}::date[],
                           ${tx.array(points.map((p) => p.value))}::numeric[]) AS t(date, value)
    ), removed AS (
      DELETE FROM valuation_index_values v
      WHERE v.index_name = ${name} AND v.date NOT IN (SELECT date FROM input)
      RETURNING v.date
    ), classified AS (
      SELECT i.date, i.value, o.value AS old FROM input i
      LEFT JOIN valuation_index_values o ON o.index_name = ${name} AND o.date = i.date
    ), written AS (
      INSERT INTO valuation_index_values (index_name, date, value)
      SELECT ${name}, date, value FROM classified WHERE old IS DISTINCT FROM value
      ON CONFLICT (index_name, date) DO UPDATE SET value = EXCLUDED.value
      RETURNING 1
    )
    SELECT (SELECT count(*)::int FROM classified WHERE old IS NULL) AS added,
           (SELECT count(*)::int FROM classified WHERE old IS NOT NULL AND old <> value) AS changed,
           (SELECT count(*)::int FROM removed) AS removed,
           (SELECT min(date) FROM (SELECT date FROM removed UNION ALL
              SELECT date FROM classified WHERE old IS DISTINCT FROM value) d) AS earliest,
           (SELECT count(*) FROM written) AS written`;
  if (!row) throw new Error("the index import returned no row");
  return { added: row.added, changed: row.changed, removed: row.removed, earliest: row.earliest };
}

/**
 * Sets or clears the staleness of these methods (one statement; a row already so is not
 * touched, so the audit log records only changes). `since` is kept while it stays stale.
 */
export async function writeStale(
  tx: TransactionSql,
  states: readonly { accountId: string; stale: Omit<StaleState, "since"> | null; today: string }[],
): Promise<void> {
  if (states.length === 0) return;
  await tx`
    UPDATE account_valuations v SET
      stale_reason = s.reason,
      stale_since = CASE WHEN s.reason IS NULL THEN NULL
                         ELSE coalesce(v.stale_since, s.today) END,
      last_good_date = CASE WHEN s.reason IS NULL THEN NULL ELSE s.last_good END
    FROM unnest(${tx.array(states.map((s) => s.accountId))}::uuid[],
                ${tx.array(states.map((s) => s.stale?.reason ?? null))}::text[],
                ${tx.array(states.map((s) => s.stale?.lastGood ?? null))}::date[],
                ${tx.array(states.map((s) => s.today))}::date[]) AS s(account_id, reason, last_good, today)
    WHERE v.account_id = s.account_id
      AND (v.stale_reason, v.last_good_date) IS DISTINCT FROM
          (s.reason, CASE WHEN s.reason IS NULL THEN NULL ELSE s.last_good END)`;
}
