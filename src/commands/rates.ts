import { readFileSync } from "node:fs";
import { Command } from "commander";
import { z } from "zod";
import {
  MAX_RATE_ROWS,
  pairLabel,
  parseCurrency,
  parseEcbCsv,
  parsePair,
  parseRate,
} from "../core/currency.js";
import { addDays, daysBetween, formatDate, parseDate } from "../core/dates.js";
import { decodeUtf8File } from "../core/text-file.js";
import {
  clearOwnRates,
  ownRates,
  pairRates,
  publishRates,
  rateCoverage,
  setOwnRates,
} from "../db/rates.js";
import { CARRY_DAYS } from "../db/snapshots.js";
import { UsageError, UserError } from "../errors.js";
import { renderTable } from "../output/table.js";
import { type App, examples, parseOptions, type UserRun, userRun } from "./app.js";
import { refreshFrom } from "./effects.js";
import { type UpdateResult, updateRates } from "./rates-update.js";

/** The longest range of days one `rates set` writes (ten years). */
const MAX_OWN_DAYS = 3_660;
/** The longest range `rates <pair>` lists. */
const MAX_LIST_DAYS = 3_660;

const RangeInput = z.object({
  date: z.string().optional(),
  from: z.string().optional(),
  to: z.string().optional(),
  json: z.boolean().optional(),
});

/** --date d, or --from/--to (either alone: open on that side); null when none is given. */
function range(
  input: z.infer<typeof RangeInput>,
  run: UserRun,
): { from: string | null; to: string | null } {
  const date = (text: string) => parseDate(text, { format: run.dateFormat, today: run.today });
  if (input.date !== undefined) {
    if (input.from !== undefined || input.to !== undefined) {
      throw new UsageError("give --date, or --from/--to, not both");
    }
    const day = date(input.date);
    return { from: day, to: day };
  }
  const from = input.from === undefined ? null : date(input.from);
  const to = input.to === undefined ? null : date(input.to);
  if (from !== null && to !== null && from > to) {
    throw new UsageError(`--from ${from} is after --to ${to}`);
  }
  return { from, to };
}

function readText(file: string): string {
  try {
    return decodeUtf8File(readFileSync(file === "-" ? 0 : file), file === "-" ? "stdin" : file);
  } catch (error) {
    if (error instanceof UserError) throw error;
    throw new UserError(`cannot read ${file}: ${(error as NodeJS.ErrnoException).code ?? error}`);
  }
}

export function ratesCommand(app: App): Command {
  const rates = new Command("rates")
    .description(
      "exchange rates: what is stored, a pair's rate of each day, your own rates, imports",
    )
    .argument("[pair]", "a pair such as EUR/USD: its rate on each day of --from..--to")
    .option("--from <date>", "first day listed (default: 30 days before --to)")
    .option("--to <date>", "last day listed (default: today)")
    .option("--json", "print as JSON")
    .action(async (pairText: string | undefined, raw: Record<string, unknown>, cmd: Command) => {
      const input = parseOptions(RangeInput, raw);
      const pair = pairText === undefined ? null : parsePair(pairText);
      const run = await userRun(app, cmd);
      const out = app.output(input);
      if (pair === null) {
        const { coverage, own } = await run.db.asUser(run.user.id, async (tx) => ({
          coverage: await rateCoverage(tx),
          own: await ownRates(tx),
        }));
        if (out.json) {
          out.result({ pivot: "EUR", published: coverage, own });
          return;
        }
        if (coverage.length === 0) {
          out.line(
            "No exchange rates stored: run networth rates update, or rates import eurofxref-hist.csv.",
          );
        } else {
          out.line("Published rates (per EUR; cross rates go through EUR):");
          out.line(
            renderTable(
              ["Currency", "Days", "First", "Last", "Source"],
              coverage.map((c) => [
                c.quote,
                String(c.days),
                formatDate(c.first, run.dateFormat),
                formatDate(c.last, run.dateFormat),
                c.source,
              ]),
              ["left", "right"],
            ),
          );
        }
        if (own.length > 0) {
          out.line(`Your own rates (${own.length} days):`);
          out.line(
            renderTable(
              ["Pair", "Date", "Rate"],
              own.map((o) => [
                pairLabel(o.base, o.quote),
                formatDate(o.date, run.dateFormat),
                o.rate,
              ]),
              ["left", "left", "right"],
            ),
          );
        }
        return;
      }
      const r = range(input, run);
      const to = r.to ?? run.today;
      const from = r.from ?? addDays(to, -30);
      if (daysBetween(from, to) + 1 > MAX_LIST_DAYS) {
        throw new UsageError(`at most ${MAX_LIST_DAYS} days at once: narrow --from/--to`);
      }
      const days = await run.db.asUser(run.user.id, (tx) =>
        pairRates(tx, pair, from, to, CARRY_DAYS),
      );
      if (out.json) {
        out.result({ base: pair.base, quote: pair.quote, days });
        return;
      }
      const date = (iso: string) => formatDate(iso, run.dateFormat);
      out.line(`1 ${pair.base} in ${pair.quote}, ${date(from)} to ${date(to)}:`);
      out.line(
        renderTable(
          ["Date", "Rate", "Source", "Published"],
          days.map((d) => [
            date(d.date),
            d.rate ?? "missing",
            d.source === "own" ? "yours" : (d.source ?? ""),
            d.publishedOn !== null && d.publishedOn !== d.date
              ? `${date(d.publishedOn)} (carried)`
              : "",
          ]),
          ["left", "right"],
        ),
      );
    });

  const importRates = new Command("import")
    .description(
      "import the ECB's reference-rate file (eurofxref-hist.csv: Date,USD,JPY,… per EUR); all or nothing",
    )
    .argument("<file>", "the CSV file (- for stdin)")
    .option("--json", "print what changed as JSON")
    .action(async (file: string, raw: { json?: boolean }, cmd: Command) => {
      // The group's own options (--json, --from, --to) are parsed onto it: merged here.
      const input = parseOptions(z.object({ json: z.boolean().optional() }), {
        json: raw.json ?? cmd.optsWithGlobals().json,
      });
      const rows = parseEcbCsv(readText(file));
      const run = await userRun(app, cmd);
      const out = app.output(input);
      // Every user's snapshots follow in the same transaction: the rates are shared.
      const result = await publishRates(run.db, rows, "ecb", run.today);
      const dates = rows.map((r) => r.date).sort();
      const quotes = [...new Set(rows.map((r) => r.quote))].sort();
      const summary = {
        rates: rows.length,
        currencies: quotes,
        first: dates[0],
        last: dates.at(-1),
        ...result,
      };
      if (out.json) {
        out.result(summary);
        return;
      }
      out.line(
        `Imported ${rows.length} rates of ${quotes.length} currencies per EUR, ${summary.first} to ${summary.last} ` +
          `(${result.added} new, ${result.changed} changed, ${result.unchanged} unchanged).`,
      );
    });

  const set = new Command("set")
    .description(
      "your own rate of a pair (1 BASE = RATE QUOTE) on some days: it wins over fetched ones",
    )
    .argument("<base>", "the currency converted from, e.g. EUR")
    .argument("<quote>", "the currency converted into, e.g. USD")
    .argument("<rate>", "how many QUOTE one BASE is, e.g. 1.0850")
    .option("--date <date>", "the one day (default: today)")
    .option("--from <date>", "first day")
    .option("--to <date>", "last day (default: today)")
    .option("--json", "print what changed as JSON")
    .action(
      async (
        baseText: string,
        quoteText: string,
        rateText: string,
        raw: Record<string, unknown>,
        cmd: Command,
      ) => {
        const input = parseOptions(RangeInput, { ...cmd.optsWithGlobals(), ...raw });
        const base = parseCurrency(baseText, "base currency");
        const quote = parseCurrency(quoteText, "quote currency");
        if (base === quote) throw new UsageError(`a rate of ${base} in ${base} is always 1`);
        const rate = parseRate(rateText);
        const run = await userRun(app, cmd);
        const r = range(input, run);
        const to = r.to ?? run.today;
        const from = r.from ?? to;
        if (daysBetween(from, to) + 1 > MAX_OWN_DAYS) {
          throw new UsageError(`at most ${MAX_OWN_DAYS} days at once`);
        }
        const out = app.output(input);
        const written = await run.db.asUser(run.user.id, async (tx) => {
          // The other direction of the same days goes: one own rate per pair and day.
          await clearOwnRates(tx, { base: quote, quote: base }, from, to);
          const n = await setOwnRates(tx, run.user.id, { base, quote }, from, to, rate);
          await refreshFrom(tx, run, from);
          return n;
        });
        const days = daysBetween(from, to) + 1;
        if (out.json) {
          out.result({ base, quote, rate, from, to, days, changed: written });
          return;
        }
        const date = (iso: string) => formatDate(iso, run.dateFormat);
        out.line(
          `Your rate: 1 ${base} = ${rate} ${quote} ${from === to ? `on ${date(from)}` : `from ${date(from)} to ${date(to)} (${days} days)`}; it wins over fetched rates.`,
        );
      },
    );

  const clear = new Command("clear")
    .description("remove your own rates of a pair (both directions), on some days or all")
    .argument("<base>", "one currency of the pair")
    .argument("<quote>", "the other")
    .option("--date <date>", "only this day")
    .option("--from <date>", "only from this day")
    .option("--to <date>", "only up to this day")
    .option("--json", "print what changed as JSON")
    .action(
      async (baseText: string, quoteText: string, raw: Record<string, unknown>, cmd: Command) => {
        const input = parseOptions(RangeInput, { ...cmd.optsWithGlobals(), ...raw });
        const base = parseCurrency(baseText, "base currency");
        const quote = parseCurrency(quoteText, "quote currency");
        if (base === quote)
          throw new UsageError(`invalid pair ${base}/${quote}: the same currency`);
        const run = await userRun(app, cmd);
        const r = range(input, run);
        const out = app.output(input);
        const result = await run.db.asUser(run.user.id, async (tx) => {
          const gone = await clearOwnRates(tx, { base, quote }, r.from, r.to);
          await refreshFrom(tx, run, gone.earliest);
          return gone;
        });
        if (out.json) {
          out.result({ base, quote, removed: result.removed });
          return;
        }
        out.line(
          result.removed === 0
            ? `No own rates of ${base}/${quote} to remove.`
            : `Removed ${result.removed} own rates of ${base}/${quote}; fetched rates apply again.`,
        );
      },
    );

  const update = new Command("update")
    .description(
      "fetch from Frankfurter the daily rates your accounts need and do not have (back to their first balance)",
    )
    .option("--all-users", "every user's accounts (for cron; explicit, cross-user)")
    .option("--json", "print what was fetched as JSON")
    .action(async (raw: Record<string, unknown>, cmd: Command) => {
      const input = parseOptions(
        z.object({ allUsers: z.boolean().optional(), json: z.boolean().optional() }),
        {
          ...cmd.optsWithGlobals(),
          ...raw,
        },
      );
      const out = app.output(input);
      const ctx = app.context(cmd);
      let result: UpdateResult;
      if (input.allUsers) {
        const db = await ctx.database();
        result = await updateRates(db, { allUsers: true }, ctx.today(), ctx.env, out);
      } else {
        const run = await userRun(app, cmd);
        result = await updateRates(run.db, { userId: run.user.id }, run.today, ctx.env, out);
      }
      if (out.json) {
        out.result(result);
        return;
      }
      out.line(
        result.currencies.length === 0
          ? "No account needs an exchange rate: nothing fetched."
          : `Rates of ${result.currencies.join(", ")}: ${result.fetched} fetched in ${result.requests} request${result.requests === 1 ? "" : "s"} ` +
              `(${result.added} new, ${result.changed} changed).`,
      );
    });

  rates.addCommand(
    examples(update, [
      "networth rates update",
      "networth rates update --all-users --json   # cron",
    ]),
  );
  rates.addCommand(
    examples(importRates, [
      "networth rates import eurofxref-hist.csv",
      `networth rates import - < eurofxref.csv   # at most ${MAX_RATE_ROWS.toLocaleString("en-US")} rates a file`,
    ]),
  );
  rates.addCommand(
    examples(set, [
      "networth rates set EUR USD 1.0850 --date 2025-03-01",
      "networth rates set GBP USD 1.27 --from 2025-01-01 --to 2025-01-31",
    ]),
  );
  rates.addCommand(
    examples(clear, [
      "networth rates clear EUR USD",
      "networth rates clear EUR USD --date 2025-03-01",
    ]),
  );
  return examples(rates, [
    "networth rates",
    "networth rates EUR/USD --from 2025-03-01 --to 2025-03-10",
    "networth rates GBP/EUR --json",
  ]);
}
