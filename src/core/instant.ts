/**
 * Instants (a moment, stored as timestamptz) for people: the wall-clock time in the user's zone
 * with that zone's offset, so "2026-03-15 06:30:00 +14:00" can never be read as another zone's
 * time. The one formatter of every time the CLI prints; --json keeps ISO 8601 in UTC.
 */

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatterFor(timeZone: string | undefined): Intl.DateTimeFormat {
  const key = timeZone ?? "";
  let formatter = formatters.get(key);
  if (!formatter) {
    formatter = new Intl.DateTimeFormat("en-CA", {
      timeZone,
      calendar: "gregory",
      numberingSystem: "latn",
      hourCycle: "h23",
      year: "numeric",
      month: "2-digit",
      day: "2-digit",
      hour: "2-digit",
      minute: "2-digit",
      second: "2-digit",
      timeZoneName: "longOffset",
    });
    formatters.set(key, formatter);
  }
  return formatter;
}

/**
 * "YYYY-MM-DD HH:MM:SS ±HH:MM" in the given IANA zone (by default the process's: TZ, else the
 * system's); `precision: "minute"` drops the seconds.
 */
export function formatInstant(
  instant: Date,
  options: { timeZone?: string; precision?: "second" | "minute" } = {},
): string {
  const parts = formatterFor(options.timeZone).formatToParts(instant);
  const part = (type: Intl.DateTimeFormatPartTypes) =>
    parts.find((p) => p.type === type)?.value ?? "";
  // longOffset reads "GMT+14:00", or plain "GMT" at UTC itself.
  const offset = part("timeZoneName").replace(/^GMT/, "") || "+00:00";
  const time =
    options.precision === "minute"
      ? `${part("hour")}:${part("minute")}`
      : `${part("hour")}:${part("minute")}:${part("second")}`;
  return `${part("year")}-${part("month")}-${part("day")} ${time} ${offset}`;
}
