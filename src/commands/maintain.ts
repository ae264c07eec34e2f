import { join } from "node:path";
import { Command } from "commander";
import { z } from "zod";
import { UsageError } from "../errors.js";
import { displayPath } from "../paths.js";
import { type App, examples, parseOptions, wholeNumber } from "./app.js";

const Input = z.object({
  keepDays: wholeNumber("--keep-days").optional(),
  dryRun: z.boolean().optional(),
  json: z.boolean().optional(),
  quiet: z.boolean().optional(),
});

const DEFAULT_KEEP_DAYS = 30;

export function maintainCommand(app: App): Command {
  const command = new Command("maintain")
    .description(
      "the weekly upkeep (cron): old backups, expired sessions, planner statistics, slow queries",
    )
    .option(
      "--keep-days <n>",
      `remove networth's backups older than n days (default: config backup.keepDays, else ${DEFAULT_KEEP_DAYS}); the newest 4 always stay`,
    )
    .option("--dry-run", "say which backups would be removed, and change nothing at all")
    .option("--json", "print what was done as JSON")
    .option("--quiet", "print nothing but errors")
    .action(async (raw: Record<string, unknown>, cmd: Command) => {
      const input = parseOptions(Input, raw);
      const ctx = app.context(cmd);
      const out = app.output(input);
      const configured = ctx.config.get("backup.keepDays");
      if (configured !== undefined && !/^\d+$/.test(configured))
        throw new UsageError(`config backup.keepDays is not a whole number: ${configured}`);
      const keepDays = input.keepDays ?? (configured ? Number(configured) : DEFAULT_KEEP_DAYS);
      const now = ctx.now();
      const { applyRetention } = await import("../core/backup-retention.js");
      const { analyzeTables, deleteExpiredSessions, slowStatements } = await import(
        "../db/maintain.js"
      );
      const backups = await applyRetention(join(ctx.paths.dataDir, "backups"), now, keepDays, {
        dryRun: input.dryRun ?? false,
      });
      const db = await ctx.database();
      const sessions = input.dryRun ? null : await deleteExpiredSessions(db.sql, now);
      const analyzed = input.dryRun ? [] : await analyzeTables(db.sql);
      const slow = await slowStatements(db.sql);
      if (out.json) {
        out.result({
          dryRun: input.dryRun ?? false,
          backups: { ...backups, keepDays },
          expiredSessionsRemoved: sessions,
          analyzed,
          slowStatements: slow.statements,
          slowStatementsUnavailable: slow.reason,
        });
        return;
      }
      if (out.quiet) return;
      const verb = input.dryRun ? "would remove" : "removed";
      out.line(
        `Backups in ${displayPath(backups.dir)}: ${backups.kept.length} kept, ${backups.removed.length} ${verb}` +
          `${backups.leftovers.length ? `, ${backups.leftovers.length} interrupted leftover(s) ${verb}` : ""} (older than ${keepDays} days).`,
      );
      for (const name of backups.removed) out.line(`  ${verb} ${name}`);
      if (sessions !== null) out.line(`Expired sessions removed: ${sessions}.`);
      if (analyzed.length) out.line(`Statistics refreshed (ANALYZE) on ${analyzed.length} tables.`);
      if (slow.statements) {
        out.line("Slowest statements (pg_stat_statements, mean time):");
        for (const s of slow.statements)
          out.line(
            `  ${s.meanMs.toFixed(1)} ms x ${s.calls}  ${s.query.replace(/\s+/g, " ").slice(0, 100)}`,
          );
      } else out.info(`No slow-statement report: ${slow.reason}.`);
    });
  return examples(command, [
    "networth maintain",
    "networth maintain --keep-days 90 --dry-run",
    "networth maintain --quiet                    # weekly, from cron",
  ]);
}
