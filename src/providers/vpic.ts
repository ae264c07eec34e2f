/**
 * NHTSA vPIC (https://vpic.nhtsa.dot.gov/api/): a VIN's year, make and model,
 * GET /api/vehicles/DecodeVinValues/<vin>?format=json (no key), answering { Count, Message,
 * Results: [{ ModelYear, Make, Model, ErrorCode, ErrorText, ... }] }. The VIN travels only in
 * this request's path: never in an error or a log.
 */

import { getJson, type HttpOptions, ProviderError } from "./http.js";
import { member } from "./json.js";

export const VPIC = "vpic";
export const VPIC_URL = "https://vpic.nhtsa.dot.gov";

export interface DecodedVin {
  readonly year: number;
  readonly make: string;
  readonly model: string;
}

/** A VIN's shape: 17 characters, letters but I, O and Q, and digits. */
export const VIN = /^[A-HJ-NPR-Z0-9]{17}$/;

export class Vpic {
  readonly #base: string;

  constructor(
    baseUrl: string | undefined,
    private readonly http: HttpOptions = {},
  ) {
    this.#base = (baseUrl ?? VPIC_URL).replace(/\/+$/, "");
  }

  /** The VIN decoded, or a ProviderError saying it did not decode (without the VIN). */
  async decode(vin: string): Promise<DecodedVin> {
    const url = new URL(`${this.#base}/api/vehicles/DecodeVinValues/${encodeURIComponent(vin)}`);
    url.searchParams.set("format", "json");
    const answer = await getJson(VPIC, url, {}, this.http);
    const results = member(answer, "Results");
    const first = Array.isArray(results) ? results[0] : undefined;
    const text = (key: string) => {
      const v = member(first, key);
      return typeof v === "string" ? v.trim() : "";
    };
    // ErrorCode "0" is a clean decode; others list codes such as "1" (check digit) or "11".
    const codes = text("ErrorCode")
      .split(",")
      .map((c) => c.trim());
    const year = Number(text("ModelYear"));
    if (!first || !codes.includes("0") || !text("Make") || !Number.isInteger(year) || year < 1950)
      throw new ProviderError(
        VPIC,
        `the VIN does not decode (vPIC error code ${codes.filter(Boolean).join(", ") || "none"})`,
      );
    return { year, make: text("Make").slice(0, 100), model: text("Model").slice(0, 100) };
  }
}
