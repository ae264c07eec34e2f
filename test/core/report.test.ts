import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { AssetBucket, LiabilityBucket } from "../../src/core/buckets.js";
import { ASSET_BUCKETS, LIABILITY_BUCKETS, type SnapshotRow } from "../../src/core/buckets.js";
import { addDays, daysBetween } from "../../src/core/dates.js";
import { centsFromDecimal, fixedFromCents, MAX_CENTS, Money } from "../../src/core/money.js";
import {
  breakdownShares,
  changeBetween,
  INTERVALS,
  type Interval,
  percentOf,
  periodEnds,
  pointsAt,
  windowStart,
} from "../../src/core/report.js";

/** A snapshot row as readSnapshots returns it: two-decimal strings, every bucket present. */
function row(
  date: string,
  assets: Partial<Record<AssetBucket, string>> = {},
  liabilities: Partial<Record<LiabilityBucket, string>> = {},
): SnapshotRow {
  const fill = <B extends string>(buckets: readonly B[], given: Partial<Record<B, string>>) =>
    Object.fromEntries(
      buckets.map((b) => [b, fixedFromCents(centsFromDecimal(given[b] ?? "0"))]),
    ) as Record<B, string>;
  const sum = (values: Record<string, string>) =>
    Object.values(values).reduce((total, value) => total + centsFromDecimal(value), 0n);
  const assetBreakdown = fill(ASSET_BUCKETS, assets);
  const liabilityBreakdown = fill(LIABILITY_BUCKETS, liabilities);
  const totalAssets = sum(assetBreakdown);
  const totalLiabilities = sum(liabilityBreakdown);
  return {
    id: `id-${date}`,
    userId: "00000000-0000-0000-0000-000000000001",
    date,
    totalAssets: fixedFromCents(totalAssets),
    totalLiabilities: fixedFromCents(totalLiabilities),
    netWorth: fixedFromCents(totalAssets - totalLiabilities),
    assetBreakdown,
    liabilityBreakdown,
    createdAt: new Date(0),
  };
}

/** A row whose net worth is `net`, all in cash or all owed as a loan. */
const worth = (date: string, net: string) =>
  centsFromDecimal(net) < 0n ? row(date, {}, { loans: net.slice(1) }) : row(date, { cash: net });

describe("periodEnds", () => {
  /** The ends as one line, so a whole expected list reads at a glance. */
  const ends = (from: string, to: string, interval: Interval) =>
    periodEnds(from, to, interval).join(" ");

  it("gives every day for day", () => {
    expect(ends("2024-02-27", "2024-03-01", "day")).toBe(
      "2024-02-27 2024-02-28 2024-02-29 2024-03-01",
    );
  });

  it("ends weeks on Sunday (ISO), across a year boundary, with the partial week last", () => {
    // 2024-12-29 and 2025-01-05 are Sundays; 2025-01-01 is in ISO week 2025-W01.
    expect(ends("2024-12-24", "2025-01-08", "week")).toBe("2024-12-29 2025-01-05 2025-01-08");
    expect(ends("2025-01-05", "2025-01-12", "week")).toBe("2025-01-05 2025-01-12");
    expect(ends("2025-01-06", "2025-01-11", "week")).toBe("2025-01-11");
  });

  it("ends months on their last day, leap Februaries included", () => {
    expect(ends("2024-01-15", "2024-04-30", "month")).toBe(
      "2024-01-31 2024-02-29 2024-03-31 2024-04-30",
    );
    expect(ends("2023-02-01", "2023-03-10", "month")).toBe("2023-02-28 2023-03-10");
    expect(ends("1900-02-01", "1900-03-01", "month")).toBe("1900-02-28 1900-03-01");
    expect(ends("2000-02-01", "2000-02-29", "month")).toBe("2000-02-29");
  });

  it("ends quarters on Mar 31, Jun 30, Sep 30 and Dec 31, across years", () => {
    expect(ends("2024-02-10", "2025-05-01", "quarter")).toBe(
      "2024-03-31 2024-06-30 2024-09-30 2024-12-31 2025-03-31 2025-05-01",
    );
    expect(ends("2024-07-01", "2024-09-30", "quarter")).toBe("2024-09-30");
  });

  it("ends years on Dec 31", () => {
    expect(ends("2022-06-01", "2024-02-29", "year")).toBe("2022-12-31 2023-12-31 2024-02-29");
    expect(ends("9998-01-01", "9999-12-31", "year")).toBe("9998-12-31 9999-12-31");
  });

  it("gives the one day of a one-day range, and nothing for a reversed one", () => {
    for (const interval of INTERVALS) {
      expect(periodEnds("2024-05-15", "2024-05-15", interval)).toEqual(["2024-05-15"]);
      expect(periodEnds("2024-05-16", "2024-05-15", interval)).toEqual([]);
    }
  });

  it("agrees with a day-by-day definition of each period's end", () => {
    const isEnd: Record<Interval, (date: string, next: string) => boolean> = {
      day: () => true,
      week: (date) => daysBetween("2000-01-02", date) % 7 === 0,
      month: (_, next) => next.endsWith("-01"),
      quarter: (_, next) => /-(01|04|07|10)-01$/.test(next),
      year: (_, next) => next.endsWith("-01-01"),
    };
    const day = fc.integer({ min: 0, max: 3000 }).map((n) => addDays("2019-01-01", n));
    fc.assert(
      fc.property(
        day,
        fc.integer({ min: 0, max: 800 }),
        fc.constantFrom(...INTERVALS),
        (from, length, interval) => {
          const to = addDays(from, length);
          const expected: string[] = [];
          for (let d = from; d <= to; d = addDays(d, 1))
            if (isEnd[interval](d, addDays(d, 1)) || d === to) expected.push(d);
          expect(periodEnds(from, to, interval)).toEqual(expected);
        },
      ),
      { numRuns: 200 },
    );
  });
});

describe("pointsAt", () => {
  const snapshots = [
    row("2024-01-10", { cash: "100" }),
    row("2024-01-12", { cash: "150" }, { creditCards: "20" }),
    row("2024-02-01", { cash: "90.5" }),
  ];

  it("takes the latest snapshot on or before each date, across gaps", () => {
    const points = pointsAt(snapshots, ["2024-01-10", "2024-01-11", "2024-01-31", "2024-02-05"]);
    expect(points.map((p) => [p.date, p.netWorth.toString()])).toEqual([
      ["2024-01-10", "100.00"],
      ["2024-01-11", "100.00"],
      ["2024-01-31", "130.00"],
      ["2024-02-05", "90.50"],
    ]);
    expect(points[2]?.totalAssets).toEqual(new Money(15000n));
    expect(points[2]?.totalLiabilities).toEqual(new Money(2000n));
  });

  it("leaves out dates before the first snapshot", () => {
    expect(pointsAt(snapshots, ["2023-12-31", "2024-01-09"])).toEqual([]);
    expect(pointsAt([], ["2024-01-10"])).toEqual([]);
    expect(pointsAt(snapshots, ["2024-01-09", "2024-01-10"]).map((p) => p.date)).toEqual([
      "2024-01-10",
    ]);
  });
});

describe("changeBetween and percentOf", () => {
  it("is exact to the cent on the largest amounts", () => {
    const change = changeBetween(
      worth("2024-01-01", "0.01"),
      worth("2024-02-01", "99999999999999999.99"),
    );
    expect(change?.from).toBe("2024-01-01");
    expect(change?.amount.cents).toBe(MAX_CENTS - 1n);
    expect(change?.percent).toBe("999999999999999999800.00");
    const down = changeBetween(
      worth("2024-01-01", "99999999999999999.99"),
      worth("2024-02-01", "-99999999999999999.99"),
    );
    expect(down?.amount.toString()).toBe("-199999999999999999.98");
    expect(down?.percent).toBe("-200.00");
  });

  it("takes points and rows alike", () => {
    const [point] = pointsAt([worth("2024-01-01", "200")], ["2024-01-31"]);
    expect(changeBetween(point, worth("2024-02-10", "250"))).toEqual({
      from: "2024-01-31",
      amount: new Money(5000n),
      percent: "25.00",
    });
  });

  it("rounds the percent half away from zero, in both directions", () => {
    expect(percentOf(1n, 800n, 2)).toBe("0.13"); // 0.125
    expect(percentOf(-1n, 800n, 2)).toBe("-0.13");
    expect(percentOf(1n, 1600n, 2)).toBe("0.06"); // 0.0625
    expect(percentOf(-1n, 3n, 2)).toBe("-33.33");
    expect(percentOf(2n, 3n, 2)).toBe("66.67");
    expect(percentOf(-1n, 400n, 2)).toBe("-0.25");
    expect(percentOf(-1n, 2000n, 1)).toBe("-0.1"); // -0.05
    expect(percentOf(-1n, 1_000_000n, 2)).toBe("0.00"); // no "-0.00"
    expect(percentOf(5n, 10n, 0)).toBe("50");
  });

  it("takes the percent of |before| when before is negative", () => {
    const change = changeBetween(worth("2024-01-01", "-1000"), worth("2024-02-01", "-995"));
    expect(change?.amount.toString()).toBe("5.00");
    expect(change?.percent).toBe("0.50");
    expect(changeBetween(worth("2024-01-01", "-1000"), worth("2024-02-01", "-1005"))?.percent).toBe(
      "-0.50",
    );
  });

  it("has no percent from zero, and no change without a before", () => {
    const change = changeBetween(worth("2024-01-01", "0"), worth("2024-02-01", "12.34"));
    expect(change?.amount.toString()).toBe("12.34");
    expect(change?.percent).toBeNull();
    expect(changeBetween(undefined, worth("2024-02-01", "1"))).toBeNull();
  });
});

describe("windowStart", () => {
  it("goes back whole months, clamped to the month's last day", () => {
    expect(windowStart("2026-03-31", "1M")).toBe("2026-02-28");
    expect(windowStart("2024-03-31", "1M")).toBe("2024-02-29");
    expect(windowStart("2026-03-15", "1M")).toBe("2026-02-15");
    expect(windowStart("2026-01-31", "1M")).toBe("2025-12-31");
    expect(windowStart("2026-05-31", "3M")).toBe("2026-02-28");
    expect(windowStart("2026-02-15", "3M")).toBe("2025-11-15");
    expect(windowStart("2025-12-31", "3M")).toBe("2025-09-30");
  });

  it("goes back a year, Feb 29 to Feb 28", () => {
    expect(windowStart("2024-02-29", "1Y")).toBe("2023-02-28");
    expect(windowStart("2025-02-28", "1Y")).toBe("2024-02-28");
    expect(windowStart("2026-07-04", "1Y")).toBe("2025-07-04");
  });

  it("starts the year to date on the previous Dec 31", () => {
    expect(windowStart("2026-07-04", "YTD")).toBe("2025-12-31");
    expect(windowStart("2026-01-01", "YTD")).toBe("2025-12-31");
    expect(windowStart("2026-12-31", "YTD")).toBe("2025-12-31");
  });
});

describe("breakdownShares", () => {
  it("gives every bucket in order with its share of its side", () => {
    const shares = breakdownShares(
      row("2024-01-01", { cash: "1", investments: "2", property: "0.5" }, { mortgages: "3" }),
    );
    expect(shares.assets.map((s) => s.bucket)).toEqual(ASSET_BUCKETS);
    expect(shares.liabilities.map((s) => s.bucket)).toEqual(LIABILITY_BUCKETS);
    // cash, investments, property: 28.571..., 57.142..., 14.285...
    expect(shares.assets.map((s) => s.share)).toEqual([
      "28.6",
      "57.1",
      "14.3",
      "0.0",
      "0.0",
      "0.0",
      "0.0",
    ]);
    expect(shares.liabilities.map((s) => [s.bucket, s.share])).toContainEqual([
      "mortgages",
      "100.0",
    ]);
  });

  it("has amounts summing to the totals, shares to about 100, none when a side is empty", () => {
    const snapshot = row("2024-01-01", {
      cash: "33333333333333333.33",
      investments: "33333333333333333.33",
      digitalAssets: "33333333333333333.33",
    });
    const shares = breakdownShares(snapshot);
    const sum = shares.assets.reduce((total, s) => total + s.amount.cents, 0n);
    expect(fixedFromCents(sum)).toBe(snapshot.totalAssets);
    const tenths = shares.assets.reduce(
      (total, s) => total + Number((s.share ?? "0").replace(".", "")),
      0,
    );
    expect(tenths).toBe(999); // 3 x 33.3: rounding, not an error
    expect(shares.liabilities.every((s) => s.share === null && s.amount.cents === 0n)).toBe(true);
  });
});

describe("the series", () => {
  it("ends on the latest snapshot on or before `to`, each point's net worth its totals' difference", () => {
    const on = (offset: number) => addDays("2023-06-01", offset);
    const amount = fc.bigInt({ min: 0n, max: 10n ** 15n }).map(fixedFromCents);
    const snapshot = fc.tuple(fc.integer({ min: 0, max: 400 }), amount, amount);
    const history = fc
      .uniqueArray(snapshot, { selector: ([offset]) => offset, maxLength: 30 })
      .map((list) =>
        list.sort((a, b) => a[0] - b[0]).map(([n, cash, loans]) => row(on(n), { cash }, { loans })),
      );
    const range = fc
      .tuple(fc.integer({ min: -30, max: 430 }), fc.integer({ min: 0, max: 400 }))
      .map(([start, length]) => [on(start), on(start + length)] as const);
    fc.assert(
      fc.property(
        history,
        range,
        fc.constantFrom(...INTERVALS),
        (snapshots, [from, to], interval) => {
          const series = pointsAt(snapshots, periodEnds(from, to, interval));
          const latest = snapshots.filter((s) => s.date <= to).at(-1);
          const last = series.at(-1);
          if (latest === undefined) {
            expect(series).toEqual([]);
          } else {
            expect(last?.date).toBe(to);
            expect(last?.netWorth.toString()).toBe(latest.netWorth);
            expect(last?.totalAssets.toString()).toBe(latest.totalAssets);
          }
          for (const point of series) {
            expect(point.netWorth.cents).toBe(
              point.totalAssets.cents - point.totalLiabilities.cents,
            );
          }
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe("buildReport's reads", () => {
  it("reads the series as totals and the breakdowns of the last day alone", async () => {
    const { buildReport } = await import("../../src/core/build-report.js");
    const days = Array.from({ length: 400 }, (_, i) => addDays("2025-01-01", i));
    const full = days.map((d, i) => row(d, { cash: `${1000 + i}.00` }, { creditCards: "10.00" }));
    const asked: string[] = [];
    const report = await buildReport(
      {
        snapshotSpan: async () => ({ first: days[0] as string, last: days.at(-1) as string }),
        // Totals only, as readSnapshotTotals gives them: no breakdown to lean on.
        snapshots: async (from, to) =>
          full
            .filter((s) => s.date >= from && s.date <= to)
            .map(({ assetBreakdown: _a, liabilityBreakdown: _l, ...totals }) => totals),
        snapshot: async (date) => {
          asked.push(date);
          return full.find((s) => s.date === date) ?? null;
        },
        accountMoves: async () => [],
      },
      { to: days.at(-1) as string },
    );
    expect(asked).toEqual([days.at(-1)]);
    expect(report.current?.assetBreakdown.cash.toString()).toBe("1399.00");
    expect(report.breakdown?.assets.find((b) => b.bucket === "cash")).toBeDefined();
    expect(report.changes.range?.amount.toString()).toBe("399.00");
  });
});
