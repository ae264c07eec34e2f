import type { TransactionSql } from "postgres";
import {
  type AccountMove,
  buildReport,
  type Report,
  type ReportRange,
  type ReportReader,
} from "../core/build-report.js";
import { convertCents } from "../core/currency.js";
import { type CurrencyEffect, currencyEffect, type Rate } from "../core/currency-effect.js";
import { centsFromDecimal } from "../core/money.js";
import { accountMoves } from "./accounts.js";
import type { Database } from "./connection.js";
import { balancesOnDays, pairFractions } from "./rates.js";
import { CARRY_DAYS, readLatestSnapshot, readSnapshotTotals, snapshotSpan } from "./snapshots.js";

/**
 * The report's reads for one user, on a transaction scoped to that user; `mine` is the user's
 * currency, which the movers' effects are converted into.
 */
export function reportReader(tx: TransactionSql, userId: string, mine: string): ReportReader {
  return {
    snapshotSpan: () => snapshotSpan(tx, userId),
    snapshots: (from, to) => readSnapshotTotals(tx, userId, from, to),
    snapshot: (date) => readLatestSnapshot(tx, userId, date, date),
    accountMoves: (from, to, limit) => convertedMoves(tx, mine, from, to, limit),
  };
}

/** Each currency's rate into `mine` on `day`, as the snapshots use it (absent: none). */
async function ratesInto(
  tx: TransactionSql,
  currencies: readonly string[],
  mine: string,
  day: string,
): Promise<Map<string, Rate>> {
  const foreign = [...new Set(currencies)].filter((c) => c !== mine);
  if (foreign.length === 0) return new Map();
  const rows = await pairFractions(
    tx,
    foreign.map((base) => ({ base, quote: mine })),
    day,
    CARRY_DAYS,
  );
  return new Map(
    rows.flatMap((r) => (r.num && r.den ? [[r.base, { num: r.num, den: r.den }] as const] : [])),
  );
}

/**
 * The accounts whose move did most to net worth in the user's currency. All in it: the largest
 * moves as stored. Otherwise every move, each end converted at its day's rate and rounded to the
 * cent as the snapshots do, ranked by that; a move whose rate is missing is left out, as the
 * snapshots leave the account out (the report names the missing pair).
 */
async function convertedMoves(
  tx: TransactionSql,
  mine: string,
  from: string,
  to: string,
  limit: number,
): Promise<AccountMove[]> {
  const all = await accountMoves(tx, from, to, null);
  if (all.every((m) => (m.currency ?? mine) === mine)) return all.slice(0, limit);
  const currencies = all.map((m) => m.currency ?? mine);
  const [before, after] = [
    await ratesInto(tx, currencies, mine, from),
    await ratesInto(tx, currencies, mine, to),
  ];
  const one: Rate = { num: "1", den: "1" };
  const converted: AccountMove[] = [];
  for (const m of all) {
    const currency = m.currency ?? mine;
    const r0 = currency === mine ? one : before.get(currency);
    const r1 = currency === mine ? one : after.get(currency);
    const end = (text: string | null, rate: Rate | undefined) =>
      text === null
        ? 0n
        : rate === undefined
          ? null
          : convertCents(centsFromDecimal(text), rate.num, rate.den);
    const c0 = end(m.before, r0);
    const c1 = end(m.after, r1);
    if (c0 === null || c1 === null) continue;
    converted.push({ ...m, effect: m.side === "liability" ? c0 - c1 : c1 - c0 });
  }
  const size = (m: AccountMove) => ((m.effect ?? 0n) < 0n ? -(m.effect ?? 0n) : (m.effect ?? 0n));
  converted.sort((a, b) => {
    const d = size(b) - size(a);
    return d > 0n ? 1 : d < 0n ? -1 : a.name.localeCompare(b.name);
  });
  return converted.slice(0, limit);
}

/** A user's report, every read in one transaction (one consistent moment). */
export function userReport(
  db: Database,
  userId: string,
  range: ReportRange & { readonly currency: string },
): Promise<Report> {
  return db.asUser(userId, (tx) => buildReport(reportReader(tx, userId, range.currency), range));
}

/**
 * The report and the split of its range's change into balances and exchange rates, in one
 * transaction; the split is null when every account is in the user's currency and
 * `always` is false.
 */
export function userReportWithEffect(
  db: Database,
  userId: string,
  range: ReportRange,
  mine: string,
  always: boolean,
): Promise<{ report: Report; effect: CurrencyEffect | null; from: string; to: string }> {
  return db.asUser(userId, async (tx) => {
    const report = await buildReport(reportReader(tx, userId, mine), range);
    const from = report.changes.range?.from ?? report.from;
    const to = report.current?.date ?? report.to;
    const accounts = await balancesOnDays(tx, from, to);
    const currencies = accounts.map((a) => a.currency);
    if (!always && currencies.every((c) => c === mine)) return { report, effect: null, from, to };
    const before = await ratesInto(tx, currencies, mine, from);
    const after = await ratesInto(tx, currencies, mine, to);
    const effect = currencyEffect(
      accounts,
      mine,
      (c) => before.get(c) ?? null,
      (c) => after.get(c) ?? null,
    );
    return { report, effect, from, to };
  });
}
