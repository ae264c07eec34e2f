/**
 * The dashboard's ranges and where each starts. 1M, 3M, YTD and 1Y are the report's change
 * windows (windowStart), so the dashboard's figures are the ones `networth report --from`
 * gives; 6M follows the same rule (same day six months earlier, clamped to the month's end).
 */

import { addDays } from "../core/dates.js";
import { windowStart } from "../core/report.js";

/** The ranges, in the order of the keys 1 to 6. */
export const RANGES = ["1M", "3M", "6M", "YTD", "1Y", "ALL"] as const;

/** A range of the dashboard; ALL runs from the first snapshot. */
export type RangeKey = (typeof RANGES)[number];

const pad = (value: number, width: number) => String(value).padStart(width, "0");

/** The same day `months` months before `to`, clamped to that month's last day. */
export function monthsBefore(to: string, months: number): string {
  const index = Number(to.slice(0, 4)) * 12 + Number(to.slice(5, 7)) - 1 - months;
  const year = Math.floor(index / 12);
  const month = (index % 12) + 1;
  const next = index + 1;
  const firstOfNext = `${pad(Math.floor(next / 12), 4)}-${pad((next % 12) + 1, 2)}-01`;
  const day = Math.min(Number(to.slice(8, 10)), Number(addDays(firstOfNext, -1).slice(8, 10)));
  return `${pad(year, 4)}-${pad(month, 2)}-${pad(day, 2)}`;
}

/** The first day of a range ending on `today`; undefined for ALL (the first snapshot). */
export function rangeStart(today: string, range: RangeKey): string | undefined {
  switch (range) {
    case "ALL":
      return undefined;
    case "6M":
      return monthsBefore(today, 6);
    default:
      return windowStart(today, range);
  }
}
