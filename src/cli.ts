import { Command, CommanderError } from "commander";
import {
  accountsCommand,
  archiveCommand,
  deleteCommand,
  editCommand,
  historyCommand,
} from "./commands/accounts.js";
import { addAssetCommand, addLiabilityCommand } from "./commands/add.js";
import type { App } from "./commands/app.js";
import { configCommand } from "./commands/config.js";
import { cronCommand } from "./commands/cron.js";
import { dashboardCommand } from "./commands/dashboard.js";
import { dbCommand } from "./commands/db.js";
import { demoCommand } from "./commands/demo.js";
import { doctorCommand } from "./commands/doctor.js";
import { itemsCommand, unlinkCommand } from "./commands/items.js";
import { keysCommand } from "./commands/keys.js";
import { linkCommand } from "./commands/link.js";
import { logsCommand } from "./commands/logs.js";
import { reportCommand } from "./commands/report.js";
import { indexCommand, revalueCommand } from "./commands/revalue.js";
import { loginCommand, logoutCommand, whoamiCommand } from "./commands/session.js";
import { setBalanceCommand } from "./commands/set-balance.js";
import { snapshotCommand } from "./commands/snapshot.js";
import { dashboardSync, syncCommand } from "./commands/sync.js";
import { exportCommand, importCommand } from "./commands/transfer.js";
import { valuationCommand } from "./commands/valuation.js";
import { webhooksCommand } from "./commands/webhooks.js";
import { Context } from "./context.js";
import { describeDatabaseError } from "./db/errors.js";
import { UserError } from "./errors.js";
import { createOutput, type OutputStreams } from "./output/output.js";
import { displayPath } from "./paths.js";
import { VERSION } from "./version.js";

/** The command tree, with one App shared by every command of the run. */
export function buildProgram(app: App): Command {
  const program = new Command("networth")
    .description(
      "Track your net worth: linked and manual accounts, balance history, snapshots, reports.",
    )
    .version(VERSION, "-V, --version")
    .option(
      "--database-url <url>",
      "PostgreSQL server to use (overrides DATABASE_URL and the config)",
    )
    .showHelpAfterError("(run with --help for usage)")
    .enablePositionalOptions(false);
  for (const make of [
    loginCommand,
    logoutCommand,
    whoamiCommand,
    configCommand,
    dbCommand,
    doctorCommand,
    addAssetCommand,
    addLiabilityCommand,
    setBalanceCommand,
    accountsCommand,
    historyCommand,
    editCommand,
    archiveCommand,
    deleteCommand,
    importCommand,
    exportCommand,
    logsCommand,
    snapshotCommand,
    cronCommand,
    reportCommand,
    demoCommand,
    (app: App) => dashboardCommand(app, { sync: dashboardSync }),
    linkCommand,
    itemsCommand,
    unlinkCommand,
    keysCommand,
    syncCommand,
    webhooksCommand,
    // Valuations (issue 11).
    valuationCommand,
    indexCommand,
    revalueCommand,
  ]) {
    program.addCommand(make(app));
  }
  return program;
}

/** Applies exitOverride and our output streams to every command, so errors reach run(). */
function configureTree(command: Command, streams: OutputStreams): void {
  command.exitOverride();
  command.configureOutput({
    writeOut: (text) => streams.stdout.write(text),
    writeErr: (text) => streams.stderr.write(text),
  });
  for (const sub of command.commands) configureTree(sub, streams);
}

/**
 * Runs the CLI and returns its exit code: 0 success, 1 failure, 2 bad usage. The one error
 * handler: user errors are one line on stderr; database errors become advice; anything else
 * is reported once, with its stack only under NETWORTH_DEBUG.
 */
export async function run(
  argv: string[],
  streams: OutputStreams = {
    stdout: process.stdout,
    stderr: process.stderr,
    stdin: process.stdin,
    env: process.env,
  },
  registerCleanup?: (cleanup: () => Promise<void>) => void,
): Promise<number> {
  let context: Context | undefined;
  const app: App = {
    context(command) {
      context ??= new Context(command.optsWithGlobals(), streams.env, undefined, (target) => {
        if (streams.stderr.isTTY)
          streams.stderr.write(
            `Creating the embedded database in ${displayPath(target.kind === "embedded" ? target.dir : "")}...\n`,
          );
      });
      return context;
    },
    output: (options) => createOutput(options, streams),
    streams,
  };
  registerCleanup?.(async () => context?.close());
  const program = buildProgram(app);
  configureTree(program, streams);
  // No arguments on a terminal opens the dashboard; otherwise the help, as before.
  const tty = argv.length === 2 && streams.stdout.isTTY && process.stdin.isTTY;
  try {
    await program.parseAsync(tty ? [...argv, "dashboard"] : argv);
    return 0;
  } catch (error) {
    return report(error, streams, context);
  } finally {
    await context?.close().catch(() => {});
  }
}

function report(error: unknown, streams: OutputStreams, context: Context | undefined): number {
  const debug = Boolean(streams.env.NETWORTH_DEBUG) && streams.env.NETWORTH_DEBUG !== "0";
  if (error instanceof CommanderError) {
    // Help and version end with code 0; every other commander error is bad usage.
    if (
      error.code === "commander.helpDisplayed" ||
      error.code === "commander.version" ||
      error.code === "commander.help"
    )
      return 0;
    if (error.code === "commander.executeSubCommandAsync") return error.exitCode;
    return 2;
  }
  if (error instanceof UserError) {
    streams.stderr.write(`networth: ${error.message}\n`);
    if (debug && error.stack) streams.stderr.write(`${error.stack}\n`);
    return error.exitCode;
  }
  let target: ReturnType<Context["target"]> | undefined;
  try {
    target = context?.target();
  } catch {
    target = undefined;
  }
  const advice = describeDatabaseError(error, target);
  if (advice) {
    streams.stderr.write(`networth: ${advice}\n`);
  } else {
    const message = error instanceof Error ? error.message : String(error);
    streams.stderr.write(`networth: unexpected error: ${message}\n`);
    if (!debug) streams.stderr.write("(set NETWORTH_DEBUG=1 for details)\n");
  }
  if (debug && error instanceof Error && error.stack) streams.stderr.write(`${error.stack}\n`);
  return 1;
}

/** Entry point of bin/networth. */
export async function main(argv: string[]): Promise<void> {
  let cleanup: (() => Promise<void>) | undefined;
  let stopping = false;
  const onSignal = (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    // Close the database (the embedded one must flush) before leaving.
    void (cleanup?.() ?? Promise.resolve()).finally(() =>
      process.exit(signal === "SIGINT" ? 130 : 143),
    );
  };
  // `on`, not `once`: a dependency (conf's when-exit) re-raises the signal, and a second one
  // must not kill the process before the embedded database has closed.
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);
  process.exitCode = await run(argv, undefined, (fn) => {
    cleanup = fn;
  });
  process.removeListener("SIGINT", onSignal);
  process.removeListener("SIGTERM", onSignal);
  // The work is done and the database closed: nothing may keep the process alive now (a
  // library's stray retry timer or socket). The timer itself does not hold the process.
  setTimeout(() => process.exit(), 2_000).unref();
}
