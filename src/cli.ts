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
import { backupCommand } from "./commands/backup.js";
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
import { maintainCommand } from "./commands/maintain.js";
import { reportCommand } from "./commands/report.js";
import { restoreCommand } from "./commands/restore.js";
import { indexCommand, revalueCommand } from "./commands/revalue.js";
import { loginCommand, logoutCommand, whoamiCommand } from "./commands/session.js";
import { setBalanceCommand } from "./commands/set-balance.js";
import { snapshotCommand } from "./commands/snapshot.js";
import { dashboardSync, syncCommand } from "./commands/sync.js";
import { exportCommand, importCommand } from "./commands/transfer.js";
import { valuationCommand } from "./commands/valuation.js";
import { webhooksCommand } from "./commands/webhooks.js";
import { Context } from "./context.js";
import { escapeForTerminal, escapeLines } from "./core/text.js";
import { type Cancellation, noCancellation } from "./db/cancel.js";
import { describeDatabaseError } from "./db/errors.js";
import { CancelledError, UsageError, UserError } from "./errors.js";
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
    backupCommand,
    restoreCommand,
    maintainCommand,
    // Valuations (issue 11).
    valuationCommand,
    indexCommand,
    revalueCommand,
  ]) {
    program.addCommand(make(app));
  }
  // An empty option value ("--date ''") is a mistake, never the default: refused for every
  // option but those where "" means something (edit --notes "" clears the notes).
  program.hook("preAction", (_root, action) => {
    for (let c: Command | null = action; c; c = c.parent) {
      for (const option of c.options) {
        const key = `${c.name()} ${option.long}`;
        if (c.getOptionValue(option.attributeName()) === "" && !EMPTY_ALLOWED.has(key))
          throw new UsageError(`${option.long} must not be empty`);
      }
    }
  });
  return program;
}

const EMPTY_ALLOWED = new Set(["edit --notes"]);

/** Applies exitOverride and our output streams to every command, so errors reach run(). */
function configureTree(command: Command, streams: OutputStreams): void {
  command.exitOverride();
  command.configureOutput({
    writeOut: (text) => streams.stdout.write(text),
    writeErr: (text) => streams.stderr.write(escapeLines(text)),
    // Commander's own errors start "error:"; every other error of the CLI starts "networth:".
    outputError: (text, write) => write(text.replace(/^error: /, "networth: ")),
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
  state: RunState = newRunState(noCancellation()),
): Promise<number> {
  const { cancel } = state;
  let context: Context | undefined;
  const app: App = {
    context(command) {
      context ??= new Context(
        command.optsWithGlobals(),
        streams.env,
        undefined,
        (target) => {
          if (streams.stderr.isTTY)
            streams.stderr.write(
              `Creating the embedded database in ${displayPath(target.kind === "embedded" ? target.dir : "")}...\n`,
            );
        },
        cancel,
      );
      state.context = context;
      return context;
    },
    output: (options) => createOutput(options, streams),
    streams,
  };
  registerCleanup?.(async () => context?.close());
  const program = buildProgram(app);
  configureTree(program, streams);
  // No arguments on a terminal opens the dashboard; otherwise the help, as before.
  const tty = argv.length === 2 && streams.stdout.isTTY && streams.stdin?.isTTY;
  try {
    await program.parseAsync(tty ? [...argv, "dashboard"] : argv);
    state.finished = true;
    return cancel.signal.aborted ? interrupted(state, streams) : 0;
  } catch (error) {
    // Whatever failed after Ctrl-C or SIGTERM failed because of it: say what was saved.
    if (cancel.signal.aborted && !(error instanceof CommanderError))
      return interrupted(state, streams);
    return report(error, streams, context);
  } finally {
    await context?.close().catch(() => {});
  }
}

/** What run() and the signal handler of main() share about Ctrl-C and SIGTERM. */
export interface RunState {
  readonly cancel: Cancellation;
  /** The command's action returned (what it saved is saved). */
  finished: boolean;
  /** The interruption was reported (once). */
  reported: boolean;
  context?: Context | undefined;
}

function newRunState(cancel: Cancellation): RunState {
  return { cancel, finished: false, reported: false };
}

/**
 * After Ctrl-C (exit 130) or SIGTERM (143), says once what was saved: nothing (the open
 * transaction rolled back), the change (its commit had started), or the changes committed
 * before the signal. A server stopped by it (see Context.onClose) just stops.
 */
function interrupted(state: RunState, streams: OutputStreams): number {
  const code = state.cancel.signal.reason === "SIGTERM" ? 143 : 130;
  if (state.reported || state.context?.runsUntilStopped) return code;
  state.reported = true;
  const n = state.cancel.commits;
  let line: string | undefined;
  if (state.finished) line = n > 0 ? "interrupted after saving: the change was saved" : undefined;
  else if (n === 0) line = new CancelledError().message;
  else
    line = `interrupted after saving ${n} change${n === 1 ? "" : "s"}; nothing after ${n === 1 ? "it" : "them"} was saved`;
  if (line) streams.stderr.write(`networth: ${line}\n`);
  return code;
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
    streams.stderr.write(`networth: ${escapeForTerminal(error.message)}\n`);
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
    streams.stderr.write(`networth: ${escapeForTerminal(advice)}\n`);
  } else {
    const message = error instanceof Error ? error.message : String(error);
    streams.stderr.write(`networth: unexpected error: ${escapeForTerminal(message)}\n`);
    if (!debug) streams.stderr.write("(set NETWORTH_DEBUG=1 for details)\n");
  }
  if (debug && error instanceof Error && error.stack) streams.stderr.write(`${error.stack}\n`);
  return 1;
}

/** Entry point of bin/networth; `early` is a signal that came while it loaded. */
export async function main(argv: string[], early?: NodeJS.Signals): Promise<void> {
  let cleanup: (() => Promise<void>) | undefined;
  let stopping = false;
  const controller = new AbortController();
  const state = newRunState({ signal: controller.signal, busy: 0, commits: 0 });
  const streams = {
    stdout: process.stdout,
    stderr: process.stderr,
    stdin: process.stdin,
    env: process.env,
  };
  quietOnClosedPipe(process.stdout);
  quietOnClosedPipe(process.stderr);
  let idle: NodeJS.Timeout | undefined;
  const leave = () => {
    clearInterval(idle);
    // Close the database (the embedded one must flush) before leaving.
    void (cleanup?.() ?? Promise.resolve()).finally(() =>
      process.exit(interrupted(state, streams)),
    );
  };
  let done = false;
  const onSignal = (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    controller.abort(signal);
    // The work is over and the database closed: only the exit is left.
    if (done) process.exit(interrupted(state, streams));
    // Database work under way watches the signal: a lock wait ends at once, a transaction
    // rolls back at its next statement or finishes the commit it has started, and run()
    // then says which and returns. What does not watch it (a server, a wait for the
    // browser, a Plaid call) is closed once no database work is under way (10 s at most).
    let quiet = 0;
    const started = Date.now();
    idle = setInterval(() => {
      quiet = state.cancel.busy === 0 ? quiet + 1 : 0;
      // After a commit the command is most likely just finishing: give it longer to say so.
      const patience = state.cancel.commits > 0 ? 20 : 3;
      if (quiet >= patience || Date.now() - started > 10_000) leave();
    }, 50);
  };
  // `on`, not `once`: a dependency (conf's when-exit) re-raises the signal, and a second one
  // must not kill the process before the embedded database has closed.
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);
  if (early) onSignal(early);
  process.exitCode = await run(
    argv,
    streams,
    (fn) => {
      cleanup = fn;
    },
    state,
  );
  clearInterval(idle);
  done = true;
  // The work is done and the database closed: nothing may keep the process alive now (a
  // library's stray retry timer or socket). The timer itself does not hold the process.
  setTimeout(() => process.exit(), 2_000).unref();
}

/**
 * A reader that stopped reading (`networth report --json | head -1`, `| false`) is no
 * failure: further output to it is dropped, the command finishes as it would and exits with
 * its own status, no stack trace. Any other stream error still surfaces.
 */
export function quietOnClosedPipe(stream: NodeJS.WriteStream): void {
  let closed = false;
  stream.on("error", (error: NodeJS.ErrnoException) => {
    if (closed || error.code === "EPIPE" || error.code === "ERR_STREAM_DESTROYED") {
      closed = true;
      return;
    }
    throw error;
  });
}
