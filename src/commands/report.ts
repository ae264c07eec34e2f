import { Command } from "commander";
import { z } from "zod";
import type { DateFormat } from "../config.js";
import { formatAmount } from "../core/amount.js";
import { toCsv } from "../core/csv.js";
import { addDays, formatDate, parseDate } from "../core/dates.js";
import { Money } from "../core/money.js";
import {
  type BreakdownShares,
  breakdownShares,
  CHANGE_WINDOWS,
  type Change,
  changeBetween,
  INTERVALS,
  type Interval,
  periodEnds,
  pointsAt,
  type SeriesPoint,
  windowStart,
} from "../core/report.js";
import { accountMoves } from "../db/accounts.js";
import type { Database } from "../db/connection.js";
import { readSnapshots, snapshotSpan } from "../db/snapshots.js";
import { UsageError } from "../errors.js";
import { snapshotJson } from "../output/models.js";
import type { Output } from "../output/output.js";
import { renderTable } from "../output/table.js";
import { type App, examples, parseOptions, type UserRun, userRun } from "./app.js";

const MOVERS = 5;

/** Everything `report` shows, as data (the --json shape, before serialisation). */
export interface Report {
  from: string;
  to: string;
  interval: Interval;
  current: ReturnType<typeof snapshotJson> | null;
  changes: { range: Change | null } & Record<(typeof CHANGE_WINDOWS)[number], Change | null>;
  series: SeriesPoint[];
  breakdown: BreakdownShares | null;
  movers: {
    id: string;
    name: string;
    side: string;
    before: Money | null;
    after: Money | null;
    change: Money;
    effect: Money;
  }[];
}

/** The interval a range gets when none is asked for: about one point per day, week or month. */
export function defaultInterval(from: string, to: string): Interval {
  const days = (Date.parse(to) - Date.parse(from)) / 86_400_000;
  return days <= 62 ? "day" : days <= 366 ? "week" : days <= 3 * 366 ? "month" : "quarter";
}

/**
 * Builds the report from stored snapshots (one read covering the range and the change windows)
 * and, for the movers, one balance lookup per account. Nothing is recomputed.
 */
export async function buildReport(
  db: Database,
  userId: string,
  range: { from?: string | undefined; to: string; interval?: Interval | undefined },
): Promise<Report> {
  return db.asUser(userId, async (tx) => {
    const span = await snapshotSpan(tx, userId);
    const to = range.to;
    const from = range.from ?? span?.first ?? to;
    const interval = range.interval ?? defaultInterval(from, to);
    const earliest = [from, ...CHANGE_WINDOWS.map((w) => windowStart(to, w))].sort()[0] as string;
    const snapshots = await readSnapshots(tx, userId, earliest, to);
    const current = snapshots.at(-1);
    const inRange = snapshots.filter((s) => s.date >= from);
    const [atFrom] = pointsAt(snapshots, [from]);
    const at = (date: string) => pointsAt(snapshots, [date])[0];
    const changes = {
      range: changeBetween(atFrom ?? inRange[0], current),
      ...Object.fromEntries(
        CHANGE_WINDOWS.map((w) => [w, changeBetween(at(windowStart(to, w)), current)]),
      ),
    } as Report["changes"];
    const moves = await accountMoves(
      tx,
      atFrom ? from : addDays(inRange[0]?.date ?? from, -1),
      to,
      MOVERS,
    );
    return {
      from,
      to,
      interval,
      current: current ? snapshotJson(current) : null,
      changes,
      series: pointsAt(inRange, periodEnds(from, to, interval)),
      breakdown: current ? breakdownShares(current) : null,
      movers: moves.map((m) => {
        const change = Money.fromDecimal(m.change);
        return {
          id: m.id,
          name: m.name,
          side: m.side,
          before: Money.nullable(m.before),
          after: Money.nullable(m.after),
          change,
          // What the move did to net worth: a liability going up takes it down.
          effect: m.side === "liability" ? new Money(-change.cents) : change,
        };
      }),
    };
  });
}

const signed = (m: Money) => `${m.cents > 0n ? "+" : ""}${formatAmount(m.cents)}`;
const pct = (p: string | null) => (p === null ? "" : `${p.startsWith("-") ? "" : "+"}${p}%`);

/** Draws the report for a terminal: summary, chart, changes, breakdown, movers, series. */
export async function renderReport(
  out: Output,
  report: Report,
  format: DateFormat,
  width: number,
): Promise<void> {
  const date = (d: string) => formatDate(d, format);
  if (!report.current) {
    out.line(
      "No snapshots yet: add accounts (networth add-asset, networth link) or run networth snapshot.",
    );
    return;
  }
  const c = report.current;
  out.line(
    `Net worth ${formatAmount(c.netWorth.cents)} on ${date(c.date)}   assets ${formatAmount(c.totalAssets.cents)}   liabilities ${formatAmount(c.totalLiabilities.cents)}`,
  );
  const range = report.changes.range;
  if (range)
    out.line(
      `${date(report.from)} to ${date(report.to)}: ${signed(range.amount)} ${pct(range.percent)}`,
    );
  out.line();
  if (report.series.length >= 2) {
    const { plot } = await import("asciichart");
    // Plotting positions only: the chart's scale is display, never arithmetic on money.
    const values = report.series.map((p) => Number(p.netWorth.cents) / 100);
    const label = (x: number) => formatAmount(BigInt(Math.round(x * 100))).padStart(16);
    // One column per character of the terminal: fewer points are stretched, more are sampled.
    const columns = Math.max(10, width - 20);
    const sampled = Array.from(
      { length: columns },
      (_, i) => values[Math.floor((i * values.length) / columns)] as number,
    );
    out.line(plot(sampled, { height: 10, format: label }));
    out.line(
      `${" ".repeat(18)}${date(report.series[0]?.date ?? report.from)} ... ${date(report.to)} (${report.interval})`,
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
                signed(change.amount),
                pct(change.percent),
              ],
            ]
          : [];
      }),
      ["left", "left", "right", "right"],
    ),
  );
  out.line();
  if (report.breakdown) {
    const rows = [
      ...report.breakdown.assets.map((b) => [
        "asset",
        b.bucket,
        formatAmount(b.amount.cents),
        b.share === null ? "" : `${b.share}%`,
      ]),
      ...report.breakdown.liabilities.map((b) => [
        "liability",
        b.bucket,
        formatAmount(b.amount.cents),
        b.share === null ? "" : `${b.share}%`,
      ]),
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
          m.before ? formatAmount(m.before.cents) : "",
          m.after ? formatAmount(m.after.cents) : "",
          signed(m.effect),
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
        formatAmount(p.totalAssets.cents),
        formatAmount(p.totalLiabilities.cents),
        formatAmount(p.netWorth.cents),
      ]),
      ["left", "right", "right", "right"],
    ),
  );
}

const Input = z.object({
  from: z.string().optional(),
  to: z.string().optional(),
  interval: z
    .enum(INTERVALS as [Interval, ...Interval[]], {
      message: `--interval takes ${INTERVALS.join(", ")}`,
    })
    .optional(),
  csv: z.boolean().optional(),
  json: z.boolean().optional(),
});

/** Parses the report's options into a range, in the user's date format. */
export function reportRange(
  run: Pick<UserRun, "today" | "dateFormat">,
  input: z.infer<typeof Input>,
) {
  const parse = (d: string | undefined) =>
    d ? parseDate(d, { format: run.dateFormat, today: run.today }) : undefined;
  const from = parse(input.from);
  const to = parse(input.to) ?? run.today;
  if (from && from > to) throw new UsageError(`--from ${from} is after --to ${to}`);
  return { from, to, interval: input.interval };
}

export function reportCommand(app: App): Command {
  const command = new Command("report")
    .description("net worth over time from the daily snapshots: chart, changes, breakdown, movers")
    .option("--from <date>", "start of the range (default: the first snapshot)")
    .option("--to <date>", "end of the range (default: today)")
    .option(
      "--interval <interval>",
      `one point per ${INTERVALS.join(" | ")} (default: by range length)`,
    )
    .option("--csv", "print the series as CSV")
    .option("--json", "print the whole report as JSON")
    .action(async (raw: Record<string, unknown>, cmd: Command) => {
      const input = parseOptions(Input, raw);
      if (input.csv && input.json) throw new UsageError("give --csv or --json, not both");
      const run = await userRun(app, cmd);
      const out = app.output(input);
      const report = await buildReport(run.db, run.user.id, reportRange(run, input));
      if (out.json) out.result(report);
      else if (input.csv) {
        out.write(
          toCsv([
            ["date", "total_assets", "total_liabilities", "net_worth"],
            ...report.series.map((p) => [
              p.date,
              p.totalAssets.toString(),
              p.totalLiabilities.toString(),
              p.netWorth.toString(),
            ]),
          ]),
        );
      } else await renderReport(out, report, run.dateFormat, process.stdout.columns ?? 80);
    });
  return examples(command, [
    "networth report",
    "networth report --from 2025-01-01 --interval month",
    "networth report --json | jq '.changes.YTD'",
    "networth report --csv > networth.csv",
  ]);
}
