import { Command } from "commander";
import { z } from "zod";
import { toCsv } from "../core/csv.js";
import { parseDate } from "../core/dates.js";
import { INTERVALS, type Interval } from "../core/report.js";
import { userReport } from "../db/report.js";
import { UsageError } from "../errors.js";
import { type App, examples, parseOptions, type UserRun, userRun } from "./app.js";

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
      const report = await userReport(run.db, run.user.id, reportRange(run, input));
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
      } else {
        // The chart and tables only here: --json and --csv start without them.
        const { renderReport } = await import("../output/report.js");
        renderReport(out, report, run.dateFormat);
      }
    });
  return examples(command, [
    "networth report",
    "networth report --from 2025-01-01 --interval month",
    "networth report --json | jq '.changes.YTD'",
    "networth report --csv > networth.csv",
  ]);
}
