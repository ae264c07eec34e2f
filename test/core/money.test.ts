import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  centsFromDecimal,
  decimalFromCents,
  fixedFromCents,
  MAX_CENTS,
  Money,
  stringifyWithMoney,
} from "../../src/core/money.js";

describe("money", () => {
  it("reads the database's decimal strings exactly", () => {
    expect(centsFromDecimal("0")).toBe(0n);
    expect(centsFromDecimal("-12.5")).toBe(-1250n);
    expect(centsFromDecimal("99999999999999999.99")).toBe(MAX_CENTS);
    expect(() => centsFromDecimal("1.234")).toThrow();
    expect(() => centsFromDecimal("1e5")).toThrow();
  });

  it("prints JSON money as exact numbers, even past a double's precision", () => {
    const text = stringifyWithMoney({
      a: new Money(MAX_CENTS),
      b: new Money(-1050n),
      c: new Money(0n),
      name: "x",
    });
    expect(text).toContain('"a": 99999999999999999.99');
    expect(text).toContain('"b": -10.5');
    expect(text).toContain('"c": 0');
    expect(JSON.parse(text).b).toBe(-10.5);
  });

  it("does not let a user's string pass for money", () => {
    expect(stringifyWithMoney({ note: "12.50" }, 0)).toBe('{"note":"12.50"}');
  });

  it("round-trips every cent value through both decimal forms", () => {
    fc.assert(
      fc.property(fc.bigInt({ min: -MAX_CENTS, max: MAX_CENTS }), (cents) => {
        expect(centsFromDecimal(decimalFromCents(cents))).toBe(cents);
        expect(centsFromDecimal(fixedFromCents(cents))).toBe(cents);
        expect(fixedFromCents(cents)).toMatch(/^-?\d+\.\d\d$/);
      }),
    );
  });
});
