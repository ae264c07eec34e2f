import { describe, expect, it } from "vitest";
import { missingRates } from "../../src/core/incomplete.js";

const day = (date: string, leftOut: Record<string, number> | null = null) => ({ date, leftOut });

describe("missing rates, one line per pair", () => {
  it("says 'before' the first day with a rate when the gap opens the series", () => {
    const lines = missingRates([
      day("1998-12-30", { "EUR/USD": 2 }),
      day("1998-12-31", { "EUR/USD": 1 }),
      day("1999-01-01"),
      day("1999-01-04"),
    ]).map((m) => m.line);
    expect(lines).toEqual(["EUR→USD missing before 1999-01-01: 2 accounts left out"]);
  });

  it("says 'since' when the gap runs to the end, and counts days in the middle", () => {
    const missing = missingRates([
      day("2025-03-01"),
      day("2025-03-02", { "GBP/EUR": 1 }),
      day("2025-03-03", { "GBP/EUR": 1, "USD/EUR": 1 }),
      day("2025-03-04", { "USD/EUR": 3 }),
      day("2025-03-05"),
    ]);
    expect(missing.map((m) => m.line)).toEqual([
      "GBP→EUR missing on 2 days from 2025-03-02 to 2025-03-03: 1 account left out",
      "USD→EUR missing on 2 days from 2025-03-03 to 2025-03-04: 3 accounts left out",
    ]);
    expect(missingRates([day("2025-03-01"), day("2025-03-02", { "CHF/USD": 1 })])[0]?.line).toBe(
      "CHF→USD missing since 2025-03-02: 1 account left out",
    );
    expect(missingRates([day("2025-03-01"), day("2025-03-02")])).toEqual([]);
  });
});
