/**
 * A provider's valuation of a home or car, judged before it is kept: a positive amount
 * (rounded half-up to the cent), a range of positive amounts around it or none, and within
 * 100× of the last one (held back unless accepted). Exact (./fraction.ts).
 */

import { fixedFromCents } from "../money.js";
import { compare, type Fraction, parseFraction, roundScaled } from "./fraction.js";
import { JUMP_FACTOR } from "./holdings.js";

export type ValueVerdict =
  | {
      readonly ok: true;
      readonly value: string;
      readonly low: string | null;
      readonly high: string | null;
    }
  | { readonly ok: false; readonly reason: string; readonly heldBack: boolean };

const MAX = 10n ** 15n;

const amount = (raw: unknown): Fraction | null =>
  typeof raw === "string" ? parseFraction(raw) : null;

export function judgeValue(
  answer: { price: unknown; low: unknown; high: unknown },
  previousCents: bigint | null,
  accept = false,
): ValueVerdict {
  const price = amount(answer.price);
  if (!price) return { ok: false, reason: "the answer has no value", heldBack: false };
  const cents = roundScaled(price, 2);
  if (cents <= 0n)
    return {
      ok: false,
      reason: `a value of ${String(answer.price)} (not positive)`,
      heldBack: false,
    };
  if (cents >= MAX) return { ok: false, reason: "a value too large to be true", heldBack: false };
  const bound = (raw: unknown): string | null | false => {
    if (raw === undefined || raw === null) return null;
    const f = amount(raw);
    if (!f || f.n <= 0n || roundScaled(f, 2) >= MAX) return false;
    return fixedFromCents(roundScaled(f, 2));
  };
  const low = bound(answer.low);
  const high = bound(answer.high);
  if (low === false || high === false)
    return { ok: false, reason: "the answer's range is not two positive amounts", heldBack: false };
  if (previousCents !== null && previousCents > 0n && !accept) {
    const p = { n: previousCents, d: 1n };
    const c = { n: cents, d: 1n };
    if (
      compare(c, { n: previousCents * JUMP_FACTOR, d: 1n }) >= 0 ||
      compare({ n: cents * JUMP_FACTOR, d: 1n }, p) <= 0
    ) {
      return {
        ok: false,
        reason: `a value of ${fixedFromCents(cents)}, 100× or more away from the last (${fixedFromCents(previousCents)}): held back (revalue --accept applies it)`,
        heldBack: true,
      };
    }
  }
  return { ok: true, value: fixedFromCents(cents), low, high };
}
