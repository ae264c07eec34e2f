import { describe, expect, it } from "vitest";
import { ageInDays } from "../../src/core/dates.js";
import { formatInstant } from "../../src/core/instant.js";
import { countAccounts } from "../../src/core/net-worth.js";

describe("countAccounts", () => {
  it("applies the sign rule once: a card in credit is an asset, an overdraft a liability", () => {
    const t = countAccounts([
      { name: "House", category: "property", balance: "1000.00", isActive: true },
      { name: "Card", category: "credit_card", balance: "-50.00", isActive: true },
      { name: "Checking", category: "cash", balance: "-20.10", isActive: true },
      { name: "Loan", category: "loan", balance: "300.00", isActive: true },
      { name: "Old", category: "vehicle", balance: "999.00", isActive: false },
      { name: "New", category: "other", balance: null, isActive: true },
    ] as const);
    expect([t.assets, t.liabilities, t.netWorth]).toEqual([105000n, 32010n, 72990n]);
    expect(t.placed.map((p) => [p.account.name, p.side, p.cents, p.crossed])).toEqual([
      ["House", "asset", 100000n, false],
      ["Card", "asset", 5000n, true],
      ["Checking", "liability", 2010n, true],
      ["Loan", "liability", 30000n, false],
      ["Old", "asset", null, false],
      ["New", "asset", null, false],
    ]);
    // Each side's placed amounts add up to its total.
    const sum = (side: string) =>
      t.placed.filter((p) => p.side === side).reduce((s, p) => s + (p.cents ?? 0n), 0n);
    expect([sum("asset"), sum("liability")]).toEqual([t.assets, t.liabilities]);
  });
});

describe("ageInDays", () => {
  it("is never negative (a value dated tomorrow somewhere east)", () => {
    expect(ageInDays("2026-03-16", "2026-03-15")).toBe(0);
    expect(ageInDays("2026-03-15", "2026-03-15")).toBe(0);
    expect(ageInDays("2026-03-01", "2026-03-15")).toBe(14);
  });
});

describe("formatInstant", () => {
  const instant = new Date("2026-03-14T16:30:05Z");
  it("prints the wall clock of the zone with its offset", () => {
    expect(formatInstant(instant, { timeZone: "Pacific/Kiritimati" })).toBe(
      "2026-03-15 06:30:05 +14:00",
    );
    expect(formatInstant(instant, { timeZone: "Etc/GMT+12" })).toBe("2026-03-14 04:30:05 -12:00");
    expect(formatInstant(instant, { timeZone: "UTC" })).toBe("2026-03-14 16:30:05 +00:00");
    expect(formatInstant(instant, { timeZone: "Asia/Kolkata", precision: "minute" })).toBe(
      "2026-03-14 22:00 +05:30",
    );
  });
  it("follows daylight saving time", () => {
    expect(formatInstant(new Date("2026-07-01T12:00:00Z"), { timeZone: "Europe/Paris" })).toBe(
      "2026-07-01 14:00:00 +02:00",
    );
    expect(formatInstant(new Date("2026-01-01T12:00:00Z"), { timeZone: "Europe/Paris" })).toBe(
      "2026-01-01 13:00:00 +01:00",
    );
  });
});
