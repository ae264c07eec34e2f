import { join } from "node:path";
import { Command } from "commander";
import type { Sql } from "postgres";
import { z } from "zod";
import { todayIn } from "../core/dates.js";
import { UsageError } from "../errors.js";
import { displayPath } from "../paths.js";
import { type App, examples, parseOptions, wholeNumber } from "./app.js";

const Input = z.object({
  keepDays: wholeNumber("--keep-days", 0, 36_500).optional(),
  archive: z.boolean().optional(),
  restoreArchive: z.boolean().optional(),
  keepYears: wholeNumber("--keep-years", 1, 100).optional(),
  dryRun: z.boolean().optional(),
  json: z.boolean().optional(),
  quiet: z.boolean().optional(),
});

const DEFAULT_KEEP_DAYS = 30;
const DEFAULT_KEEP_YEARS = 2;

/** A whole-number config value, or the default; a bad one is a usage error naming the key. */
function configNumber(value: string | undefined, key: string, fallback: number, min = 0): number {
  if (value === undefined) return fallback;
  if (!/^\d+$/.test(value) || Number(value) < min)
    throw new UsageError(`config ${key} is not a whole number of at least ${min}: ${value}`);
  return Number(value);
}

export function maintainCommand(app: App): Command {
  const command = new Command("maintain")
    .description(
      "the weekly upkeep (cron): old backups, expired sessions, planner statistics, slow queries",
    )
    .option(
      "--keep-days <n>",
      `remove networth's backups older than n days (default: config backup.keepDays, else ${DEFAULT_KEEP_DAYS}); the newest 4 always stay`,
    )
    .option(
      "--archive",
      `also move balances older than --keep-years (config archive.keepYears, else ${DEFAULT_KEEP_YEARS}) into the archive (monthly)`,
    )
    .option("--keep-years <n>", "with --archive: the years of balances that stay in place")
    .option("--restore-archive", "move every archived balance back (and nothing else)")
    .option("--dry-run", "say which backups would be removed, and change nothing at all")
    .option("--json", "print what was done as JSON")
    .option("--quiet", "print nothing but errors")
    .action(async (raw: Record<string, unknown>, cmd: Command) => {
      const input = parseOptions(Input, raw);
      const ctx = app.context(cmd);
      const out = app.output(input);
      if (input.archive && input.restoreArchive)
        throw new UsageError("give --archive or --restore-archive, not both");
      if (input.keepYears !== undefined && !input.archive)
        throw new UsageError("--keep-years goes with --archive");
      if (input.dryRun && (input.archive || input.restoreArchive))
        throw new UsageError(
          "--dry-run covers backups only: not with --archive or --restore-archive",
        );
      if (input.restoreArchive) return restoreArchive(app, cmd, input);
      const keepDays =
        input.keepDays ??
        configNumber(ctx.config.get("backup.keepDays"), "backup.keepDays", DEFAULT_KEEP_DAYS);
      const keepYears =
        input.keepYears ??
        configNumber(
          ctx.config.get("archive.keepYears"),
          "archive.keepYears",
          DEFAULT_KEEP_YEARS,
          1,
        );
      const now = ctx.now();
      const { applyRetention, archiveCutoff } = await import("../core/backup-retention.js");
      const { analyzeTables, deleteExpiredSessions, slowStatements } = await import(
        "../db/maintain.js"
      );
      const backups = await applyRetention(join(ctx.paths.dataDir, "backups"), now, keepDays, {
        dryRun: input.dryRun ?? false,
      });
      const db = await ctx.database();
      const sessions = input.dryRun ? null : await deleteExpiredSessions(db.sql, now);
      const archive = input.archive
        ? await runArchive(db.sql, archiveCutoff(todayIn(undefined, now), keepYears))
        : null;
      const analyzed = input.dryRun ? [] : await analyzeTables(db.sql);
      const slow = await slowStatements(db.sql);
      if (out.json) {
        out.result({
          dryRun: input.dryRun ?? false,
          backups: { ...backups, keepDays },
          expiredSessionsRemoved: sessions,
          analyzed,
          archive,
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
      if (archive)
        out.line(
          `Archived ${archive.moved} balance(s) dated before ${archive.cutoff} (the last one before it stays, per account).`,
        );
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
    "networth maintain --archive --json           # monthly: balances older than 2 years",
    "networth maintain --restore-archive",
    "networth maintain --keep-days 90 --dry-run",
    "networth maintain --quiet                    # weekly, from cron",
  ]);
}

async function runArchive(sql: Sql, cutoff: string) {
  const { archiveBalances, archiveStatus } = await import("../db/archive.js");
  const moved = await archiveBalances(sql, cutoff);
  return { cutoff, moved, archived: (await archiveStatus(sql)).rows };
}

async function restoreArchive(
  app: App,
  cmd: Command,
  input: { json?: boolean | undefined; quiet?: boolean | undefined },
): Promise<void> {
  const ctx = app.context(cmd);
  const out = app.output(input);
  const db = await ctx.database();
  const { restoreArchivedBalances } = await import("../db/archive.js");
  const restored = await restoreArchivedBalances(db.sql);
  if (out.json) out.result({ restoredFromArchive: restored });
  else if (!out.quiet) out.line(`Moved ${restored} balance(s) back from the archive.`);
}
