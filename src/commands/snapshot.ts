import { Command } from "commander";
import { z } from "zod";
import { formatAmount } from "../core/amount.js";
import { snapshotModel } from "../core/buckets.js";
import { formatDate, parseDate } from "../core/dates.js";
import { centsFromDecimal } from "../core/money.js";
import { readLatestSnapshot, refreshSnapshots } from "../db/snapshots.js";
import { UsageError } from "../errors.js";
import { type App, examples, parseOptions, userRun } from "./app.js";

const Input = z.object({
  date: z.string().optional(),
  from: z.string().optional(),
  to: z.string().optional(),
  allUsers: z.boolean().optional(),
  json: z.boolean().optional(),
  quiet: z.boolean().optional(),
});

export function snapshotCommand(app: App): Command {
  const command = new Command("snapshot")
    .description("compute daily net worth snapshots: today, one day, a range, or every user (cron)")
    .option("--date <date>", "the day to compute (default: today)")
    .option("--from <date>", "backfill every day from this date...")
    .option("--to <date>", "...through this one (default: today)")
    .option("--all-users", "every user of the database (the daily cron job; needs no login)")
    .option("--json", "print the result as JSON")
    .option("--quiet", "print nothing but errors")
    .action(async (raw: Record<string, unknown>, cmd: Command) => {
      const input = parseOptions(Input, raw);
      if (input.date && (input.from || input.to))
        throw new UsageError("give --date or --from/--to, not both");
      if (input.to && !input.from) throw new UsageError("--to needs --from");
      const ctx = app.context(cmd);
      const out = app.output(input);
      const today = ctx.today();
      const dateOf = (text: string, format?: Parameters<typeof parseDate>[1]["format"]) =>
        parseDate(text, { format, today });

      if (input.allUsers) {
        const from = input.from ? dateOf(input.from) : input.date ? dateOf(input.date) : today;
        const to = input.to ? dateOf(input.to) : input.from ? today : from;
        if (from > to) throw new UsageError(`--from ${from} is after --to ${to}`);
        const db = await ctx.database();
        const result = await refreshSnapshots(db.sql, { allUsers: true }, from, to);
        if (out.json) out.result({ scope: "allUsers", from, to, ...result });
        else if (!out.quiet) {
          out.line(
            `Snapshots ${from === to ? `for ${from}` : `from ${from} to ${to}`} for every user: ${result.upserted} written, ${result.deleted} removed.`,
          );
        }
        if (result.overflowed > 0)
          out.warn(
            `${result.overflowed} snapshot(s) skipped: a total exceeds what NUMERIC(19,2) can hold`,
          );
        return;
      }

      const run = await userRun(app, cmd);
      const parse = (text: string) => dateOf(text, run.dateFormat);
      const from = input.from ? parse(input.from) : input.date ? parse(input.date) : run.today;
      const to = input.to ? parse(input.to) : input.from ? run.today : from;
      if (from > to) throw new UsageError(`--from ${from} is after --to ${to}`);
      const { result, latest } = await run.db.asUser(run.user.id, async (tx) => {
        const result = await refreshSnapshots(tx, { userId: run.user.id }, from, to);
        const latest = await readLatestSnapshot(tx, run.user.id, from, to);
        return { result, latest: latest ?? undefined };
      });
      if (out.json) {
        out.result({
          scope: "user",
          from,
          to,
          ...result,
          snapshot: latest ? snapshotModel(latest) : null,
        });
        return;
      }
      if (out.quiet) return;
      const date = (iso: string) => formatDate(iso, run.dateFormat);
      if (from !== to)
        out.line(
          `Snapshots from ${date(from)} to ${date(to)}: ${result.upserted} written, ${result.deleted} removed, ${result.days - result.upserted - result.deleted} already current.`,
        );
      if (!latest) {
        out.line(`No snapshot for ${date(to)}: no account has a balance on or before that day.`);
        return;
      }
      const money = (d: string) => formatAmount(centsFromDecimal(d));
      out.line(
        `Net worth on ${date(latest.date)}: ${money(latest.netWorth)} (assets ${money(latest.totalAssets)}, liabilities ${money(latest.totalLiabilities)})`,
      );
    });
  return examples(command, [
    "networth snapshot",
    "networth snapshot --from 2024-01-01          # backfill",
    "networth snapshot --all-users --quiet        # from cron",
  ]);
}
