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
import { neutralizeFormula, toCsv } from "../core/csv.js";
import { parseDate } from "../core/dates.js";
import { Money } from "../core/money.js";
import { decodeUtf8File } from "../core/text-file.js";
import { listAccounts } from "../db/accounts.js";
import { applyBalanceImport } from "../db/balance-import.js";
import { allBalances } from "../db/balances.js";
import { UsageError, UserError } from "../errors.js";
import { type App, examples, parseOptions, userRun } from "./app.js";
import { refreshFrom } from "./effects.js";
import { revalueAfter } from "./revalue-effects.js";

const ImportInput = z.object({
  file: z.string(),
  createMissing: z.boolean().optional(),
  type: z.string().optional(),
  dryRun: z.boolean().optional(),
  json: z.boolean().optional(),
});

/** The file's text: it must be UTF-8 (decodeUtf8File says where it is not). */
function readInput(file: string): string {
  let bytes: Buffer;
  try {
    bytes = readFileSync(file === "-" ? 0 : file);
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
  return decodeUtf8File(bytes, file === "-" ? "standard input" : file);
}

const count = (n: number) => n.toLocaleString("en-US");

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
      const dryRun = Boolean(input.dryRun);

      const { plan, counts } = await run.db.asUser(run.user.id, async (tx) => {
        const plan = planBalanceImport(text, await listAccounts(tx, { includeArchived: true }), {
          dateFormat: run.dateFormat,
          today: run.today,
          createMissing: Boolean(input.createMissing),
          defaultType: input.type as ManualTypeKey | undefined,
          negativeOk: NEGATIVE_OK,
        });
        if (plan.problemCount > 0) return { plan, counts: null };
        const counts = await applyBalanceImport(tx, run.user.id, plan, {
          dryRun,
          onProgress: out.interactive
            ? (done, total) => out.info(`importing: ${count(done)} of ${count(total)} rows`)
            : undefined,
        });
        if (!dryRun) {
          // Valuation methods re-anchor on imported values (issue 11); a new account has none.
          const ids = [
            ...new Set(plan.rows.flatMap((r) => ("id" in r.account ? [r.account.id] : []))),
          ];
          await refreshFrom(tx, run, await revalueAfter(tx, run, ids, counts.earliestChange));
        }
        return { plan, counts };
      });

      if (!counts) {
        const more = plan.problemCount - plan.problems.length;
        if (out.json)
          out.result({ imported: false, problems: plan.problems, problemCount: plan.problemCount });
        else {
          for (const p of plan.problems) out.notice(`line ${p.line}: ${p.message}`);
          if (more > 0) out.notice(`… and ${count(more)} more`);
        }
        throw new UserError(
          `import refused: ${count(plan.problemCount)} problem(s) in ${input.file}; nothing was imported`,
        );
      }
      const created = plan.create.map((c) => c.name);
      if (out.json) {
        out.result({
          imported: !dryRun,
          dryRun,
          rows: plan.rows.length,
          inserted: counts.inserted,
          replaced: counts.replaced,
          unchanged: counts.unchanged,
          accountsCreated: created,
        });
        return;
      }
      out.line(
        `${dryRun ? "Would import" : "Imported"} ${plan.rows.length} row(s): ${counts.inserted} inserted, ${counts.replaced} replaced, ${counts.unchanged} unchanged` +
          (created.length
            ? `; ${dryRun ? "would create" : "created"} ${created.length} account(s): ${created.join(", ")}`
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
  format: z.enum(["csv", "json"], { message: "--format takes csv or json" }).optional(),
  json: z.boolean().optional(),
  from: z.string().optional(),
  to: z.string().optional(),
});

export function exportCommand(app: App): Command {
  const group = new Command("export").description("export data");
  const balances = new Command("balances")
    .description("write every balance to stdout in the import format (CSV) or as JSON")
    .option("--format <format>", "csv (default) or json")
    .option("--json", "the same as --format json")
    .option("--from <date>", "first date")
    .option("--to <date>", "last date")
    .action(async (raw: Record<string, unknown>, cmd: Command) => {
      const input = parseOptions(ExportInput, raw);
      if (input.json && input.format === "csv")
        throw new UsageError("--json and --format csv contradict each other: give one");
      const format = input.json ? "json" : (input.format ?? "csv");
      const run = await userRun(app, cmd);
      const out = app.output({ json: format === "json" });
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
      if (format === "json") {
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
            neutralizeFormula(r.accountName),
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
