import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { formatAmount, MAX_AMOUNT_CENTS, parseAmount } from "../../src/core/amount.js";
import { decimalFromCents, fixedFromCents, MAX_CENTS } from "../../src/core/money.js";
import { UsageError } from "../../src/errors.js";

function errorOf(run: () => unknown): unknown {
  try {
    run();
  } catch (error) {
    return error;
  }
  throw new Error("expected an error");
}

describe("parseAmount", () => {
  it.each([
    ["450000", 45_000_000n],
    ["0", 0n],
    ["0.01", 1n],
    ["007", 700n],
    ["450,000.50", 45_000_050n],
    ["1,234,567", 123_456_700n],
    ["999", 99_900n],
    ["$450,000", 45_000_000n],
    ["$0.5", 50n],
    ["12.5", 1250n],
    ["12.50", 1250n],
    ["12.05", 1205n],
    ["  42 ", 4200n],
    ["\t$1,000.00\n", 100_000n],
    ["9999999999999.99", MAX_AMOUNT_CENTS],
    ["$9,999,999,999,999.99", MAX_AMOUNT_CENTS],
    ["0000000000000000000009999999999999.99", MAX_AMOUNT_CENTS],
  ])("accepts %j", (text, cents) => {
    expect(parseAmount(text)).toBe(cents);
  });

  it.each([
    ["-12", -1200n],
    ["-$12", -1200n],
    ["-$1,234.56", -123_456n],
    ["-0.01", -1n],
    ["-0", 0n],
    ["-9999999999999.99", -MAX_AMOUNT_CENTS],
  ])("accepts %j with allowNegative", (text, cents) => {
    expect(parseAmount(text, { allowNegative: true })).toBe(cents);
  });

  it.each([
    ["-12", "negative values are not allowed here"],
    ["-$12", "negative values are not allowed here"],
    ["$-12", "negative values are not allowed here"],
    ["", "expected a number"],
    ["   ", "expected a number"],
    ["$", "expected digits"],
    [".5", "expected a digit before the decimal point"],
    ["$.50", "expected a digit before the decimal point"],
    ["12.", "expected digits after the decimal point"],
    ["1.005", "at most two decimals"],
    ["12.345", "at most two decimals"],
    ["1.2.3", "more than one decimal point"],
    ["45,00", "commas must separate groups of three digits"],
    ["1,2345", "commas must separate groups of three digits"],
    ["1234,567", "commas must separate groups of three digits"],
    [",123", "commas must separate groups of three digits"],
    ["1,234,", "commas must separate groups of three digits"],
    ["1,,234", "commas must separate groups of three digits"],
    ["0,500", "commas must separate groups of three digits"],
    ["1.234,56", "commas are not allowed after the decimal point"],
    ["12a", 'unexpected character "a"'],
    ["abc", 'unexpected character "a"'],
    ["1e5", 'unexpected character "e"'],
    ["1E5", 'unexpected character "E"'],
    ["NaN", 'unexpected character "N"'],
    ["Infinity", 'unexpected character "I"'],
    ["0x10", 'unexpected character "x"'],
    ["€12", 'unexpected character "€"'],
    ["12 345", "spaces are not allowed inside an amount"],
    ["$ 12", "spaces are not allowed inside an amount"],
    ["12\u00a0345", "spaces are not allowed inside an amount"],
    ["+12", "a plus sign is not allowed"],
    ["$+12", "a plus sign is not allowed"],
    ["$$12", "at most one $, before the digits"],
    ["12$", "at most one $, before the digits"],
    ["١٢٣", "only the digits 0-9 are allowed"],
    ["１２", "only the digits 0-9 are allowed"],
    // Issue 15: 99999999999999999.99 used to be accepted, then every snapshot total overflowed.
    ["99999999999999999.99", "larger than 9,999,999,999,999.99, the largest amount allowed"],
    ["10000000000000", "larger than 9,999,999,999,999.99"],
    ["10,000,000,000,000.00", "larger than 9,999,999,999,999.99"],
    ["1".repeat(100_000), "larger than 9,999,999,999,999.99"],
  ])("rejects %j: %s", (text, why) => {
    const error = errorOf(() => parseAmount(text));
    expect(error).toBeInstanceOf(UsageError);
    expect((error as Error).message).toContain(`invalid amount ${JSON.stringify(text)}: ${why}`);
  });

  it.each([
    ["$-12", "write the minus sign before the $, as in -$12"],
    ["--12", "a minus sign is only allowed at the start"],
    ["-$-12", "a minus sign is only allowed at the start"],
    ["12-", "a minus sign is only allowed at the start"],
    ["-", "expected digits"],
    ["-100000000000000000", "larger than"],
  ])("rejects %j with allowNegative: %s", (text, why) => {
    const error = errorOf(() => parseAmount(text, { allowNegative: true }));
    expect(error).toBeInstanceOf(UsageError);
    expect((error as Error).message).toContain(why);
  });

  it("keeps messages on one line, quoting control characters", () => {
    const error = errorOf(() => parseAmount("1\n2"));
    expect((error as Error).message).toBe(
      'invalid amount "1\\n2": spaces are not allowed inside an amount',
    );
  });
});

describe("formatAmount", () => {
  it.each([
    [0n, "$0.00"],
    [5n, "$0.05"],
    [123_450n, "$1,234.50"],
    [-123_450n, "-$1,234.50"],
    [100_000n, "$1,000.00"],
    [99_999n, "$999.99"],
    [MAX_CENTS, "$99,999,999,999,999,999.99"],
    [-MAX_CENTS, "-$99,999,999,999,999,999.99"],
  ])("formats %s cents as %s", (cents, text) => {
    expect(formatAmount(cents)).toBe(text);
  });

  it("uses the currency's symbol, or its code when it has none", () => {
    expect(formatAmount(123_450n, "EUR")).toBe("€1,234.50");
    expect(formatAmount(-5n, "GBP")).toBe("-£0.05");
    expect(formatAmount(100n, "CHF")).toBe("CHF 1.00");
    expect(formatAmount(100n, "not a code")).toBe("not a code 1.00");
    expect(formatAmount(100n, "CAD")).toBe("CA$1.00");
    expect(formatAmount(100n, "XOF")).toBe("F\u202fCFA 1.00");
    expect(formatAmount(100n, "toString")).toBe("toString 1.00");
  });

  it("shows each code as en-US's currency format does (the table is that of Node 20's ICU)", () => {
    for (const code of Intl.supportedValuesOf("currency")) {
      const symbol =
        new Intl.NumberFormat("en-US", { style: "currency", currency: code })
          .formatToParts(0)
          .find((part) => part.type === "currency")?.value ?? code;
      const prefix = /\p{L}$/u.test(symbol) ? `${symbol} ` : symbol;
      expect([code, formatAmount(100n, code)]).toEqual([code, `${prefix}1.00`]);
    }
  });
});

const cents = fc.bigInt({ min: -MAX_AMOUNT_CENTS, max: MAX_AMOUNT_CENTS });
const nearlyAmounts = fc.string({
  unit: fc.constantFrom(..."0123456789,.$-+ eE\u00a0١"),
  maxLength: 30,
});

describe("parseAmount properties", () => {
  it("parses every canonical rendering of in-range cents back exactly", () => {
    fc.assert(
      fc.property(cents, (value) => {
        const plain = fixedFromCents(value);
        const renderings = [
          formatAmount(value),
          formatAmount(value).replace("$", ""),
          formatAmount(value).replaceAll(",", ""),
          formatAmount(value).replace("$", "").replaceAll(",", ""),
          plain,
          decimalFromCents(value),
        ];
        for (const text of renderings) {
          expect(parseAmount(text, { allowNegative: true })).toBe(value);
          if (value >= 0n) expect(parseAmount(text)).toBe(value);
        }
      }),
      { numRuns: 2000 },
    );
  });

  it("throws only UsageError for arbitrary text, and returns only in-range values", () => {
    const check = (text: string, allowNegative: boolean) => {
      let value: bigint;
      try {
        value = parseAmount(text, { allowNegative });
      } catch (error) {
        expect(error).toBeInstanceOf(UsageError);
        expect((error as Error).message).toMatch(/^invalid amount "/);
        expect((error as Error).message).not.toMatch(/[\n\r]/);
        return;
      }
      expect(value <= MAX_AMOUNT_CENTS && value >= -MAX_AMOUNT_CENTS).toBe(true);
      if (!allowNegative) expect(value >= 0n).toBe(true);
      // Whatever was accepted means exactly what its canonical form means.
      expect(parseAmount(formatAmount(value), { allowNegative: true })).toBe(value);
    };
    fc.assert(
      fc.property(
        fc.oneof(fc.string({ unit: "binary" }), nearlyAmounts),
        fc.boolean(),
        (text, allowNegative) => check(text, allowNegative),
      ),
      { numRuns: 5000 },
    );
  });

  it("accepts exactly what a reference grammar accepts", () => {
    const grammar = /^(-?)\$?([0-9]+|[1-9][0-9]{0,2}(?:,[0-9]{3})+)(?:\.([0-9]{1,2}))?$/;
    fc.assert(
      fc.property(nearlyAmounts, (text) => {
        const match = grammar.exec(text.trim());
        const expected = match
          ? (match[1] ? -1n : 1n) *
            (BigInt(match[2]?.replaceAll(",", "") ?? "") * 100n +
              BigInt((match[3] ?? "").padEnd(2, "0")))
          : undefined;
        const inRange =
          expected !== undefined && expected <= MAX_AMOUNT_CENTS && expected >= -MAX_AMOUNT_CENTS;
        let actual: bigint | undefined;
        try {
          actual = parseAmount(text, { allowNegative: true });
        } catch {
          actual = undefined;
        }
        expect(actual).toBe(inRange ? expected : undefined);
      }),
      { numRuns: 5000 },
    );
  });
});
