import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { UserError } from "../../src/errors.js";
import { fetchRate, fetchRates } from "../../src/providers/frankfurter.js";
import { type FakeFrankfurter, startFakeFrankfurter } from "../support/fake-frankfurter.js";

describe("the Frankfurter provider against the fake", () => {
  let fake: FakeFrankfurter;
  const slept: number[] = [];
  const options = () => ({
    baseUrl: fake.url,
    hooks: { sleep: async (ms: number) => void slept.push(ms), random: () => 0.5 },
    timeoutMs: 500,
  });

  beforeAll(async () => {
    fake = await startFakeFrankfurter();
    fake.setRate("USD", "2025-02-28", "1.0400");
    fake.setRate("USD", "2025-03-03", "1.0489");
    // More digits than a double keeps, and an exponent: both read exactly.
    fake.setRate("GBP", "2025-03-03", "40123456789012.0123456789");
    fake.setRate("JPY", "2025-03-03", "1.5744e2");
  });
  afterAll(async () => {
    await fake.close();
  });

  it("reads a range of rates exactly, as written", async () => {
    const rows = await fetchRates(options(), ["USD", "GBP", "JPY"], "2025-02-28", "2025-03-03");
    expect(rows).toEqual([
      { date: "2025-02-28", base: "EUR", quote: "USD", rate: "1.04" },
      { date: "2025-03-03", base: "EUR", quote: "USD", rate: "1.0489" },
      { date: "2025-03-03", base: "EUR", quote: "GBP", rate: "40123456789012.0123456789" },
      { date: "2025-03-03", base: "EUR", quote: "JPY", rate: "157.44" },
    ]);
    expect(fake.requests.at(-1)).toBe(
      "/v2/rates?base=EUR&quotes=USD,GBP,JPY&from=2025-02-28&to=2025-03-03",
    );
    expect(await fetchRate(options(), "EUR", "USD", "2025-03-02")).toEqual({
      date: "2025-02-28",
      base: "EUR",
      quote: "USD",
      rate: "1.04",
    });
  });

  it("retries a 500 and a 429 with backoff, then answers", async () => {
    slept.length = 0;
    fake.failNext(2, "500");
    expect(await fetchRates(options(), ["USD"], "2025-03-03", "2025-03-03")).toHaveLength(1);
    expect(slept).toEqual([375, 750]);
    slept.length = 0;
    fake.failNext(1, "429");
    expect(await fetchRates(options(), ["USD"], "2025-03-03", "2025-03-03")).toHaveLength(1);
    expect(slept).toEqual([1500]);
  });

  it("gives up with one clear line: down for good, garbage, an unknown pair, a hang", async () => {
    fake.failNext(5, "500");
    await expect(fetchRates(options(), ["USD"], "2025-03-03", "2025-03-03")).rejects.toThrow(
      new UserError("Frankfurter failed (HTTP 500)"),
    );
    fake.failNext(1, "garbage");
    await expect(fetchRates(options(), ["USD"], "2025-03-03", "2025-03-03")).rejects.toThrow(
      /^Frankfurter answered EUR→USD from 2025-03-03 to 2025-03-03 with something that is not JSON$/,
    );
    await expect(fetchRates(options(), ["XAU"], "2025-03-03", "2025-03-03")).rejects.toThrow(
      /^Frankfurter does not know EUR→XAU from 2025-03-03 to 2025-03-03 \(HTTP 404\)$/,
    );
    fake.failNext(5, "hang");
    await expect(fetchRates(options(), ["USD"], "2025-03-03", "2025-03-03")).rejects.toThrow(
      /^cannot reach Frankfurter \(timed out\)$/,
    );
    fake.failNext(0, "500");
  });
});
