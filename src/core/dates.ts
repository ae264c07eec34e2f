/**
 * Calendar dates as "YYYY-MM-DD" strings. A calendar date has no time zone, so it is never held
 * in a Date (whose local-time parsing and DST shifts move dates by a day); arithmetic goes
 * through UTC day numbers instead.
 */

import { DATE_FORMATS, type DateFormat, PREFERENCE_DEFAULTS } from "../config.js";
import { UsageError } from "../errors.js";

/** The earliest date parseDate accepts. */
export const EARLIEST_DATE = "1900-01-01";

const MS_PER_DAY = 86_400_000;
const ISO = /^([0-9]{4})-([0-9]{2})-([0-9]{2})$/;
const MONTHS = [
  "January",
  "February",
  "March",
  "April",
  "May",
  "June",
  "July",
  "August",
  "September",
  "October",
  "November",
  "December",
];

interface Parts {
  year: number;
  month: number;
  day: number;
}

/** The non-ISO input formats: their shape and the order of day, month and year in it. */
const FORMATS: Record<
  Exclude<DateFormat, "YYYY-MM-DD">,
  { shape: RegExp; order: "mdy" | "dmy" }
> = {
  "MM/DD/YYYY": { shape: /^([0-9]{1,2})\/([0-9]{1,2})\/([0-9]{4})$/, order: "mdy" },
  "DD/MM/YYYY": { shape: /^([0-9]{1,2})\/([0-9]{1,2})\/([0-9]{4})$/, order: "dmy" },
  "DD.MM.YYYY": { shape: /^([0-9]{1,2})\.([0-9]{1,2})\.([0-9]{4})$/, order: "dmy" },
};

function isLeapYear(year: number): boolean {
  return year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
}

function daysInMonth(year: number, month: number): number {
  return month === 2 ? (isLeapYear(year) ? 29 : 28) : [4, 6, 9, 11].includes(month) ? 30 : 31;
}

/** Why these parts are not a calendar date, or undefined when they are one. */
function impossibility({ year, month, day }: Parts): string | undefined {
  if (month < 1 || month > 12) return `there is no month ${month}`;
  if (day < 1 || day > daysInMonth(year, month)) {
    return `${MONTHS[month - 1]} ${year} has no day ${day}`;
  }
  return undefined;
}

function matchIso(text: string): Parts | undefined {
  const match = ISO.exec(text);
  if (!match) return undefined;
  return { year: Number(match[1]), month: Number(match[2]), day: Number(match[3]) };
}

function toIso({ year, month, day }: Parts): string {
  const pad = (value: number, width: number) => value.toString().padStart(width, "0");
  return `${pad(year, 4)}-${pad(month, 2)}-${pad(day, 2)}`;
}

/** The parts of a valid ISO date; a RangeError otherwise (callers pass validated dates). */
function partsOf(iso: string): Parts {
  const parts = matchIso(iso);
  if (!parts || impossibility(parts) !== undefined) {
    throw new RangeError(`not a YYYY-MM-DD calendar date: ${JSON.stringify(iso)}`);
  }
  return parts;
}

function dayNumber(iso: string): number {
  const { year, month, day } = partsOf(iso);
  // Date.UTC maps years 0-99 to 1900-1999; setting the full year afterwards avoids that.
  const date = new Date(Date.UTC(2000, 0, 1));
  date.setUTCFullYear(year, month - 1, day);
  return Math.round(date.getTime() / MS_PER_DAY);
}

function fromDayNumber(days: number): string {
  const date = new Date(days * MS_PER_DAY);
  const year = date.getUTCFullYear();
  if (!(year >= 0 && year <= 9999)) throw new RangeError(`date out of range (day ${days})`);
  return toIso({ year, month: date.getUTCMonth() + 1, day: date.getUTCDate() });
}

/** Whether text is a real calendar date written exactly as YYYY-MM-DD. */
export function isIsoDate(text: string): boolean {
  const parts = matchIso(text);
  return parts !== undefined && impossibility(parts) === undefined;
}

/**
 * Today's calendar date ("YYYY-MM-DD") in an IANA time zone, by default the process's own.
 * An unknown zone is a UsageError, since it comes from user configuration.
 */
export function todayIn(timeZone?: string, now: Date = new Date()): string {
  if (timeZone === undefined) {
    // The process's own zone: Date's local fields are in it, and reading them does not load
    // ICU's data as a first Intl formatter does (~20 ms of a short command, issue 16).
    return toIso({ year: now.getFullYear(), month: now.getMonth() + 1, day: now.getDate() });
  }
  let formatter: Intl.DateTimeFormat;
  try {
    formatter = new Intl.DateTimeFormat("en-CA", {
      timeZone,
      calendar: "gregory",
      numberingSystem: "latn",
      year: "numeric",
      month: "2-digit",
      day: "2-digit",
    });
  } catch (error) {
    if (!(error instanceof RangeError)) throw error;
    throw new UsageError(
      `invalid time zone ${JSON.stringify(timeZone)}: expected an IANA name such as America/New_York`,
    );
  }
  // Parts by type, not by position or separator, so no locale detail can leak into the result.
  const parts = formatter.formatToParts(now);
  const part = (type: Intl.DateTimeFormatPartTypes) =>
    Number(parts.find((candidate) => candidate.type === type)?.value);
  return toIso({ year: part("year"), month: part("month"), day: part("day") });
}

/** Options for parseDate. */
export interface ParseDateOptions {
  /** The user's preferred format, accepted besides ISO. */
  format?: DateFormat;
  /** Today's date (see todayIn); later dates are rejected. */
  today: string;
}

/**
 * A "YYYY-MM-DD" date from user text in ISO form or the preferred format (where day and month
 * may have one digit). Must be a real date, from 1900-01-01 to today; else a UsageError.
 */
export function parseDate(text: string, options: ParseDateOptions): string {
  const { format, today } = options;
  const expected =
    format === undefined || format === "YYYY-MM-DD" ? "YYYY-MM-DD" : `YYYY-MM-DD or ${format}`;
  const fail = (why: string): never => {
    throw new UsageError(`invalid date ${JSON.stringify(text)}: ${why}`);
  };

  const trimmed = text.trim();
  let parts = matchIso(trimmed);
  if (!parts && format !== undefined && format !== "YYYY-MM-DD") {
    const { shape, order } = FORMATS[format];
    const match = shape.exec(trimmed);
    if (match) {
      const [first, second] = [Number(match[1]), Number(match[2])];
      const year = Number(match[3]);
      parts =
        order === "mdy" ? { year, month: first, day: second } : { year, month: second, day: first };
    }
  }
  if (!parts) return fail(`expected ${expected}`);

  const reason = impossibility(parts);
  if (reason !== undefined) fail(`${reason}; expected ${expected}`);
  const iso = toIso(parts);
  if (iso < EARLIEST_DATE) fail(`before ${EARLIEST_DATE}, the earliest date accepted`);
  if (compareDates(iso, today) > 0) fail(`is in the future (today is ${today})`);
  return iso;
}

/**
 * The user's dateFormat preference as a DateFormat: anything else stored there (a value from
 * an older version, an edit by hand) falls back to the default, never to an error.
 */
export function dateFormatOf(preference: string | undefined): DateFormat {
  return (DATE_FORMATS as readonly (string | undefined)[]).includes(preference)
    ? (preference as DateFormat)
    : PREFERENCE_DEFAULTS.dateFormat;
}

/** An ISO date for display in the given format, with two-digit day and month. */
export function formatDate(iso: string, format: DateFormat): string {
  partsOf(iso);
  const [year, month, day] = iso.split("-");
  switch (format) {
    case "YYYY-MM-DD":
      return iso;
    case "MM/DD/YYYY":
      return `${month}/${day}/${year}`;
    case "DD/MM/YYYY":
      return `${day}/${month}/${year}`;
    case "DD.MM.YYYY":
      return `${day}.${month}.${year}`;
  }
}

/** The date `days` calendar days after (or, when negative, before) `iso`. */
export function addDays(iso: string, days: number): string {
  if (!Number.isSafeInteger(days)) throw new RangeError(`not a whole number of days: ${days}`);
  return fromDayNumber(dayNumber(iso) + days);
}

/** The last day of a month (1-12) of a year (0-9999). */
export function lastDayOfMonth(year: number, month: number): string {
  if (!(year >= 0 && year <= 9999)) throw new RangeError(`year out of range: ${year}`);
  if (!Number.isInteger(month) || month < 1 || month > 12) {
    throw new RangeError(`there is no month ${month}`);
  }
  return toIso({ year, month, day: daysInMonth(year, month) });
}

/**
 * The same day `months` calendar months after (or, when negative, before) `iso`, clamped to
 * that month's last day: 2026-03-31 minus one month is 2026-02-28, Feb 29 plus a year Feb 28.
 * The one piece of month arithmetic: the report's windows and the dashboard's ranges use it.
 */
export function addMonths(iso: string, months: number): string {
  if (!Number.isSafeInteger(months))
    throw new RangeError(`not a whole number of months: ${months}`);
  const { year, month, day } = partsOf(iso);
  const index = year * 12 + (month - 1) + months;
  const last = lastDayOfMonth(Math.floor(index / 12), (((index % 12) + 12) % 12) + 1);
  return Number(last.slice(8, 10)) < day
    ? last
    : `${last.slice(0, 8)}${String(day).padStart(2, "0")}`;
}

/** Whole days from a to b: positive when b is later. */
export function daysBetween(a: string, b: string): number {
  return dayNumber(b) - dayNumber(a);
}

/**
 * How many days old a value dated `date` is on `today`: never negative. A value written where
 * the calendar is already on tomorrow (Kiritimati, UTC+14) is "today" for a reader still on
 * today (UTC-12), not -1 days old.
 */
export function ageInDays(date: string, today: string): number {
  return Math.max(0, daysBetween(date, today));
}

/** -1, 0 or 1 as a is before, the same as, or after b; usable with Array.prototype.sort. */
export function compareDates(a: string, b: string): -1 | 0 | 1 {
  partsOf(a);
  partsOf(b);
  // Valid ISO dates sort as strings: fixed width, most significant field first.
  return a < b ? -1 : a > b ? 1 : 0;
}
