/**
 * MarketCheck's price prediction (https://apidocs.marketcheck.com):
 * GET /v2/predict/car/us/marketcheck_price?api_key=&vin=&miles=&zip=, answering
 * { marketcheck_price, msrp, ... }. The key and the VIN travel only in this request's query:
 * never in an error (./http.ts), a log or another command's output.
 */

import { getJson, type HttpOptions, ProviderError } from "./http.js";
import { member } from "./json.js";

export const MARKETCHECK = "marketcheck";
export const MARKETCHECK_URL = "https://mc-api.marketcheck.com";
export const MARKETCHECK_DEFAULT_BUDGET = 500;

export class MarketCheck {
  readonly #key: string;
  readonly #base: string;

  constructor(
    settings: { baseUrl?: string | undefined; key: string },
    private readonly http: HttpOptions = {},
  ) {
    this.#key = settings.key;
    this.#base = (settings.baseUrl ?? MARKETCHECK_URL).replace(/\/+$/, "");
  }

  toJSON() {
    return { provider: MARKETCHECK, base: this.#base, key: "(set)" };
  }

  /** The predicted price (raw decimal text, or whatever was sent). */
  async price(vin: string, miles: number, zip: string | null): Promise<unknown> {
    const url = new URL(`${this.#base}/v2/predict/car/us/marketcheck_price`);
    url.searchParams.set("api_key", this.#key);
    url.searchParams.set("vin", vin);
    url.searchParams.set("miles", String(miles));
    if (zip) url.searchParams.set("zip", zip);
    const answer = await getJson(MARKETCHECK, url, {}, this.http);
    if (answer === null || typeof answer !== "object" || Array.isArray(answer))
      throw new ProviderError(MARKETCHECK, "answered with something that is not a price");
    return member(answer, "marketcheck_price");
  }
}
