import { Command } from "commander";
import { z } from "zod";
import { resolveAccountRef } from "../core/account-ref.js";
import { formatAmount } from "../core/amount.js";
import { convertCents } from "../core/currency.js";
import { ageInDays, formatDate, parseDate } from "../core/dates.js";
import { centsFromDecimal, fixedFromCents, Money } from "../core/money.js";
import { countAccounts } from "../core/net-worth.js";
import { checkText, escapeForTerminal } from "../core/text.js";
import {
  type AccountRow,
  archiveAccount,
  deleteAccount,
  editAccount,
  getAccount,
  listAccounts,
} from "../db/accounts.js";
import { balanceHistory } from "../db/balances.js";
import { pairFractions } from "../db/rates.js";
import { CARRY_DAYS } from "../db/snapshots.js";
import { UsageError, UserError } from "../errors.js";
import { accountJson, balanceJson } from "../output/models.js";
import { renderTable } from "../output/table.js";
import { type App, examples, parseOptions, userRun } from "./app.js";
import { refreshFrom } from "./effects.js";
import { methodLines, sourceLabel, valuationLabels } from "./valuation-labels.js";

const money = (decimal: string | null, currency = "USD") =>
  decimal === null ? "" : formatAmount(centsFromDecimal(decimal), currency);

export function accountsCommand(app: App): Command {
  const command = new Command("accounts")
    .description("list your accounts, assets and liabilities, with current balances and net worth")
    .option("--all", "include archived accounts")
    .option("--json", "print as JSON")
    .action(async (raw: { all?: boolean; json?: boolean }, cmd: Command) => {
      const run = await userRun(app, cmd);
      const out = app.output(raw);
      const mine = run.user.preferences.currency || "USD";
      const { listed, labels, fractions } = await run.db.asUser(run.user.id, async (tx) => {
        const listed = await listAccounts(tx, { includeArchived: Boolean(raw.all) });
        const foreign = [...new Set(listed.map((r) => r.currency))].filter((c) => c !== mine);
        return {
          listed,
          labels: await valuationLabels(tx, listed, out.json ? "YYYY-MM-DD" : run.dateFormat),
          // Today's rate of each foreign currency, as today's snapshot converts it (issue 13).
          fractions: await pairFractions(
            tx,
            foreign.map((base) => ({ base, quote: mine })),
            run.today,
            CARRY_DAYS,
          ),
        };
      });
      const rateOf = new Map(fractions.map((f) => [f.base, f]));
      /** The balance in your currency today; null: no rate today, left out of the totals. */
      const inMine = (r: AccountRow): string | null => {
        if (r.balance === null || r.currency === mine) return r.balance;
        const f = rateOf.get(r.currency);
        if (!f?.num || !f.den) return null;
        return fixedFromCents(convertCents(centsFromDecimal(r.balance), f.num, f.den));
      };
      const rows = listed.map((r) => ({ ...r, own: r.balance, balance: inMine(r) }));
      const leftOut = rows.filter((r) => r.own !== null && r.balance === null && r.isActive);
      const anyForeign = rows.some((r) => r.currency !== mine);
      const withMethod = (r: (typeof rows)[number]) => ({
        ...accountJson({ ...r, balance: r.own }, run.today),
        valuation: labels.get(r.id) ?? null,
        converted: r.currency === mine ? null : Money.nullable(r.balance),
      });
      const t = countAccounts(rows);
      if (out.json) {
        const assets = rows.filter((r) => r.side === "asset");
        const liabilities = rows.filter((r) => r.side === "liability");
        out.result({
          assets: assets.map(withMethod),
          liabilities: liabilities.map(withMethod),
          totalAssets: new Money(t.assets),
          totalLiabilities: new Money(t.liabilities),
          netWorth: new Money(t.netWorth),
          currency: mine,
          leftOut: leftOut.map((r) => ({ id: r.id, name: r.name, currency: r.currency })),
        });
        return;
      }
      if (rows.length === 0) {
        out.line(
          "No accounts yet. Add one with networth add-asset, networth add-liability or networth link.",
        );
        return;
      }
      // Each account is listed where its balance counts, so each section adds up to its total.
      for (const [title, side, total] of [
        ["Assets", "asset", t.assets],
        ["Liabilities", "liability", t.liabilities],
      ] as const) {
        const group = t.placed.filter((p) => p.side === side);
        if (group.length === 0) continue;
        out.line(title);
        out.line(
          renderTable(
            [
              "Name",
              "Type",
              "Institution",
              "Balance",
              "As of",
              "Age",
              "Id",
              ...(anyForeign ? ["Own currency"] : []),
            ],
            [
              ...group.map(({ account: r, cents, crossed }) => [
                !r.isActive
                  ? `${r.name} (archived)`
                  : crossed
                    ? `${r.name} (${side === "asset" ? "in credit" : "overdrawn"})`
                    : r.name,
                r.displayName,
                r.institutionName ?? "manual",
                crossed && cents !== null
                  ? formatAmount(cents, mine)
                  : r.own !== null && r.balance === null
                    ? "no rate"
                    : money(r.balance, mine),
                r.balanceDate ? formatDate(r.balanceDate, run.dateFormat) : "no balance",
                r.balanceDate ? age(r.balanceDate, run.today) : "",
                r.id.slice(0, 8),
                ...(anyForeign ? [r.currency === mine ? "" : money(r.own, r.currency)] : []),
              ]),
              ["Total", "", "", formatAmount(total, mine), "", "", "", ...(anyForeign ? [""] : [])],
            ],
            ["left", "left", "left", "right", "left", "right", "left", "right"],
          ),
        );
        out.line();
      }
      out.line(
        `Net worth ${formatAmount(t.netWorth, mine)}  (assets ${formatAmount(t.assets, mine)}, liabilities ${formatAmount(t.liabilities, mine)})`,
      );
      if (leftOut.length > 0) {
        out.line(
          `Incomplete: no rate today for ${leftOut.map((r) => `${r.name} (${r.currency})`).join(", ")}: left out of the totals`,
        );
      }
      for (const line of methodLines(rows, labels)) out.line(line);
    });
  return examples(command, [
    "networth accounts",
    "networth accounts --all --json | jq '.netWorth'",
  ]);
}

function age(date: string, today: string): string {
  const days = ageInDays(date, today);
  return days === 0 ? "today" : days === 1 ? "1 day" : `${days} days`;
}

const RangeInput = z.object({
  from: z.string().optional(),
  to: z.string().optional(),
  all: z.boolean().optional(),
  json: z.boolean().optional(),
});

export function historyCommand(app: App): Command {
  const command = new Command("history")
    .description("show an account's dated balances, newest first")
    .argument("<account>", "id, id prefix (4+ characters) or exact name")
    .option("--from <date>", "first date to show")
    .option("--to <date>", "last date to show")
    .option("--all", "include the balances moved to the archive by maintain --archive")
    .option("--json", "print as JSON")
    .action(async (ref: string, raw: Record<string, unknown>, cmd: Command) => {
      const input = parseOptions(RangeInput, raw);
      const run = await userRun(app, cmd);
      const out = app.output(input);
      const parse = (d: string | undefined) =>
        d ? parseDate(d, { format: run.dateFormat, today: run.today }) : undefined;
      const from = parse(input.from);
      const to = parse(input.to);
      if (from && to && from > to) throw new UsageError(`--from ${from} is after --to ${to}`);
      const { account, label, rows } = await run.db.asUser(run.user.id, async (tx) => {
        const account = resolveAccountRef(ref, await listAccounts(tx, { includeArchived: true }));
        const includeArchive = input.all ?? false;
        const label = (
          await valuationLabels(tx, [account], out.json ? "YYYY-MM-DD" : run.dateFormat)
        ).get(account.id);
        return {
          account,
          label,
          rows: await balanceHistory(tx, account.id, { from, to }, { includeArchive }),
        };
      });
      if (out.json) {
        out.result({
          account: accountJson(account, run.today),
          valuation: label ?? null,
          balances: rows.map(balanceJson),
        });
        return;
      }
      out.line(
        `${escapeForTerminal(account.name)} (${account.displayName}, ${escapeForTerminal(account.institutionName ?? "manual")})`,
      );
      if (rows.length === 0) {
        out.line("No balances in that range.");
        return;
      }
      out.line(
        renderTable(
          ["Date", "Balance", "Change", "Available", "Limit", "Source"],
          rows.map((r, i) => {
            const older = rows[i + 1];
            const change = older
              ? centsFromDecimal(r.balance) - centsFromDecimal(older.balance)
              : null;
            return [
              `${formatDate(r.date, run.dateFormat)}${r.isCurrent ? " *" : ""}`,
              money(r.balance),
              change === null ? "" : `${change > 0n ? "+" : ""}${formatAmount(change)}`,
              money(r.availableBalance),
              money(r.creditLimit),
              sourceLabel(r.source, label),
            ];
          }),
          ["left", "right", "right", "right", "right", "left"],
        ),
      );
      out.line("* current value");
      if (label) out.line(`rule: computed by the account's method, ${label.description}`);
    });
  return examples(command, [
    "networth history Home",
    "networth history 3f2a --from 2025-01-01 --json",
  ]);
}

const EditInput = z.object({
  name: z.string().trim().min(1, "must not be empty").max(255).optional(),
  description: z.string().trim().min(1, "must not be empty").max(10_000).optional(),
  notes: z.string().max(10_000).optional(),
  json: z.boolean().optional(),
});

export function editCommand(app: App): Command {
  const command = new Command("edit")
    .description("rename an account or change its description and notes")
    .argument("<account>", "id, id prefix (4+ characters) or exact name")
    .option("--name <name>", "new name")
    .option("--description <text>", "new description (manual accounts)")
    .option("--notes <text>", 'new notes (manual accounts; "" clears them)')
    .option("--json", "print the account as JSON")
    .action(async (ref: string, raw: Record<string, unknown>, cmd: Command) => {
      const input = parseOptions(EditInput, raw);
      if (input.name !== undefined) checkText("name", input.name);
      if (input.description !== undefined) checkText("description", input.description);
      if (input.notes !== undefined) checkText("notes", input.notes);
      if (
        input.name === undefined &&
        input.description === undefined &&
        input.notes === undefined
      ) {
        throw new UsageError("nothing to change: give --name, --description or --notes");
      }
      const run = await userRun(app, cmd);
      const out = app.output(input);
      const account = await run.db.asUser(run.user.id, async (tx) => {
        const target = resolveAccountRef(ref, await listAccounts(tx, { includeArchived: true }));
        if (!target.isManual && (input.description !== undefined || input.notes !== undefined)) {
          throw new UserError(
            `"${target.name}" is linked through Plaid: only its name can be changed`,
          );
        }
        await editAccount(tx, target.id, {
          name: input.name,
          description: input.description,
          notes: input.notes === undefined ? undefined : input.notes === "" ? null : input.notes,
        } as Parameters<typeof editAccount>[2]);
        return getAccount(tx, target.id);
      });
      if (out.json) out.result(accountJson(account, run.today));
      else out.line(`Updated "${escapeForTerminal(account.name)}".`);
    });
  return examples(command, ['networth edit Home --name "Main house" --notes "appraised 2026-03"']);
}

export function archiveCommand(app: App): Command {
  const command = new Command("archive")
    .description("archive an account: gone from current totals from today, its history kept")
    .argument("<account>", "id, id prefix (4+ characters) or exact name")
    .option("--json", "print the account as JSON")
    .action(async (ref: string, raw: { json?: boolean }, cmd: Command) => {
      const run = await userRun(app, cmd);
      const out = app.output(raw);
      const account = await run.db.asUser(run.user.id, async (tx) => {
        const target = resolveAccountRef(ref, await listAccounts(tx, { includeArchived: true }));
        if (!target.isActive) throw new UserError(`"${target.name}" is already archived`);
        await refreshFrom(tx, run, await archiveAccount(tx, target.id, run.today));
        return getAccount(tx, target.id);
      });
      if (out.json) out.result(accountJson(account, run.today));
      else
        out.line(
          `Archived "${escapeForTerminal(account.name)}"; its ${account.balanceCount} balance(s) stay in its history.`,
        );
    });
  return examples(command, ['networth archive "Old car"']);
}

export function deleteCommand(app: App): Command {
  const command = new Command("delete")
    .description("delete an account with its whole history (asks for --yes)")
    .argument("<account>", "id, id prefix (4+ characters) or exact name")
    .option("--yes", "really delete it")
    .option("--json", "print what was deleted as JSON")
    .action(async (ref: string, raw: { yes?: boolean; json?: boolean }, cmd: Command) => {
      const run = await userRun(app, cmd);
      const out = app.output(raw);
      const deleted = await run.db.asUser(run.user.id, async (tx) => {
        const target = resolveAccountRef(ref, await listAccounts(tx, { includeArchived: true }));
        if (!target.isManual) {
          throw new UserError(
            `"${target.name}" is linked through Plaid: use networth unlink to remove its item`,
          );
        }
        const history = await balanceHistory(tx, target.id, {}, { includeArchive: true });
        const [first, last] = [history.at(-1), history[0]];
        const span =
          first && last
            ? ` from ${formatDate(first.date, run.dateFormat)} to ${formatDate(last.date, run.dateFormat)}`
            : "";
        if (!raw.yes) {
          throw new UserError(
            `not deleted: "${target.name}" has ${history.length} balance(s)${span}` +
              `${target.isManual ? " and its details" : ""}, all of which would be lost. ` +
              "Run again with --yes to delete, or use networth archive to keep the history.",
          );
        }
        await refreshFrom(tx, run, await deleteAccount(tx, target.id));
        return { account: accountJson(target, run.today), balancesDeleted: history.length };
      });
      if (out.json) out.result(deleted);
      else
        out.line(
          `Deleted "${escapeForTerminal(deleted.account.name)}" and its ${deleted.balancesDeleted} balance(s).`,
        );
    });
  return examples(command, [
    'networth delete "Old car"        # says what would be lost',
    'networth delete "Old car" --yes',
  ]);
}
