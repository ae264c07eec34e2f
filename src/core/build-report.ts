/**
 * Everything `networth report` (and the dashboard, and `demo`) shows, as data: built from the
 * stored snapshots and balances through a reader that src/db implements, so this file knows no
 * SQL and the rules stay testable on their own.
 */

import {
  type SnapshotModel,
  type SnapshotRow,
  type SnapshotTotals,
  snapshotModel,
} from "./buckets.js";
import { addDays, daysBetween } from "./dates.js";
import { type MissingRate, missingRates } from "./incomplete.js";
import { Money } from "./money.js";
import {
  type BreakdownShares,
  breakdownShares,
  CHANGE_WINDOWS,
  type Change,
  type ChangeWindow,
  changeBetween,
  type Interval,
  periodEnds,
  pointsAt,
  type SeriesPoint,
  windowStart,
} from "./report.js";

/** How many accounts the report lists under "moved most". */
const MOVERS = 5;

/** An account's balance before and after a range, as decimal strings. */
export interface AccountMove {
  id: string;
  name: string;
  side: "asset" | "liability";
  /** The account's own currency, which before, after and change are in. */
  currency?: string;
  before: string | null;
  after: string | null;
  /** after - before, as a decimal string (a missing value counts as 0). */
  change: string;
  /**
   * What the move did to net worth in the user's currency, as cents (each end converted at its
   * day's rate, as the snapshots do); absent when the account is in the user's currency.
   */
  effect?: bigint;
}

/**
 * What buildReport reads, for one user, inside one transaction (src/db/report.ts implements
 * it), so that every figure of a report comes from the same moment.
 */
export interface ReportReader {
  /** The first and last snapshot dates, or null when there are none. */
  snapshotSpan(): Promise<{ first: string; last: string } | null>;
  /** The snapshots dated from..to, ascending by date: their totals (a series of many days). */
  snapshots(from: string, to: string): Promise<readonly SnapshotTotals[]>;
  /** The whole snapshot of one day, breakdowns included, or null when there is none. */
  snapshot(date: string): Promise<SnapshotRow | null>;
  /**
   * The accounts whose move between from and to did most to net worth (in the user's
   * currency), largest first; an account without a rate it needs is not among them.
   */
  accountMoves(from: string, to: string, limit: number): Promise<readonly AccountMove[]>;
}

/** Everything `report` shows, as data (the --json shape, before serialisation). */
export interface Report {
  from: string;
  to: string;
  interval: Interval;
  /**
   * The currency of every amount but the movers' before, after and change, which are in the
   * account's own (the user's, as the snapshots were made); a mover's effect is in it too.
   */
  currency: string;
  /** Pairs without a rate on some days of the range: their accounts are left out then. */
  missingRates: MissingRate[];
  current: SnapshotModel | null;
  changes: { range: Change | null } & Record<ChangeWindow, Change | null>;
  series: SeriesPoint[];
  breakdown: BreakdownShares | null;
  movers: {
    id: string;
    name: string;
    side: string;
    /** The account's currency: before, after and change are in it (effect: the report's). */
    currency: string;
    before: Money | null;
    after: Money | null;
    change: Money;
    effect: Money;
  }[];
}

/** What to report: `from` defaults to the first snapshot, the interval to the range's length. */
export interface ReportRange {
  readonly from?: string | undefined;
  readonly to: string;
  readonly interval?: Interval | undefined;
  /** The user's currency, for a report without snapshots. */
  readonly currency?: string | undefined;
}

/** The interval a range gets when none is asked for: about one point per day, week or month. */
export function defaultInterval(from: string, to: string): Interval {
  const days = daysBetween(from, to);
  return days <= 62 ? "day" : days <= 366 ? "week" : days <= 3 * 366 ? "month" : "quarter";
}

/**
 * Builds the report from stored snapshots (one read covering the range and the change windows)
 * and, for the movers, one balance lookup per account. Nothing is recomputed.
 */
export async function buildReport(reader: ReportReader, range: ReportRange): Promise<Report> {
  const span = await reader.snapshotSpan();
  const to = range.to;
  const from = range.from ?? span?.first ?? to;
  const interval = range.interval ?? defaultInterval(from, to);
  const earliest = [from, ...CHANGE_WINDOWS.map((w) => windowStart(to, w))].sort()[0] as string;
  const snapshots = await reader.snapshots(earliest, to);
  const last = snapshots.at(-1);
  // The breakdown is read for the last day alone, not for every day of the series.
  const current = last ? ((await reader.snapshot(last.date)) ?? undefined) : undefined;
  const inRange = snapshots.filter((s) => s.date >= from);
  const [atFrom] = pointsAt(snapshots, [from]);
  const at = (date: string) => pointsAt(snapshots, [date])[0];
  const changes = {
    range: changeBetween(atFrom ?? inRange[0], current),
    ...Object.fromEntries(
      CHANGE_WINDOWS.map((w) => [w, changeBetween(at(windowStart(to, w)), current)]),
    ),
  } as Report["changes"];
  const moves = await reader.accountMoves(
    atFrom ? from : addDays(inRange[0]?.date ?? from, -1),
    to,
    MOVERS,
  );
  return {
    from,
    to,
    interval,
    currency: current?.currency ?? range.currency ?? "USD",
    missingRates: missingRates(inRange),
    current: current ? snapshotModel(current) : null,
    changes,
    series: pointsAt(inRange, periodEnds(from, to, interval)),
    breakdown: current ? breakdownShares(current) : null,
    movers: moves.map((m) => {
      const change = Money.fromDecimal(m.change);
      return {
        id: m.id,
        name: m.name,
        side: m.side,
        currency: m.currency ?? "USD",
        before: Money.nullable(m.before),
        after: Money.nullable(m.after),
        change,
        // What the move did to net worth: a liability going up takes it down.
        effect:
          m.effect !== undefined
            ? new Money(m.effect)
            : m.side === "liability"
              ? new Money(-change.cents)
              : change,
      };
    }),
  };
}
