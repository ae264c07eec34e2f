import { readFileSync } from "node:fs";
import { Command } from "commander";
import { z } from "zod";
import {
  BALANCE_COLUMNS,
  MANUAL_TYPES,
  type ManualTypeKey,
  manualTypeKey,
  planBalanceImport,
} from "../core/balance-import.js";
import { NEGATIVE_OK } from "../core/buckets.js";
import { toCsv } from "../core/csv.js";
import { parseDate } from "../core/dates.js";
import { Money } from "../core/money.js";
import { createManualAccount, listAccounts } from "../db/accounts.js";
import { allBalances, type BalanceInput, type WriteCounts, writeBalances } from "../db/balances.js";
import { UsageError, UserError } from "../errors.js";
import { type App, examples, parseOptions, userRun } from "./app.js";
import { refreshFrom } from "./effects.js";
import { revalueAfter } from "./revalue-effects.js";

const CHUNK = 5_000;

const ImportInput = z.object({
  file: z.string(),
  createMissing: z.boolean().optional(),
  type: z.string().optional(),
  dryRun: z.boolean().optional(),
  json: z.boolean().optional(),
});

function readInput(file: string): string {
  try {
    return readFileSync(file === "-" ? 0 : file, "utf8");
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const why =
      code === "ENOENT"
        ? "no such file"
        : code === "EISDIR"
          ? "it is a directory"
          : code === "EACCES"
            ? "permission denied"
            : String(code);
    throw new UserError(`cannot read ${file}: ${why}`);
  }
}

export function importCommand(app: App): Command {
  const group = new Command("import").description("import data from files");
  const balances = new Command("balances")
    .description("import dated balances from CSV: all rows or none, idempotent")
    .argument("<file>", "CSV with header account,date,balance[,available,limit,type] (- for stdin)")
    .option(
      "--create-missing",
      "create manual accounts for names that match none, of the row's type column or --type",
    )
    .option(
      "--type <type>",
      `type of created accounts without a type column: ${Object.keys(MANUAL_TYPES).join(" | ")}`,
    )
    .option("--dry-run", "validate and count, write nothing")
    .option("--json", "print the counts (or the problems) as JSON")
    .action(async (file: string, raw: Record<string, unknown>, cmd: Command) => {
      const input = parseOptions(ImportInput, { ...raw, file });
      if (input.type && !input.createMissing)
        throw new UsageError("--type only applies with --create-missing");
      if (input.type && !Object.hasOwn(MANUAL_TYPES, input.type)) {
        throw new UsageError(
          `invalid --type "${input.type}": expected one of ${Object.keys(MANUAL_TYPES).join(", ")}`,
        );
      }
      const text = readInput(input.file);
      const run = await userRun(app, cmd);
      const out = app.output(input);

      const result = await run.db.asUser(run.user.id, async (tx) => {
        const accounts = await listAccounts(tx, { includeArchived: true });
        const plan = planBalanceImport(text, accounts, {
          dateFormat: run.dateFormat,
          today: run.today,
          createMissing: Boolean(input.createMissing),
          defaultType: input.type as ManualTypeKey | undefined,
          negativeOk: NEGATIVE_OK,
        });
        if (plan.problems.length > 0) return { plan, counts: null };
        const ids = new Map<string, string>();
        if (!input.dryRun) {
          for (const { name, type } of plan.create) {
            const { type: accountType, subtype } = MANUAL_TYPES[type];
            ids.set(
              name,
              await createManualAccount(tx, {
                userId: run.user.id,
                type: accountType,
                subtype,
                name,
                description: name,
                notes: null,
              }),
            );
          }
        }
        const rows: BalanceInput[] = plan.rows.map((r) => ({
          accountId:
            "id" in r.account
              ? r.account.id
              : (ids.get(r.account.create) ?? "00000000-0000-0000-0000-000000000000"),
          date: r.date,
          balance: r.balance,
          available: r.available,
          limit: r.limit,
          source: "manual",
        }));
        const counts: WriteCounts = {
          inserted: 0,
          replaced: 0,
          unchanged: 0,
          earliestChange: null,
        };
        for (let start = 0; start < rows.length; start += CHUNK) {
          const chunk = await writeBalances(tx, rows.slice(start, start + CHUNK), {
            dryRun: Boolean(input.dryRun),
          });
          counts.inserted += chunk.inserted;
          counts.replaced += chunk.replaced;
          counts.unchanged += chunk.unchanged;
          if (
            chunk.earliestChange &&
            (!counts.earliestChange || chunk.earliestChange < counts.earliestChange)
          ) {
            counts.earliestChange = chunk.earliestChange;
          }
          if (out.interactive && rows.length > CHUNK) {
            process.stderr.write(
              `\rimporting ${Math.min(start + CHUNK, rows.length).toLocaleString("en-US")} of ${rows.length.toLocaleString("en-US")} rows`,
            );
          }
        }
        if (out.interactive && rows.length > CHUNK) process.stderr.write("\n");
        if (!input.dryRun) {
          // Valuation methods re-anchor on imported values (issue 11).
          const ids = [...new Set(rows.map((r) => r.accountId))];
          await refreshFrom(tx, run, await revalueAfter(tx, run, ids, counts.earliestChange));
        }
        return { plan, counts };
      });

      const { plan, counts } = result;
      if (!counts) {
        if (out.json) out.result({ imported: false, problems: plan.problems });
        else for (const p of plan.problems) process.stderr.write(`line ${p.line}: ${p.message}\n`);
        throw new UserError(
          `import refused: ${plan.problems.length} problem(s) in ${input.file}; nothing was imported`,
        );
      }
      const summary = {
        imported: !input.dryRun,
        dryRun: Boolean(input.dryRun),
        rows: plan.rows.length,
        inserted: counts.inserted,
        replaced: counts.replaced,
        unchanged: counts.unchanged,
        accountsCreated: plan.create.map((c) => c.name),
      };
      if (out.json) {
        out.result(summary);
        return;
      }
      const verb = input.dryRun ? "Would import" : "Imported";
      out.line(
        `${verb} ${plan.rows.length} row(s): ${counts.inserted} inserted, ${counts.replaced} replaced, ${counts.unchanged} unchanged` +
          (plan.create.length
            ? `; ${input.dryRun ? "would create" : "created"} ${plan.create.length} account(s): ${plan.create.join(", ")}`
            : "") +
          ".",
      );
    });
  group.addCommand(
    examples(balances, [
      "networth import balances history.csv --dry-run",
      "networth import balances spreadsheet.csv --create-missing --type real_estate",
    ]),
  );
  return group;
}

const ExportInput = z.object({
  format: z.enum(["csv", "json"], { message: "--format takes csv or json" }).default("csv"),
  from: z.string().optional(),
  to: z.string().optional(),
});

export function exportCommand(app: App): Command {
  const group = new Command("export").description("export data");
  const balances = new Command("balances")
    .description("write every balance to stdout in the import format (CSV) or as JSON")
    .option("--format <format>", "csv (default) or json")
    .option("--from <date>", "first date")
    .option("--to <date>", "last date")
    .action(async (raw: Record<string, unknown>, cmd: Command) => {
      const input = parseOptions(ExportInput, raw);
      const run = await userRun(app, cmd);
      const out = app.output({ json: input.format === "json" });
      const parse = (d: string | undefined) =>
        d ? parseDate(d, { format: run.dateFormat, today: run.today }) : undefined;
      const rows = await run.db.asUser(run.user.id, (tx) =>
        allBalances(tx, { from: parse(input.from), to: parse(input.to) }),
      );
      const names = new Map<string, Set<string>>();
      for (const r of rows)
        names.set(
          r.accountName.toLowerCase(),
          (names.get(r.accountName.toLowerCase()) ?? new Set()).add(r.accountId),
        );
      for (const [name, ids] of names) {
        if (ids.size > 1)
          out.warn(
            `${ids.size} accounts are named "${name}": rename one (networth edit) before importing this file elsewhere`,
          );
      }
      if (input.format === "json") {
        out.result({
          balances: rows.map((r) => ({
            account: r.accountName,
            accountId: r.accountId,
            date: r.date,
            balance: Money.fromDecimal(r.balance),
            available: Money.nullable(r.availableBalance),
            limit: Money.nullable(r.creditLimit),
            source: r.source,
            type: manualTypeKey(r.accountType, r.accountSubtype) || null,
          })),
        });
        return;
      }
      const fixed = (d: string | null) => (d === null ? "" : Money.fromDecimal(d).toString());
      out.write(
        toCsv([
          [...BALANCE_COLUMNS],
          ...rows.map((r) => [
            r.accountName,
            r.date,
            fixed(r.balance),
            fixed(r.availableBalance),
            fixed(r.creditLimit),
            manualTypeKey(r.accountType, r.accountSubtype),
          ]),
        ]),
      );
    });
  group.addCommand(
    examples(balances, [
      "networth export balances > balances.csv",
      "networth export balances --format json --from 2025-01-01",
    ]),
  );
  return group;
}
