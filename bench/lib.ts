/**
 * Small helpers of the benchmark: timing, medians, child processes, the result rows and the
 * plain table they are printed as. Nothing here asserts a time: the bench is a report.
 */

import { spawnSync } from "node:child_process";
import { performance } from "node:perf_hooks";

export type DatabaseKind = "server" | "embedded";

/** A target: a time in ms (`<`), or a ratio (`>=` for "N x faster", `<=` for "within N x"). */
export type Target =
  | { readonly kind: "ms"; readonly below: number }
  | { readonly kind: "ratio-at-least"; readonly value: number }
  | { readonly kind: "ratio-at-most"; readonly value: number }
  | { readonly kind: "report"; readonly text: string };

/** One line of the table (and of latest.json). */
export interface BenchRow {
  /** The row's number in the bench issue: "1", "2", "3", "4a", "4b", "5", "6". */
  readonly num: string;
  /** Short stable id, e.g. "backfill", "naive-backfill". */
  readonly id: string;
  readonly name: string;
  readonly database: DatabaseKind;
  /** The median of the samples (or the extrapolated figure), ms; null when skipped. */
  ms: number | null;
  /** Every measured sample, ms. */
  samples: number[];
  /** How many runs the median is of. */
  runs: number;
  readonly target: Target;
  /** The ratio this row's target is about ("engine is N x faster", "process / (node+psql)"). */
  ratio: number | null;
  /** yes / no; null when skipped or when the target is only reported. */
  met: boolean | null;
  /** Set when the row did not run, with the reason. */
  skipped: string | null;
  /** What the figure means beyond the name: sizes, extrapolation, checks. */
  notes: string[];
  /** Further figures for latest.json (component timings, counts). */
  details: Record<string, number | string | boolean>;
}

export function newRow(
  num: string,
  id: string,
  name: string,
  database: DatabaseKind,
  target: Target,
): BenchRow {
  return {
    num,
    id,
    name,
    database,
    ms: null,
    samples: [],
    runs: 0,
    target,
    ratio: null,
    met: null,
    skipped: null,
    notes: [],
    details: {},
  };
}

/** Records samples, their median, and whether the target is met. */
export function measured(row: BenchRow, samples: number[], ratio: number | null = null): BenchRow {
  row.samples = samples.map(round1);
  row.runs = samples.length;
  row.ms = round1(median(samples));
  row.ratio = ratio === null ? null : round2(ratio);
  row.met = judge(row.target, row.ms, row.ratio);
  return row;
}

export function skip(row: BenchRow, reason: string): BenchRow {
  row.skipped = reason;
  row.ms = null;
  row.met = null;
  return row;
}

function judge(target: Target, ms: number, ratio: number | null): boolean | null {
  switch (target.kind) {
    case "ms":
      return ms < target.below;
    case "ratio-at-least":
      return ratio === null ? null : ratio >= target.value;
    case "ratio-at-most":
      return ratio === null ? null : ratio <= target.value;
    case "report":
      return null;
  }
}

export function describeTarget(target: Target): string {
  switch (target.kind) {
    case "ms":
      return target.below >= 1000 ? `< ${target.below / 1000} s` : `< ${target.below} ms`;
    case "ratio-at-least":
      return `>= ${target.value}x faster`;
    case "ratio-at-most":
      return `<= ${target.value}x`;
    case "report":
      return target.text;
  }
}

export function median(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  const upper = sorted[mid] ?? Number.NaN;
  return sorted.length % 2 === 1 ? upper : ((sorted[mid - 1] ?? upper) + upper) / 2;
}

export const round1 = (n: number) => Math.round(n * 10) / 10;
export const round2 = (n: number) => Math.round(n * 100) / 100;

/** Milliseconds that fn took, and what it returned. */
export async function timed<T>(fn: () => Promise<T>): Promise<{ ms: number; value: T }> {
  const start = performance.now();
  const value = await fn();
  return { ms: performance.now() - start, value };
}

/** What a child process did, and how long it took from spawn to exit (wall clock). */
export interface ProcessRun {
  readonly ms: number;
  readonly status: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/**
 * Runs a command to completion, its output piped (so a large stdout is read, as a real
 * consumer would), and times it. spawnSync blocks this process meanwhile: nothing else of
 * ours competes with the child for the two cores.
 */
export function runProcess(
  command: string,
  args: readonly string[],
  options: { env?: NodeJS.ProcessEnv; cwd?: string } = {},
): ProcessRun {
  const start = performance.now();
  const result = spawnSync(command, args, {
    env: options.env ?? process.env,
    cwd: options.cwd,
    encoding: "utf8",
    maxBuffer: 256 * 1024 * 1024,
    stdio: ["ignore", "pipe", "pipe"],
  });
  const ms = performance.now() - start;
  if (result.error) throw result.error;
  return { ms, status: result.status, stdout: result.stdout, stderr: result.stderr };
}

/** The last non-empty line of a process's stderr, for messages. */
export function lastLine(text: string): string {
  const lines = text.trim().split("\n");
  return lines[lines.length - 1]?.trim() ?? "";
}

/** A plain table: left-aligned text, right-aligned numbers, two spaces between columns. */
export function formatTable(rows: readonly BenchRow[]): string {
  const header = ["#", "row", "database", "ms", "N", "target", "met", "ratio", "notes"];
  const lines = rows.map((row) => [
    row.num,
    row.name,
    row.database,
    row.skipped ? "-" : formatMs(row.ms),
    row.skipped ? "-" : String(row.runs),
    describeTarget(row.target),
    row.skipped ? "skipped" : row.met === null ? "-" : row.met ? "yes" : "no",
    row.ratio === null ? "-" : `${row.ratio}x`,
    row.skipped ? `skipped: ${row.skipped}` : row.notes.join("; "),
  ]);
  const numeric = new Set([0, 3, 4, 7]);
  const widths = header.map((title, c) =>
    c === header.length - 1 ? 0 : Math.max(title.length, ...lines.map((l) => (l[c] ?? "").length)),
  );
  const render = (cells: readonly string[]) =>
    cells
      .map((cell, c) => {
        const width = widths[c] ?? 0;
        return numeric.has(c) ? cell.padStart(width) : cell.padEnd(width);
      })
      .join("  ")
      .trimEnd();
  const rule = widths.map((w, c) => "-".repeat(c === header.length - 1 ? 5 : w)).join("  ");
  return [render(header), rule, ...lines.map(render)].join("\n");
}

export function formatMs(ms: number | null): string {
  if (ms === null) return "-";
  return ms >= 100 ? Math.round(ms).toLocaleString("en-US") : ms.toFixed(1);
}

/** A line on stderr about what the bench is doing (the table goes to stdout). */
export function progress(message: string): void {
  const clock = new Date().toISOString().slice(11, 19);
  process.stderr.write(`[bench ${clock}] ${message}\n`);
}
