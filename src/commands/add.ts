import { Command } from "commander";
import { z } from "zod";
import { formatAmount, parseAmount } from "../core/amount.js";
import { parseCurrency } from "../core/currency.js";
import { formatDate, parseDate } from "../core/dates.js";
import { checkText, escapeForTerminal } from "../core/text.js";
import { createManualAccount, getAccount } from "../db/accounts.js";
import { writeBalances } from "../db/balances.js";
import { ratedCurrencies } from "../db/rates.js";
import { UsageError } from "../errors.js";
import { accountJson } from "../output/models.js";
import { type App, examples, parseOptions, userRun } from "./app.js";
import { refreshFrom } from "./effects.js";

export const ASSET_TYPES = ["real_estate", "vehicle", "precious_metal", "crypto", "other"] as const;
export const LIABILITY_TYPES = [
  "mortgage",
  "auto",
  "personal",
  "student",
  "credit_card",
  "other",
] as const;

const text = (what: string, max: number) =>
  z
    .string()
    .trim()
    .min(1, `${what} must not be empty`)
    .max(max, `${what} is longer than ${max} characters`);

const AddInput = z.object({
  type: z.string(),
  name: text("the name", 255),
  amount: z.string(),
  date: z.string().optional(),
  description: text("the description", 10_000).optional(),
  notes: z.string().max(10_000, "the notes are longer than 10000 characters").optional(),
  currency: z.string().optional(),
  json: z.boolean().optional(),
});

function addCommand(app: App, side: "asset" | "liability"): Command {
  const types: readonly string[] = side === "asset" ? ASSET_TYPES : LIABILITY_TYPES;
  const amountFlag = side === "asset" ? "value" : "balance";
  const command = new Command(`add-${side}`)
    .description(
      side === "asset"
        ? "add something you own and track by hand: a home, a car, metals, crypto"
        : "add a debt you track by hand: a mortgage, a loan, a card",
    )
    .requiredOption("--type <type>", types.join(" | "))
    .requiredOption("--name <name>", "what to call it")
    .requiredOption(
      `--${amountFlag} <amount>`,
      side === "asset" ? "its value today (or on --date)" : "what you owe",
    )
    .option("--date <date>", "the date of that amount (default: today)")
    .option("--notes <text>", "anything worth remembering")
    .option("--currency <code>", "the account's currency, e.g. EUR (default: yours)");
  if (side === "asset")
    command.option("--description <text>", "a longer description (default: the name)");
  command.option("--json", "print the created account as JSON");

  command.action(async (raw: Record<string, unknown>, cmd: Command) => {
    const input = parseOptions(AddInput, { ...raw, amount: raw[amountFlag] });
    checkText("name", input.name);
    if (input.description !== undefined) checkText("description", input.description);
    if (input.notes !== undefined) checkText("notes", input.notes);
    if (!types.includes(input.type)) {
      throw new UsageError(`invalid --type "${input.type}": expected one of ${types.join(", ")}`);
    }
    const cents = parseAmount(input.amount);
    const currency =
      input.currency === undefined ? undefined : parseCurrency(input.currency, "--currency");
    const run = await userRun(app, cmd);
    const date = input.date
      ? parseDate(input.date, { format: run.dateFormat, today: run.today })
      : run.today;
    const out = app.output(input);
    const { account, unrated } = await run.db.asUser(run.user.id, async (tx) => {
      const id = await createManualAccount(tx, {
        userId: run.user.id,
        type: side === "asset" ? "manual_asset" : "manual_liability",
        subtype: input.type,
        name: input.name,
        description: input.description ?? input.name,
        notes: input.notes ?? null,
        currency,
      });
      const counts = await writeBalances(tx, [
        { accountId: id, date, balance: cents, available: null, limit: null, source: "manual" },
      ]);
      await refreshFrom(tx, run, counts.earliestChange);
      const created = await getAccount(tx, id);
      const mine = run.user.preferences.currency ?? "USD";
      const rated = await ratedCurrencies(tx);
      const unrated = [created.currency, mine].filter((c) => !rated.has(c));
      return { account: created, unrated: created.currency === mine ? [] : unrated };
    });
    if (unrated.length > 0) {
      out.warn(
        `no exchange rates for ${unrated.join(", ")} yet: the account is left out of your net worth ` +
          "until there are (networth rates update, or rates import)",
      );
    }
    if (out.json) {
      out.result(accountJson(account, run.today));
      return;
    }
    out.line(
      `Added ${account.displayName.toLowerCase()} "${escapeForTerminal(account.name)}" (${account.id.slice(0, 8)}) at ${formatAmount(cents, account.currency)} on ${formatDate(date, run.dateFormat)}.`,
    );
  });
  return examples(
    command,
    side === "asset"
      ? [
          'networth add-asset --type real_estate --name "Home" --value "$450,000"',
          'networth add-asset --type vehicle --name "Car" --value 18500 --date 2026-01-31 --notes "KBB private party"',
          'networth add-asset --type other --name "Sparkonto" --value 12000 --currency EUR',
        ]
      : [
          'networth add-liability --type mortgage --name "Home loan" --balance 312,000.00',
          'networth add-liability --type credit_card --name "Visa" --balance 1250.40',
        ],
  );
}

export const addAssetCommand = (app: App) => addCommand(app, "asset");
export const addLiabilityCommand = (app: App) => addCommand(app, "liability");
