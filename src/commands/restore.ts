import { Command } from "commander";
import { z } from "zod";
import { UsageError } from "../errors.js";
import { type App, examples, parseOptions } from "./app.js";
import { tableProgress } from "./backup.js";

const Input = z.object({
  file: z.string().min(1),
  replace: z.boolean().optional(),
  yes: z.boolean().optional(),
  json: z.boolean().optional(),
  quiet: z.boolean().optional(),
});

export function restoreCommand(app: App): Command {
  const command = new Command("restore")
    .description(
      "restore a backup into this database, all or nothing (an empty or fresh one, or --replace)",
    )
    .argument("<file>", "a file written by networth backup")
    .option("--replace", "replace the data of the backup's users if the database holds them")
    .option("--yes", "confirm --replace")
    .option("--json", "print what was restored as JSON")
    .option("--quiet", "print nothing but errors")
    .action(async (file: string, raw: Record<string, unknown>, cmd: Command) => {
      const input = parseOptions(Input, { ...raw, file });
      if (input.replace && !input.yes)
        throw new UsageError(
          "--replace deletes the database's data of the backup's users: add --yes to confirm",
        );
      const ctx = app.context(cmd);
      const out = app.output(input);
      const { inspectBackup, restoreFromFile } = await import("../db/backup-run.js");
      // The whole file is checked before the database is even opened.
      const backup = await inspectBackup(input.file);
      // A fresh server database is migrated first: restoring into one is the point.
      const db = await ctx.database("auto");
      const progress = tableProgress(out, "restored");
      const result = await restoreFromFile(db.sql, input.file, backup, {
        replace: input.replace ?? false,
        progress: (table, rows) => progress(table, rows),
      });
      const scope = backup.header.scope;
      if (out.json) {
        out.result({
          file: input.file,
          scope: scope.kind,
          email: scope.kind === "user" ? scope.email : null,
          createdAt: backup.header.createdAt,
          fromSchemaVersion: result.fromSchemaVersion,
          schemaVersion: result.schemaVersion,
          users: result.users,
          replacedUsers: result.replacedUsers,
          rows: result.rows,
          tables: result.tables,
        });
        return;
      }
      if (out.quiet) return;
      out.line(
        `Restored ${result.rows.toLocaleString("en-US")} rows ` +
          `(${scope.kind === "user" ? scope.email : `${result.users} users`}) into ${db.target.display}` +
          `${result.fromSchemaVersion < result.schemaVersion ? `, migrated from schema ${result.fromSchemaVersion} to ${result.schemaVersion}` : ""}.`,
      );
      if (scope.kind === "user") out.info(`Log in with: networth login ${scope.email}`);
    });
  return examples(command, [
    "networth restore ~/networth.backup.gz",
    "networth --database-url postgres://me@db:5432/networth restore backup.gz --json",
    "networth restore backup.gz --replace --yes   # over the same user's data",
  ]);
}
