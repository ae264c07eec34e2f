/**
 * Frankfurter (no key): the ECB's reference rates over HTTP. Rates per EUR, business days only.
 *   GET /v2/rates?base=EUR&quotes=USD,GBP&from=2024-01-01&to=2024-12-31 → [{date, base, quote, rate}]
 *   GET /v2/rate/EUR/USD?date=2024-03-01 → {date, base, quote, rate}
 * The base URL is NETWORTH_FRANKFURTER_URL when set (tests point it at test/support's fake).
 * Rates are read from the response text as written, never through a float.
 */

import { isCurrencyCode, type RateRow, rateOrNull } from "../core/currency.js";
import { isIsoDate } from "../core/dates.js";
import { DEFAULT_RETRY, type RetryHooks, type RetryPolicy, retrying } from "../core/retry.js";
import { UserError } from "../errors.js";

export const FRANKFURTER_URL_ENV = "NETWORTH_FRANKFURTER_URL";
export const DEFAULT_FRANKFURTER_URL = "https://api.frankfurter.dev";

/** One request's bound: a hanging server is a failure, not a hang. */
const TIMEOUT_MS = 20_000;

export interface FrankfurterOptions {
  readonly baseUrl: string;
  readonly fetch?: typeof fetch;
  readonly policy?: RetryPolicy;
  readonly hooks?: RetryHooks;
  /** Per request (default 20 s). */
  readonly timeoutMs?: number;
}

export function frankfurterUrl(env: NodeJS.ProcessEnv): string {
  const url = env[FRANKFURTER_URL_ENV];
  return url && url !== "" ? url.replace(/\/+$/, "") : DEFAULT_FRANKFURTER_URL;
}

/** A failure worth retrying (a 5xx, 429, a network error or timeout), or not. */
class TransientError extends Error {
  constructor(
    message: string,
    readonly rateLimited = false,
  ) {
    super(message);
  }
}

/** "1.0823" from a JSON number token, exactly (an exponent is expanded, never rounded). */
function decimalToken(token: string): string | null {
  const match = /^(\d+)(?:\.(\d+))?(?:[eE]([+-]?\d+))?$/.exec(token);
  if (!match) return null;
  const digits = `${match[1]}${match[2] ?? ""}`;
  let point = (match[1] ?? "").length + Number(match[3] ?? "0");
  let text = digits;
  if (point <= 0) {
    text = `${"0".repeat(1 - point)}${text}`;
    point = 1;
  }
  if (point > text.length) text = text.padEnd(point, "0");
  const whole = text.slice(0, point);
  const fraction = text.slice(point);
  return rateOrNull(fraction ? `${whole}.${fraction}` : whole);
}

/** The body's "rate" numbers turned into strings before parsing, so no float ever holds one. */
function parseExact(text: string): unknown {
  return JSON.parse(
    text.replace(/("rate"\s*:\s*)(-?[0-9][0-9.eE+-]*)/g, (_all, key: string, n: string) => {
      return `${key}"${n}"`;
    }),
  );
}

function row(value: unknown, where: string): RateRow {
  const v = value as Record<string, unknown> | null;
  const date = typeof v?.date === "string" ? v.date : "";
  const base = typeof v?.base === "string" ? v.base : "";
  const quote = typeof v?.quote === "string" ? v.quote : "";
  const rate = typeof v?.rate === "string" ? decimalToken(v.rate) : null;
  if (!isIsoDate(date) || !isCurrencyCode(base) || !isCurrencyCode(quote) || rate === null) {
    throw new UserError(`Frankfurter answered ${where} with a rate networth cannot read`);
  }
  return { date, base, quote, rate };
}

async function get(options: FrankfurterOptions, path: string, what: string): Promise<unknown> {
  const doFetch = options.fetch ?? fetch;
  return retrying(
    async () => {
      let response: Response;
      let text: string;
      try {
        response = await doFetch(`${options.baseUrl}${path}`, {
          headers: { accept: "application/json" },
          signal: AbortSignal.timeout(options.timeoutMs ?? TIMEOUT_MS),
        });
        text = await response.text();
      } catch (error) {
        throw new TransientError(
          `cannot reach Frankfurter (${(error as Error).name === "TimeoutError" ? "timed out" : (error as Error).message})`,
        );
      }
      if (response.status === 429) throw new TransientError("Frankfurter: too many requests", true);
      if (response.status >= 500) {
        throw new TransientError(`Frankfurter failed (HTTP ${response.status})`);
      }
      if (response.status === 404 || response.status === 422 || response.status === 400) {
        throw new UserError(`Frankfurter does not know ${what} (HTTP ${response.status})`);
      }
      if (!response.ok)
        throw new UserError(`Frankfurter refused ${what} (HTTP ${response.status})`);
      try {
        return parseExact(text);
      } catch {
        throw new UserError(`Frankfurter answered ${what} with something that is not JSON`);
      }
    },
    (error) =>
      error instanceof TransientError ? (error.rateLimited ? "rate-limited" : "retry") : "final",
    options.policy ?? DEFAULT_RETRY,
    options.hooks,
  ).catch((error: unknown) => {
    if (error instanceof TransientError) throw new UserError(error.message);
    throw error;
  });
}

/** Daily rates per EUR of `quotes` from..to (business days only), in one request. */
export async function fetchRates(
  options: FrankfurterOptions,
  quotes: readonly string[],
  from: string,
  to: string,
): Promise<RateRow[]> {
  if (quotes.length === 0) return [];
  const what = `EUR→${quotes.join(",")} from ${from} to ${to}`;
  const body = await get(
    options,
    `/v2/rates?base=EUR&quotes=${quotes.join(",")}&from=${from}&to=${to}`,
    what,
  );
  if (!Array.isArray(body)) throw new UserError(`Frankfurter answered ${what} with no list`);
  const rows = body.map((value) => row(value, what));
  for (const r of rows) {
    if (r.base !== "EUR" || !quotes.includes(r.quote) || r.date < from || r.date > to) {
      throw new UserError(`Frankfurter answered ${what} with a rate it was not asked for`);
    }
  }
  return rows;
}

/** One rate: 1 base = rate quote on (or, for a holiday, before) date. */
export async function fetchRate(
  options: FrankfurterOptions,
  base: string,
  quote: string,
  date: string,
): Promise<RateRow> {
  const what = `${base}→${quote} on ${date}`;
  return row(await get(options, `/v2/rate/${base}/${quote}?date=${date}`, what), what);
}
