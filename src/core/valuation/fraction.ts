/**
 * Exact fractions for market values (quantities, prices, weights): BigInt numerator and
 * denominator, any decimal text in (exponents too, as JSON numbers may have them), decimal
 * text out rounded half-up (away from zero) to the places asked. Never a float.
 */

import { gcd, roundDiv } from "./exact.js";

export interface Fraction {
  readonly n: bigint;
  /** Positive. */
  readonly d: bigint;
}

const DECIMAL = /^([+-]?)(\d+)(?:\.(\d*))?(?:[eE]([+-]?\d{1,4}))?$/;

/** A decimal ("0.5", "-3", "1.2e-5", "67187.33") as an exact fraction; null if not one. */
export function parseFraction(text: string): Fraction | null {
  const m = DECIMAL.exec(text.trim());
  if (!m) return null;
  const fraction = m[3] ?? "";
  const exponent = Number(m[4] ?? "0") - fraction.length;
  let n = BigInt(`${m[2]}${fraction}`);
  if (m[1] === "-") n = -n;
  return exponent >= 0
    ? { n: n * 10n ** BigInt(exponent), d: 1n }
    : reduce({ n, d: 10n ** BigInt(-exponent) });
}

export function reduce({ n, d }: Fraction): Fraction {
  const g = gcd(n, d) || 1n;
  return { n: n / g, d: d / g };
}

export const multiply = (a: Fraction, b: Fraction): Fraction =>
  reduce({ n: a.n * b.n, d: a.d * b.d });
export const divide = (a: Fraction, b: Fraction): Fraction => {
  if (b.n === 0n) throw new RangeError("division by zero");
  return reduce(b.n < 0n ? { n: -a.n * b.d, d: a.d * -b.n } : { n: a.n * b.d, d: a.d * b.n });
};
export const add = (a: Fraction, b: Fraction): Fraction =>
  reduce({ n: a.n * b.d + b.n * a.d, d: a.d * b.d });

/** The fraction rounded half-up to `places` decimals, as the scaled integer. */
export function roundScaled(f: Fraction, places: number): bigint {
  return roundDiv(f.n * 10n ** BigInt(places), f.d);
}

/** Decimal text of the fraction rounded half-up to `places`, trailing zeros dropped ("0.5"). */
export function decimalText(f: Fraction, places: number): string {
  const scaled = roundScaled(f, places);
  const negative = scaled < 0n;
  const digits = (negative ? -scaled : scaled).toString().padStart(places + 1, "0");
  const whole = places === 0 ? digits : digits.slice(0, -places);
  const part = places === 0 ? "" : digits.slice(-places).replace(/0+$/, "");
  return `${negative ? "-" : ""}${whole}${part ? `.${part}` : ""}`;
}

/** The number of decimal places a plain decimal text has ("0.125" → 3). */
export function placesOf(text: string): number {
  const dot = text.indexOf(".");
  return dot < 0 ? 0 : text.length - dot - 1;
}

/** a compared with b: -1, 0 or 1. */
export function compare(a: Fraction, b: Fraction): number {
  const l = a.n * b.d;
  const r = b.n * a.d;
  return l < r ? -1 : l > r ? 1 : 0;
}
