import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { CoinGecko } from "../../src/providers/coingecko.js";
import { OverBudgetError, ProviderError } from "../../src/providers/http.js";
import { FakeCoinGecko } from "../support/fake-coingecko.js";

const fast = { attempts: 3, baseMs: 1, maxDelayMs: 2, maxTotalMs: 100, rateLimitBaseMs: 1 };

describe("the CoinGecko provider against the fake", () => {
  let fake: FakeCoinGecko;
  beforeEach(async () => {
    fake = await new FakeCoinGecko().start();
  });
  afterEach(async () => {
    await fake.stop();
  });

  it("asks for many coins in one call, with the demo key in its header, and keeps every digit", async () => {
    fake.key = "demo-key-1";
    fake.prices.set("bitcoin", "67187.339110000000001");
    fake.prices.set("ethereum", "3000.5");
    const client = new CoinGecko({ baseUrl: fake.url, key: "demo-key-1" }, { retry: fast });
    const prices = await client.simplePrice(["bitcoin", "ethereum", "nope"]);
    expect(prices).toEqual(
      new Map([
        ["bitcoin", "67187.339110000000001"],
        ["ethereum", "3000.5"],
      ]),
    );
    expect(fake.requests).toHaveLength(1);
    expect(fake.requests[0]?.query).toEqual({ ids: "bitcoin,ethereum,nope", vs_currencies: "usd" });
    expect(fake.requests[0]?.headers["x-cg-demo-api-key"]).toBe("demo-key-1");
  });

  it("sends a pro key in the pro header", async () => {
    fake.key = "pro-key";
    fake.keyHeader = "x-cg-pro-api-key";
    fake.prices.set("bitcoin", "1");
    const client = new CoinGecko(
      { baseUrl: fake.url, key: "pro-key", plan: "pro" },
      { retry: fast },
    );
    expect((await client.simplePrice(["bitcoin"])).get("bitcoin")).toBe("1");
  });

  it("reads a range as one price a day, from/to in UNIX seconds", async () => {
    fake.history = (_id, date) => (date.endsWith("-15") ? undefined : `${date.slice(8)}.5`);
    const client = new CoinGecko({ baseUrl: fake.url }, { retry: fast });
    const points = await client.marketChartRange("bitcoin", "2024-03-13", "2024-03-16");
    expect(points).toEqual([
      { date: "2024-03-13", price: "13.5" },
      { date: "2024-03-14", price: "14.5" },
      { date: "2024-03-16", price: "16.5" },
    ]);
    const q = fake.calls("/market_chart/range")[0]?.query;
    expect(q).toEqual({
      vs_currency: "usd",
      from: String(Date.parse("2024-03-13T00:00:00Z") / 1000),
      to: String(Date.parse("2024-03-17T00:00:00Z") / 1000 - 1),
    });
  });

  it("says a refused range may reach past the plan's history, not only that the key is bad", async () => {
    fake.history = () => "1.5";
    fake.historyWindow = { now: "2024-03-16", days: 365 };
    const client = new CoinGecko({ baseUrl: fake.url }, { retry: fast });
    const error = await client
      .marketChartRange("bitcoin", "2022-01-01", "2024-03-15")
      .catch((e) => e);
    expect(error).toBeInstanceOf(ProviderError);
    expect(String(error.message)).toMatch(/HTTP 401/);
    expect(String(error.message)).toMatch(/prices\.coingeckoHistoryDays/);
  });

  it("prices both metals with one exchange_rates call: usd.value / xau.value", async () => {
    fake.rates = { usd: "61234.5", xau: "27.3", xag: "2345.6" };
    const client = new CoinGecko({ baseUrl: fake.url }, { retry: fast });
    const metals = await client.metalPrices(["XAU", "XAG"]);
    expect(metals).toEqual(
      new Map([
        ["XAU", "2243.021978021978"],
        ["XAG", "26.106113574352"],
      ]),
    );
    expect(fake.requests).toHaveLength(1);
  });

  it("retries 429 and 5xx, counting each attempt in the budget, and stops at the budget", async () => {
    fake.prices.set("bitcoin", "5");
    fake.scripted.push({ status: 429, body: "{}" }, { status: 503, body: "{}" });
    let taken = 0;
    const budget = { limit: 10, take: async () => ++taken <= 10 };
    const client = new CoinGecko({ baseUrl: fake.url }, { retry: fast, budget });
    expect((await client.simplePrice(["bitcoin"])).get("bitcoin")).toBe("5");
    expect(taken).toBe(3);
    const spent = { limit: 3, take: async () => false };
    const broke = new CoinGecko({ baseUrl: fake.url }, { retry: fast, budget: spent });
    const before = fake.requests.length;
    await expect(broke.simplePrice(["bitcoin"])).rejects.toBeInstanceOf(OverBudgetError);
    expect(fake.requests.length).toBe(before);
  });

  it("fails in words without the URL or the key", async () => {
    fake.down = 503;
    const client = new CoinGecko({ baseUrl: fake.url, key: "secret-key" }, { retry: fast });
    fake.key = "secret-key";
    const error = await client.simplePrice(["bitcoin"]).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ProviderError);
    expect((error as Error).message).toBe("coingecko: HTTP 503");
    expect(fake.requests).toHaveLength(3);
    fake.down = null;
    fake.scripted.push({ status: 200, body: "<html>" });
    const garbage = await client.simplePrice(["bitcoin"]).catch((e: unknown) => e);
    expect((garbage as Error).message).toBe("coingecko: answered with something that is not JSON");
    expect(JSON.stringify(client)).not.toContain("secret-key");
  });
});
