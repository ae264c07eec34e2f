import { readFileSync } from "node:fs";
import { Command } from "commander";
import { z } from "zod";
import { formatDate, parseDate } from "../core/dates.js";
import { parseAsset, parsePriceCsv } from "../core/valuation/holdings.js";
import { listPrices, upsertPrices } from "../db/prices.js";
import { revalue } from "../db/revalue.js";
import { UserError } from "../errors.js";
import { renderTable } from "../output/table.js";
import { type App, examples, parseOptions, userRun } from "./app.js";
import { refreshFrom } from "./effects.js";

const ListInput = z.object({
  asset: z.string().optional(),
  from: z.string().optional(),
  to: z.string().optional(),
  json: z.boolean().optional(),
});

function importCommand(app: App): Command {
  const command = new Command("import")
    .description("import daily prices (USD) a provider cannot give: CSV asset,date,price")
    .argument("<file>", "CSV with lines asset,date,price (- for stdin)")
    .option("--json", "print what changed as JSON")
    .action(async (file: string, raw: { json?: boolean }, cmd: Command) => {
      let text: string;
      try {
        text = readFileSync(file === "-" ? 0 : file, "utf8");
      } catch (error) {
        throw new UserError(`cannot read ${file}: ${(error as NodeJS.ErrnoException).code}`);
      }
      const prices = parsePriceCsv(text);
      const run = await userRun(app, cmd);
      // `prices` has --json of its own: commander hands it to whichever level it lands on.
      const out = app.output({ json: Boolean(raw.json || cmd.parent?.opts().json) });
      const counts = await run.db.asUser(run.user.id, async (tx) => {
        const counts = await upsertPrices(
          tx,
          prices.map((p) => ({ ...p, source: "import" })),
        );
        // The user's holdings follow the new prices now; other users' on their next revalue.
        const done = await revalue(tx, { all: true }, { today: run.today });
        await refreshFrom(tx, run, done.earliestByUser.get(run.user.id) ?? null);
        return counts;
      });
      const assets = [...new Set(prices.map((p) => p.asset))].sort();
      const dates = prices.map((p) => p.date).sort();
      if (out.json) {
        out.result({
          prices: prices.length,
          assets,
          first: dates[0],
          last: dates.at(-1),
          ...counts,
        });
        return;
      }
      const shown = (iso: string | undefined) =>
        iso === undefined ? "" : formatDate(iso, run.dateFormat);
      out.line(
        `Prices of ${assets.join(", ")}: ${prices.length} from ${shown(dates[0])} to ${shown(dates.at(-1))} ` +
          `(${counts.added} new, ${counts.changed} changed, ${counts.unchanged} unchanged).`,
      );
    });
  return examples(command, [
    "networth prices import gold.csv   # lines like XAU,2015-01-02,1186.00",
  ]);
}

export function pricesCommand(app: App): Command {
  const command = new Command("prices")
    .description("the daily market prices (USD) kept for holdings: shared by every user")
    .argument("[asset]", "one asset: a CoinGecko coin id, XAU or XAG")
    .option("--from <date>", "from this date")
    .option("--to <date>", "through this date")
    .option("--json", "print as JSON (prices as exact decimal strings)")
    .action(async (asset: string | undefined, raw: Record<string, unknown>, cmd: Command) => {
      const input = parseOptions(ListInput, { ...raw, asset });
      const run = await userRun(app, cmd);
      const out = app.output(input);
      const date = (text: string | undefined) =>
        text === undefined
          ? undefined
          : parseDate(text, { format: run.dateFormat, today: run.today });
      const rows = await run.db.asUser(run.user.id, (tx) =>
        listPrices(tx, {
          asset: input.asset === undefined ? undefined : parseAsset(input.asset),
          from: date(input.from),
          to: date(input.to),
        }),
      );
      if (out.json) {
        out.result({
          prices: rows.map((r) => ({
            asset: r.asset,
            currency: r.currency,
            date: r.date,
            price: r.price,
            source: r.source,
            fetchedAt: r.fetchedAt.toISOString(),
          })),
        });
        return;
      }
      if (rows.length === 0) {
        out.line("No prices kept yet: networth revalue fetches them for your holdings.");
        return;
      }
      out.line(
        renderTable(
          ["Asset", "Date", "Price (USD)", "Source"],
          rows.map((r) => [r.asset, formatDate(r.date, run.dateFormat), r.price, r.source]),
          ["left", "left", "right", "left"],
        ),
      );
    });
  command.addCommand(importCommand(app));
  return examples(command, [
    "networth prices bitcoin --from 2024-01-01",
    "networth prices XAU --json",
    "networth prices import gold.csv",
  ]);
}
