import { readFileSync } from "node:fs";
import { Command } from "commander";
import { z } from "zod";
import { resolveAccountRef } from "../core/account-ref.js";
import { todayIn } from "../core/dates.js";
import { parseIndexCsv } from "../core/valuation/inputs.js";
import { listAccounts } from "../db/accounts.js";
import type { RevalueResult } from "../db/revalue.js";
import { revalue } from "../db/revalue.js";
import { refreshSnapshots } from "../db/snapshots.js";
import { replaceIndex } from "../db/valuations.js";
import { UsageError, UserError } from "../errors.js";
import type { Output } from "../output/output.js";
import { type App, examples, parseOptions, userRun } from "./app.js";
import { refreshFrom } from "./effects.js";
import { updateRatesIfDue } from "./rates-update.js";

const RevalueInput = z.object({
  account: z.string().optional(),
  allUsers: z.boolean().optional(),
  dryRun: z.boolean().optional(),
  json: z.boolean().optional(),
  quiet: z.boolean().optional(),
});

function render(out: Output, result: RevalueResult, names: Map<string, string>, dryRun: boolean) {
  const sum = (key: "inserted" | "updated" | "deleted") =>
    result.accounts.reduce((n, a) => n + a[key], 0);
  if (out.json) {
    out.result({
      dryRun,
      accounts: result.accounts.map((a) => ({
        accountId: a.accountId,
        name: names.get(a.accountId) ?? null,
        method: a.method,
        inserted: a.inserted,
        updated: a.updated,
        deleted: a.deleted,
        earliestChange: a.earliestChange,
      })),
      inserted: sum("inserted"),
      updated: sum("updated"),
      deleted: sum("deleted"),
      problems: result.problems,
    });
  } else {
    const verb = dryRun ? "would write" : "wrote";
    for (const a of result.accounts) {
      if (a.inserted + a.updated + a.deleted === 0) continue;
      out.line(
        `${names.get(a.accountId) ?? a.accountId}: ${a.method}, ${verb} ${a.inserted} new, ${a.updated} changed, ${a.deleted} removed (from ${a.earliestChange})`,
      );
    }
    out.info(
      `${result.accounts.length} account${result.accounts.length === 1 ? "" : "s"} with a method: ` +
        `${sum("inserted")} new, ${sum("updated")} changed, ${sum("deleted")} removed` +
        (dryRun ? " (dry run: nothing written)." : "."),
    );
  }
  for (const p of result.problems)
    out.warn(`${names.get(p.accountId) ?? p.accountId}: ${p.message}`);
  if (result.problems.length > 0) {
    throw new UserError(`${result.problems.length} method(s) could not run (see above)`);
  }
}

export function revalueCommand(app: App): Command {
  const command = new Command("revalue")
    .description("extend every valuation method to today (idempotent: a second run writes nothing)")
    .option("--account <account>", "only this account")
    .option("--all-users", "every user's methods (for cron; explicit, cross-user)")
    .option("--dry-run", "count what would be written; write nothing")
    .option("--json", "print what was (or would be) written as JSON")
    .option("--quiet", "no summary line")
    .action(async (raw: Record<string, unknown>, cmd: Command) => {
      const input = parseOptions(RevalueInput, raw);
      const out = app.output(input);
      const dryRun = Boolean(input.dryRun);
      if (input.allUsers) {
        if (input.account) throw new UsageError("--account and --all-users do not go together");
        const ctx = app.context(cmd);
        const db = await ctx.database();
        const today = todayIn(undefined, ctx.now());
        // Exchange rates first, once a day (issue 13): a warning when the provider fails.
        if (!dryRun) await updateRatesIfDue(db, { allUsers: true }, today, ctx.now(), ctx.env, out);
        const result = await db.sql.begin(async (tx) => {
          const done = await revalue(tx, { all: true }, { today, dryRun });
          if (!dryRun) {
            for (const [userId, from] of done.earliestByUser) {
              await refreshSnapshots(tx, { userId }, from, today);
            }
          }
          return done;
        });
        render(out, result, new Map(), dryRun);
        return;
      }
      const run = await userRun(app, cmd);
      if (!dryRun) {
        const ctx = app.context(cmd);
        await updateRatesIfDue(run.db, { userId: run.user.id }, run.today, ctx.now(), ctx.env, out);
      }
      const { result, names } = await run.db.asUser(run.user.id, async (tx) => {
        const accounts = await listAccounts(tx, { includeArchived: true });
        const names = new Map(accounts.map((a) => [a.id, a.name]));
        const scope = input.account
          ? { accountIds: [resolveAccountRef(input.account, accounts).id] }
          : { all: true as const };
        const result = await revalue(tx, scope, { today: run.today, dryRun });
        if (!dryRun) await refreshFrom(tx, run, result.earliestByUser.get(run.user.id) ?? null);
        return { result, names };
      });
      render(out, result, names, dryRun);
    });
  return examples(command, [
    "networth revalue",
    "networth revalue --account Car --dry-run",
    "networth revalue --all-users --quiet   # what cron runs",
  ]);
}

const IndexInput = z.object({ name: z.string(), file: z.string(), json: z.boolean().optional() });
const INDEX_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/;

export function indexCommand(app: App): Command {
  const group = new Command("index").description("price indexes that valuation methods follow");
  const importIndex = new Command("import")
    .description("import (replace) an index: CSV date,value, one positive value per month, no gap")
    .argument("<name>", "the index's name, e.g. case-shiller")
    .argument("<file>", "CSV with lines date,value (- for stdin)")
    .option("--json", "print what changed as JSON")
    .action(async (name: string, file: string, raw: { json?: boolean }, cmd: Command) => {
      const input = parseOptions(IndexInput, { ...raw, name, file });
      if (!INDEX_NAME.test(input.name)) {
        throw new UsageError(
          `invalid index name ${JSON.stringify(input.name)}: letters, digits, '.', '_' and '-', up to 100`,
        );
      }
      let text: string;
      try {
        text = readFileSync(input.file === "-" ? 0 : input.file, "utf8");
      } catch (error) {
        throw new UserError(`cannot read ${input.file}: ${(error as NodeJS.ErrnoException).code}`);
      }
      const points = parseIndexCsv(text);
      const run = await userRun(app, cmd);
      const out = app.output(input);
      const result = await run.db.asUser(run.user.id, async (tx) => {
        const counts = await replaceIndex(tx, input.name, points);
        // The user's methods that follow it move now; other users' on their next revalue.
        const done = await revalue(tx, { all: true }, { today: run.today });
        if (done.problems[0]) throw new UserError(done.problems[0].message);
        await refreshFrom(tx, run, done.earliestByUser.get(run.user.id) ?? null);
        return counts;
      });
      if (out.json) {
        out.result({
          name: input.name,
          values: points.length,
          first: points[0]?.date,
          last: points.at(-1)?.date,
          ...result,
        });
        return;
      }
      out.line(
        `Index ${input.name}: ${points.length} values, ${points[0]?.date} to ${points.at(-1)?.date} ` +
          `(${result.added} new, ${result.changed} changed, ${result.removed} removed).`,
      );
    });
  group.addCommand(examples(importIndex, ["networth index import case-shiller hpi.csv"]));
  return group;
}
