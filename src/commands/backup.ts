import { existsSync, statSync } from "node:fs";
import { mkdir } from "node:fs/promises";
import { dirname, join, resolve } from "node:path";
import { Command } from "commander";
import { z } from "zod";
import { type BackupScope, backupFileName } from "../core/backup-format.js";
import { UserError } from "../errors.js";
import type { Output } from "../output/output.js";
import { displayPath } from "../paths.js";
import { type App, examples, parseOptions } from "./app.js";

const Input = z.object({
  output: z.string().min(1).optional(),
  allUsers: z.boolean().optional(),
  json: z.boolean().optional(),
  quiet: z.boolean().optional(),
});

/** Progress on a terminal: a line per table, and one per 50,000 rows of a large one. */
export function tableProgress(out: Output, verb: string) {
  return (table: string, rows: number, done = false) => {
    if (!out.interactive) return;
    if (done && rows > 0) out.info(`  ${verb} ${table}: ${rows.toLocaleString("en-US")} rows`);
    else if (!done && rows % 50_000 === 0 && rows > 0)
      out.info(`  ${verb} ${table}: ${rows.toLocaleString("en-US")} rows...`);
  };
}

/** The path a backup goes to: --output (which must not exist yet), else backups/<date>. */
export async function backupPath(
  output: string | undefined,
  dataDir: string,
  kind: BackupScope["kind"],
  now: Date,
): Promise<string> {
  if (output === undefined) {
    const dir = join(dataDir, "backups");
    await mkdir(dir, { recursive: true, mode: 0o700 });
    return join(dir, backupFileName(kind, now));
  }
  const path = resolve(output);
  if (existsSync(path))
    throw new UserError(`${output} already exists: choose another name or remove it first`);
  if (!existsSync(dirname(path)) || !statSync(dirname(path)).isDirectory())
    throw new UserError(`cannot write ${output}: the directory does not exist`);
  return path;
}

export function backupCommand(app: App): Command {
  const command = new Command("backup")
    .description(
      "write a complete backup of your data (or, with --all-users, the whole database) to one file",
    )
    .option("--output <file>", "where to write it (default: backups/ in the data directory)")
    .option("--all-users", "every user of the database (needs no login; for cron and db copy)")
    .option("--json", "print what was written as JSON")
    .option("--quiet", "print nothing but errors")
    .action(async (raw: Record<string, unknown>, cmd: Command) => {
      const input = parseOptions(Input, raw);
      const ctx = app.context(cmd);
      const out = app.output(input);
      let scope: BackupScope;
      if (input.allUsers) scope = { kind: "allUsers" };
      else {
        const { user } = await ctx.requireUser();
        scope = { kind: "user", userId: user.id, email: user.email };
      }
      const db = await ctx.database();
      const path = await backupPath(input.output, ctx.paths.dataDir, scope.kind, ctx.now());
      const { backupToFile } = await import("../db/backup-run.js");
      const started = Date.now();
      const result = await backupToFile(db.sql, scope, path, {
        progress: tableProgress(out, "backed up"),
        now: ctx.now(),
      });
      const seconds = (Date.now() - started) / 1000;
      if (out.json) {
        out.result({
          path: result.path,
          scope: scope.kind,
          email: scope.kind === "user" ? scope.email : null,
          schemaVersion: result.header.schemaVersion,
          createdAt: result.header.createdAt,
          rows: result.trailer.rows,
          tables: result.trailer.tables,
          bytes: result.bytes,
          sha256: result.trailer.sha256,
        });
        return;
      }
      if (out.quiet) return;
      out.line(
        `Backed up ${result.trailer.rows.toLocaleString("en-US")} rows ` +
          `(${scope.kind === "user" ? scope.email : "every user"}, schema ${result.header.schemaVersion}) ` +
          `to ${displayPath(result.path)} in ${seconds.toFixed(1)} s.`,
      );
    });
  return examples(command, [
    "networth backup",
    "networth backup --output ~/networth.backup.gz --json",
    "networth backup --all-users --quiet          # from cron",
  ]);
}
