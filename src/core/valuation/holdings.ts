/**
 * Holdings (DESIGN.md, "Valuations"): what an account holds by quantity, a coin (CoinGecko id)
 * or a metal (XAU gold, XAG silver; a weight in troy ounces, grams or kilograms, and a
 * purity), and the value it generates: on day d, Σ quantity × price(d) over the holdings
 * started by d, rounded half-up to the cent once, at the end. Exact (./fraction.ts).
 *
 * price(d) is the asset's price dated d or, inside its history, the latest before d (a
 * weekend of a metal's history); never past the asset's latest price: a holding whose
 * price is missing today leaves the account's last value in place (it is stale), and no
 * value is made up from an old price.
 */

import { UsageError, UserError } from "../../errors.js";
import { parseCsv } from "../csv.js";
import { isIsoDate } from "../dates.js";
import {
  add,
  compare,
  decimalText,
  divide,
  type Fraction,
  multiply,
  parseFraction,
  placesOf,
  roundScaled,
} from "./fraction.js";
import type { GeneratedValue } from "./rules.js";

export const METALS = ["XAU", "XAG"] as const;
export type Metal = (typeof METALS)[number];
export const UNITS = ["oz", "g", "kg"] as const;
export type WeightUnit = (typeof UNITS)[number];
export const METAL_NAMES: Record<Metal, string> = { XAU: "gold", XAG: "silver" };

/** Grams in a troy ounce, exactly. */
export const GRAMS_PER_TROY_OUNCE = "31.1034768";

/** Decimal places kept: quantities (crypto), weights, purities and prices. */
export const QUANTITY_PLACES = 18;
export const PURITY_PLACES = 6;
export const PRICE_PLACES = 12;

/** A price more than this many times the one before it (or less than 1/this) is held back. */
export const JUMP_FACTOR = 100n;

export interface Holding {
  readonly kind: "coin" | "metal";
  /** A CoinGecko id ("bitcoin") or a metal ("XAU"). */
  readonly asset: string;
  /** Exact decimal text: the coin's quantity or the metal's weight in `unit`. */
  readonly quantity: string;
  readonly unit: WeightUnit | null;
  /** 0 < purity <= 1 for metals; null for coins. */
  readonly purity: string | null;
  /** The first day it counts. */
  readonly start: string;
}

export interface DatedPrice {
  readonly date: string;
  /** Exact positive decimal text, USD per coin or per troy ounce. */
  readonly price: string;
}

const COIN_ID = /^[a-z0-9][a-z0-9._-]{0,99}$/;

/** A CoinGecko coin id, as CoinGecko spells them (lower case). */
export function parseCoinId(text: string): string {
  const id = text.trim();
  if (!COIN_ID.test(id)) {
    throw new UsageError(
      `--coin ${JSON.stringify(text)}: expected a CoinGecko coin id such as bitcoin or ethereum (lower case)`,
    );
  }
  return id;
}

export function parseMetal(text: string): Metal {
  const metal = text.trim().toUpperCase();
  if (!(METALS as readonly string[]).includes(metal))
    throw new UsageError(`--metal ${JSON.stringify(text)}: expected XAU (gold) or XAG (silver)`);
  return metal as Metal;
}

export function parseUnit(text: string): WeightUnit {
  if (!(UNITS as readonly string[]).includes(text))
    throw new UsageError(`--unit ${JSON.stringify(text)}: expected oz (troy ounces), g or kg`);
  return text as WeightUnit;
}

/** A positive decimal with at most `places` decimals, as canonical text ("0.5"). */
export function parseQuantity(text: string, option: string, places = QUANTITY_PLACES): string {
  const t = text.trim();
  const f = /^\d+(\.\d+)?$/.test(t) ? parseFraction(t) : null;
  if (!f || f.n <= 0n)
    throw new UsageError(
      `${option} ${JSON.stringify(text)}: expected a positive number such as 0.5`,
    );
  if (placesOf(t) > places) throw new UsageError(`${option}: at most ${places} decimals`);
  if ((t.split(".")[0] ?? "").replace(/^0+/, "").length > 20)
    throw new UsageError(`${option}: too large`);
  return decimalText(f, places);
}

/** A purity from 0 (excluded) to 1, with at most 6 decimals ("0.9999"). */
export function parsePurity(text: string): string {
  const t = text.trim();
  const f = /^\d+(\.\d+)?$/.test(t) ? parseFraction(t) : null;
  if (!f || f.n <= 0n || compare(f, { n: 1n, d: 1n }) > 0 || placesOf(t) > PURITY_PLACES) {
    throw new UsageError(
      `--purity ${JSON.stringify(text)}: expected a fraction above 0 and at most 1, such as 0.9999 (up to 6 decimals)`,
    );
  }
  return decimalText(f, PURITY_PLACES);
}

const fraction = (text: string): Fraction => {
  const f = parseFraction(text);
  if (!f) throw new RangeError(`not a decimal: ${JSON.stringify(text)}`);
  return f;
};

/** What one holding counts in priced units: coins, or fine troy ounces of metal. */
export function pricedUnits(h: Holding): Fraction {
  const q = fraction(h.quantity);
  if (h.kind === "coin") return q;
  const grams = fraction(GRAMS_PER_TROY_OUNCE);
  const ounces =
    h.unit === "oz"
      ? q
      : h.unit === "g"
        ? divide(q, grams)
        : divide(multiply(q, { n: 1000n, d: 1n }), grams);
  return multiply(ounces, fraction(h.purity ?? "1"));
}

/** "0.5 bitcoin", "10 oz XAU", "250 g XAG at 0.999". */
export function describeHolding(h: Holding): string {
  if (h.kind === "coin") return `${h.quantity} ${h.asset}`;
  const purity = h.purity !== null && h.purity !== "1" ? ` at ${h.purity}` : "";
  return `${h.quantity} ${h.unit} ${h.asset}${purity}`;
}

export interface HoldingsOutcome {
  readonly values: GeneratedValue[];
  /** The latest date valued (through `until`), or null when none. */
  readonly lastValued: string | null;
  /** The assets without a price on `until`, each with its latest price date (or null). */
  readonly missing: ReadonlyMap<string, string | null>;
}

/**
 * The values the holdings generate through `until` (inclusive), on every date some asset has
 * a price, skipping `skip` (the account's own values: never overwritten). A date is valued
 * only when every holding started by then has a price on or before it and none is past its
 * asset's latest price. `prices` holds each asset's prices sorted by date.
 */
export function holdingsValues(
  holdings: readonly Holding[],
  prices: ReadonlyMap<string, readonly DatedPrice[]>,
  skip: ReadonlySet<string>,
  until: string,
): HoldingsOutcome {
  const missing = new Map<string, string | null>();
  if (holdings.length === 0) return { values: [], lastValued: null, missing };
  const first = holdings.map((h) => h.start).sort()[0] ?? "";
  const assets = [...new Set(holdings.map((h) => h.asset))];
  const lists = new Map(assets.map((a) => [a, prices.get(a) ?? []]));
  for (const [asset, list] of lists) {
    const last = list.filter((p) => p.date <= until).at(-1)?.date ?? null;
    if (last !== until) missing.set(asset, last);
  }
  const dates = new Set<string>();
  for (const list of lists.values())
    for (const p of list) if (p.date >= first && p.date <= until) dates.add(p.date);
  const sorted = [...dates].sort();
  const units = holdings.map((h) => ({ h, units: pricedUnits(h) }));
  const parsed = new Map(
    [...lists].map(([asset, list]) => [
      asset,
      list.map((p) => ({ date: p.date, price: fraction(p.price) })),
    ]),
  );
  const cursor = new Map(assets.map((a) => [a, -1]));
  const values: GeneratedValue[] = [];
  for (const date of sorted) {
    for (const asset of assets) {
      const list = parsed.get(asset) ?? [];
      let i = cursor.get(asset) ?? -1;
      while (i + 1 < list.length && (list[i + 1]?.date ?? "") <= date) i++;
      cursor.set(asset, i);
    }
    if (skip.has(date)) continue;
    let total: Fraction = { n: 0n, d: 1n };
    let counted = 0;
    let complete = true;
    for (const { h, units: u } of units) {
      if (h.start > date) continue;
      const list = parsed.get(h.asset) ?? [];
      const i = cursor.get(h.asset) ?? -1;
      const point = list[i];
      const last = list.at(-1);
      if (!point || !last || last.date < date) {
        complete = false;
        break;
      }
      total = add(total, multiply(u, point.price));
      counted++;
    }
    if (!complete || counted === 0) continue;
    values.push({ date, cents: roundScaled(total, 2) });
  }
  return { values, lastValued: values.at(-1)?.date ?? null, missing };
}

/** Why a price from a provider is refused, or null when it is fine. */
export type PriceVerdict =
  | { readonly ok: true; readonly price: string }
  | { readonly ok: false; readonly reason: string; readonly heldBack: boolean };

/**
 * A provider's price judged: a positive exact decimal (kept to 12 places), and within 100×
 * of the one before it (`previous`), unless `accept`.
 */
export function judgePrice(raw: unknown, previous: string | null, accept = false): PriceVerdict {
  const f = typeof raw === "string" ? parseFraction(raw) : null;
  if (!f) return { ok: false, reason: "the answer has no price", heldBack: false };
  if (f.n <= 0n) return { ok: false, reason: `a price of ${raw} (not positive)`, heldBack: false };
  if (roundScaled(f, PRICE_PLACES) === 0n)
    return { ok: false, reason: `a price of ${raw} (too small to keep)`, heldBack: false };
  if (compare(f, { n: 10n ** 17n, d: 1n }) >= 0)
    return { ok: false, reason: `a price of ${raw} (too large)`, heldBack: false };
  const price = decimalText(f, PRICE_PLACES);
  if (previous !== null && !accept) {
    const before = fraction(previous);
    const up = compare(f, multiply(before, { n: JUMP_FACTOR, d: 1n })) >= 0;
    const down = compare(multiply(f, { n: JUMP_FACTOR, d: 1n }), before) <= 0;
    if (up || down) {
      return {
        ok: false,
        reason: `a price of ${price}, ${up ? "100× or more above" : "100× or more below"} the one before (${previous}): held back (revalue --accept applies it)`,
        heldBack: true,
      };
    }
  }
  return { ok: true, price };
}

export interface ImportedPrice {
  readonly asset: string;
  readonly date: string;
  readonly price: string;
}

/** An asset name in a price file or command: a metal (XAU, XAG) or a coin id. */
export function parseAsset(text: string): string {
  const t = text.trim();
  if ((METALS as readonly string[]).includes(t.toUpperCase())) return t.toUpperCase();
  if (COIN_ID.test(t)) return t;
  throw new UsageError(
    `asset ${JSON.stringify(text)}: expected XAU, XAG or a CoinGecko coin id such as bitcoin`,
  );
}

/**
 * A price file: `asset,date,price` per line (a header line allowed), USD, ISO dates, positive
 * decimals with at most 12 places, one price per asset and date. Any problem is a UserError
 * naming its line.
 */
export function parsePriceCsv(text: string): ImportedPrice[] {
  const { rows } = parseCsv(text);
  const out: ImportedPrice[] = [];
  const seen = new Map<string, number>();
  for (const [i, row] of rows.entries()) {
    const [asset = "", date = "", price = ""] = row.fields.map((f) => f.trim());
    if (i === 0 && /^asset$/i.test(asset)) continue;
    const at = `line ${row.line}`;
    if (row.fields.length !== 3) throw new UserError(`${at}: expected asset,date,price`);
    let name: string;
    try {
      name = parseAsset(asset);
    } catch (error) {
      throw new UserError(`${at}: ${(error as Error).message}`);
    }
    if (!isIsoDate(date))
      throw new UserError(`${at}: ${JSON.stringify(date)} is not a YYYY-MM-DD date`);
    const f = /^\d+(\.\d+)?$/.test(price) ? parseFraction(price) : null;
    if (!f || f.n <= 0n)
      throw new UserError(`${at}: price ${JSON.stringify(price)} is not a positive number`);
    if (placesOf(price) > PRICE_PLACES) throw new UserError(`${at}: at most 12 decimals`);
    if (compare(f, { n: 10n ** 17n, d: 1n }) >= 0) throw new UserError(`${at}: price too large`);
    const key = `${name} ${date}`;
    const before = seen.get(key);
    if (before !== undefined)
      throw new UserError(`${at}: a second price for ${name} on ${date} (line ${before})`);
    seen.set(key, row.line);
    out.push({ asset: name, date, price: decimalText(f, PRICE_PLACES) });
  }
  if (out.length === 0) throw new UserError("the price file has no prices");
  return out;
}
