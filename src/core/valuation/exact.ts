/**
 * Exact arithmetic for the valuation rules, in BigInt only: every rule's value is a rational
 * number, or (for depreciation and appreciation between whole years) the 12th root of one,
 * and each is rounded half-up (half away from zero, as SQL's round() on numeric) to the
 * cent from its exact value. Floats appear only as a search hint for a root, never in a
 * result: every root is checked exactly before it is returned.
 */

/** A non-negative exact decimal as a fraction n / d with d a power of ten. */
export interface Ratio {
  readonly n: bigint;
  readonly d: bigint;
}

const DECIMAL = /^(\d+)(?:\.(\d+))?$/;

/** A non-negative decimal string ("15", "4.5", "0.0025") as an exact ratio; null if not one. */
export function parseRatio(text: string): Ratio | null {
  const match = DECIMAL.exec(text.trim());
  if (!match) return null;
  const fraction = match[2] ?? "";
  return { n: BigInt(`${match[1]}${fraction}`), d: 10n ** BigInt(fraction.length) };
}

/** The decimal text of a ratio whose denominator is a power of ten ("4.5", "15"). */
export function ratioText({ n, d }: Ratio): string {
  const places = d.toString().length - 1;
  if (places === 0) return n.toString();
  const digits = n.toString().padStart(places + 1, "0");
  const text = `${digits.slice(0, -places)}.${digits.slice(-places)}`;
  return text.replace(/0+$/, "").replace(/\.$/, "");
}

/** num / den rounded half away from zero to an integer (den non-zero). */
export function roundDiv(num: bigint, den: bigint): bigint {
  if (den === 0n) throw new RangeError("division by zero");
  if (den < 0n) return roundDiv(-num, -den);
  const negative = num < 0n;
  const abs = negative ? -num : num;
  const q = (2n * abs + den) / (2n * den);
  return negative ? -q : q;
}

/** The greatest common divisor of two non-negative integers. */
export function gcd(a: bigint, b: bigint): bigint {
  let [x, y] = [a < 0n ? -a : a, b < 0n ? -b : b];
  while (y !== 0n) [x, y] = [y, x % y];
  return x;
}

function bitLength(x: bigint): number {
  return x.toString(2).length;
}

/** The largest integer r with r^k <= z (z >= 0, k >= 1). */
export function integerRoot(z: bigint, k: number, hint?: number): bigint {
  if (z < 0n) throw new RangeError("root of a negative number");
  if (k === 1 || z < 2n) return z;
  const K = BigInt(k);
  const fits = (r: bigint) => r ** K <= z;
  // Newton's iteration from above converges monotonically to the floor of the root; start
  // just above the float hint when there is one, else at a power of two above the root.
  let x =
    hint !== undefined && Number.isFinite(hint) && hint > 0 && hint < 2 ** 52
      ? BigInt(Math.ceil(hint * (1 + 1e-9))) + 2n
      : 1n << BigInt(Math.ceil(bitLength(z) / k) + 1);
  if (!(x ** K > z)) x = 1n << BigInt(Math.ceil(bitLength(z) / k) + 1);
  for (;;) {
    const next = ((K - 1n) * x + z / x ** (K - 1n)) / K;
    if (next >= x) break;
    x = next;
  }
  // Exact check: the float hint only chose where to start.
  while (!fits(x)) x -= 1n;
  while (fits(x + 1n)) x += 1n;
  return x;
}

/**
 * cents × (p/q)^(months/12), rounded half away from zero to the cent, exactly: with
 * Z = (2·|cents|)^12 · p^months / q^months, the root y = Z^(1/12) is twice the exact value, and
 * round-half-up of y/2 is floor((floor(y) + 1) / 2) (floor(y) = integerRoot(floor(Z), 12)).
 */
export function scaleByPower(cents: bigint, p: bigint, q: bigint, months: number): bigint {
  if (months < 0 || !Number.isSafeInteger(months)) throw new RangeError("months must be >= 0");
  if (p < 0n || q <= 0n) throw new RangeError("the factor must be non-negative");
  // 850000/1000000 as 17/20: the same value, far smaller powers.
  const g = gcd(p, q);
  if (g > 1n) {
    p /= g;
    q /= g;
  }
  const negative = cents < 0n;
  const abs = negative ? -cents : cents;
  let result: bigint;
  if (months % 12 === 0) {
    const years = BigInt(months / 12);
    result = roundDiv(abs * p ** years, q ** years);
  } else {
    const m = BigInt(months);
    const z = ((2n * abs) ** 12n * p ** m) / q ** m;
    const hint = 2 * Number(abs) * (Number(p) / Number(q)) ** (months / 12);
    const y = integerRoot(z, 12, hint);
    result = (y + 1n) / 2n;
  }
  return negative ? -result : result;
}
