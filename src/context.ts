import { ConfigStore } from "./config.js";
import { isIsoDate, todayIn } from "./core/dates.js";
import { hashToken } from "./core/session.js";
import { type Cancellation, noCancellation } from "./db/cancel.js";
import type { Database, OpenOptions } from "./db/connection.js";
import { type DatabaseTarget, resolveTarget } from "./db/target.js";
import { findSession, type Session, type User } from "./db/users.js";
import { NotLoggedInError, UsageError } from "./errors.js";
import { type Paths, resolvePaths } from "./paths.js";

/** Options every command accepts (commander's globals). */
export interface GlobalOptions {
  readonly databaseUrl?: string;
}

/** The logged-in user of this run. */
export interface SessionUser {
  readonly user: User;
  readonly session: Session;
}

/**
 * What a command needs from the world, created once per run and closed by the CLI: the
 * environment, paths, the config file, the clock, and (opened lazily, once) the database.
 */
export class Context {
  readonly paths: Paths;
  readonly config: ConfigStore;
  private opened: Promise<Database> | undefined;
  private readonly closers: (() => Promise<void>)[] = [];
  private resolvedTarget: DatabaseTarget | undefined;

  constructor(
    readonly globals: GlobalOptions,
    readonly env: NodeJS.ProcessEnv = process.env,
    readonly now: () => Date = () => new Date(),
    private readonly onCreate?: OpenOptions["onCreate"],
    /** Ctrl-C and SIGTERM stop the database work through this (see db/cancel.ts). */
    readonly cancel: Cancellation = noCancellation(),
  ) {
    this.paths = resolvePaths(env);
    this.config = new ConfigStore(this.paths.configDir);
  }

  /**
   * Today's calendar date in the user's time zone (TZ, else the system's). For tests only,
   * NETWORTH_TODAY=YYYY-MM-DD fixes it, so a test never races midnight.
   */
  today(): string {
    const fixed = this.env.NETWORTH_TODAY;
    if (fixed === undefined || fixed === "") return todayIn(undefined, this.now());
    if (!isIsoDate(fixed))
      throw new UsageError(
        `NETWORTH_TODAY must be a YYYY-MM-DD date, not ${JSON.stringify(fixed)}`,
      );
    return fixed;
  }

  /** The database this run uses (no connection is made). */
  target(): DatabaseTarget {
    this.resolvedTarget ??= resolveTarget({
      flag: this.globals.databaseUrl,
      env: this.env.DATABASE_URL,
      config: this.config.get("database.url"),
      dataDir: this.paths.dataDir,
    });
    return this.resolvedTarget;
  }

  /** How this run opens its database: the lock wait from the environment, the create notice. */
  openOptions(migrations: OpenOptions["migrations"]): OpenOptions {
    return {
      migrations,
      lockTimeoutMs: Number(this.env.NETWORTH_LOCK_TIMEOUT_MS) || undefined,
      onCreate: this.onCreate,
      cancel: this.cancel,
    };
  }

  /** Opens the database once; "require" (the default) refuses an unmigrated server. */
  database(migrations: OpenOptions["migrations"] = "require"): Promise<Database> {
    this.opened ??= import("./db/connection.js").then(({ openDatabase }) =>
      openDatabase(this.target(), this.openOptions(migrations)),
    );
    return this.opened;
  }

  /** The logged-in user, or a NotLoggedInError saying how to log in. */
  async requireUser(): Promise<SessionUser> {
    const found = await this.currentSession();
    if (!found) throw new NotLoggedInError("none");
    if (found.session.expiresAt.getTime() <= this.now().getTime()) {
      throw new NotLoggedInError("expired");
    }
    return found;
  }

  /** The session this config holds for the target database, expired or not. */
  async currentSession(): Promise<SessionUser | null> {
    // Open first: an unreachable or unmigrated database is the more useful error.
    const db = await this.database();
    const token = this.config.sessionToken(db.target.key);
    if (!token) return null;
    return findSession(db.sql, hashToken(token));
  }

  /**
   * Opens the database again after its connection was lost (the networth process that served
   * the embedded database to this one ended): this process then opens it itself, or attaches
   * to the next holder. For what outlives other commands (the dashboard).
   */
  async reopen(): Promise<Database> {
    const opened = this.opened;
    this.opened = undefined;
    if (opened) await (await opened.catch(() => null))?.close().catch(() => {});
    return this.database();
  }

  /**
   * Registers work for close(): it runs on normal exit and on Ctrl-C alike. A command that
   * registers any (a server) runs until Ctrl-C or SIGTERM, which is then its normal end.
   */
  onClose(fn: () => Promise<void>): void {
    this.runsUntilStopped = true;
    this.closers.push(fn);
  }

  /** True once a command registered work for close(): see onClose. */
  runsUntilStopped = false;
  private closing: Promise<void> | undefined;

  /** Closes once: a second call (the signal handler's) waits for the first. */
  close(): Promise<void> {
    this.closing ??= (async () => {
      for (const fn of this.closers.splice(0).reverse()) await fn();
      const opened = this.opened;
      this.opened = undefined;
      if (opened) await (await opened.catch(() => null))?.close();
    })();
    return this.closing;
  }
}
