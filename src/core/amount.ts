/**
 * Amounts typed by a user (command-line options, CSV cells) to integer cents, and cents back to
 * display text. Strict on purpose: a typo in a balance must be an error, never a silently
 * different number, so nothing is rounded and no locale is guessed.
 */

import { UsageError } from "../errors.js";
import { MAX_CENTS } from "./money.js";

/** Options for parseAmount. */
export interface ParseAmountOptions {
  /** Accept a leading minus ("-12", "-$12"). Off by default: most amounts are never negative. */
  allowNegative?: boolean;
}

// The first group may not start with 0: "0,500" is more likely a European 0.5 than 500.
const GROUPED = /^[1-9][0-9]{0,2}(?:,[0-9]{3})+$/;
const PLAIN = /^[0-9]+$/;
const ALLOWED = /^[0-9.,]$/;
const ANY_DIGIT = /^\p{Nd}$/u;
const SPACE = /^\s$/;
/**
 * The most accounts one user can have (migration 0005 enforces it in the database). With
 * MAX_AMOUNT_CENTS per balance, MAX_ACCOUNTS_PER_USER * MAX_AMOUNT_CENTS < 10^19 cents: every
 * snapshot total (a sum of absolute balances of one user's accounts on one day) fits
 * NUMERIC(19,2), so no amount accepted here can make a later write fail.
 */
export const MAX_ACCOUNTS_PER_USER = 10_000;
/** The largest amount of a balance, either sign: 9,999,999,999,999.99 (under 10^13). */
export const MAX_AMOUNT_CENTS = 10n ** 15n - 1n;
/** MAX_AMOUNT_CENTS as the user reads it. */
export const AMOUNT_LIMIT_TEXT = "9,999,999,999,999.99";
if (MAX_AMOUNT_CENTS * BigInt(MAX_ACCOUNTS_PER_USER) > MAX_CENTS) {
  throw new Error("the amount limit does not keep snapshot totals within NUMERIC(19,2)");
}
/** MAX_AMOUNT_CENTS has 13 integer digits; anything longer (after leading zeros) is too large. */
const MAX_WHOLE_DIGITS = (MAX_AMOUNT_CENTS / 100n).toString().length;

/**
 * Integer cents from user text such as "450000", "$450,000.50", "12.5" or (with allowNegative)
 * "-$12", at most MAX_AMOUNT_CENTS either way. Throws a UsageError naming the rule that failed, quoting the text.
 */
export function parseAmount(text: string, options: ParseAmountOptions = {}): bigint {
  const fail = (why: string): never => {
    throw new UsageError(`invalid amount ${JSON.stringify(text)}: ${why}`);
  };

  let rest = text.trim();
  if (rest === "") return fail("expected a number such as 1234.56");

  const negative = rest.startsWith("-") || rest.startsWith("$-");
  if (negative && !options.allowNegative) fail("negative values are not allowed here");
  if (rest.startsWith("$-")) fail("write the minus sign before the $, as in -$12");
  if (rest.startsWith("-")) rest = rest.slice(1);
  if (rest.startsWith("$")) rest = rest.slice(1);

  for (const char of rest) {
    if (ALLOWED.test(char)) continue;
    if (char === "$") fail("at most one $, before the digits");
    if (char === "-") fail("a minus sign is only allowed at the start");
    if (char === "+") fail("a plus sign is not allowed");
    if (SPACE.test(char)) fail("spaces are not allowed inside an amount");
    if (ANY_DIGIT.test(char)) fail("only the digits 0-9 are allowed");
    fail(`unexpected character ${JSON.stringify(char)}`);
  }

  const parts = rest.split(".");
  if (parts.length > 2) fail("more than one decimal point");
  const [whole = "", fraction] = parts;

  if (whole === "") {
    fail(fraction === undefined ? "expected digits" : "expected a digit before the decimal point");
  }
  if (fraction !== undefined) {
    if (fraction === "") fail("expected digits after the decimal point");
    if (fraction.includes(",")) fail("commas are not allowed after the decimal point");
    if (fraction.length > 2) fail("at most two decimals");
  }
  if (!PLAIN.test(whole) && !GROUPED.test(whole)) {
    fail("commas must separate groups of three digits, as in 1,234,567");
  }

  const digits = whole.replaceAll(",", "").replace(/^0+(?=.)/, "");
  // Checked before BigInt() so a megabyte of digits costs nothing.
  const tooLarge = `larger than ${AMOUNT_LIMIT_TEXT}, the largest amount allowed`;
  if (digits.length > MAX_WHOLE_DIGITS) fail(tooLarge);
  const cents = BigInt(digits) * 100n + BigInt((fraction ?? "").padEnd(2, "0"));
  if (cents > MAX_AMOUNT_CENTS) fail(tooLarge);
  return negative ? -cents : cents;
}

/**
 * The symbols en-US gives in currency format (Intl.NumberFormat, Node 20's ICU), for every
 * ISO 4217 code that has one; any other code is shown as itself. A table instead of Intl: the
 * first Intl formatter of a process costs ~20 ms to load ICU's data, a tenth of a short
 * command (issue 16), and the table cannot change under the user with a Node upgrade.
 */
const SYMBOLS: Readonly<Record<string, string>> = {
  AUD: "A$",
  BRL: "R$",
  CAD: "CA$",
  CNY: "CN¥",
  EUR: "€",
  GBP: "£",
  HKD: "HK$",
  ILS: "₪",
  INR: "₹",
  JPY: "¥",
  KRW: "₩",
  MXN: "MX$",
  NZD: "NZ$",
  PHP: "₱",
  TWD: "NT$",
  USD: "$",
  VND: "₫",
  XAF: "FCFA",
  XCD: "EC$",
  XCG: "Cg.",
  XOF: "F\u202fCFA",
  XPF: "CFPF",
};

/** The display prefix for a currency code: "$" for USD, "€" for EUR, "CHF " when no symbol. */
function currencyPrefix(currency: string): string {
  const symbol = Object.hasOwn(SYMBOLS, currency) ? (SYMBOLS[currency] as string) : currency;
  return /\p{L}$/u.test(symbol) ? `${symbol} ` : symbol;
}

/**
 * Cents for display: "$1,234.50", "-$1,234.50". Exact (bigint arithmetic only); always two
 * decimals. For USD the result parses back with parseAmount (allowNegative for negatives).
 */
export function formatAmount(cents: bigint, currency = "USD"): string {
  const negative = cents < 0n;
  const abs = negative ? -cents : cents;
  const whole = (abs / 100n).toString().replace(/\B(?=(?:[0-9]{3})+$)/g, ",");
  const text = `${currencyPrefix(currency)}${whole}.${(abs % 100n).toString().padStart(2, "0")}`;
  return negative ? `-${text}` : text;
}
