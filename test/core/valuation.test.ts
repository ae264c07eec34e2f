import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { fixedFromCents } from "../../src/core/money.js";
import { integerRoot, parseRatio, roundDiv, scaleByPower } from "../../src/core/valuation/exact.js";
import { addMonths, monthsBetween } from "../../src/core/valuation/months.js";
import {
  type DatedCents,
  type GeneratedValue,
  generate,
  levelPayment,
  type ValuationRule,
} from "../../src/core/valuation/rules.js";

const values = (rows: Iterable<GeneratedValue>) =>
  [...rows].map((r) => [r.date, fixedFromCents(r.cents)] as const);

const mortgage: ValuationRule = {
  method: "amortization",
  start: "2020-01-01",
  basis: 20_000_000n,
  apr: "6",
  term: 360,
  firstPayment: "2020-02-01",
  payment: levelPayment(20_000_000n, "6", 360),
  extra: 0n,
};

describe("amortization", () => {
  it("200,000.00 at 6% over 360 months pays 1,199.10 and owes 197,543.99 after 12, 186,108.80 after 60", () => {
    expect(fixedFromCents(levelPayment(20_000_000n, "6", 360))).toBe("1199.10");
    const rows = [...generate(mortgage, [], "2099-12-31")];
    expect(rows).toHaveLength(360);
    expect(fixedFromCents(rows[0]?.cents ?? -1n)).toBe("199800.90");
    expect(fixedFromCents(rows[11]?.cents ?? -1n)).toBe("197543.99");
    expect(rows[11]?.date).toBe("2021-01-01");
    expect(fixedFromCents(rows[59]?.cents ?? -1n)).toBe("186108.80");
    // Computed independently (Python decimal, 60 digits): 1,194.17 owed before the last.
    expect(fixedFromCents(rows[358]?.cents ?? -1n)).toBe("1194.17");
  });

  it("the last payment clears the balance to exactly 0.00", () => {
    const rows = [...generate(mortgage, [], "2099-12-31")];
    const last = rows.at(-1);
    expect(last?.payment).toBe(360);
    expect(last?.cents).toBe(0n);
    expect(last?.date).toBe("2050-01-01");
    fc.assert(
      fc.property(
        fc.bigInt({ min: 100n, max: 10n ** 12n }),
        fc.integer({ min: 0, max: 2500 }),
        fc.integer({ min: 1, max: 600 }),
        (principal, aprBasis, term) => {
          const apr = (aprBasis / 100).toFixed(2);
          const rule: ValuationRule = {
            ...mortgage,
            basis: principal,
            apr,
            term,
            payment: levelPayment(principal, apr, term),
          };
          const schedule = [...generate(rule, [], "2099-12-31")];
          expect(schedule.at(-1)?.cents).toBe(0n);
          expect(schedule.length).toBeLessThanOrEqual(term);
          expect(schedule.slice(0, -1).every((r) => r.cents > 0n)).toBe(true);
        },
      ),
      { numRuns: 60 },
    );
  });

  it("a 0% loan pays principal/term", () => {
    expect(levelPayment(1_200_000n, "0", 12)).toBe(100_000n);
    expect(levelPayment(100n, "0", 3)).toBe(33n);
  });

  it("re-anchors on a statement balance and keeps its payment", () => {
    const statement: DatedCents = { date: "2020-06-15", cents: 19_000_000n };
    const rows = [...generate(mortgage, [statement], "2020-09-30")];
    // Payments of Feb..Jun 1 from the principal, then from the statement balance.
    expect(rows.map((r) => r.date)).toEqual([
      "2020-02-01",
      "2020-03-01",
      "2020-04-01",
      "2020-05-01",
      "2020-06-01",
      "2020-07-01",
      "2020-08-01",
      "2020-09-01",
    ]);
    const free = [...generate(mortgage, [], "2020-06-01")];
    expect(values(rows.slice(0, 5))).toEqual(values(free));
    // July: 190,000.00 − (1,199.10 − 950.00) = 189,750.90; August: interest 948.75.
    expect(fixedFromCents(rows[5]?.cents ?? 0n)).toBe("189750.90");
    expect(fixedFromCents(rows[6]?.cents ?? 0n)).toBe("189500.55");
    expect(rows[6]?.payment).toBe(7);
  });

  it("an extra payment goes to principal", () => {
    const rows = [...generate({ ...mortgage, extra: 10_000n }, [], "2020-02-01")];
    expect(fixedFromCents(rows[0]?.cents ?? 0n)).toBe("199700.90");
  });
});

describe("depreciation and appreciation", () => {
  const car: ValuationRule = {
    method: "depreciation",
    start: "2021-03-31",
    basis: 3_000_000n,
    rate: "15",
    floor: 0n,
  };

  it("30,000 at 15% is 25,500.00 after one year and 21,675.00 after two", () => {
    const rows = values(generate(car, [], "2023-03-31"));
    expect(rows).toHaveLength(24);
    expect(rows[11]).toEqual(["2022-03-31", "25500.00"]);
    expect(rows[23]).toEqual(["2023-03-31", "21675.00"]);
  });

  it("between whole years, matches an independent 60-digit computation", () => {
    // Python: (Decimal(30000) * Decimal("0.85") ** (Decimal(m) / 12)).quantize(ROUND_HALF_UP)
    const rows = values(generate(car, [], "2023-09-30"));
    expect(rows[0]).toEqual(["2021-04-30", "29596.44"]);
    expect(rows[5]).toEqual(["2021-09-30", "27658.63"]);
    expect(rows[10]).toEqual(["2022-02-28", "25847.70"]);
    expect(rows[12]).toEqual(["2022-04-30", "25156.98"]);
    expect(rows[29]).toEqual(["2023-09-30", "19983.36"]);
  });

  it("never goes below the floor, and stops there", () => {
    const rows = [...generate({ ...car, floor: 2_000_000n }, [], "2030-01-01")];
    expect(rows.at(-1)?.cents).toBe(2_000_000n);
    expect(rows.filter((r) => r.cents === 2_000_000n)).toHaveLength(1);
    expect(rows.every((r) => r.cents >= 2_000_000n)).toBe(true);
    const total = [...generate({ ...car, rate: "100" }, [], "2030-01-01")];
    expect(values(total)).toEqual([["2021-04-30", "0.00"]]);
  });

  it("appreciation: 400,000 at 4% is 416,000.00 after a year", () => {
    const home: ValuationRule = {
      method: "appreciation",
      start: "2020-01-15",
      basis: 40_000_000n,
      rate: "4",
    };
    const rows = values(generate(home, [], "2021-01-15"));
    expect(rows.at(-1)).toEqual(["2021-01-15", "416000.00"]);
  });

  it("a value of the user's own moves every later value and no earlier one", () => {
    const before = values(generate(car, [], "2022-12-31"));
    const own: DatedCents = { date: "2021-10-10", cents: 2_000_000n };
    const after = values(generate(car, [own], "2022-12-31"));
    const cut = before.findIndex(([date]) => date > own.date);
    expect(after.slice(0, cut)).toEqual(before.slice(0, cut));
    // From the anchor: its monthly anniversaries, 20,000 × 0.85^(m/12).
    expect(after[cut]).toEqual([
      "2021-11-10",
      fixedFromCents(scaleByPower(2_000_000n, 85n, 100n, 1)),
    ]);
    expect(after.find(([date]) => date === "2022-10-10")).toEqual(["2022-10-10", "17000.00"]);
    expect(after.some(([date]) => date === own.date)).toBe(false);
  });

  it("the user's value on the start date is the basis", () => {
    const rows = values(generate(car, [{ date: car.start, cents: 1_000_000n }], "2022-03-31"));
    expect(rows.at(-1)).toEqual(["2022-03-31", "8500.00"]);
  });
});

describe("index", () => {
  it("basis × index(d) / index(start), the value on or before each date", () => {
    const points = [
      { date: "2020-01-01", value: "200" },
      { date: "2020-02-01", value: "202.5" },
      { date: "2020-03-01", value: "199.99" },
    ];
    const home: ValuationRule = {
      method: "index",
      start: "2020-01-20",
      basis: 50_000_000n,
      index: "hpi",
    };
    // 500,000 × 202.5/200 = 506,250.00; × 199.99/200 = 499,975.00.
    expect(values(generate(home, [], "2020-12-31", points))).toEqual([
      ["2020-02-01", "506250.00"],
      ["2020-03-01", "499975.00"],
    ]);
    expect(() => [...generate({ ...home, start: "2019-01-01" }, [], "2020-12-31", points)]).toThrow(
      /no value on or before/,
    );
  });
});

describe("exact arithmetic", () => {
  it("rounds half away from zero", () => {
    expect(roundDiv(5n, 2n)).toBe(3n);
    expect(roundDiv(-5n, 2n)).toBe(-3n);
    expect(roundDiv(4n, 3n)).toBe(1n);
    expect(roundDiv(1n, -2n)).toBe(-1n);
  });

  it("integer roots are exact floors", () => {
    fc.assert(
      fc.property(
        fc.bigInt({ min: 0n, max: 10n ** 200n }),
        fc.integer({ min: 1, max: 13 }),
        (z, k) => {
          const r = integerRoot(z, k, Math.random() * 1e6);
          expect(r ** BigInt(k) <= z && (r + 1n) ** BigInt(k) > z).toBe(true);
        },
      ),
    );
  });

  it("V × (p/q)^(m/12) is the correctly rounded cent, by its definition", () => {
    fc.assert(
      fc.property(
        fc.bigInt({ min: 0n, max: 10n ** 17n }),
        fc.integer({ min: 0, max: 1_000_000 }),
        fc.integer({ min: 0, max: 240 }),
        (cents, rate, m) => {
          const q = 1_000_000n;
          const p = q - BigInt(rate);
          const c = scaleByPower(cents, p, q, m);
          // c is the rounding of x = V·f^(m/12) iff c − ½ <= x < c + ½, i.e. raised to the 12th:
          const M = BigInt(m);
          const x12 = (2n * cents) ** 12n * p ** M;
          const low = c === 0n ? 0n : (2n * c - 1n) ** 12n * q ** M;
          const high = (2n * c + 1n) ** 12n * q ** M;
          expect(low <= x12 && x12 < high).toBe(true);
        },
      ),
      { numRuns: 200 },
    );
  });

  it("parses decimal ratios", () => {
    expect(parseRatio("4.5")).toEqual({ n: 45n, d: 10n });
    expect(parseRatio("-1")).toBeNull();
    expect(parseRatio("1e3")).toBeNull();
  });
});

describe("monthly anniversaries", () => {
  it("fall on the month's last day when the day is missing", () => {
    expect(addMonths("2021-01-31", 1)).toBe("2021-02-28");
    expect(addMonths("2024-01-31", 1)).toBe("2024-02-29");
    expect(addMonths("2021-01-31", 2)).toBe("2021-03-31");
    expect(addMonths("2021-01-31", 3)).toBe("2021-04-30");
    expect(addMonths("2021-11-15", 14)).toBe("2023-01-15");
    expect(monthsBetween("2021-01-31", "2021-02-28")).toBe(1);
    expect(monthsBetween("2021-01-31", "2021-03-30")).toBe(1);
    expect(monthsBetween("2021-01-15", "2021-01-14")).toBe(0);
  });
});
