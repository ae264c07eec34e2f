import { Command } from "commander";
import { z } from "zod";
import { toCsv } from "../core/csv.js";
import { formatDate, parseDate } from "../core/dates.js";
import { Money } from "../core/money.js";
import { INTERVALS, type Interval } from "../core/report.js";
import { escapeForTerminal } from "../core/text.js";
import { userReport, userReportWithEffect } from "../db/report.js";
import { UsageError } from "../errors.js";
import { signedAmount } from "../output/format.js";
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
  explainCurrency: z.boolean().optional(),
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
    .option(
      "--explain-currency",
      "split the range's change into what the balances did and what exchange rates did",
    )
    .option("--json", "print the whole report as JSON")
    .action(async (raw: Record<string, unknown>, cmd: Command) => {
      const input = parseOptions(Input, raw);
      if (input.csv && input.json) throw new UsageError("give --csv or --json, not both");
      const run = await userRun(app, cmd);
      const out = app.output(input);
      const mine = run.user.preferences.currency || "USD";
      const explain = Boolean(input.explainCurrency);
      const { report, effect, from, to } =
        input.csv || (out.json && !explain)
          ? {
              report: await userReport(run.db, run.user.id, {
                ...reportRange(run, input),
                currency: mine,
              }),
              effect: null,
              from: "",
              to: "",
            }
          : await userReportWithEffect(run.db, run.user.id, reportRange(run, input), mine, explain);
      const effectJson = effect && {
        from,
        to,
        change: new Money(effect.change),
        balances: new Money(effect.balances),
        rates: new Money(effect.rates),
        accounts: effect.accounts.map((a) => ({
          ...a,
          balances: new Money(a.balances),
          rates: new Money(a.rates),
        })),
        coverage: new Money(effect.coverage),
        leftOut: effect.leftOut.map((a) => ({ ...a, coverage: new Money(a.coverage) })),
      };
      if (out.json) out.result(explain ? { ...report, currencyEffect: effectJson } : report);
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
        if (effect) {
          const money = (cents: bigint) => signedAmount(cents, report.currency);
          const [fromText, toText] = [from, to].map((d) => formatDate(d, run.dateFormat));
          out.line(
            `Currency effect ${fromText} to ${toText}: ${money(effect.change)} = balances ${money(effect.balances)} + exchange rates ${money(effect.rates)}` +
              (effect.leftOut.length > 0
                ? ` + counted at one end only ${money(effect.coverage)} (no rate on ${effect.leftOut
                    .map(
                      (a) =>
                        `${a.missing === "both" ? "either day" : a.missing === "from" ? fromText : toText}: ${escapeForTerminal(a.name)} (${a.currency})`,
                    )
                    .join(", ")})`
                : ""),
          );
          if (explain) {
            for (const a of effect.accounts) {
              out.line(
                `  ${escapeForTerminal(a.name)} (${a.currency}): balance ${money(a.balances)}, rate ${money(a.rates)}`,
              );
            }
          }
        }
      }
    });
  return examples(command, [
    "networth report",
    "networth report --from 2025-01-01 --interval month",
    "networth report --json | jq '.changes.YTD'",
    "networth report --csv > networth.csv",
    "networth report --from 2025-01-01 --explain-currency",
  ]);
}
