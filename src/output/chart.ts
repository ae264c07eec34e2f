/**
 * Line charts as text lines (asciichart), sized to a width and height in characters, with the
 * y-axis in the user's currency. Plotting positions only: the chart's scale is display, never
 * arithmetic on money, which stays in bigint cents everywhere else.
 */

import { plot } from "asciichart";
import { formatAmount } from "../core/amount.js";

/** One series to plot: amounts in cents, oldest first, and an optional ANSI colour. */
export interface ChartSeries {
  readonly cents: readonly bigint[];
  readonly color?: string | undefined;
}

/** `values` stretched or sampled to exactly `count` points, keeping the first and the last. */
export function resample<T>(values: readonly T[], count: number): T[] {
  if (values.length === 0 || count <= 0) return [];
  if (count === 1) return [values.at(-1) as T];
  return Array.from(
    { length: count },
    (_, i) => values[Math.round((i * (values.length - 1)) / (count - 1))] as T,
  );
}

/** What chartLines draws: the lines, and where the plot starts (for an axis line under it). */
export interface Chart {
  readonly lines: readonly string[];
  /** Characters before the first plotted column (the y-axis labels and the axis). */
  readonly gutter: number;
}

/**
 * Exactly `height` lines of at most `width` characters; empty lines when no series has two
 * points (a single value is not a line).
 */
export function chartLines(
  series: readonly ChartSeries[],
  options: { readonly width: number; readonly height: number; readonly currency: string },
): Chart {
  const { width, height, currency } = options;
  const drawn = series.filter((s) => s.cents.length >= 2);
  if (drawn.length === 0 || height < 2) return { lines: Array(height).fill(""), gutter: 0 };
  const all = drawn.flatMap((s) => s.cents).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  const label = (cents: bigint) => formatAmount(cents, currency);
  // No label is wider than the extremes': every other lies between them.
  const labelWidth = Math.max(label(all[0] ?? 0n).length, label(all.at(-1) ?? 0n).length);
  const gutter = labelWidth + 2;
  const points = Math.max(2, width - gutter);
  const text = plot(
    drawn.map((s) => resample(s.cents, points).map((c) => Number(c) / 100)),
    {
      height: height - 1,
      format: (x) => label(BigInt(Math.round(x * 100))).padStart(labelWidth),
      ...(drawn.some((s) => s.color) ? { colors: drawn.map((s) => s.color) } : {}),
    },
  );
  const lines = text.split("\n");
  // A flat series plots as one line: pad below it so the panel keeps its height.
  while (lines.length < height) lines.push("");
  return { lines: lines.slice(0, height), gutter };
}
