import { Command, CommanderError, Help } from "commander";
import type { App } from "./commands/app.js";
import type { Context } from "./context.js";
import { escapeForTerminal, escapeLines } from "./core/text.js";
import { type Cancellation, noCancellation } from "./db/cancel.js";
import { describeDatabaseError } from "./db/errors.js";
import { CancelledError, UsageError, UserError } from "./errors.js";
import { createOutput, type OutputStreams } from "./output/output.js";
import { displayPath } from "./paths.js";
import { VERSION } from "./version.js";

/** A command of the CLI, loaded only when it runs (or its help is shown). */
interface LazyCommand {
  readonly name: string;
  /** How the root help lists it: name, [options] and arguments, as commander would. */
  readonly term: string;
  readonly description: string;
  readonly load: () => Promise<(app: App) => Command>;
  /** Commands it runs itself (demo opens the dashboard): loaded with it. */
  readonly also: readonly string[];
}

function lazy(
  term: string,
  description: string,
  load: () => Promise<(app: App) => Command>,
  also: readonly string[] = [],
): LazyCommand {
  return { name: term.split(" ")[0] as string, term, description, load, also };
}

/**
 * Every command, in the order of the help. A run imports only the module of the command it
 * runs: the root help is made from the terms and lines here (test/cli/lazy-commands.test.ts
 * checks them against the commands themselves). Adding a command is one line here.
 */
export const COMMANDS: readonly LazyCommand[] = [
  lazy(
    "login [options] <email>",
    "log in as a user of the database (created on first login)",
    async () => (await import("./commands/session.js")).loginCommand,
  ),
  lazy(
    "logout [options]",
    "end this session (the user and their data stay)",
    async () => (await import("./commands/session.js")).logoutCommand,
  ),
  lazy(
    "whoami [options]",
    "show the logged-in user, the session's expiry and the database in use",
    async () => (await import("./commands/session.js")).whoamiCommand,
  ),
  lazy(
    "config",
    "read and change settings (preferences are stored with your user in the database)",
    async () => (await import("./commands/config.js")).configCommand,
  ),
  lazy(
    "db",
    "manage the database schema (migrations) and the embedded server",
    async () => (await import("./commands/db.js")).dbCommand,
  ),
  lazy(
    "doctor [options]",
    "check your connections, values, snapshots, the database and the token key; exit 1 when a check fails (a warning alone exits 0)",
    async () => (await import("./commands/doctor.js")).doctorCommand,
  ),
  lazy(
    "add-asset [options]",
    "add something you own and track by hand: a home, a car, metals, crypto",
    async () => (await import("./commands/add.js")).addAssetCommand,
  ),
  lazy(
    "add-liability [options]",
    "add a debt you track by hand: a mortgage, a loan, a card",
    async () => (await import("./commands/add.js")).addLiabilityCommand,
  ),
  lazy(
    "set-balance [options] <account> <amount>",
    "record an account's value on a date (a second value the same day replaces it)",
    async () => (await import("./commands/set-balance.js")).setBalanceCommand,
  ),
  lazy(
    "accounts [options]",
    "list your accounts, assets and liabilities, with current balances and net worth",
    async () => (await import("./commands/accounts.js")).accountsCommand,
  ),
  lazy(
    "history [options] <account>",
    "show an account's dated balances, newest first",
    async () => (await import("./commands/accounts.js")).historyCommand,
  ),
  lazy(
    "edit [options] <account>",
    "rename an account or change its description and notes",
    async () => (await import("./commands/accounts.js")).editCommand,
  ),
  lazy(
    "archive [options] <account>",
    "archive an account: gone from current totals from today, its history kept",
    async () => (await import("./commands/accounts.js")).archiveCommand,
  ),
  lazy(
    "delete [options] <account>",
    "delete an account with its whole history (asks for --yes)",
    async () => (await import("./commands/accounts.js")).deleteCommand,
  ),
  lazy(
    "import",
    "import data from files",
    async () => (await import("./commands/transfer.js")).importCommand,
  ),
  lazy("export", "export data", async () => (await import("./commands/transfer.js")).exportCommand),
  lazy(
    "logs [options]",
    "show data refreshes, or with --audit every change made to your data",
    async () => (await import("./commands/logs.js")).logsCommand,
  ),
  lazy(
    "snapshot [options]",
    "compute daily net worth snapshots: today, one day, a range, or every user (cron)",
    async () => (await import("./commands/snapshot.js")).snapshotCommand,
  ),
  lazy(
    "cron [options]",
    "print the crontab lines (daily sync and snapshots, weekly and monthly maintain), or --install them",
    async () => (await import("./commands/cron.js")).cronCommand,
  ),
  lazy(
    "report [options]",
    "net worth over time from the daily snapshots: chart, changes, breakdown, movers",
    async () => (await import("./commands/report.js")).reportCommand,
  ),
  lazy(
    "demo [options]",
    "create (or reset) a demo user, demo@networth.local, with two years of history, log in as it and show the report",
    async () => (await import("./commands/demo.js")).demoCommand,
    ["dashboard"],
  ),
  lazy(
    "dashboard",
    "an interactive terminal dashboard: net worth, chart, breakdown, accounts",
    async () => {
      const [{ dashboardCommand }, { dashboardSync }] = await Promise.all([
        import("./commands/dashboard.js"),
        import("./commands/sync.js"),
      ]);
      return (app: App) => dashboardCommand(app, { sync: dashboardSync });
    },
  ),
  lazy(
    "link [options]",
    "link a bank, card, loan or investment institution through Plaid Link",
    async () => (await import("./commands/link.js")).linkCommand,
  ),
  lazy(
    "items [options]",
    "list the bank connections made with networth link, and what each needs",
    async () => (await import("./commands/items.js")).itemsCommand,
  ),
  lazy(
    "unlink [options] <item>",
    "disconnect a linked institution; its accounts and history are kept unless --purge --yes",
    async () => (await import("./commands/items.js")).unlinkCommand,
  ),
  lazy(
    "keys",
    "manage the key that encrypts Plaid access tokens (and homes' addresses, cars' VINs)",
    async () => (await import("./commands/keys.js")).keysCommand,
  ),
  lazy(
    "sync [options]",
    "fetch today's balances for every linked institution",
    async () => (await import("./commands/sync.js")).syncCommand,
  ),
  lazy(
    "webhooks",
    "receive Plaid webhooks: bank connections that need you, and new data to sync",
    async () => (await import("./commands/webhooks.js")).webhooksCommand,
  ),
  lazy(
    "backup [options]",
    "write a complete backup of your data (or, with --all-users, the whole database) to one file",
    async () => (await import("./commands/backup.js")).backupCommand,
  ),
  lazy(
    "restore [options] <file>",
    "restore a backup into this database, all or nothing (an empty or fresh one, or --replace)",
    async () => (await import("./commands/restore.js")).restoreCommand,
  ),
  lazy(
    "maintain [options]",
    "the weekly upkeep (cron): old backups, expired sessions, planner statistics, slow queries",
    async () => (await import("./commands/maintain.js")).maintainCommand,
  ),
  // Valuations (issue 11).
  lazy(
    "valuation",
    "valuation methods: values that move on their own (depreciation, loans, ...)",
    async () => (await import("./commands/valuation.js")).valuationCommand,
  ),
  lazy(
    "index",
    "price indexes that valuation methods follow",
    async () => (await import("./commands/revalue.js")).indexCommand,
  ),
  lazy(
    "revalue [options]",
    "extend every valuation method to today (idempotent: a second run writes nothing)",
    async () => (await import("./commands/revalue.js")).revalueCommand,
  ),
  // Valuations II: market prices (issue 12).
  lazy(
    "holdings",
    "coins and metals held by quantity: valued every day at market prices",
    async () => (await import("./commands/holdings.js")).holdingsCommand,
  ),
  lazy(
    "prices [options] [asset]",
    "the daily market prices (USD) kept for holdings: shared by every user",
    async () => (await import("./commands/prices.js")).pricesCommand,
  ),
  // Many currencies (issue 13).
  lazy(
    "rates [options] [pair]",
    "exchange rates: what is stored, a pair's rate of each day, your own rates, imports",
    async () => (await import("./commands/rates.js")).ratesCommand,
  ),
];

/** The command the arguments name (after the global options), if any. */
function invokedName(args: readonly string[]): string | undefined {
  for (let i = 0; i < args.length; i++) {
    const arg = args[i] as string;
    if (arg === "--database-url") {
      i++;
      continue;
    }
    if (arg.startsWith("-")) continue;
    // `networth help report` shows report's help: report is the one to load.
    if (arg === "help") return args[i + 1];
    return arg;
  }
  return undefined;
}

/**
 * The command tree, with one App shared by every command of the run. With `argv`, only the
 * command it names is loaded (the others are placeholders that list themselves in the root
 * help); without, every command is (tests).
 */
export async function buildProgram(app: App, argv?: readonly string[]): Promise<Command> {
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
  const wanted = new Set<string>();
  if (argv === undefined) for (const entry of COMMANDS) wanted.add(entry.name);
  else {
    const name = invokedName(argv.slice(2));
    const entry = COMMANDS.find((c) => c.name === name);
    if (entry) for (const n of [entry.name, ...entry.also]) wanted.add(n);
  }
  const loaded = new Map(
    await Promise.all(
      COMMANDS.filter((c) => wanted.has(c.name)).map(
        async (c) => [c.name, (await c.load())(app)] as const,
      ),
    ),
  );
  const terms = new Map<Command, string>();
  for (const entry of COMMANDS) {
    const real = loaded.get(entry.name);
    if (real) {
      program.addCommand(real);
      continue;
    }
    const placeholder = new Command(entry.name).description(entry.description);
    terms.set(placeholder, entry.term);
    program.addCommand(placeholder);
  }
  const help = new Help();
  program.configureHelp({
    subcommandTerm: (cmd) => terms.get(cmd) ?? help.subcommandTerm(cmd),
  });
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
  // Loaded (with the config's schemas) only when a command runs: not for the root help.
  let contextClass: typeof Context | undefined;
  const app: App = {
    context(command) {
      if (!contextClass) throw new Error("no command was loaded, so no context");
      context ??= new contextClass(
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
  // No arguments on a terminal opens the dashboard; otherwise the help, as before.
  const tty = argv.length === 2 && streams.stdout.isTTY && streams.stdin?.isTTY;
  const args = tty ? [...argv, "dashboard"] : argv;
  try {
    if (COMMANDS.some((c) => c.name === invokedName(args.slice(2))))
      contextClass = (await import("./context.js")).Context;
    const program = await buildProgram(app, args);
    configureTree(program, streams);
    await program.parseAsync(args);
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
