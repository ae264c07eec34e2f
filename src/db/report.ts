import type { TransactionSql } from "postgres";
import {
  buildReport,
  type Report,
  type ReportRange,
  type ReportReader,
} from "../core/build-report.js";
import { accountMoves } from "./accounts.js";
import type { Database } from "./connection.js";
import { readSnapshots, snapshotSpan } from "./snapshots.js";

/** The report's reads for one user, on a transaction scoped to that user. */
export function reportReader(tx: TransactionSql, userId: string): ReportReader {
  return {
    snapshotSpan: () => snapshotSpan(tx, userId),
    snapshots: (from, to) => readSnapshots(tx, userId, from, to),
    accountMoves: (from, to, limit) => accountMoves(tx, from, to, limit),
  };
}

/** A user's report, every read in one transaction (one consistent moment). */
export function userReport(db: Database, userId: string, range: ReportRange): Promise<Report> {
  return db.asUser(userId, (tx) => buildReport(reportReader(tx, userId), range));
}
