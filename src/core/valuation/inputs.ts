/**
 * What `valuation set` and `index import` accept, checked before anything is written: bad
 * input is one clear line (a UsageError, exit 2, for what the command line alone shows; a
 * UserError, exit 1, for what the account's data shows).
 */

import { UsageError, UserError } from "../../errors.js";
import { refuseLinked } from "../account-ref.js";
import { formatAmount } from "../amount.js";
import { parseCsv } from "../csv.js";
import { isIsoDate } from "../dates.js";
import { parseRatio, ratioText } from "./exact.js";
import { addMonths } from "./months.js";
import { type DatedCents, type IndexPoint, levelPayment, type ValuationRule } from "./rules.js";

export const METHODS = ["depreciation", "appreciation", "index", "amortization"] as const;

/** The options of `valuation set`, as parsed (amounts in cents, dates ISO). */
export interface SetOptions {
  method: (typeof METHODS)[number];
  rate?: string | undefined;
  start?: string | undefined;
  basis?: bigint | undefined;
  floor?: bigint | undefined;
  index?: string | undefined;
  apr?: string | undefined;
  term?: string | undefined;
  firstPayment?: string | undefined;
  principal?: bigint | undefined;
  payment?: bigint | undefined;
  extra?: bigint | undefined;
}

const ALLOWED: Record<SetOptions["method"], readonly (keyof SetOptions)[]> = {
  depreciation: ["rate", "start", "basis", "floor"],
  appreciation: ["rate", "start", "basis"],
  index: ["index", "start", "basis"],
  amortization: ["apr", "term", "firstPayment", "principal", "payment", "extra"],
};
const REQUIRED: Record<SetOptions["method"], readonly (keyof SetOptions)[]> = {
  depreciation: ["rate"],
  appreciation: ["rate"],
  index: ["index"],
  amortization: ["apr", "term", "firstPayment"],
};

const flag = (key: string) => `--${key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;

/** An annual percentage from 0 to 100 with at most 4 decimals, as canonical text ("4.5"). */
export function parsePercent(text: string, option: string): string {
  const r = parseRatio(text);
  const fail = () => {
    throw new UsageError(
      `${option} ${JSON.stringify(text)}: expected an annual percentage from 0 to 100, such as 15 or 4.5`,
    );
  };
  if (!r || r.d > 10_000n || r.n > 100n * r.d) return fail();
  return ratioText(r);
}

/** A loan term in months: 1 to 600. */
export function parseTerm(text: string): number {
  if (!/^\d+$/.test(text.trim()) || Number(text) < 1 || Number(text) > 600) {
    throw new UsageError(
      `--term ${JSON.stringify(text)}: expected a number of months from 1 to 600`,
    );
  }
  return Number(text);
}

/** The account facts a method must fit. */
export interface AccountFacts {
  readonly name: string;
  readonly side: "asset" | "liability";
  readonly isManual: boolean;
  readonly isActive: boolean;
  /** Its own values (every source but the rules'), in date order. */
  readonly own: readonly DatedCents[];
}

/** Refuses options of another method and missing required ones (before any database work). */
export function checkOptions(options: SetOptions): void {
  for (const key of Object.keys(options) as (keyof SetOptions)[]) {
    if (key === "method" || options[key] === undefined) continue;
    if (!ALLOWED[options.method].includes(key)) {
      throw new UsageError(`${flag(key)} does not apply to --method ${options.method}`);
    }
  }
  for (const key of REQUIRED[options.method]) {
    if (options[key] === undefined) {
      throw new UsageError(`--method ${options.method} needs ${flag(key)}`);
    }
  }
}

/**
 * The rule that `valuation set` stores for this account, every default resolved: --start is
 * the first value's date, --basis the value in effect on --start; an amortized loan starts
 * on its first value with --principal (default: that value) and --payment (default: the
 * level payment). `indexPoints` are the named index's values (the command checks it exists).
 */
export function buildRule(
  options: SetOptions,
  account: AccountFacts,
  indexPoints: readonly IndexPoint[] = [],
): ValuationRule {
  checkOptions(options);
  refuseLinked(account);
  if (!account.isActive) throw new UserError(`${account.name} is archived`);
  const isLoan = options.method === "amortization";
  if (isLoan && account.side !== "liability") {
    throw new UserError(`amortization is for loans: ${account.name} is an asset`);
  }
  if (!isLoan && account.side !== "asset") {
    throw new UserError(
      `${options.method} is for assets: ${account.name} is a liability (use --method amortization)`,
    );
  }
  const first = account.own[0];
  if (!first)
    throw new UserError(`${account.name} has no value yet: set one with networth set-balance`);

  if (options.method === "amortization") {
    const start = first.date;
    const firstPayment = options.firstPayment as string;
    if (firstPayment <= start) {
      throw new UserError(
        `--first-payment ${firstPayment} is not after the loan's first balance (${start}); payments start after it`,
      );
    }
    const principal = options.principal ?? first.cents;
    if (options.principal !== undefined && options.principal !== first.cents) {
      throw new UserError(
        `--principal ${formatAmount(options.principal)} differs from the loan's first balance (${formatAmount(first.cents)} on ${start}): correct that balance instead`,
      );
    }
    if (principal <= 0n) throw new UserError(`${account.name} owes nothing on ${start}`);
    const apr = parsePercent(options.apr as string, "--apr");
    const term = parseTerm(options.term as string);
    const payment = options.payment ?? levelPayment(principal, apr, term);
    if (payment <= 0n) throw new UsageError("--payment must be more than 0");
    return {
      method: "amortization",
      start,
      basis: principal,
      apr,
      term,
      firstPayment,
      payment,
      extra: options.extra ?? 0n,
    };
  }

  const start = options.start ?? first.date;
  const onStart = account.own.find((v) => v.date === start);
  const inEffect = [...account.own].reverse().find((v) => v.date <= start);
  if (options.basis !== undefined && onStart && onStart.cents !== options.basis) {
    throw new UserError(
      `${account.name} already has a value of its own on ${start} (${formatAmount(onStart.cents)}): --basis gives the value of a start date without one`,
    );
  }
  const basis = options.basis ?? inEffect?.cents;
  if (basis === undefined) {
    throw new UserError(`${account.name} has no value on or before ${start}: give --basis`);
  }
  if (options.method === "index") {
    const name = options.index as string;
    if (!indexPoints.some((p) => p.date <= start)) {
      throw new UserError(`index ${name} has no value on or before ${start}, the start`);
    }
    return { method: "index", start, basis, index: name };
  }
  const rate = parsePercent(options.rate as string, "--rate");
  if (options.method === "appreciation") return { method: "appreciation", start, basis, rate };
  return { method: "depreciation", start, basis, rate, floor: options.floor ?? 0n };
}

/**
 * An index file: `date,value` per line (a header line is allowed), ISO dates, positive
 * decimal values, one value per calendar month with no month missing. Any problem is a
 * UserError naming its line.
 */
export function parseIndexCsv(text: string): IndexPoint[] {
  const { rows } = parseCsv(text);
  const points: (IndexPoint & { line: number })[] = [];
  for (const [i, row] of rows.entries()) {
    const [date = "", value = ""] = row.fields.map((f) => f.trim());
    if (i === 0 && !isIsoDate(date) && /date/i.test(date)) continue;
    const at = `line ${row.line}`;
    if (row.fields.length !== 2) throw new UserError(`${at}: expected date,value`);
    if (!isIsoDate(date))
      throw new UserError(`${at}: ${JSON.stringify(date)} is not a YYYY-MM-DD date`);
    const r = /^-?\d+(\.\d+)?$/.test(value) ? parseRatio(value.replace(/^-/, "")) : null;
    if (!r || value.startsWith("-") || r.n === 0n) {
      throw new UserError(`${at}: index value ${JSON.stringify(value)} is not a positive number`);
    }
    if (r.d > 1_000_000n) throw new UserError(`${at}: at most 6 decimals`);
    points.push({ date, value: ratioText(r), line: row.line });
  }
  if (points.length === 0) throw new UserError("the index file has no values");
  points.sort((a, b) => (a.date < b.date ? -1 : a.date > b.date ? 1 : 0));
  for (let i = 1; i < points.length; i++) {
    const before = points[i - 1] as IndexPoint & { line: number };
    const point = points[i] as IndexPoint & { line: number };
    const month = (d: string) => d.slice(0, 7);
    if (month(before.date) === month(point.date)) {
      throw new UserError(
        `line ${point.line}: a second value for ${month(point.date)} (one value per month)`,
      );
    }
    const expected = month(addMonths(`${month(before.date)}-01`, 1));
    if (month(point.date) !== expected) {
      throw new UserError(
        `line ${point.line}: the index has a gap: no value for ${expected} (one value per month, no month missing)`,
      );
    }
  }
  return points.map(({ date, value }) => ({ date, value }));
}
