/**
 * RentCast (https://developers.rentcast.io): a home's automated valuation,
 * GET /v1/avm/value?address=<street, city, state, zip> with the key in X-Api-Key, answering
 * { price, priceRangeLow, priceRangeHigh, ... }. The address travels only in this request's
 * query: never in an error (./http.ts), a log or another command's output.
 */

import { getJson, type HttpOptions, ProviderError } from "./http.js";
import { member } from "./json.js";

export const RENTCAST = "rentcast";
export const RENTCAST_URL = "https://api.rentcast.io";
/** RentCast's free plan: 50 requests a month. */
export const RENTCAST_DEFAULT_BUDGET = 50;

/** A valuation as the provider wrote it: exact decimal text (or whatever it sent). */
export interface RawValuation {
  readonly price: unknown;
  readonly low: unknown;
  readonly high: unknown;
}

export class RentCast {
  readonly #key: string;
  readonly #base: string;

  constructor(
    settings: { baseUrl?: string | undefined; key: string },
    private readonly http: HttpOptions = {},
  ) {
    this.#key = settings.key;
    this.#base = (settings.baseUrl ?? RENTCAST_URL).replace(/\/+$/, "");
  }

  toJSON() {
    return { provider: RENTCAST, base: this.#base, key: "(set)" };
  }

  /** The home's value today and its range. */
  async value(address: string): Promise<RawValuation> {
    const url = new URL(`${this.#base}/v1/avm/value`);
    url.searchParams.set("address", address);
    const answer = await getJson(RENTCAST, url, { "X-Api-Key": this.#key }, this.http);
    if (answer === null || typeof answer !== "object" || Array.isArray(answer))
      throw new ProviderError(RENTCAST, "answered with something that is not a valuation");
    return {
      price: member(answer, "price"),
      low: member(answer, "priceRangeLow"),
      high: member(answer, "priceRangeHigh"),
    };
  }
}
