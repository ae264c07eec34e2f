/** Monthly anniversaries of a calendar date ("YYYY-MM-DD"), without Date objects. */

function daysIn(year: number, month: number): number {
  if (month === 2) return year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0) ? 29 : 28;
  return [4, 6, 9, 11].includes(month) ? 30 : 31;
}

/**
 * The m-th monthly anniversary of `start`: the same day of the month m months later, or the
 * month's last day when that month has no such day (the 31st of January, one month on, is
 * the 28th or 29th of February; two months on, the 31st of March again).
 */
export function addMonths(start: string, m: number): string {
  if (!Number.isSafeInteger(m)) throw new RangeError(`not a whole number of months: ${m}`);
  const [y, mo, d] = start.split("-").map(Number) as [number, number, number];
  const index = y * 12 + (mo - 1) + m;
  const year = Math.floor(index / 12);
  const month = (index % 12) + 1;
  const day = Math.min(d, daysIn(year, month));
  const pad = (v: number, w: number) => String(v).padStart(w, "0");
  return `${pad(year, 4)}-${pad(month, 2)}-${pad(day, 2)}`;
}

/** Whole months from a to b by anniversaries: the largest m with addMonths(a, m) <= b. */
export function monthsBetween(a: string, b: string): number {
  const [ya, ma] = a.split("-").map(Number) as [number, number];
  const [yb, mb] = b.split("-").map(Number) as [number, number];
  let m = (yb - ya) * 12 + (mb - ma);
  while (m > 0 && addMonths(a, m) > b) m -= 1;
  return m;
}
