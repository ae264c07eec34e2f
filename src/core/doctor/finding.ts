/**
 * What `networth doctor` reports: one finding per check, built by the pure checks of
 * core/doctor from plain facts the command gathered (no file, database or clock is read here).
 */

/** An active item not updated for longer than this needs a sync. */
export const SYNC_STALE_HOURS = 48;
/** A manual account whose current value is older than this many days needs a new one. */
export const MANUAL_STALE_DAYS = 90;
/** A provider's monthly budget used to this share (in percent) is a warning. */
export const BUDGET_WARN_PERCENT = 80;

/** The checks, in the order they are printed. */
export const CHECK_NAMES = [
  "database",
  "key-file",
  "login",
  "items",
  "sync",
  "manual-values",
  "market-values",
  "budgets",
  "snapshot",
  "rates",
] as const;
export type CheckName = (typeof CHECK_NAMES)[number];

/**
 * How a check came out: ok; warn, something to see to soon that does not stop the tool (doctor
 * still exits 0); fail, something broken now (doctor exits 1).
 */
export type CheckStatus = "ok" | "warn" | "fail";

/** One check as --json prints it. */
export interface DoctorCheck {
  name: CheckName;
  status: CheckStatus;
  /** One line: what was found. */
  message: string;
  /** One line: what to run or do about it; null when nothing (or nothing known) fixes it. */
  fix: string | null;
  /** What the check found, one object per thing (an item, an account, a migration...). */
  details: Record<string, unknown>[];
}

/** A check and the lines that show its details on a terminal. */
export interface Finding {
  check: DoctorCheck;
  lines: string[];
}

export const ok = (
  name: CheckName,
  message: string,
  details: Record<string, unknown>[] = [],
  lines: string[] = [],
): Finding => ({ check: { name, status: "ok", message, fix: null, details }, lines });

export const warn = (
  name: CheckName,
  message: string,
  fix: string | null,
  details: Record<string, unknown>[] = [],
  lines: string[] = [],
): Finding => ({ check: { name, status: "warn", message, fix, details }, lines });

export const fail = (
  name: CheckName,
  message: string,
  fix: string | null,
  details: Record<string, unknown>[] = [],
  lines: string[] = [],
): Finding => ({ check: { name, status: "fail", message, fix, details }, lines });

export const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;

/** The short id the commands take for an item or an account. */
export const ref = (thing: { id: string }) => thing.id.slice(0, 8);
