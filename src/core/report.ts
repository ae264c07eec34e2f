/**
 * The pure computations behind `networth report`: period ends, the series at them, changes in
 * net worth and the breakdown's shares. No database and no printing, so every rule here is
 * testable on its own. Money stays bigint cents and percents are computed in bigint: a float
 * would misround shares and changes of large balances.
 */

import {
  ASSET_BUCKETS,
  type AssetBucket,
  LIABILITY_BUCKETS,
  type LiabilityBucket,
  type SnapshotRow,
  type SnapshotTotals,
} from "./buckets.js";
import { addDays, addMonths, compareDates, daysBetween, lastDayOfMonth } from "./dates.js";
import { Money } from "./money.js";

/** How `networth report` groups the series: one point per period, at the period's last day. */
export type Interval = "day" | "week" | "month" | "quarter" | "year";

/** The intervals, for option parsing. */
export const INTERVALS: readonly Interval[] = ["day", "week", "month", "quarter", "year"];

/** The fixed windows over which the report shows the change in net worth. */
export type ChangeWindow = "1M" | "3M" | "YTD" | "1Y";

/** The windows, in the order the report shows them. */
export const CHANGE_WINDOWS: readonly ChangeWindow[] = ["1M", "3M", "YTD", "1Y"];

/** One point of the series; `date` is the requested date (a period end), not the snapshot's. */
export interface SeriesPoint {
  date: string;
  totalAssets: Money;
  totalLiabilities: Money;
  netWorth: Money;
}

/** A change in net worth since `from`; percent is relative to |net worth on `from`|. */
export interface Change {
  from: string;
  amount: Money;
  /** Two decimals ("12.34", "-0.50"); null when net worth on `from` was zero. */
  percent: string | null;
}

/** One bucket of a breakdown and its share (one decimal) of its side's total. */
export interface BucketShare<B extends string> {
  bucket: B;
  amount: Money;
  /** Null when the side's total is zero, where a share has no meaning. */
  share: string | null;
}

/** A snapshot's breakdown with shares, in ASSET_BUCKETS and LIABILITY_BUCKETS order. */
export interface BreakdownShares {
  assets: BucketShare<AssetBucket>[];
  liabilities: BucketShare<LiabilityBucket>[];
}

/**
 * `part` as a percent of |whole|, rounded half away from zero to exactly `decimals` places
 * ("12.34", "-0.50"); null when whole is 0. Shared by changes and shares so that both round
 * alike. All bigint: the ratio of two 19-digit amounts does not survive a double.
 */
export function percentOf(part: bigint, whole: bigint, decimals: number): string | null {
  if (!Number.isSafeInteger(decimals) || decimals < 0) {
    throw new RangeError(`not a number of decimals: ${decimals}`);
  }
  if (whole === 0n) return null;
  const scale = 10n ** BigInt(decimals);
  const numerator = (part < 0n ? -part : part) * 100n * scale;
  const denominator = whole < 0n ? -whole : whole;
  // Half away from zero on magnitudes; the sign is put back afterwards.
  const scaled = (numerator * 2n + denominator) / (denominator * 2n);
  const integer = (scaled / scale).toString();
  const fraction = decimals > 0 ? `.${(scaled % scale).toString().padStart(decimals, "0")}` : "";
  // A change that rounds to zero is shown unsigned: "-0.00" would claim a direction.
  return `${part < 0n && scaled !== 0n ? "-" : ""}${integer}${fraction}`;
}

/** A known Sunday, to count weekdays from (ISO weeks end on Sunday). */
const SUNDAY = "2000-01-02";

/**
 * The last day of each period of `interval` that ends within from..to, then `to` itself when it
 * is not one (the current, partial period), ascending. Weeks are ISO weeks (Monday to Sunday);
 * quarters end on Mar 31, Jun 30, Sep 30 and Dec 31. from > to gives [].
 */
export function periodEnds(from: string, to: string, interval: Interval): string[] {
  if (compareDates(from, to) > 0) return [];
  const ends: string[] = [];
  // Each loop stops before stepping past `to`, so no date beyond 9999-12-31 is ever formed.
  if (interval === "day" || interval === "week") {
    const step = interval === "day" ? 1 : 7;
    const toNextSunday = (7 - (((daysBetween(SUNDAY, from) % 7) + 7) % 7)) % 7;
    const first = interval === "day" ? 0 : toNextSunday;
    for (let offset = first; offset <= daysBetween(from, to); offset += step) {
      ends.push(addDays(from, offset));
    }
  } else {
    const step = interval === "month" ? 1 : interval === "quarter" ? 3 : 12;
    // Months as one index (year * 12 + month - 1); the first period's last month: quarters and
    // years end on a multiple of their length.
    const first = Number(from.slice(0, 4)) * 12 + Math.ceil(Number(from.slice(5, 7)) / step) * step;
    const last = Number(to.slice(0, 4)) * 12 + Number(to.slice(5, 7)) - 1;
    for (let index = first - 1; index <= last; index += step) {
      const end = lastDayOfMonth(Math.floor(index / 12), (index % 12) + 1);
      if (end <= to) ends.push(end);
    }
  }
  if (ends[ends.length - 1] !== to) ends.push(to);
  return ends;
}

/** The index of the latest snapshot dated on or before `date`, or -1. */
function latestIndex(snapshots: readonly SnapshotTotals[], date: string): number {
  let low = 0;
  let high = snapshots.length;
  while (low < high) {
    const middle = (low + high) >>> 1;
    if ((snapshots[middle] as SnapshotTotals).date <= date) low = middle + 1;
    else high = middle;
  }
  return low - 1;
}

/**
 * For each date, the latest snapshot on or before it (snapshots ascending by date, possibly with
 * gaps). Dates before the first snapshot are left out
 * rather than shown as a zero net worth that never was.
 */
export function pointsAt(
  snapshots: readonly SnapshotTotals[],
  dates: readonly string[],
): SeriesPoint[] {
  const points: SeriesPoint[] = [];
  for (const date of dates) {
    const snapshot = snapshots[latestIndex(snapshots, date)];
    if (snapshot === undefined) continue;
    points.push({
      date,
      totalAssets: Money.fromDecimal(snapshot.totalAssets),
      totalLiabilities: Money.fromDecimal(snapshot.totalLiabilities),
      netWorth: Money.fromDecimal(snapshot.netWorth),
    });
  }
  return points;
}

function netWorthCents(value: SnapshotTotals | SeriesPoint): bigint {
  return typeof value.netWorth === "string"
    ? Money.fromDecimal(value.netWorth).cents
    : value.netWorth.cents;
}

/**
 * The change in net worth from `before` to `after`, exact to the cent, with the percent of
 * |before's net worth| (absolute, so a debt shrinking reads as a positive change). Null when
 * either side is missing: no history that far back is not a change of zero.
 */
export function changeBetween(
  before: SnapshotTotals | SeriesPoint | undefined,
  after: SnapshotTotals | SeriesPoint | undefined,
): Change | null {
  if (before === undefined || after === undefined) return null;
  const base = netWorthCents(before);
  const amount = netWorthCents(after) - base;
  return { from: before.date, amount: new Money(amount), percent: percentOf(amount, base, 2) };
}

/**
 * The date a change window starts from, for a report ending on `to`: 1M and 3M the same day
 * that many months earlier, 1Y a year earlier, each clamped to the month's last day
 * (2026-03-31 -> 2026-02-28, Feb 29 -> Feb 28); YTD the last day of the previous year, so the
 * change includes January 1st's.
 */
export function windowStart(to: string, window: ChangeWindow): string {
  if (window === "YTD") return lastDayOfMonth(Number(to.slice(0, 4)) - 1, 12);
  return addMonths(to, window === "1M" ? -1 : window === "3M" ? -3 : -12);
}

/**
 * Every bucket of a snapshot with its share of its side's total (total assets for asset
 * buckets, total liabilities for liability ones), one decimal; all buckets, zero ones too, so
 * the report's rows do not come and go.
 */
export function breakdownShares(snapshot: SnapshotRow): BreakdownShares {
  const totalAssets = Money.fromDecimal(snapshot.totalAssets).cents;
  const totalLiabilities = Money.fromDecimal(snapshot.totalLiabilities).cents;
  const share = <B extends string>(bucket: B, text: string, total: bigint): BucketShare<B> => {
    const amount = Money.fromDecimal(text);
    return { bucket, amount, share: percentOf(amount.cents, total, 1) };
  };
  return {
    assets: ASSET_BUCKETS.map((b) => share(b, snapshot.assetBreakdown[b], totalAssets)),
    liabilities: LIABILITY_BUCKETS.map((b) =>
      share(b, snapshot.liabilityBreakdown[b], totalLiabilities),
    ),
  };
}
