import { Command } from "commander";
import { z } from "zod";
import { resolveAccountRef } from "../core/account-ref.js";
import { formatAmount, parseAmount } from "../core/amount.js";
import { NEGATIVE_OK } from "../core/buckets.js";
import { formatDate, parseDate } from "../core/dates.js";
import { escapeForTerminal } from "../core/text.js";
import { getAccount, listAccounts } from "../db/accounts.js";
import { writeBalances } from "../db/balances.js";
import { accountJson } from "../output/models.js";
import { type App, examples, parseOptions, userRun } from "./app.js";
import { refreshFrom } from "./effects.js";
import { revalueAfter } from "./revalue-effects.js";

const Input = z.object({
  account: z.string(),
  amount: z.string(),
  date: z.string().optional(),
  available: z.string().optional(),
  limit: z.string().optional(),
  json: z.boolean().optional(),
});

export function setBalanceCommand(app: App): Command {
  const command = new Command("set-balance")
    .description("record an account's value on a date (a second value the same day replaces it)")
    .argument("<account>", "id, id prefix (4+ characters) or exact name")
    .argument("<amount>", "the balance; negative only for cash and card accounts")
    .option("--date <date>", "the date of the value (default: today); older dates enter history")
    .option("--available <amount>", "available balance")
    .option("--limit <amount>", "credit limit")
    .option("--json", "print the account with its current balance as JSON")
    .action(async (account: string, amount: string, raw: Record<string, unknown>, cmd: Command) => {
      const input = parseOptions(Input, { ...raw, account, amount });
      const run = await userRun(app, cmd);
      const out = app.output(input);
      const date = input.date
        ? parseDate(input.date, { format: run.dateFormat, today: run.today })
        : run.today;
      const result = await run.db.asUser(run.user.id, async (tx) => {
        const target = resolveAccountRef(
          input.account,
          await listAccounts(tx, { includeArchived: true }),
        );
        const negativeOk = NEGATIVE_OK.has(target.category);
        const cents = parseAmount(input.amount, { allowNegative: negativeOk });
        const available =
          input.available === undefined
            ? null
            : parseAmount(input.available, { allowNegative: negativeOk });
        const limit = input.limit === undefined ? null : parseAmount(input.limit);
        const counts = await writeBalances(tx, [
          { accountId: target.id, date, balance: cents, available, limit, source: "manual" },
        ]);
        // A method re-anchors on the new value (issue 11).
        const from = await revalueAfter(tx, run, [target.id], counts.earliestChange);
        await refreshFrom(tx, run, from);
        return { account: await getAccount(tx, target.id), cents, counts };
      });
      if (out.json) {
        out.result({
          account: accountJson(result.account, run.today),
          date,
          outcome: outcomeOf(result.counts),
        });
        return;
      }
      const current = result.account.balanceDate;
      const shown = (iso: string) => formatDate(iso, run.dateFormat);
      out.line(
        `${escapeForTerminal(result.account.name)}: ${formatAmount(result.cents)} on ${shown(date)} (${outcomeOf(result.counts)})` +
          (current === date || current === null
            ? "."
            : `; the current value stays the one of ${shown(current)}.`),
      );
    });
  return examples(command, [
    'networth set-balance Home "$465,000"',
    "networth set-balance Checking -42.17 --available -42.17",
    "networth set-balance 3f2a 18,200 --date 2025-12-31",
  ]);
}

function outcomeOf(counts: {
  inserted: number;
  replaced: number;
}): "inserted" | "replaced" | "unchanged" {
  return counts.inserted ? "inserted" : counts.replaced ? "replaced" : "unchanged";
}
