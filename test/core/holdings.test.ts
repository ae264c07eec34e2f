import { describe, expect, it } from "vitest";
import { decimalText, parseFraction } from "../../src/core/valuation/fraction.js";
import {
  type Holding,
  holdingsValues,
  judgePrice,
  parsePriceCsv,
  parseQuantity,
  pricedUnits,
} from "../../src/core/valuation/holdings.js";
import { parseExactJson } from "../../src/providers/json.js";

const coin = (asset: string, quantity: string, start = "2024-01-01"): Holding => ({
  kind: "coin",
  asset,
  quantity,
  unit: null,
  purity: null,
  start,
});
const metal = (quantity: string, unit: "oz" | "g" | "kg", purity = "1"): Holding => ({
  kind: "metal",
  asset: "XAU",
  quantity,
  unit,
  purity,
  start: "2024-01-01",
});
const text = (h: Holding) => decimalText(pricedUnits(h), 18);

describe("holdings, exactly", () => {
  it("counts metals in fine troy ounces (1 oz = 31.1034768 g)", () => {
    expect(text(metal("10", "oz"))).toBe("10");
    expect(text(metal("311.034768", "g"))).toBe("10");
    expect(text(metal("0.311034768", "kg", "0.5"))).toBe("5");
    expect(text(metal("1", "g"))).toBe("0.032150746568627981");
  });

  it("keeps 18 decimals of a quantity and refuses more, or floats' spellings", () => {
    expect(parseQuantity("0.123456789012345678", "--quantity")).toBe("0.123456789012345678");
    expect(() => parseQuantity("0.1234567890123456789", "--quantity")).toThrow(/18 decimals/);
    for (const bad of ["-1", "0", "1e3", "abc", ""])
      expect(() => parseQuantity(bad, "--quantity"), bad).toThrow();
  });

  it("values Σ quantity × price, rounded half-up once at the end", () => {
    // 0.5 × 0.01 + 0.5 × 0.01 = 0.01 (each alone would round 0.005 up to 0.01: 0.02).
    const prices = new Map([
      ["a", [{ date: "2024-01-01", price: "0.01" }]],
      ["b", [{ date: "2024-01-01", price: "0.01" }]],
    ]);
    const out = holdingsValues(
      [coin("a", "0.5"), coin("b", "0.5")],
      prices,
      new Set(),
      "2024-01-01",
    );
    expect(out.values).toEqual([{ date: "2024-01-01", cents: 1n }]);
    // 0.5 × 0.01 = 0.005 rounds half-up to 0.01.
    const half = holdingsValues([coin("a", "0.5")], prices, new Set(), "2024-01-01");
    expect(half.values).toEqual([{ date: "2024-01-01", cents: 1n }]);
  });

  it("never values past an asset's latest price, and says which is missing", () => {
    const prices = new Map([
      [
        "bitcoin",
        [
          { date: "2024-01-01", price: "40000" },
          { date: "2024-01-02", price: "41000" },
          { date: "2024-01-03", price: "42000" },
        ],
      ],
      // Gold skips the 2nd (a weekend in its history) and has nothing on the 3rd.
      ["XAU", [{ date: "2024-01-01", price: "2000" }]],
    ]);
    const out = holdingsValues(
      [coin("bitcoin", "0.5"), metal("10", "oz")],
      prices,
      new Set(),
      "2024-01-03",
    );
    expect(out.values).toEqual([{ date: "2024-01-01", cents: 4_000_000n }]);
    expect(out.lastValued).toBe("2024-01-01");
    expect(out.missing).toEqual(new Map([["XAU", "2024-01-01"]]));
    prices.set("XAU", [
      { date: "2024-01-01", price: "2000" },
      { date: "2024-01-03", price: "2100" },
    ]);
    const later = holdingsValues(
      [coin("bitcoin", "0.5"), metal("10", "oz")],
      prices,
      new Set(["2024-01-03"]),
      "2024-01-03",
    );
    // The 2nd uses gold's price of the 1st (inside its history); the 3rd is the user's own.
    expect(later.values).toEqual([
      { date: "2024-01-01", cents: 4_000_000n },
      { date: "2024-01-02", cents: 4_050_000n },
    ]);
  });

  it("counts a holding only from its start", () => {
    const prices = new Map([
      [
        "x",
        [
          { date: "2024-01-01", price: "1" },
          { date: "2024-01-02", price: "1" },
        ],
      ],
    ]);
    const out = holdingsValues([coin("x", "3", "2024-01-02")], prices, new Set(), "2024-01-02");
    expect(out.values).toEqual([{ date: "2024-01-02", cents: 300n }]);
  });
});

describe("a provider's price, judged", () => {
  it("refuses what is not a positive number", () => {
    for (const raw of [undefined, null, "0", "-5", "abc", true])
      expect(judgePrice(raw as unknown, null).ok, String(raw)).toBe(false);
    expect(judgePrice("1.2e-5", null)).toEqual({ ok: true, price: "0.000012" });
  });

  it("holds back a price 100× away from the one before, unless accepted", () => {
    expect(judgePrice("99.99", "1").ok).toBe(true);
    const up = judgePrice("100", "1");
    expect(up).toMatchObject({ ok: false, heldBack: true });
    expect(judgePrice("0.01", "1")).toMatchObject({ ok: false, heldBack: true });
    expect(judgePrice("100", "1", true)).toEqual({ ok: true, price: "100" });
  });
});

describe("exact JSON", () => {
  it("keeps every digit of a number", () => {
    const value = parseExactJson('{"a":{"usd":0.1000000000000000000001},"b":[1e-7,-2]}');
    expect(value).toEqual({ a: { usd: "0.1000000000000000000001" }, b: ["1e-7", "-2"] });
    expect(parseFraction("1e-7")).toEqual({ n: 1n, d: 10_000_000n });
    for (const bad of ["{", "[1,]", "01", '{"a":1}x', "NaN"])
      expect(() => parseExactJson(bad), bad).toThrow(SyntaxError);
  });
});

describe("a price file", () => {
  it("reads asset,date,price and refuses what is wrong, naming the line", () => {
    expect(
      parsePriceCsv("asset,date,price\nxau,2020-01-02,1520.50\nbitcoin,2020-01-02,7000\n"),
    ).toEqual([
      { asset: "XAU", date: "2020-01-02", price: "1520.5" },
      { asset: "bitcoin", date: "2020-01-02", price: "7000" },
    ]);
    expect(() => parsePriceCsv("XAU,2020-01-02,-1\n")).toThrow(/line 1/);
    expect(() => parsePriceCsv("XAU,2020-13-02,1\n")).toThrow(/line 1/);
    expect(() => parsePriceCsv("XAU,2020-01-02,1\nXAU,2020-01-02,2\n")).toThrow(/line 2.*second/);
    expect(() => parsePriceCsv("Gold!,2020-01-02,1\n")).toThrow(/line 1/);
  });
});
