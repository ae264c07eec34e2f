/**
 * One chart for both: `networth report`'s chart and the dashboard's chart panel draw the same
 * series with the same function (output/chart.ts), so the same report gives the same lines.
 */

import { cleanup, render } from "ink-testing-library";
import { afterEach, describe, expect, it } from "vitest";
import { chartLines, resample } from "../../src/output/chart.js";
import type { Output } from "../../src/output/output.js";
import { REPORT_CHART_HEIGHT, renderReport, reportChart } from "../../src/output/report.js";
import { ChartPanel } from "../../src/tui/chart-panel.js";
import { PLAIN } from "../../src/tui/theme.js";
import { rangeReport } from "../tui/fixtures.js";

afterEach(() => cleanup());

/** An Output that keeps what the report prints, on a terminal `columns` wide. */
function captured(columns: number): Output & { text: string[] } {
  const text: string[] = [];
  return {
    text,
    json: false,
    quiet: false,
    interactive: false,
    color: false,
    columns,
    terminal: false,
    progress() {},
    line: (line = "") => text.push(...line.split("\n")),
    info() {},
    notice() {},
    warn() {},
    write: (raw) => text.push(raw),
    result() {},
  };
}

describe("the chart", () => {
  for (const range of ["1M", "1Y", "ALL"] as const) {
    it(`is the same in the report and on the dashboard (${range}, 100 columns)`, () => {
      const report = rangeReport(range);
      const { lastFrame } = render(
        <ChartPanel
          report={report}
          mode="netWorth"
          range={range}
          focused={false}
          width={100}
          height={REPORT_CHART_HEIGHT}
          theme={PLAIN}
          currency="USD"
          describeDate={(iso) => iso}
        />,
      );
      // The panel: a title line, the chart, an axis line.
      const panel = (lastFrame() ?? "").split("\n").slice(1, 1 + REPORT_CHART_HEIGHT);
      const chart = reportChart(report, 100);
      expect(chart.lines).toHaveLength(REPORT_CHART_HEIGHT);
      expect(panel.map((l) => l.trimEnd())).toEqual(chart.lines.map((l) => l.trimEnd()));

      const out = captured(100);
      renderReport(out, report, "YYYY-MM-DD");
      const start = out.text.indexOf(chart.lines[0] as string);
      expect(start).toBeGreaterThan(0);
      expect(out.text.slice(start, start + REPORT_CHART_HEIGHT)).toEqual(chart.lines);
      // Under it, the axis: first and last date, starting where the plot does.
      expect(out.text[start + REPORT_CHART_HEIGHT]).toBe(
        `${" ".repeat(chart.gutter)}${report.series[0]?.date} ... ${report.to} (day)`,
      );
    });
  }

  it("resample keeps the first and last points", () => {
    expect(resample([1, 2, 3], 5)).toEqual([1, 2, 2, 3, 3]);
    expect(resample([1, 2, 3, 4, 5, 6, 7], 3)).toEqual([1, 4, 7]);
    expect(resample([], 3)).toEqual([]);
  });

  it("fill the width and height given, with the y-axis in the currency", () => {
    const series = rangeReport("1Y").series.map((p) => p.netWorth.cents);
    const chart = chartLines([{ cents: series }], { width: 70, height: 8, currency: "USD" });
    expect(chart.lines).toHaveLength(8);
    expect(Math.max(...chart.lines.map((l) => [...l].length))).toBe(70);
    expect(chart.lines[0]).toMatch(/^\$243,900\.00 ┤/);
    expect(chart.lines.at(-1)).toMatch(/^\$196,450\.00 ┼/);
    expect(chart.gutter).toBe("$243,900.00".length + 2);
  });

  it("draw nothing from fewer than two points", () => {
    expect(chartLines([{ cents: [5n] }], { width: 40, height: 4, currency: "USD" })).toEqual({
      lines: ["", "", "", ""],
      gutter: 0,
    });
  });

  it("samples a long series to the width, keeping its first and last points", () => {
    const report = rangeReport("ALL");
    const cents = report.series.map((p) => p.netWorth.cents);
    const chart = chartLines([{ cents }], { width: 60, height: 6, currency: "USD" });
    // The top line's label is the series' maximum, the bottom's its minimum: both points kept.
    expect(chart.lines[0]).toMatch(/^\$243,900\.00 ┤/);
    expect(chart.lines.at(-1)).toMatch(/^\$149,000\.00 ┼/);
    expect(Math.max(...chart.lines.map((l) => [...l].length))).toBe(60);
  });
});
