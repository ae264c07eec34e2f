/**
 * The valuation rules (DESIGN.md, "Valuations"): from a method, the account's own values (its
 * anchors) and, for the index rule, the index's values, the dated values the rule generates.
 * Pure and exact (./exact.ts): cents are bigint, rates and index values exact decimals.
 *
 * A rule runs in segments. The first starts on the method's start date with the account's own
 * value of that date, or the basis; each later value of the account's own (entered, imported
 * or synced) starts a new segment from itself. A segment generates values on its rule's
 * dates strictly after its anchor and strictly before the next anchor:
 *   - depreciation / appreciation: on the m-th monthly anniversary of the anchor,
 *     V × (1 ∓ rate/100)^(m/12), depreciation never below the floor (it stops there);
 *   - index: on each index date, V × index(date) / index(anchor), index(anchor) being the
 *     index's value on or before the anchor's date;
 *   - amortization: on each payment date (monthly anniversaries of the first payment),
 *     interest round(balance × apr/1200), principal payment − interest + extra; the payment
 *     number `term`, or the first whose principal covers the balance, clears it to 0.00.
 */

import { gcd, parseRatio, type Ratio, roundDiv, scaleByPower } from "./exact.js";
import { addMonths } from "./months.js";

/** A method with every input resolved (as stored). Amounts in cents, rates decimal text. */
export type ValuationRule =
  | {
      readonly method: "depreciation";
      readonly start: string;
      readonly basis: bigint;
      readonly rate: string;
      readonly floor: bigint;
    }
  | {
      readonly method: "appreciation";
      readonly start: string;
      readonly basis: bigint;
      readonly rate: string;
    }
  | {
      readonly method: "index";
      readonly start: string;
      readonly basis: bigint;
      readonly index: string;
    }
  | {
      readonly method: "amortization";
      readonly start: string;
      /** The principal, owed on `start`. */
      readonly basis: bigint;
      readonly apr: string;
      readonly term: number;
      readonly firstPayment: string;
      readonly payment: bigint;
      readonly extra: bigint;
    }
  | {
      /** Σ quantity × price (./holdings.ts); start: the earliest holding's, basis unused (0). */
      readonly method: "holdings";
      readonly start: string;
      readonly basis: bigint;
    }
  | {
      /**
       * A car: depreciation (rate, floor) anchored on every value of its own, which include
       * the provider's price predictions (balances of source kbb_api, as the seed names it).
       */
      readonly method: "vehicle";
      readonly start: string;
      readonly basis: bigint;
      readonly rate: string;
      readonly floor: bigint;
    }
  | {
      /** A home's automated valuation: its values are the provider's lookups. */
      readonly method: "avm";
      readonly start: string;
      readonly basis: bigint;
    };

export type ValuationMethodName = ValuationRule["method"];

/** A dated value in cents. */
export interface DatedCents {
  readonly date: string;
  readonly cents: bigint;
}

/** One value of a price index. */
export interface IndexPoint {
  readonly date: string;
  readonly value: string;
}

/** A generated value, with the payment number for amortization. */
export interface GeneratedValue extends DatedCents {
  readonly payment?: number;
  /** Amortization: the interest and principal of this payment (for `valuation show`). */
  readonly interest?: bigint;
  readonly principal?: bigint;
}

/** The smaller of two amounts (Math.min takes no bigint). */
const least = (a: bigint, b: bigint) => (b < a ? b : a);

function ratio(text: string, what: string): Ratio {
  const r = parseRatio(text);
  if (!r) throw new RangeError(`${what} is not a decimal: ${JSON.stringify(text)}`);
  return r;
}

/** The level monthly payment of P cents at apr % over n months, rounded half-up to the cent. */
export function levelPayment(principal: bigint, apr: string, n: number): bigint {
  if (!Number.isSafeInteger(n) || n < 1) throw new RangeError("the term must be at least 1");
  const { n: an, d: ad } = ratio(apr, "apr");
  if (an === 0n) return roundDiv(principal, BigInt(n));
  // r = a/b; payment = P·r/(1 − (1+r)^−n) = P·a·(a+b)^n / (b·((a+b)^n − b^n)).
  const a = an;
  const b = ad * 1200n;
  const grown = (a + b) ** BigInt(n);
  return roundDiv(principal * a * grown, b * (grown - b ** BigInt(n)));
}

/** The index's value on or before `date`, or null. Points sorted by date. */
export function indexOn(points: readonly IndexPoint[], date: string): IndexPoint | null {
  let found: IndexPoint | null = null;
  for (const point of points) {
    if (point.date > date) break;
    found = point;
  }
  return found;
}

/**
 * The rule's values from its start through `until` (inclusive), lazily and in date order.
 * `own` is every value of the account that the rule did not generate, in any order; the
 * rule never generates a value on one of their dates. `index` holds the index's points
 * (sorted) for the index rule.
 */
export function* generate(
  rule: ValuationRule,
  own: readonly DatedCents[],
  until: string,
  index: readonly IndexPoint[] = [],
): Generator<GeneratedValue> {
  const later = own.filter((v) => v.date > rule.start).sort((x, y) => (x.date < y.date ? -1 : 1));
  const onStart = own.find((v) => v.date === rule.start);
  const anchors: DatedCents[] = [
    { date: rule.start, cents: onStart?.cents ?? rule.basis },
    ...later,
  ];
  for (let i = 0; i < anchors.length; i++) {
    const anchor = anchors[i] as DatedCents;
    const next = anchors[i + 1]?.date;
    const inSegment = (date: string) => date <= until && (next === undefined || date < next);
    yield* segment(rule, anchor, inSegment, index);
  }
}

function* segment(
  rule: ValuationRule,
  anchor: DatedCents,
  inSegment: (date: string) => boolean,
  index: readonly IndexPoint[],
): Generator<GeneratedValue> {
  switch (rule.method) {
    case "depreciation":
    case "vehicle":
    case "appreciation": {
      const rate = ratio(rule.rate, "rate");
      const q = 100n * rate.d;
      const p = rule.method === "appreciation" ? q + rate.n : q - rate.n;
      // A value already below the floor is not raised to it.
      const floor = rule.method === "appreciation" ? null : least(anchor.cents, rule.floor);
      for (let m = 1; ; m++) {
        const date = addMonths(anchor.date, m);
        if (!inSegment(date)) return;
        const value = scaleByPower(anchor.cents, p, q, m);
        if (floor !== null && value <= floor) {
          yield { date, cents: floor };
          return;
        }
        yield { date, cents: value };
      }
    }
    case "index": {
      const base = indexOn(index, anchor.date);
      if (!base)
        throw new RangeError(`index ${rule.index} has no value on or before ${anchor.date}`);
      const b = ratio(base.value, "index value");
      for (const point of index) {
        if (point.date <= anchor.date) continue;
        if (!inSegment(point.date)) return;
        const v = ratio(point.value, "index value");
        // V × (v.n/v.d) / (b.n/b.d)
        yield { date: point.date, cents: roundDiv(anchor.cents * v.n * b.d, v.d * b.n) };
      }
      return;
    }
    case "holdings":
    case "avm":
      // Its values come from the holdings and the day's prices (./holdings.ts), or from the
      // provider's lookups: not a rule.
      return;
    case "amortization": {
      const { n, d } = ratio(rule.apr, "apr");
      // The monthly rate a/b = apr/1200, in lowest terms (smaller numbers, the same value).
      const g = gcd(n, d * 1200n) || 1n;
      const a = n / g;
      const b = (d * 1200n) / g;
      let balance = anchor.cents;
      if (balance <= 0n) return;
      for (let k = 1; ; k++) {
        const date = addMonths(rule.firstPayment, k - 1);
        if (date <= anchor.date) continue;
        if (!inSegment(date)) return;
        const interest = roundDiv(balance * a, b);
        const principal = rule.payment - interest + rule.extra;
        if (k >= rule.term || principal >= balance) {
          yield { date, cents: 0n, payment: k, interest, principal: balance };
          return;
        }
        balance -= principal;
        yield { date, cents: balance, payment: k, interest, principal };
      }
    }
  }
}
