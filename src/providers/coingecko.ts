/**
 * CoinGecko (https://docs.coingecko.com): coin prices in USD today (many ids per call),
 * a coin's history over a range, and the metals' USD price per troy ounce from its exchange
 * rates (rates of BTC: USD per ounce = usd.value / xau.value), one call for both metals.
 * The key goes in x-cg-demo-api-key (a demo key, the public host) or x-cg-pro-api-key (a pro
 * key, the pro host); the base URL can point elsewhere (NETWORTH_COINGECKO_URL: a test's
 * fake, a self-hosted mirror). Numbers are read exactly (./json.ts), never as floats.
 */

import { addDays } from "../core/dates.js";
import { decimalText, divide, parseFraction } from "../core/valuation/fraction.js";
import { type DatedPrice, type Metal, PRICE_PLACES } from "../core/valuation/holdings.js";
import { getJson, type HttpOptions, ProviderError } from "./http.js";
import { type ExactJson, member } from "./json.js";

export const COINGECKO = "coingecko";
export const COINGECKO_DEMO_URL = "https://api.coingecko.com/api/v3";
export const COINGECKO_PRO_URL = "https://pro-api.coingecko.com/api/v3";
/**
 * How far back a demo (or keyless) plan answers market_chart/range: "the past 365 days"; a
 * `from` before that is refused whole (401, error_code 10012).
 */
export const COINGECKO_DEMO_HISTORY_DAYS = 365;
/** A demo key's monthly call allowance (CoinGecko's free plan: 10,000). */
export const COINGECKO_DEFAULT_BUDGET = 10_000;

export interface CoinGeckoSettings {
  readonly baseUrl?: string | undefined;
  readonly key?: string | undefined;
  readonly plan?: "demo" | "pro" | undefined;
}

/** A price as the provider wrote it: exact decimal text, or whatever it sent instead. */
export type RawPrice = ExactJson | undefined;

/** The interface every price provider gives: a name, today's prices, a range. */
export interface PriceProvider {
  readonly name: string;
  /** Today's raw price of each asset asked (absent: the answer did not have it). */
  today(assets: readonly string[]): Promise<Map<string, RawPrice>>;
  /** Daily prices from `from` through `to` (UTC dates), the last of each day. */
  range?(asset: string, from: string, to: string): Promise<{ date: string; price: RawPrice }[]>;
}

export class CoinGecko {
  readonly #key: string | undefined;
  readonly #base: string;
  readonly #pro: boolean;

  constructor(
    settings: CoinGeckoSettings,
    private readonly http: HttpOptions = {},
  ) {
    this.#key = settings.key;
    this.#pro = settings.plan === "pro";
    this.#base = (settings.baseUrl ?? (this.#pro ? COINGECKO_PRO_URL : COINGECKO_DEMO_URL)).replace(
      /\/+$/,
      "",
    );
  }

  /** For JSON.stringify and util.inspect: never the key. */
  toJSON() {
    return { provider: COINGECKO, base: this.#base, key: this.#key ? "(set)" : "(none)" };
  }

  #get(path: string, query: Record<string, string>): Promise<ExactJson> {
    const url = new URL(`${this.#base}${path}`);
    for (const [k, v] of Object.entries(query)) url.searchParams.set(k, v);
    const headers: Record<string, string> = {};
    if (this.#key) headers[this.#pro ? "x-cg-pro-api-key" : "x-cg-demo-api-key"] = this.#key;
    return getJson(COINGECKO, url, headers, this.http);
  }

  /** GET /simple/price?ids=a,b&vs_currencies=usd: each id's USD price (raw). */
  async simplePrice(ids: readonly string[]): Promise<Map<string, RawPrice>> {
    const answer = await this.#get("/simple/price", {
      ids: [...ids].join(","),
      vs_currencies: "usd",
    });
    if (answer === null || typeof answer !== "object" || Array.isArray(answer))
      throw new ProviderError(COINGECKO, "answered with something that is not a price list");
    const out = new Map<string, RawPrice>();
    for (const id of ids) {
      const entry = member(answer, id);
      if (entry !== undefined) out.set(id, member(entry, "usd"));
    }
    return out;
  }

  /**
   * GET /coins/{id}/market_chart/range?vs_currency=usd&from=&to= (UNIX seconds): the coin's
   * prices from the start of `from` to the end of `to` (UTC), the last point of each day.
   */
  async marketChartRange(
    id: string,
    from: string,
    to: string,
  ): Promise<{ date: string; price: RawPrice }[]> {
    const seconds = (date: string) => String(Date.parse(`${date}T00:00:00Z`) / 1000);
    const answer = await this.#get(`/coins/${encodeURIComponent(id)}/market_chart/range`, {
      vs_currency: "usd",
      from: seconds(from),
      to: String(Number(seconds(addDays(to, 1))) - 1),
    }).catch((error: unknown) => {
      // CoinGecko refuses a range older than the plan allows with a 401 too (error 10012).
      if (error instanceof ProviderError && error.status === 401)
        throw new ProviderError(
          COINGECKO,
          "HTTP 401: the key was refused, or the range reaches past the plan's history (set prices.coingeckoHistoryDays to what the plan gives)",
          401,
        );
      throw error;
    });
    const points = member(answer, "prices");
    if (!Array.isArray(points))
      throw new ProviderError(COINGECKO, "answered without a price history");
    const byDay = new Map<string, RawPrice>();
    for (const point of points) {
      if (!Array.isArray(point) || point.length < 2 || typeof point[0] !== "string")
        throw new ProviderError(COINGECKO, "answered with a malformed price history");
      const ms = Number(point[0]);
      if (!Number.isFinite(ms))
        throw new ProviderError(COINGECKO, "answered with a malformed price history");
      const date = new Date(ms).toISOString().slice(0, 10);
      if (date < from || date > to) continue;
      byDay.set(date, point[1]);
    }
    return [...byDay].map(([date, price]) => ({ date, price }));
  }

  /**
   * GET /exchange_rates: USD per troy ounce of each metal asked, exact to 12 places
   * (usd.value / xau.value); a metal whose rate is missing or not positive is absent.
   */
  async metalPrices(metals: readonly Metal[]): Promise<Map<string, RawPrice>> {
    const answer = await this.#get("/exchange_rates", {});
    const rates = member(answer, "rates");
    if (rates === undefined) throw new ProviderError(COINGECKO, "answered without exchange rates");
    const value = (code: string) => {
      const v = member(member(rates, code), "value");
      return typeof v === "string" ? parseFraction(v) : null;
    };
    const usd = value("usd");
    const out = new Map<string, RawPrice>();
    for (const metal of metals) {
      const per = value(metal.toLowerCase());
      if (!usd || !per) continue;
      // A zero or negative rate is garbage: passed on as such, for the caller to refuse.
      if (per.n <= 0n || usd.n <= 0n) {
        out.set(metal, "0");
        continue;
      }
      out.set(metal, decimalText(divide(usd, per), PRICE_PLACES));
    }
    return out;
  }

  /** The coins, as a price provider. */
  coins(): PriceProvider {
    return {
      name: COINGECKO,
      today: (ids) => this.simplePrice(ids),
      range: (id, from, to) => this.marketChartRange(id, from, to),
    };
  }

  /** The metals, as a price provider (today only: history comes by prices import). */
  metals(): PriceProvider {
    return { name: COINGECKO, today: (metals) => this.metalPrices(metals as Metal[]) };
  }
}

export type { DatedPrice };
