import { randomBytes } from "node:crypto";
import { mkdir } from "node:fs/promises";
import { join } from "node:path";
import type { Command } from "commander";
import { z } from "zod";
import type { Database } from "../db/connection.js";
import { resolveTarget } from "../db/target.js";
import { UsageError } from "../errors.js";
import { type App, examples, parseOptions } from "./app.js";
import { tableProgress } from "./backup.js";

const Input = z.object({
  to: z.string().min(1).optional(),
  from: z.string().min(1).optional(),
  json: z.boolean().optional(),
  quiet: z.boolean().optional(),
});

/**
 * `networth db copy --to <url>` / `--from <url>`: every user of this database into an empty
 * server (or of a server into this, usually embedded, database), by backup and restore.
 */
export function addDbCopy(db: Command, app: App): void {
  const copy = db
    .command("copy")
    .description(
      "copy every user of this database to an empty server (--to), or of a server into this one (--from)",
    )
    .option("--to <url>", "the PostgreSQL server database to fill from this one")
    .option("--from <url>", "the PostgreSQL server database to copy into this one")
    .option("--json", "print what was copied as JSON")
    .option("--quiet", "print nothing but errors")
    .action(async (raw: Record<string, unknown>, cmd: Command) => {
      const input = parseOptions(Input, raw);
      if ((input.to === undefined) === (input.from === undefined))
        throw new UsageError("give --to <url> or --from <url>");
      const ctx = app.context(cmd);
      const out = app.output(input);
      const here = ctx.target();
      const url = (input.to ?? input.from) as string;
      const there = resolveTarget({ flag: url, dataDir: ctx.paths.dataDir });
      if (there.key === here.key)
        throw new UsageError(`${there.display} is the database this command already uses`);
      const { openDatabase } = await import("../db/connection.js");
      const { copyDatabase } = await import("../db/backup-run.js");
      let other: Database | undefined;
      try {
        // The server side: a destination is migrated (it is meant to be fresh); a source is
        // read as it is (an older schema is carried forward by the restore).
        other = await openDatabase(there, { migrations: input.to ? "auto" : "none" });
        const mine = await ctx.database(input.to ? "require" : "auto");
        const [source, destination] = input.to ? [mine, other] : [other, mine];
        const dir = join(ctx.paths.dataDir, "backups");
        await mkdir(dir, { recursive: true, mode: 0o700 });
        const result = await copyDatabase(
          source.sql,
          destination.sql,
          join(dir, `copy-${randomBytes(6).toString("hex")}.backup.gz`),
          {
            progress: tableProgress(out, "copied"),
            destinationName: destination.target.display,
          },
        );
        // The session of this config comes along: the copied user is logged in there too.
        const token = ctx.config.sessionToken(source.target.key);
        if (token && !ctx.config.sessionToken(destination.target.key))
          await ctx.config.setSessionToken(destination.target.key, token);
        if (out.json) {
          out.result({
            from: source.target.display,
            to: destination.target.display,
            users: result.users,
            rows: result.rows,
            tables: result.tables,
            schemaVersion: result.schemaVersion,
          });
          return;
        }
        if (out.quiet) return;
        out.line(
          `Copied ${result.users} user${result.users === 1 ? "" : "s"} (${result.rows.toLocaleString("en-US")} rows) ` +
            `from ${source.target.display} to ${destination.target.display}.`,
        );
        if (input.to)
          out.info("To use the server from now on: networth config set database.url <url>");
        else if (ctx.config.get("database.url"))
          out.info("To use this database again: networth config unset database.url");
      } finally {
        await other?.close();
      }
    });
  examples(copy, [
    "networth db copy --to postgres://me@db.example:5432/networth   # embedded -> server",
    "networth db copy --from postgres://me@db.example:5432/networth # server -> embedded",
  ]);
}
