import { Box, Text } from "ink";
import type { Report } from "../core/build-report.js";
import { type Chart, chartLines } from "../output/chart.js";
import { cell, rule } from "./format.js";
import type { RangeKey } from "./ranges.js";
import type { Theme } from "./theme.js";
import type { ChartMode } from "./use-dashboard-state.js";

export interface ChartPanelProps {
  readonly report: Report | null;
  readonly mode: ChartMode;
  readonly range: RangeKey;
  readonly focused: boolean;
  readonly width: number;
  /** Lines of the chart itself; the panel adds a title and an axis line. */
  readonly height: number;
  readonly theme: Theme;
  readonly currency: string;
  readonly describeDate: (iso: string) => string;
}

/** A chart's lines, or (null: fewer than two points) what to say instead, `height` lines. */
export function ChartBody(props: {
  readonly chart: Chart | null;
  readonly height: number;
  readonly empty: string;
  readonly theme: Theme;
}) {
  if (props.chart === null) {
    return (
      <Box height={props.height}>
        <Text color={props.theme.muted}>{props.empty}</Text>
      </Box>
    );
  }
  return props.chart.lines.map((line, i) => (
    // The lines are positions, not items: their index is their identity.
    // biome-ignore lint/suspicious/noArrayIndexKey: see above
    <Text key={i} wrap="truncate">
      {line}
    </Text>
  ));
}

/** Net worth over the range, or assets and liabilities as two lines. */
export function ChartPanel(props: ChartPanelProps) {
  const { report, mode, theme, width } = props;
  const series = report?.series ?? [];
  const chart = chartLines(
    mode === "netWorth"
      ? [{ cents: series.map((p) => p.netWorth.cents), color: theme.chartLine }]
      : [
          { cents: series.map((p) => p.totalAssets.cents), color: theme.chartAssets },
          { cents: series.map((p) => p.totalLiabilities.cents), color: theme.chartLiabilities },
        ],
    { width, height: props.height, currency: props.currency },
  );
  const title = `${mode === "netWorth" ? "Net worth" : "Assets vs liabilities"} · ${props.range}`;
  // The legend says which line is which in words too, for a view without colour.
  const legend = mode === "sides" ? " ━ assets  ━ liabilities ──" : "";
  const first = series[0];
  const start = first ? props.describeDate(first.date) : "";
  const end = report && first ? props.describeDate(report.to) : "";
  return (
    <Box flexDirection="column">
      <Text wrap="truncate" color={props.focused ? theme.accent : theme.muted}>
        {rule(title, width - legend.length, props.focused)}
        {legend ? (
          <Text>
            <Text color={theme.assets}> ━ assets</Text>
            <Text color={theme.liabilities}>{"  ━ liabilities "}</Text>──
          </Text>
        ) : null}
      </Text>
      <ChartBody
        chart={series.length < 2 ? null : chart}
        height={props.height}
        empty={report === null ? "" : "  Not enough history for a chart yet."}
        theme={theme}
      />
      <Text wrap="truncate" color={theme.muted}>
        {" ".repeat(chart.gutter)}
        {cell(start, Math.max(0, width - chart.gutter - end.length))}
        {end}
      </Text>
    </Box>
  );
}
