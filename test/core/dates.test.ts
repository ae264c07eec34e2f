import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { DATE_FORMATS, type DateFormat } from "../../src/config.js";
import {
  addDays,
  addMonths,
  compareDates,
  daysBetween,
  EARLIEST_DATE,
  formatDate,
  isIsoDate,
  lastDayOfMonth,
  parseDate,
  todayIn,
} from "../../src/core/dates.js";
import { UsageError } from "../../src/errors.js";

const today = "2025-06-15";

function errorOf(run: () => unknown): unknown {
  try {
    run();
  } catch (error) {
    return error;
  }
  throw new Error("expected an error");
}

describe("todayIn", () => {
  const instant = new Date("2024-03-01T03:30:00Z");

  it("gives the calendar date in the zone, not in UTC", () => {
    expect(todayIn("UTC", instant)).toBe("2024-03-01");
    expect(todayIn("America/New_York", instant)).toBe("2024-02-29");
    expect(todayIn("Asia/Tokyo", instant)).toBe("2024-03-01");
    expect(todayIn("Pacific/Kiritimati", new Date("2024-12-31T10:30:00Z"))).toBe("2025-01-01");
  });

  it("defaults to the process's zone and the current time", () => {
    expect(isIsoDate(todayIn())).toBe(true);
    const zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
    expect(todayIn(undefined, instant)).toBe(todayIn(zone, instant));
  });

  it("reads the process's zone (TZ) as Intl does, on either side of midnight there", () => {
    const saved = process.env.TZ;
    try {
      for (const zone of ["America/Los_Angeles", "Pacific/Kiritimati", "Asia/Kolkata", "UTC"]) {
        process.env.TZ = zone;
        for (const at of ["2024-02-29T07:59:59Z", "2024-02-29T08:00:00Z", "2024-12-31T10:30:00Z"]) {
          const instant = new Date(at);
          expect([zone, at, todayIn(undefined, instant)]).toEqual([
            zone,
            at,
            todayIn(zone, instant),
          ]);
        }
      }
    } finally {
      if (saved === undefined) delete process.env.TZ;
      else process.env.TZ = saved;
    }
  });

  it("rejects an unknown zone with a UsageError", () => {
    const error = errorOf(() => todayIn("Mars/Olympus_Mons", instant));
    expect(error).toBeInstanceOf(UsageError);
    expect((error as Error).message).toBe(
      'invalid time zone "Mars/Olympus_Mons": expected an IANA name such as America/New_York',
    );
  });
});

describe("parseDate", () => {
  it.each<[string, DateFormat | undefined, string]>([
    ["2024-02-29", undefined, "2024-02-29"],
    [" 2024-01-05 ", undefined, "2024-01-05"],
    ["1900-01-01", undefined, "1900-01-01"],
    [today, undefined, today],
    ["2024-01-05", "MM/DD/YYYY", "2024-01-05"],
    ["01/05/2024", "MM/DD/YYYY", "2024-01-05"],
    ["1/5/2024", "MM/DD/YYYY", "2024-01-05"],
    ["12/31/1999", "MM/DD/YYYY", "1999-12-31"],
    ["01/05/2024", "DD/MM/YYYY", "2024-05-01"],
    ["31/12/1999", "DD/MM/YYYY", "1999-12-31"],
    ["5.1.2024", "DD.MM.YYYY", "2024-01-05"],
    ["29.02.2000", "DD.MM.YYYY", "2000-02-29"],
    ["2000-02-29", "YYYY-MM-DD", "2000-02-29"],
  ])("accepts %j (format %s)", (text, format, iso) => {
    expect(parseDate(text, { format, today })).toBe(iso);
  });

  it.each<[string, DateFormat | undefined, string]>([
    ["2024-13-01", "MM/DD/YYYY", "there is no month 13; expected YYYY-MM-DD or MM/DD/YYYY"],
    ["2024-00-10", undefined, "there is no month 0; expected YYYY-MM-DD"],
    ["2024-01-32", undefined, "January 2024 has no day 32; expected YYYY-MM-DD"],
    ["2024-04-31", undefined, "April 2024 has no day 31"],
    ["2024-01-00", undefined, "January 2024 has no day 0"],
    ["2023-02-29", undefined, "February 2023 has no day 29"],
    ["1900-02-29", undefined, "February 1900 has no day 29"],
    ["13/25/2024", "DD/MM/YYYY", "there is no month 25; expected YYYY-MM-DD or DD/MM/YYYY"],
    ["25/12/2024", "MM/DD/YYYY", "there is no month 25"],
    ["31.04.2024", "DD.MM.YYYY", "April 2024 has no day 31"],
    ["2025-06-16", undefined, "is in the future (today is 2025-06-15)"],
    ["9999-12-31", undefined, "is in the future"],
    ["06/16/2025", "MM/DD/YYYY", "is in the future"],
    ["1899-12-31", undefined, "before 1900-01-01, the earliest date accepted"],
    ["0000-01-01", undefined, "before 1900-01-01"],
    ["31/12/1899", "DD/MM/YYYY", "before 1900-01-01"],
    ["", undefined, "expected YYYY-MM-DD"],
    ["yesterday", "MM/DD/YYYY", "expected YYYY-MM-DD or MM/DD/YYYY"],
    ["2024-1-5", undefined, "expected YYYY-MM-DD"],
    ["2024-1-5", "DD.MM.YYYY", "expected YYYY-MM-DD or DD.MM.YYYY"],
    ["24-01-05", undefined, "expected YYYY-MM-DD"],
    ["2024/01/05", undefined, "expected YYYY-MM-DD"],
    ["20240105", undefined, "expected YYYY-MM-DD"],
    ["2024-01-05T00:00:00Z", undefined, "expected YYYY-MM-DD"],
    ["2024-01- 5", undefined, "expected YYYY-MM-DD"],
    ["01/05/2024", undefined, "expected YYYY-MM-DD"],
    ["01/05/2024", "YYYY-MM-DD", "expected YYYY-MM-DD"],
    ["01/05/2024", "DD.MM.YYYY", "expected YYYY-MM-DD or DD.MM.YYYY"],
    ["1.5.2024", "DD/MM/YYYY", "expected YYYY-MM-DD or DD/MM/YYYY"],
    ["1/5/24", "MM/DD/YYYY", "expected YYYY-MM-DD or MM/DD/YYYY"],
    ["001/5/2024", "MM/DD/YYYY", "expected YYYY-MM-DD or MM/DD/YYYY"],
    ["1/5/02024", "MM/DD/YYYY", "expected YYYY-MM-DD or MM/DD/YYYY"],
    ["٢٠٢٤-٠١-٠٥", undefined, "expected YYYY-MM-DD"],
  ])("rejects %j (format %s): %s", (text, format, why) => {
    const error = errorOf(() => parseDate(text, { format, today }));
    expect(error).toBeInstanceOf(UsageError);
    expect((error as Error).message).toContain(`invalid date ${JSON.stringify(text)}: ${why}`);
  });
});

describe("formatDate", () => {
  it.each<[DateFormat, string]>([
    ["YYYY-MM-DD", "2024-01-05"],
    ["MM/DD/YYYY", "01/05/2024"],
    ["DD/MM/YYYY", "05/01/2024"],
    ["DD.MM.YYYY", "05.01.2024"],
  ])("formats as %s", (format, text) => {
    expect(formatDate("2024-01-05", format)).toBe(text);
  });

  it("refuses text that is not an ISO calendar date", () => {
    expect(() => formatDate("2023-02-29", "MM/DD/YYYY")).toThrow(RangeError);
    expect(() => formatDate("1/5/2024", "MM/DD/YYYY")).toThrow(RangeError);
  });
});

describe("date arithmetic", () => {
  it("adds days across months, leap days and years", () => {
    expect(addDays("2024-02-28", 1)).toBe("2024-02-29");
    expect(addDays("2023-02-28", 1)).toBe("2023-03-01");
    expect(addDays("2024-12-31", 1)).toBe("2025-01-01");
    expect(addDays("2024-03-01", -1)).toBe("2024-02-29");
    expect(addDays("2024-03-10", 0)).toBe("2024-03-10");
    expect(addDays("2000-01-01", 366)).toBe("2001-01-01");
    expect(addDays("0050-01-01", 1)).toBe("0050-01-02");
    expect(() => addDays("9999-12-31", 1)).toThrow(RangeError);
    expect(() => addDays("2024-01-01", 0.5)).toThrow(RangeError);
  });

  it("is unaffected by daylight saving time", () => {
    expect(daysBetween("2024-03-09", "2024-03-11")).toBe(2);
    expect(daysBetween("2024-11-02", "2024-11-04")).toBe(2);
    expect(addDays("2024-03-10", 1)).toBe("2024-03-11");
  });

  it("counts whole days from a to b", () => {
    expect(daysBetween("2024-01-01", "2025-01-01")).toBe(366);
    expect(daysBetween("2025-01-01", "2024-01-01")).toBe(-366);
    expect(daysBetween("1900-01-01", "2000-01-01")).toBe(36524);
    expect(daysBetween("2024-05-05", "2024-05-05")).toBe(0);
  });

  it("compares and sorts", () => {
    expect(compareDates("2024-01-02", "2024-01-10")).toBe(-1);
    expect(compareDates("2024-01-10", "2024-01-02")).toBe(1);
    expect(compareDates("2024-01-10", "2024-01-10")).toBe(0);
    expect(["2024-03-01", "1999-12-31", "2024-02-29"].sort(compareDates)).toEqual([
      "1999-12-31",
      "2024-02-29",
      "2024-03-01",
    ]);
    expect(() => compareDates("2024-1-1", "2024-01-01")).toThrow(RangeError);
  });

  it("recognises ISO calendar dates", () => {
    expect(isIsoDate("2024-02-29")).toBe(true);
    expect(isIsoDate("2023-02-29")).toBe(false);
    expect(isIsoDate(" 2024-02-29")).toBe(false);
  });
});

// Days from 1900-01-01 up to and including `today`.
const span = daysBetween(EARLIEST_DATE, today);
const validDate = fc.integer({ min: 0, max: span }).map((days) => addDays(EARLIEST_DATE, days));
const format = fc.constantFrom(...DATE_FORMATS);

describe("date properties", () => {
  it("round-trips every valid date through formatDate and parseDate in every format", () => {
    fc.assert(
      fc.property(validDate, format, (iso, preferred) => {
        const text = formatDate(iso, preferred);
        expect(parseDate(text, { format: preferred, today })).toBe(iso);
        expect(parseDate(iso, { format: preferred, today })).toBe(iso);
        // One-digit day and month are accepted too, outside ISO.
        if (preferred !== "YYYY-MM-DD") {
          const short = text.replace(/(^|[/.])0(?=[0-9])/g, "$1");
          expect(parseDate(short, { format: preferred, today })).toBe(iso);
        }
      }),
      { numRuns: 2000 },
    );
  });

  it("agrees with Date on day arithmetic", () => {
    fc.assert(
      fc.property(validDate, fc.integer({ min: -100_000, max: 100_000 }), (iso, days) => {
        const later = addDays(iso, days);
        expect(daysBetween(iso, later)).toBe(days);
        const expected = new Date(Date.parse(`${iso}T00:00:00Z`) + days * 86_400_000);
        expect(later).toBe(expected.toISOString().slice(0, 10));
        expect(compareDates(later, iso)).toBe(Math.sign(days));
      }),
      { numRuns: 2000 },
    );
  });

  it("throws only UsageError for arbitrary text", () => {
    const nearlyDates = fc.string({ unit: fc.constantFrom(..."0123456789-/. "), maxLength: 12 });
    fc.assert(
      fc.property(
        fc.oneof(fc.string({ unit: "binary" }), nearlyDates),
        fc.option(format, { nil: undefined }),
        (text, preferred) => {
          let iso: string;
          try {
            iso = parseDate(text, { format: preferred, today });
          } catch (error) {
            expect(error).toBeInstanceOf(UsageError);
            expect((error as Error).message).toMatch(/^invalid date "/);
            return;
          }
          expect(isIsoDate(iso)).toBe(true);
          expect(iso >= EARLIEST_DATE && iso <= today).toBe(true);
        },
      ),
      { numRuns: 5000 },
    );
  });
});

describe("month arithmetic", () => {
  /** An independent oracle: Date's own UTC calendar, day clamped to the target month's end. */
  const oracle = (iso: string, months: number) => {
    const [year, month, day] = iso.split("-").map(Number) as [number, number, number];
    const target = new Date(Date.UTC(year, month - 1 + months, 1));
    const end = new Date(Date.UTC(target.getUTCFullYear(), target.getUTCMonth() + 1, 0));
    return new Date(
      Date.UTC(end.getUTCFullYear(), end.getUTCMonth(), Math.min(day, end.getUTCDate())),
    )
      .toISOString()
      .slice(0, 10);
  };

  it("addMonths agrees with the calendar, every day of four years, both ways", () => {
    for (let day = "2024-01-01"; day <= "2027-12-31"; day = addDays(day, 1)) {
      for (const months of [-25, -12, -6, -3, -1, 0, 1, 2, 12]) {
        expect(addMonths(day, months), `${day} ${months}`).toBe(oracle(day, months));
      }
    }
  });

  it("clamps to the month's end", () => {
    expect(addMonths("2026-03-31", -1)).toBe("2026-02-28");
    expect(addMonths("2024-02-29", 12)).toBe("2025-02-28");
    expect(addMonths("2024-08-31", -6)).toBe("2024-02-29");
  });

  it("refuses what is not a date or leaves the years 0-9999", () => {
    expect(() => addMonths("2026-02-30", 1)).toThrow(RangeError);
    expect(() => addMonths("9999-12-01", 1)).toThrow(RangeError);
    expect(() => addMonths("0000-01-01", -1)).toThrow(RangeError);
    expect(() => addMonths("2026-01-01", 0.5)).toThrow(RangeError);
  });

  it("lastDayOfMonth knows leap years", () => {
    expect(lastDayOfMonth(2024, 2)).toBe("2024-02-29");
    expect(lastDayOfMonth(1900, 2)).toBe("1900-02-28");
    expect(lastDayOfMonth(2000, 2)).toBe("2000-02-29");
    expect(lastDayOfMonth(9999, 12)).toBe("9999-12-31");
    expect(() => lastDayOfMonth(2026, 13)).toThrow(RangeError);
  });
});
