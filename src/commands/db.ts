import { Command } from "commander";
import { z } from "zod";
import type { Context } from "../context.js";
import { formatInstant } from "../core/instant.js";
import { UserError } from "../errors.js";
import type { Output } from "../output/output.js";
import { type App, examples, parseOptions, wholeNumber } from "./app.js";
import { addDbCopy } from "./db-copy.js";

async function loadMigrator() {
  return import("../db/migrator.js");
}

function stepReporter(
  out: Output,
  migrationLabel: (m: { version: number; name: string }) => string,
) {
  return (m: { version: number; name: string }, direction: "up" | "down") =>
    out.info(`${direction === "up" ? "applied" : "rolled back"} ${migrationLabel(m)}`);
}

async function openForDb(ctx: Context) {
  return ctx.database("none");
}

export function dbCommand(app: App): Command {
  const db = new Command("db").description(
    "manage the database schema (migrations) and the embedded server",
  );

  db.command("migrate")
    .description("apply pending migrations (the embedded database migrates itself on first use)")
    .option("--to <n>", "stop after migration n")
    .option("--json", "print the applied migrations as JSON")
    .action(async (raw: Record<string, unknown>, cmd: Command) => {
      const opts = parseOptions(
        z.object({ to: wholeNumber("--to", 0, 9999).optional(), json: z.boolean().optional() }),
        raw,
      );
      const ctx = app.context(cmd);
      const out = app.output(opts);
      const { migrateUp, migrationLabel } = await loadMigrator();
      const database = await openForDb(ctx);
      const applied = await migrateUp(database.sql, {
        to: opts.to,
        onStep: stepReporter(out, migrationLabel),
      });
      if (out.json)
        out.result({ applied: applied.map(({ version, name }) => ({ version, name })) });
      else
        out.line(
          applied.length
            ? `Applied ${applied.length} migration(s) to ${database.target.display}.`
            : `${database.target.display} is up to date.`,
        );
    });

  db.command("rollback")
    .description("roll back the newest migration, or --steps n of them, or down --to version n")
    .option("--steps <n>", "how many migrations to roll back (default 1)")
    .option("--to <n>", "roll back until version n is the newest applied (0: remove everything)")
    .option("--json", "print the rolled back migrations as JSON")
    .action(async (raw: Record<string, unknown>, cmd: Command) => {
      const opts = parseOptions(
        z.object({
          steps: wholeNumber("--steps", 1, 9999).optional(),
          to: wholeNumber("--to", 0, 9999).optional(),
          json: z.boolean().optional(),
        }),
        raw,
      );
      if (opts.steps !== undefined && opts.to !== undefined) {
        throw new UserError("give --steps or --to, not both", 2);
      }
      const ctx = app.context(cmd);
      const out = app.output(opts);
      const { migrateDown, migrationLabel } = await loadMigrator();
      const database = await openForDb(ctx);
      const done = await migrateDown(database.sql, {
        steps: opts.steps,
        to: opts.to,
        onStep: stepReporter(out, migrationLabel),
      });
      if (out.json)
        out.result({ rolledBack: done.map(({ version, name }) => ({ version, name })) });
      else
        out.line(
          done.length
            ? `Rolled back ${done.length} migration(s) on ${database.target.display}.`
            : "Nothing to roll back.",
        );
    });

  db.command("status")
    .description("list migrations and whether each is applied")
    .option("--json", "print as JSON")
    .action(async (raw: { json?: boolean }, cmd: Command) => {
      const ctx = app.context(cmd);
      const out = app.output(raw);
      const { loadMigrations, migrationLabel, migrationStatus } = await loadMigrator();
      const database = await openForDb(ctx);
      const migrations = loadMigrations();
      const status = await migrationStatus(database.sql, migrations);
      const applied = new Map(status.applied.map((a) => [a.version, a]));
      const modified = new Set(status.modified.map((m) => m.version));
      const rows = migrations.map((m) => ({
        version: m.version,
        name: m.name,
        applied: applied.has(m.version),
        appliedAt: applied.get(m.version)?.appliedAt ?? null,
        modified: modified.has(m.version),
      }));
      const unknown = status.unknown.map(({ version, name }) => ({ version, name }));
      if (out.json) {
        out.result({
          database: database.target.display,
          migrations: rows,
          pending: status.pending.length,
          unknown,
        });
        return;
      }
      out.line(`database: ${database.target.display}`);
      for (const r of rows) {
        const state = r.modified
          ? "CHANGED since applied"
          : r.applied
            ? `applied ${r.appliedAt ? formatInstant(r.appliedAt) : "?"}`
            : "pending";
        out.line(`  ${migrationLabel(r).padEnd(25)} ${state}`);
      }
      for (const u of unknown)
        out.line(`  ${migrationLabel(u).padEnd(25)} unknown to this version`);
    });

  db.command("serve")
    .description(
      "serve the embedded database on 127.0.0.1 so psql and other tools can read it, behind a random password printed once",
    )
    .option("--port <n>", "TCP port on 127.0.0.1 (default: one the system picks)")
    .action(async (raw: Record<string, unknown>, cmd: Command) => {
      const opts = parseOptions(
        z.object({ port: wholeNumber("--port", 0, 65_535).optional() }),
        raw,
      );
      const ctx = app.context(cmd);
      const out = app.output({});
      const target = ctx.target();
      if (target.kind !== "embedded") {
        throw new UserError(
          `db serve is for the embedded database; you are using the server ${target.display}`,
          2,
        );
      }
      const { passwordNotice, serveEmbedded } = await import("../db/serve.js");
      const served = await serveEmbedded(target, {
        port: opts.port ?? 0,
        lockTimeoutMs: ctx.openOptions("none").lockTimeoutMs,
        signal: ctx.cancel.signal,
        say: (line) => out.line(line),
      });
      ctx.onClose(() => served.stop());
      out.warn(passwordNotice());
      out.line(`Serving the embedded database at ${served.url}`);
      if (served.holder)
        out.line(
          `It is held by ${served.holder}: each connection is passed on to it, and when it ends this process takes over at the same URL.`,
        );
      out.line("Press Ctrl-C to stop.");
      // Runs until Ctrl-C or SIGTERM (the CLI's signal handler closes the context, and with it
      // the server, before the process exits), or until the database cannot be served any more.
      await served.failed;
    });

  addDbCopy(db, app);

  return examples(db, [
    "DATABASE_URL=postgres://postgres@127.0.0.1:5432/networth networth db migrate",
    "networth db status --json",
    "networth db rollback --to 0",
    "networth db serve --port 5433   # then: psql 'postgres://postgres:<password>@127.0.0.1:5433/postgres'",
  ]);
}
