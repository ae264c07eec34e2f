/**
 * Currency codes and exchange rates (issue 13). A rate is an exact decimal string, "1 base =
 * rate quote", positive, at most 14 integer digits and 10 decimals (NUMERIC(24,10)). Never a
 * float.
 */

import { UsageError, UserError } from "../errors.js";
import { CsvSyntaxError, parseCsv } from "./csv.js";
import { isIsoDate } from "./dates.js";

/** ISO 4217 active codes (2024), plus the precious metals' X codes. */
const ISO_4217 = new Set(
  (
    "AED AFN ALL AMD ANG AOA ARS AUD AWG AZN BAM BBD BDT BGN BHD BIF BMD BND BOB BRL BSD BTN " +
    "BWP BYN BZD CAD CDF CHF CLP CNY COP CRC CUP CVE CZK DJF DKK DOP DZD EGP ERN ETB EUR FJD " +
    "FKP GBP GEL GHS GIP GMD GNF GTQ GYD HKD HNL HTG HUF IDR ILS INR IQD IRR ISK JMD JOD JPY " +
    "KES KGS KHR KMF KPW KRW KWD KYD KZT LAK LBP LKR LRD LSL LYD MAD MDL MGA MKD MMK MNT MOP " +
    "MRU MUR MVR MWK MXN MYR MZN NAD NGN NIO NOK NPR NZD OMR PAB PEN PGK PHP PKR PLN PYG QAR " +
    "RON RSD RUB RWF SAR SBD SCR SDG SEK SGD SHP SLE SLL SOS SRD SSP STN SVC SYP SZL THB TJS " +
    "TMT TND TOP TRY TTD TWD TZS UAH UGX USD UYU UZS VES VND VUV WST XAF XCD XOF XPF YER ZAR " +
    "ZMW ZWL XAU XAG XPT XPD " +
    // Historical codes the ECB's reference-rate file carries.
    "CYP EEK LTL LVL MTL ROL SIT SKK TRL"
  ).split(" "),
);

const CODE = /^[A-Z]{3}$/;

/** True for a code of the right form (three capital letters). */
export function isCurrencyCode(text: string): boolean {
  return CODE.test(text);
}

/** True for an ISO 4217 code networth knows. */
export function isIsoCurrency(code: string): boolean {
  return ISO_4217.has(code);
}

/**
 * A currency the user typed ("eur" is accepted as EUR): a known ISO 4217 code, or one line
 * naming what is wrong. `what` names the flag or argument.
 */
export function parseCurrency(text: string, what: string): string {
  const code = text.trim().toUpperCase();
  if (!isCurrencyCode(code)) {
    throw new UsageError(
      `invalid ${what} ${JSON.stringify(text)}: a currency is a three-letter ISO 4217 code, e.g. EUR`,
    );
  }
  if (!isIsoCurrency(code)) {
    throw new UsageError(`unknown currency ${code} (${what}): not an ISO 4217 code`);
  }
  return code;
}

/** A pair typed as EUR/USD, EUR-USD, EURUSD or "EUR USD". */
export function parsePair(text: string): { base: string; quote: string } {
  const compact = text
    .trim()
    .toUpperCase()
    .replace(/[\s/-]+/g, "");
  if (!/^[A-Z]{6}$/.test(compact)) {
    throw new UsageError(`invalid pair ${JSON.stringify(text)}: give two currencies, e.g. EUR/USD`);
  }
  const base = parseCurrency(compact.slice(0, 3), "pair");
  const quote = parseCurrency(compact.slice(3), "pair");
  if (base === quote) throw new UsageError(`invalid pair ${base}/${quote}: the same currency`);
  return { base, quote };
}

const RATE = /^(\d{1,14})(?:\.(\d{1,10}))?$/;

/** A rate's canonical text ("1.085"), or null when it is not a positive decimal that fits. */
export function rateOrNull(text: string): string | null {
  const match = RATE.exec(text.trim());
  if (!match) return null;
  const whole = (match[1] ?? "0").replace(/^0+(?=\d)/, "");
  const fraction = (match[2] ?? "").replace(/0+$/, "");
  if (/^0+$/.test(whole) && fraction === "") return null;
  return fraction ? `${whole}.${fraction}` : whole;
}

/** A rate the user typed: positive, exact, at most 10 decimals; else one line. */
export function parseRate(text: string): string {
  const rate = rateOrNull(text);
  if (rate === null) {
    throw new UsageError(
      `invalid rate ${JSON.stringify(text)}: a positive decimal with at most 10 decimals, e.g. 1.0850`,
    );
  }
  return rate;
}

/** One published rate: 1 base = rate quote on date. */
export interface RateRow {
  readonly base: string;
  readonly quote: string;
  readonly date: string;
  readonly rate: string;
}

/** The most rows one file may hold (the ECB's history since 1999 is about 200,000). */
export const MAX_RATE_ROWS = 2_000_000;

/**
 * The ECB's reference-rate file (eurofxref-hist.csv, or the daily eurofxref.csv): a header
 * `Date,USD,JPY,…` and one line per business day of rates per euro; "N/A" or an empty cell is
 * no rate that day. All or nothing: the first bad line is one error naming its line.
 */
export function parseEcbCsv(text: string): RateRow[] {
  let records: ReturnType<typeof parseCsv>["rows"];
  try {
    records = parseCsv(text, { maxFields: 200 }).rows;
  } catch (error) {
    if (error instanceof CsvSyntaxError) throw new UserError(`bad rate file: ${error.message}`);
    throw error;
  }
  const [header, ...lines] = records;
  const columns = header?.fields.map((f) => f.trim()) ?? [];
  if (columns[0] !== "Date") {
    throw new UserError(
      "bad rate file: line 1 is not the ECB's header (Date,USD,JPY,…): expected its first column to be Date",
    );
  }
  const quotes = columns.slice(1);
  quotes.forEach((code, i) => {
    if (code === "" && i === quotes.length - 1) return; // the ECB ends each line with a comma
    if (!isCurrencyCode(code)) {
      throw new UserError(
        `bad rate file: line 1, column ${i + 2}: ${JSON.stringify(code)} is not a currency code`,
      );
    }
    if (code === "EUR") throw new UserError("bad rate file: line 1: a rate of EUR per euro");
  });
  if (new Set(quotes.filter((q) => q !== "")).size !== quotes.filter((q) => q !== "").length) {
    throw new UserError("bad rate file: line 1 names a currency twice");
  }
  const rows: RateRow[] = [];
  const seen = new Map<string, number>();
  for (const { line, fields } of lines) {
    const date = (fields[0] ?? "").trim();
    if (!isIsoDate(date)) {
      throw new UserError(
        `bad rate file: line ${line}: ${JSON.stringify(date)} is not a YYYY-MM-DD date`,
      );
    }
    const earlier = seen.get(date);
    if (earlier !== undefined) {
      throw new UserError(
        `bad rate file: line ${line}: a second line for ${date} (the first is line ${earlier})`,
      );
    }
    seen.set(date, line);
    if (fields.length > columns.length) {
      throw new UserError(`bad rate file: line ${line}: more cells than the header has columns`);
    }
    quotes.forEach((quote, i) => {
      const cell = (fields[i + 1] ?? "").trim();
      if (quote === "" || cell === "" || cell === "N/A") return;
      const rate = rateOrNull(cell);
      if (rate === null) {
        throw new UserError(
          `bad rate file: line ${line}: ${quote} ${JSON.stringify(cell)} is not a positive rate`,
        );
      }
      rows.push({ base: "EUR", quote, date, rate });
    });
    if (rows.length > MAX_RATE_ROWS) {
      throw new UserError(`bad rate file: more than ${MAX_RATE_ROWS} rates`);
    }
  }
  if (rows.length === 0) throw new UserError("bad rate file: no rates in it");
  return rows;
}

/** How a pair is written in output and in left_out keys: EUR→USD. */
export const pairLabel = (base: string, quote: string) => `${base}→${quote}`;

/** An exact positive decimal as numerator and denominator: "1.085" → 1085n / 1000n. */
function fraction(text: string): { n: bigint; d: bigint } {
  const [whole = "0", decimals = ""] = text.split(".");
  return { n: BigInt(whole + decimals), d: 10n ** BigInt(decimals.length) };
}

/**
 * cents × num / den (num, den exact positive decimals), rounded half away from zero to the
 * cent, as the snapshots' SQL does.
 */
export function convertCents(cents: bigint, num: string, den: string): bigint {
  const a = fraction(num);
  const b = fraction(den);
  const top = cents * a.n * b.d;
  const bottom = a.d * b.n;
  const magnitude = ((top < 0n ? -top : top) * 2n + bottom) / (2n * bottom);
  return top < 0n ? -magnitude : magnitude;
}
