/**
 * The dashboard's ranges and where each starts. 1M, 3M, YTD and 1Y are the report's change
 * windows (windowStart), so the dashboard's figures are the ones `networth report --from`
 * gives; 6M follows the same rule (same day six months earlier, clamped to the month's end).
 */

import { addMonths } from "../core/dates.js";
import { windowStart } from "../core/report.js";

/** The ranges, in the order of the keys 1 to 6. */
export const RANGES = ["1M", "3M", "6M", "YTD", "1Y", "ALL"] as const;

/** A range of the dashboard; ALL runs from the first snapshot. */
export type RangeKey = (typeof RANGES)[number];

/** The first day of a range ending on `today`; undefined for ALL (the first snapshot). */
export function rangeStart(today: string, range: RangeKey): string | undefined {
  switch (range) {
    case "ALL":
      return undefined;
    case "6M":
      return addMonths(today, -6);
    default:
      return windowStart(today, range);
  }
}
