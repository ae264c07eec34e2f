import type { Sql, TransactionSql } from "postgres";
import type { RateRow } from "../core/currency.js";
import { planRateRequests } from "../core/rate-plan.js";
import type { Database } from "../db/connection.js";
import { publishRates, rateNeeds, rateSpans } from "../db/rates.js";
import { CARRY_DAYS } from "../db/snapshots.js";
import type { Output } from "../output/output.js";
import { fetchRates, frankfurterUrl } from "../providers/frankfurter.js";

/** Whose accounts decide what is fetched, and whose snapshots follow. */
export type RatesScope = { readonly userId: string } | { readonly allUsers: true };

export interface UpdateResult {
  requests: number;
  fetched: number;
  added: number;
  changed: number;
  earliest: string | null;
  currencies: string[];
}

const inScope = <T>(
  db: Database,
  scope: RatesScope,
  f: (tx: TransactionSql | Sql) => Promise<T>,
) => ("userId" in scope ? db.asUser(scope.userId, f) : db.sql.begin((tx) => f(tx)));

/**
 * Fetches from Frankfurter the days of rates the scope's accounts need and does not have yet
 * (the network first, outside any transaction), then stores them and refreshes the snapshots
 * from the first changed day, in one transaction. A provider error stops it with nothing
 * written.
 */
export async function updateRates(
  db: Database,
  scope: RatesScope,
  today: string,
  env: NodeJS.ProcessEnv,
  out?: Output,
  /** revalue's hook: new days of known currencies only once in 20 hours. */
  onceADay?: { readonly now: Date },
): Promise<UpdateResult> {
  const plan = await inScope(db, scope, async (tx) => {
    const needs = await rateNeeds(tx);
    const { spans, lastFetch } = await rateSpans(tx);
    let requests = planRateRequests(needs, spans, today, CARRY_DAYS);
    const recent =
      lastFetch !== null &&
      onceADay !== undefined &&
      onceADay.now.getTime() - lastFetch.getTime() < 20 * 3600 * 1000;
    if (recent) {
      // Already asked today: only a currency never fetched, or days before the stored ones.
      requests = requests
        .map((r) => ({
          ...r,
          quotes: r.quotes.filter((q) => {
            const span = spans.get(q);
            return span === undefined || r.to < span.first;
          }),
        }))
        .filter((r) => r.quotes.length > 0);
    }
    return { needs, requests };
  });
  const rows: RateRow[] = [];
  const baseUrl = frankfurterUrl(env);
  for (const [i, request] of plan.requests.entries()) {
    out?.info(
      `Fetching EUR→${request.quotes.join(",")} ${request.from} to ${request.to} (${i + 1} of ${plan.requests.length})`,
    );
    rows.push(...(await fetchRates({ baseUrl }, request.quotes, request.from, request.to)));
  }
  // The rates are everyone's: every user's snapshots follow, not only the scope's.
  const stored = await publishRates(db, rows, "frankfurter", today);
  return {
    requests: plan.requests.length,
    fetched: rows.length,
    added: stored.added,
    changed: stored.changed,
    earliest: stored.earliest,
    currencies: plan.needs.map((n) => n.code),
  };
}

/**
 * revalue's hook: updateRates when some account needs a rate, new days of a known currency at
 * most once in 20 hours (a currency never fetched, or a back-fill, at once); a provider
 * failure is a warning, never revalue's failure. Nothing needed: no request at all.
 */
export async function updateRatesIfDue(
  db: Database,
  scope: RatesScope,
  today: string,
  now: Date,
  env: NodeJS.ProcessEnv,
  out: Output,
): Promise<UpdateResult | null> {
  try {
    return await updateRates(db, scope, today, env, out, { now });
  } catch (error) {
    out.warn(`exchange rates not updated: ${(error as Error).message}`);
    return null;
  }
}
