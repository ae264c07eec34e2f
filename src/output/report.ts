/** `networth report` for a terminal: summary, chart, changes, breakdown, movers, series. */

import type { DateFormat } from "../config.js";
import { formatAmount } from "../core/amount.js";
import { bucketLabel } from "../core/buckets.js";
import type { Report } from "../core/build-report.js";
import { formatDate } from "../core/dates.js";
import { missingRateLine } from "../core/incomplete.js";
import { type BucketShare, CHANGE_WINDOWS } from "../core/report.js";
import { chartLines } from "./chart.js";
import { signedAmount, signedPercent } from "./format.js";
import type { Output } from "./output.js";
import { renderTable } from "./table.js";

/** Lines of the report's chart (the dashboard's chart panel draws the same series alike). */
export const REPORT_CHART_HEIGHT = 11;

/** The report's net worth chart, `width` characters wide: chartLines, as the dashboard's. */
export function reportChart(report: Report, width: number): { lines: string[]; gutter: number } {
  const chart = chartLines([{ cents: report.series.map((p) => p.netWorth.cents) }], {
    width,
    height: REPORT_CHART_HEIGHT,
    currency: report.currency,
  });
  return { lines: [...chart.lines], gutter: chart.gutter };
}

/** Draws the report on `out`, dates in the user's format, the chart as wide as the terminal. */
export function renderReport(out: Output, report: Report, format: DateFormat): void {
  const date = (d: string) => formatDate(d, format);
  if (!report.current) {
    out.line(
      "No snapshots yet: add accounts (networth add-asset, networth link) or run networth snapshot.",
    );
    return;
  }
  const c = report.current;
  const money = (cents: bigint) => formatAmount(cents, report.currency);
  const signed = (cents: bigint) => signedAmount(cents, report.currency);
  out.line(
    `Net worth ${money(c.netWorth.cents)} on ${date(c.date)}   assets ${money(c.totalAssets.cents)}   liabilities ${money(c.totalLiabilities.cents)}`,
  );
  // Never silent: a day without a rate leaves accounts out, and the report says so first.
  for (const missing of report.missingRates)
    out.line(`Incomplete: ${missingRateLine(missing, date)}`);
  const range = report.changes.range;
  if (range)
    out.line(
      `${date(report.from)} to ${date(report.to)}: ${signed(range.amount.cents)} ${signedPercent(range.percent)}`,
    );
  out.line();
  if (report.series.length >= 2) {
    const chart = reportChart(report, out.columns);
    for (const line of chart.lines) out.line(line);
    out.line(
      `${" ".repeat(chart.gutter)}${date(report.series[0]?.date ?? report.from)} ... ${date(report.to)} (${report.interval})`,
    );
    out.line();
  }
  out.line(
    renderTable(
      ["Change", "Since", "Amount", "Percent"],
      (["range", ...CHANGE_WINDOWS] as const).flatMap((k) => {
        const change = report.changes[k];
        return change
          ? [
              [
                k === "range" ? "Range" : k,
                date(change.from),
                signed(change.amount.cents),
                signedPercent(change.percent),
              ],
            ]
          : [];
      }),
      ["left", "left", "right", "right"],
    ),
  );
  out.line();
  if (report.breakdown) {
    const row = (side: "asset" | "liability") => (b: BucketShare<string>) => [
      side,
      bucketLabel(side, b.bucket),
      money(b.amount.cents),
      b.share === null ? "" : `${b.share}%`,
    ];
    const rows = [
      ...report.breakdown.assets.map(row("asset")),
      ...report.breakdown.liabilities.map(row("liability")),
    ];
    out.line(
      renderTable(["Side", "Bucket", "Amount", "Share"], rows, ["left", "left", "right", "right"]),
    );
    out.line();
  }
  if (report.movers.length) {
    out.line(
      renderTable(
        ["Moved most", "From", "To", "Effect on net worth"],
        report.movers.map((m) => [
          m.name,
          m.before ? formatAmount(m.before.cents, m.currency) : "",
          m.after ? formatAmount(m.after.cents, m.currency) : "",
          signedAmount(m.effect.cents, report.currency),
        ]),
        ["left", "right", "right", "right"],
      ),
    );
    out.line();
  }
  out.line(
    renderTable(
      ["Date", "Assets", "Liabilities", "Net worth"],
      report.series.map((p) => [
        date(p.date),
        money(p.totalAssets.cents),
        money(p.totalLiabilities.cents),
        money(p.netWorth.cents),
      ]),
      ["left", "right", "right", "right"],
    ),
  );
}
