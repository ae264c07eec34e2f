/**
 * The one line per pair that says a net worth is incomplete (issue 13): on days without an
 * exchange rate an account is left out of the total, never counted at 1:1 or at today's rate.
 */

import { pairLabel } from "./currency.js";
import { addDays } from "./dates.js";

/** What one pair's missing rates did over a series of snapshots. */
export interface MissingRate {
  base: string;
  quote: string;
  /** Snapshot days on which accounts in `base` were left out. */
  days: number;
  first: string;
  last: string;
  /** The most accounts left out on one of those days. */
  accounts: number;
  /** The one line: "EUR→USD missing before 1999-01-04: 2 accounts left out". */
  line: string;
}

/** The missing rates of a series of snapshots (by date), one per pair, by pair. */
export function missingRates(
  snapshots: readonly { date: string; leftOut?: Record<string, number> | null }[],
): MissingRate[] {
  const pairs = new Map<string, { days: string[]; accounts: number }>();
  for (const s of snapshots) {
    for (const [pair, n] of Object.entries(s.leftOut ?? {})) {
      const entry = pairs.get(pair) ?? { days: [], accounts: 0 };
      entry.days.push(s.date);
      entry.accounts = Math.max(entry.accounts, n);
      pairs.set(pair, entry);
    }
  }
  const dates = snapshots.map((s) => s.date);
  return [...pairs.entries()]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([pair, { days, accounts }]) => {
      const [base = "", quote = ""] = pair.split("/");
      const first = days[0] as string;
      const last = days.at(-1) as string;
      const lastIndex = dates.indexOf(last);
      const firstIndex = dates.indexOf(first);
      const prefix = firstIndex === 0 && lastIndex === days.length - 1;
      const suffix = lastIndex === dates.length - 1 && dates.length - firstIndex === days.length;
      const when =
        prefix && !suffix
          ? `before ${addDays(last, 1)}`
          : suffix && !prefix
            ? `since ${first}`
            : days.length === 1
              ? `on ${first}`
              : `on ${days.length} days from ${first} to ${last}`;
      const left = `${accounts} account${accounts === 1 ? "" : "s"} left out`;
      return {
        base,
        quote,
        days: days.length,
        first,
        last,
        accounts,
        line: `${pairLabel(base, quote)} missing ${when}: ${left}`,
      };
    });
}

/**
 * A missing rate's line with its dates written by `date` (the user's format; `line` itself
 * stays ISO, as JSON shows it). The line's only ISO-shaped words are its dates: the rest is
 * currency codes and counts.
 */
export function missingRateLine(missing: MissingRate, date: (iso: string) => string): string {
  return missing.line.replace(/\b[0-9]{4}-[0-9]{2}-[0-9]{2}\b/g, (iso) => date(iso));
}
