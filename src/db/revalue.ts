/**
 * revalue: every method in scope extended from its start through today, its generated values
 * (account_balances rows with source 'rule') made exactly the rule's, in one statement for
 * all accounts: new values inserted, changed ones updated, ones the rule no longer generates
 * deleted, identical ones left alone (a second run writes nothing). Rows of any other source
 * are never touched; they are the rule's anchors. The caller refreshes the snapshots from the
 * earliest changed date per user, in the same transaction.
 */

import type { TransactionSql } from "postgres";
import { addDays } from "../core/dates.js";
import { fixedFromCents } from "../core/money.js";
import { holdingsValues } from "../core/valuation/holdings.js";
import { type GeneratedValue, generate } from "../core/valuation/rules.js";
import { holdingsByAccount } from "./holdings.js";
import { lookupsFor } from "./lookups.js";
import { pricesFor } from "./prices.js";
import {
  indexPoints,
  lockValuations,
  ownValues,
  type StoredValuation,
  type ValuationScope,
  writeStale,
} from "./valuations.js";

/** What revalue did (or, dry, would do) to one account. */
export interface AccountRevalue {
  accountId: string;
  userId: string;
  method: string;
  inserted: number;
  updated: number;
  deleted: number;
  /** The earliest date whose value changed, or null. */
  earliestChange: string | null;
}

/** A method that could not run (an index that lost the values it needs). */
export interface RevalueProblem {
  accountId: string;
  message: string;
}

/** A market method that could not value today: it keeps its last value and says why. */
export interface StaleAccount {
  accountId: string;
  userId: string;
  reason: string;
  /** The date of its last good value, or null when it has none. */
  lastGood: string | null;
}

export interface RevalueResult {
  accounts: AccountRevalue[];
  problems: RevalueProblem[];
  /** Market methods without today's value (stale): revalue exits 1 for them. */
  stale: StaleAccount[];
  /** Per user, the earliest date whose value changed: refresh snapshots from there. */
  earliestByUser: Map<string, string>;
}

/** The last day a method generates values for: today, or the day before archiving. */
function lastDay(valuation: StoredValuation, today: string): string {
  if (valuation.archivedOn === null) return today;
  const before = addDays(valuation.archivedOn, -1);
  return before < today ? before : today;
}

/** The rule values of the methods in scope (locked for this transaction). */
async function plan(
  tx: TransactionSql,
  scope: ValuationScope,
  today: string,
  reasons: ReadonlyMap<string, string>,
): Promise<{
  valuations: StoredValuation[];
  rows: Map<string, GeneratedValue[]>;
  problems: RevalueProblem[];
  states: {
    accountId: string;
    userId: string;
    stale: Omit<StaleAccount, "accountId" | "userId"> | null;
  }[];
}> {
  const valuations = await lockValuations(tx, scope);
  const ids = valuations.map((v) => v.accountId);
  const own = await ownValues(tx, ids);
  const holdingIds = valuations.filter((v) => v.rule.method === "holdings").map((v) => v.accountId);
  const holdings = holdingIds.length > 0 ? await holdingsByAccount(tx, holdingIds) : new Map();
  const assets = [...new Set([...holdings.values()].flat().map((h) => h.asset as string))];
  const prices = await pricesFor(tx, assets);
  const avmIds = valuations.filter((v) => v.rule.method === "avm").map((v) => v.accountId);
  const lookups = await lookupsFor(tx, avmIds);
  const states: {
    accountId: string;
    userId: string;
    stale: Omit<StaleAccount, "accountId" | "userId"> | null;
  }[] = [];
  const names = [
    ...new Set(valuations.flatMap((v) => (v.rule.method === "index" ? [v.rule.index] : []))),
  ];
  const points = await indexPoints(tx, names);
  const rows = new Map<string, GeneratedValue[]>();
  const problems: RevalueProblem[] = [];
  for (const v of valuations) {
    if (v.rule.method === "avm") {
      // The provider's lookups are its values; a failed lookup (this run's reason, keyed by
      // account) or none at all leaves it stale.
      const until = lastDay(v, today);
      const ownList = own.get(v.accountId) ?? [];
      const ownDates = new Set(ownList.map((o) => o.date));
      const list = (lookups.get(v.accountId) ?? []).filter(
        (l) => l.date <= until && !ownDates.has(l.date),
      );
      rows.set(
        v.accountId,
        list.map((l) => ({ date: l.date, cents: l.cents })),
      );
      const failure = reasons.get(`account:${v.accountId}`);
      const lastGood =
        [...ownList, ...list]
          .map((x) => x.date)
          .sort()
          .at(-1) ?? null;
      const reason =
        failure ??
        (list.length === 0 && until === today ? "no valuation from the provider yet" : null);
      states.push({
        accountId: v.accountId,
        userId: v.userId,
        stale: reason === null || until < today ? null : { reason, lastGood },
      });
      continue;
    }
    if (v.rule.method === "holdings") {
      const until = lastDay(v, today);
      const ownDates = new Set((own.get(v.accountId) ?? []).map((o) => o.date));
      const outcome = holdingsValues(holdings.get(v.accountId) ?? [], prices, ownDates, until);
      rows.set(v.accountId, outcome.values);
      // Archived, or valued through today: current. Otherwise stale, with each missing
      // price's reason (the provider's failure, or how long it has been missing).
      const current = until < today || outcome.lastValued === today || ownDates.has(today);
      const why = [...outcome.missing].map(
        ([asset, last]) =>
          `${asset}: ${reasons.get(asset) ?? (last === null ? "no price yet" : `no price since ${last}`)}`,
      );
      const lastGood = [...(own.get(v.accountId) ?? []), ...outcome.values]
        .map((x) => x.date)
        .filter((d) => d <= today)
        .sort()
        .at(-1);
      states.push({
        accountId: v.accountId,
        userId: v.userId,
        stale: current
          ? null
          : {
              reason: why.length > 0 ? why.join("; ") : `no value for ${today}`,
              lastGood: lastGood ?? null,
            },
      });
      continue;
    }
    if (v.rule.method === "vehicle") {
      // Its rule always runs (an estimate from its last price, not a made-up one); a failed
      // price prediction marks it stale with the reason.
      const failure = reasons.get(`account:${v.accountId}`);
      const lastGood =
        (own.get(v.accountId) ?? [])
          .map((x) => x.date)
          .sort()
          .at(-1) ?? null;
      states.push({
        accountId: v.accountId,
        userId: v.userId,
        stale: failure && lastDay(v, today) === today ? { reason: failure, lastGood } : null,
      });
    }
    const index = v.rule.method === "index" ? (points.get(v.rule.index) ?? []) : [];
    try {
      rows.set(v.accountId, [
        ...generate(v.rule, own.get(v.accountId) ?? [], lastDay(v, today), index),
      ]);
    } catch (error) {
      if (!(error instanceof RangeError)) throw error;
      problems.push({ accountId: v.accountId, message: error.message });
    }
  }
  return { valuations: valuations.filter((v) => rows.has(v.accountId)), rows, problems, states };
}

/** Revalues the methods in scope; with dryRun, only counts what would change. */
export async function revalue(
  tx: TransactionSql,
  scope: ValuationScope,
  options: {
    today: string;
    dryRun?: boolean;
    /** Why an asset has no price today (its provider's failure), for the stale reason. */
    reasons?: ReadonlyMap<string, string>;
  },
): Promise<RevalueResult> {
  const { valuations, rows, problems, states } = await plan(
    tx,
    scope,
    options.today,
    options.reasons ?? new Map(),
  );
  const counts = await writeGenerated(tx, rows, options.dryRun ?? false);
  if (!options.dryRun) {
    await writeStale(
      tx,
      states.map((s) => ({ accountId: s.accountId, stale: s.stale, today: options.today })),
    );
  }
  const stale = states.flatMap((s) =>
    s.stale ? [{ accountId: s.accountId, userId: s.userId, ...s.stale }] : [],
  );
  const accounts = valuations.map((v) => ({
    accountId: v.accountId,
    userId: v.userId,
    method: v.rule.method,
    inserted: 0,
    updated: 0,
    deleted: 0,
    earliestChange: null as string | null,
    ...counts.get(v.accountId),
  }));
  const earliestByUser = new Map<string, string>();
  for (const a of accounts) {
    const seen = earliestByUser.get(a.userId);
    if (a.earliestChange !== null && (seen === undefined || a.earliestChange < seen)) {
      earliestByUser.set(a.userId, a.earliestChange);
    }
  }
  return { accounts, problems, stale, earliestByUser };
}

type Counts = Pick<AccountRevalue, "inserted" | "updated" | "deleted" | "earliestChange">;

/**
 * Makes each account's 'rule' rows exactly `rows` (one statement; with dryRun, a read only).
 * Accounts not in `rows` are not touched.
 */
async function writeGenerated(
  tx: TransactionSql,
  rows: Map<string, readonly GeneratedValue[]>,
  dryRun: boolean,
): Promise<Map<string, Counts>> {
  const result = new Map<string, Counts>();
  if (rows.size === 0) return result;
  const accounts = [...rows.keys()];
  const ids: string[] = [];
  const dates: string[] = [];
  const values: string[] = [];
  for (const [accountId, list] of rows) {
    for (const row of list) {
      ids.push(accountId);
      dates.push(row.date);
      values.push(fixedFromCents(row.cents));
    }
  }
  // One FULL JOIN of the desired rows with the accounts' stored ones: a hash or merge join
  // whatever the statistics say (an anti-join against the unnest could become a nested loop,
  // quadratic in the rows, when the planner believes there are no 'rule' rows yet).
  const head = tx`
    desired AS (
      SELECT * FROM unnest(${tx.array(ids)}::uuid[], ${tx.array(dates)}::date[],
                           ${tx.array(values)}::numeric[]) AS t(account_id, date, balance)
    ), diff AS MATERIALIZED (
      SELECT coalesce(d.account_id, b.account_id) AS account_id, coalesce(d.date, b.date) AS date,
             d.balance AS wanted, b.id, b.source, b.balance AS stored
      FROM desired d
      FULL JOIN (
        SELECT id, account_id, date, balance, source FROM account_balances
        WHERE account_id = ANY(${tx.array(accounts)}::uuid[])
      ) b ON b.account_id = d.account_id AND b.date = d.date
    ), stale AS (
      SELECT id, account_id, date FROM diff WHERE wanted IS NULL AND source = 'rule'
    ), changed AS (
      SELECT account_id, date, wanted AS balance, id IS NULL AS is_new FROM diff
      WHERE wanted IS NOT NULL AND (id IS NULL OR (source = 'rule' AND stored <> wanted))
    )`;
  const tail = tx`
    SELECT account_id, count(*) FILTER (WHERE what = 'inserted')::int AS inserted,
           count(*) FILTER (WHERE what = 'updated')::int AS updated,
           count(*) FILTER (WHERE what = 'deleted')::int AS deleted,
           min(date) AS earliest_change
    FROM (
      SELECT account_id, date, CASE WHEN is_new THEN 'inserted' ELSE 'updated' END AS what
      FROM changed
      UNION ALL SELECT account_id, date, 'deleted' FROM stale
    ) c GROUP BY account_id`;
  const summary = dryRun
    ? await tx<(Counts & { accountId: string })[]>`WITH ${head} ${tail}`
    : await tx<(Counts & { accountId: string })[]>`
        WITH ${head},
        removed AS (DELETE FROM account_balances WHERE id IN (SELECT id FROM stale) RETURNING 1),
        written AS (
          INSERT INTO account_balances (account_id, date, balance, source)
          SELECT account_id, date, balance, 'rule' FROM changed
          ON CONFLICT (account_id, date) DO UPDATE SET balance = EXCLUDED.balance, created_at = NOW()
          WHERE account_balances.source = 'rule'
          RETURNING 1
        )
        ${tail}`;
  for (const row of summary) {
    const { accountId, ...counts } = row;
    result.set(accountId, counts);
  }
  return result;
}
