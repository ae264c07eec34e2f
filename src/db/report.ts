import type { TransactionSql } from "postgres";
import {
  buildReport,
  type Report,
  type ReportRange,
  type ReportReader,
} from "../core/build-report.js";
import { type CurrencyEffect, currencyEffect } from "../core/currency-effect.js";
import { accountMoves } from "./accounts.js";
import type { Database } from "./connection.js";
import { balancesOnDays, pairFractions } from "./rates.js";
import { CARRY_DAYS, readLatestSnapshot, readSnapshotTotals, snapshotSpan } from "./snapshots.js";

/** The report's reads for one user, on a transaction scoped to that user. */
export function reportReader(tx: TransactionSql, userId: string): ReportReader {
  return {
    snapshotSpan: () => snapshotSpan(tx, userId),
    snapshots: (from, to) => readSnapshotTotals(tx, userId, from, to),
    snapshot: (date) => readLatestSnapshot(tx, userId, date, date),
    accountMoves: (from, to, limit) => accountMoves(tx, from, to, limit),
  };
}

/** A user's report, every read in one transaction (one consistent moment). */
export function userReport(db: Database, userId: string, range: ReportRange): Promise<Report> {
  return db.asUser(userId, (tx) => buildReport(reportReader(tx, userId), range));
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
    const report = await buildReport(reportReader(tx, userId), range);
    const from = report.changes.range?.from ?? report.from;
    const to = report.current?.date ?? report.to;
    const accounts = await balancesOnDays(tx, from, to);
    const foreign = [...new Set(accounts.map((a) => a.currency))].filter((c) => c !== mine);
    if (!always && foreign.length === 0) return { report, effect: null, from, to };
    const pairs = foreign.map((base) => ({ base, quote: mine }));
    const rateMap = async (day: string) => {
      const rows = await pairFractions(tx, pairs, day, CARRY_DAYS);
      return new Map(
        rows.flatMap((r) =>
          r.num && r.den ? [[r.base, { num: r.num, den: r.den }] as const] : [],
        ),
      );
    };
    const before = await rateMap(from);
    const after = await rateMap(to);
    const effect = currencyEffect(
      accounts,
      mine,
      (c) => before.get(c) ?? null,
      (c) => after.get(c) ?? null,
    );
    return { report, effect, from, to };
  });
}
