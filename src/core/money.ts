/**
 * Money is integer cents (bigint) in TypeScript and NUMERIC(19,2) in the database, which
 * postgres.js hands over as a decimal string. Never a float.
 */

/** The largest magnitude NUMERIC(19,2) holds: 17 integer digits, 2 decimals. */
export const MAX_CENTS = 10n ** 19n - 1n;

const DECIMAL = /^(-?)(\d+)(?:\.(\d{1,2}))?$/;

/** Cents from a canonical decimal string such as the database returns ("-12.5", "3"). */
export function centsFromDecimal(text: string): bigint {
  const match = DECIMAL.exec(text.trim());
  if (!match) throw new Error(`not a decimal amount: ${JSON.stringify(text)}`);
  const [, sign, whole, fraction = ""] = match as unknown as [string, string, string, string?];
  const cents = BigInt(whole) * 100n + BigInt(fraction.padEnd(2, "0") || "0");
  return sign === "-" ? -cents : cents;
}

/** "1234.5" style: exact, at most two decimals, no trailing zeros, no exponent. */
export function decimalFromCents(cents: bigint): string {
  const negative = cents < 0n;
  const abs = negative ? -cents : cents;
  const whole = abs / 100n;
  const fraction = abs % 100n;
  let text = whole.toString();
  if (fraction !== 0n) text += `.${fraction.toString().padStart(2, "0").replace(/0$/, "")}`;
  return negative && abs !== 0n ? `-${text}` : text;
}

/** "1234.50": exact, always two decimals (CSV and the database). */
export function fixedFromCents(cents: bigint): string {
  const negative = cents < 0n;
  const abs = negative ? -cents : cents;
  const text = `${abs / 100n}.${(abs % 100n).toString().padStart(2, "0")}`;
  return negative ? `-${text}` : text;
}

// A per-process mark so no user-supplied string can pass for a money value in toJson().
const MARK = `\u2063m${Math.random().toString(36).slice(2, 10)}:`;
const MARKED = new RegExp(`"${MARK}(-?\\d+(?:\\.\\d{1,2})?)"`, "g");

/** A money value that serialises into JSON as an exact number (see toJson). */
export class Money {
  constructor(readonly cents: bigint) {}

  static fromDecimal(text: string): Money {
    return new Money(centsFromDecimal(text));
  }

  static nullable(text: string | null | undefined): Money | null {
    return text === null || text === undefined ? null : Money.fromDecimal(text);
  }

  toString(): string {
    return fixedFromCents(this.cents);
  }

  toJSON(): string {
    return `${MARK}${decimalFromCents(this.cents)}`;
  }
}

/** JSON.stringify, with Money printed as exact numbers: 1234.5, not "1234.50" or 1234.4999. */
export function stringifyWithMoney(value: unknown, indent = 2): string {
  return JSON.stringify(value, null, indent).replace(MARKED, "$1");
}
