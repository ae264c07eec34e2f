import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { Command } from "commander";
import { shellWord } from "../core/shell.js";
import { UserError } from "../errors.js";
import { type App, examples } from "./app.js";

const BEGIN = "# >>> networth (managed by `networth cron --install`) >>>";
const END = "# <<< networth <<<";
const BIN = fileURLToPath(new URL("../../bin/networth", import.meta.url));

/**
 * The crontab block: every day at 06:15, a sync of every linked item, then every valuation
 * method extended to today, then snapshots for every user; every Sunday at 06:45, `maintain`;
 * monthly, `maintain --archive`; logged to a file. Absolute
 * paths, because cron's PATH and working directory are not the user's.
 */
export function cronBlock(options: {
  node: string;
  bin: string;
  home?: string | undefined;
  log: string;
}): string {
  const env = options.home ? `NETWORTH_HOME=${shellWord(options.home)} ` : "";
  const networth = `${env}${shellWord(options.node)} ${shellWord(options.bin)}`;
  const log = `>> ${shellWord(options.log)} 2>&1`;
  // `;`, not `&&`: snapshots are taken even when an item fails to sync (sync then exits 1).
  const sync = `${networth} sync --all-users --scheduled --quiet ${log}`;
  // Valuation methods move every day (issue 11): after the sync, before the snapshots.
  const revalue = `${networth} revalue --all-users --quiet ${log}`;
  const snapshot = `${networth} snapshot --all-users --quiet ${log}`;
  // Weekly, Sunday 06:45, after the daily line: old backups, expired sessions, ANALYZE; on
  // the 1st of the month at 07:15 the same with the balance archive.
  const maintain = `${networth} maintain --quiet ${log}`;
  const archive = `${networth} maintain --archive --quiet ${log}`;
  return [
    BEGIN,
    `15 6 * * * ${sync}; ${revalue}; ${snapshot}`,
    `45 6 * * 0 ${maintain}`,
    `15 7 1 * * ${archive}`,
    END,
  ].join("\n");
}

/** The crontab with our block added, or replaced if one is there; unchanged if identical. */
export function withBlock(crontab: string, block: string): string {
  const start = crontab.indexOf(BEGIN);
  const end = crontab.indexOf(END);
  if (start !== -1 && end > start) {
    return `${crontab.slice(0, start)}${block}${crontab.slice(end + END.length)}`;
  }
  const base = crontab.length === 0 || crontab.endsWith("\n") ? crontab : `${crontab}\n`;
  return `${base}${block}\n`;
}

function readCrontab(): string {
  const result = spawnSync("crontab", ["-l"], { encoding: "utf8" });
  if (result.error)
    throw new UserError(
      "cannot run crontab: is cron installed? (the lines above can be added by hand)",
    );
  // "no crontab for <user>" exits 1 with nothing on stdout: an empty crontab.
  return result.status === 0 ? result.stdout : "";
}

export function cronCommand(app: App): Command {
  const command = new Command("cron")
    .description(
      "print the crontab lines (daily sync and snapshots, weekly and monthly maintain), or --install them",
    )
    .option("--install", "add them to your crontab (running it again changes nothing)")
    .option("--json", "print the lines as JSON")
    .action((raw: { install?: boolean; json?: boolean }, cmd: Command) => {
      const ctx = app.context(cmd);
      const out = app.output(raw);
      const block = cronBlock({
        node: process.execPath,
        bin: BIN,
        home: ctx.env.NETWORTH_HOME,
        log: join(ctx.paths.dataDir, "cron.log"),
      });
      if (ctx.env.DATABASE_URL) {
        out.warn(
          "DATABASE_URL is set here but cron will not see it: run networth config set database.url <url> " +
            "(the config file is private; a crontab line would show the password)",
        );
      }
      let installed: "added" | "unchanged" | null = null;
      if (raw.install) {
        const current = readCrontab();
        const next = withBlock(current, block);
        if (next === current) installed = "unchanged";
        else {
          const write = spawnSync("crontab", ["-"], { input: next, encoding: "utf8" });
          if (write.status !== 0)
            throw new UserError(`crontab refused the new table: ${write.stderr.trim()}`);
          installed = "added";
        }
      }
      if (out.json) {
        out.result({ lines: block.split("\n"), installed });
        return;
      }
      out.line(block);
      if (installed === "added") out.info("Added to your crontab.");
      if (installed === "unchanged") out.info("Already in your crontab; nothing changed.");
    });
  return examples(command, ["networth cron", "networth cron --install"]);
}
