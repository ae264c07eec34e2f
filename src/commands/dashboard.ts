import { Command } from "commander";
import { itemNeedsUser } from "../core/item-advice.js";
import { listAccounts } from "../db/accounts.js";
import { balanceHistory } from "../db/balances.js";
import { changeToken } from "../db/changes.js";
import type { Database } from "../db/connection.js";
import { listItems } from "../db/plaid.js";
import { userReport } from "../db/report.js";
import { refreshSnapshots } from "../db/snapshots.js";
import { UserError } from "../errors.js";
import type { DashboardLoaders, SyncFn } from "../tui/loaders.js";
import { rangeStart } from "../tui/ranges.js";
import { type App, examples, type UserRun, userRun } from "./app.js";

/** What the dashboard takes besides the database: the sync, once there is one. */
export interface DashboardDeps {
  /** Syncs the user's linked items; without it, r says sync is not available yet. */
  readonly sync?: (run: UserRun) => SyncFn;
}

/**
 * The run as the dashboard needs it: open for hours, maybe past midnight, so its `today` is
 * read from the clock at each use (`s` snapshots today, `r` writes today's balances), and its
 * database is the one open now (`db`, when given: the dashboard opens it again after losing it).
 */
export function liveRun(run: UserRun, db: () => Database = () => run.db): UserRun {
  return {
    ...run,
    get today() {
      return run.todayNow();
    },
    get db() {
      return db();
    },
  };
}

/**
 * The dashboard's loaders on the open database, for the logged-in user. Reports are built as
 * `networth report --from <range start>` builds them, one point a day (the chart samples them
 * to its width), each up to the day it is asked on.
 */
export function dashboardLoaders(run: UserRun, deps: DashboardDeps = {}): DashboardLoaders {
  let db = run.db;
  const live = liveRun(run, () => db);
  const { user } = run;
  const sync = deps.sync?.(live);
  // Open for hours on the embedded database, it may be attached to another command's
  // (a cron sync, webhooks serve, a db serve that started first): when that one ends, the
  // dashboard opens the database again (attached to the next holder, or holding it itself)
  // and tries the work once more: a read, the change poll, the snapshot (idempotent) or the
  // sync (each item under its own lock). Work that failed on a database already replaced
  // just runs again on the new one; only the first to fail on the current one reopens it.
  let reopening: Promise<Database> | undefined;
  const retried = async <T>(work: (db: Database) => Promise<T>): Promise<T> => {
    const used = db;
    try {
      return await work(used);
    } catch (error) {
      if (used.target.kind !== "embedded" || !connectionLost(error)) throw error;
      if (db === used)
        reopening ??= run.ctx
          .reopen()
          .then((opened) => {
            db = opened;
            return opened;
          })
          .finally(() => {
            reopening = undefined;
          });
      return work(reopening ? await reopening : db);
    }
  };
  return {
    report: (range) => {
      const today = live.today;
      return retried((db) =>
        userReport(db, user.id, {
          from: rangeStart(today, range),
          to: today,
          interval: "day",
          currency: user.preferences.currency || "USD",
        }),
      );
    },
    accounts: () =>
      retried((db) => db.asUser(user.id, (tx) => listAccounts(tx, { includeArchived: false }))),
    history: (accountId) =>
      retried((db) => db.asUser(user.id, (tx) => balanceHistory(tx, accountId))),
    snapshot: async () => {
      const today = live.today;
      await retried((db) =>
        db.asUser(user.id, (tx) => refreshSnapshots(tx, { userId: user.id }, today, today)),
      );
      return today;
    },
    changes: () => retried((db) => db.asUser(user.id, (tx) => changeToken(tx))),
    // The sync reads live.db, which is the database retried() hands over.
    ...(sync ? { sync: (onProgress) => retried(() => sync(onProgress)) } : {}),
  };
}

const LOST = new Set([
  "ECONNRESET",
  "CONNECTION_CLOSED",
  "CONNECTION_ENDED",
  "CONNECTION_DESTROYED",
  "EPIPE",
  // The holder's socket, gone with it.
  "ENOENT",
  "ECONNREFUSED",
]);
function connectionLost(error: unknown): boolean {
  return LOST.has((error as { code?: string } | null)?.code ?? "");
}

// The alternate screen: the dashboard draws over the whole terminal and, on leaving, the
// shell's screen comes back as it was, with nothing of the dashboard left in the scrollback.
const ENTER_ALTERNATE_SCREEN = "\u001B[?1049h\u001B[H";
const LEAVE_ALTERNATE_SCREEN = "\u001B[?1049l";
const SIGNALS = ["SIGINT", "SIGTERM", "SIGHUP"] as const;

export function dashboardCommand(app: App, deps: DashboardDeps = {}): Command {
  const command = new Command("dashboard")
    .description("an interactive terminal dashboard: net worth, chart, breakdown, accounts")
    .action(async (_options: Record<string, never>, cmd: Command) => {
      // Ink holds the streams themselves; they are the run's, never process's own.
      const { stdin, stdout } = app.streams;
      if (!stdout.isTTY || !stdin?.isTTY)
        throw new UserError("networth dashboard needs a terminal; use networth report instead");
      const run = await userRun(app, cmd);
      const loaders = dashboardLoaders(run, deps);
      // Accounts of an item in error or disconnected by Plaid get a mark (read once at start).
      const items = await run.db.asUser(run.user.id, (tx) => listItems(tx));
      const troubled = new Set(items.filter(itemNeedsUser).map((i) => i.id));
      const needsAttention = (row: { plaidItemId: string | null }) =>
        row.plaidItemId !== null && troubled.has(row.plaidItemId);
      // Heavy modules only here, so that every other command starts without them.
      const [{ render }, { createElement }, { Dashboard }, { resolveTheme }] = await Promise.all([
        import("ink"),
        import("react"),
        import("../tui/dashboard.js"),
        import("../tui/theme.js"),
      ]);
      const leave = () => stdout.write(LEAVE_ALTERNATE_SCREEN);
      // Also on an exit that skips the finally below (SIGTERM, which cli.ts ends with exit()).
      process.once("exit", leave);
      // A signal ends the app as q does. Listening also matters in itself: signal-exit (Ink's
      // and its cursor helper's) kills the process outright when it finds no other listener,
      // which would skip the database's close and leave the terminal in the alternate screen.
      let stop = () => {};
      const stopped = () => stop();
      for (const signal of SIGNALS) process.on(signal, stopped);
      stdout.write(ENTER_ALTERNATE_SCREEN);
      try {
        const instance = render(
          createElement(Dashboard, {
            email: run.user.email,
            today: () => run.todayNow(),
            dateFormat: run.dateFormat,
            currency: run.user.preferences.currency || "USD",
            theme: resolveTheme(run.user.preferences.theme, run.ctx.env),
            loaders,
            needsAttention,
          }),
          { stdin, stdout: stdout as NodeJS.WriteStream, patchConsole: true },
        );
        stop = () => instance.unmount();
        // An error a component exits with rejects this, for the one handler in cli.ts.
        await instance.waitUntilExit();
      } finally {
        for (const signal of SIGNALS) process.removeListener(signal, stopped);
        process.removeListener("exit", leave);
        leave();
      }
    });
  return examples(command, ["networth dashboard", "NO_COLOR=1 networth dashboard"]);
}
