import postgres, { type Options, type Sql, type TransactionSql } from "postgres";
import { CancelledError, UserError } from "../errors.js";
import { busy, type Cancellation, guarded, noCancellation } from "./cancel.js";
import { startOrAttach } from "./embedded.js";
import { describeDatabaseError } from "./errors.js";
import { assertConsistent, migrateUp, migrationStatus } from "./migrator.js";
import { requiredSslMode, serverSpeaksSsl } from "./ssl.js";
import type { DatabaseTarget } from "./target.js";

/** An open database: the connection, who it is, and how to run a user's work. */
export interface Database {
  /** Runs as the connecting role (a member of networth_system): cross-user work only. */
  readonly sql: Sql;
  readonly target: DatabaseTarget;
  /**
   * Runs fn in a transaction scoped to one user: the role becomes networth_app (row level
   * security applies, no bypass) and auth.uid() returns userId.
   */
  asUser<T>(userId: string, fn: (tx: TransactionSql) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

export interface OpenOptions {
  /**
   * "require": fail unless every migration is applied (commands);
   * "auto": apply pending migrations first (always so on the embedded database);
   * "none": open as is (the db commands).
   */
  readonly migrations: "require" | "auto" | "none";
  /** How long to wait for another process holding the embedded database. */
  readonly lockTimeoutMs?: number;
  /** Told when the embedded database is created, so a terminal can say so. */
  readonly onCreate?: (target: DatabaseTarget) => void;
  /**
   * Ctrl-C and SIGTERM: aborting its signal stops a lock wait at once and rolls back the open
   * transaction at its next statement (see db/cancel.ts).
   */
  readonly cancel?: Cancellation;
  /** False only for benchmarks: the embedded database skips fsync (see db/durable-fs.ts). */
  readonly durable?: boolean;
}

const CONNECT_TIMEOUT_S = 10;

/** Options every connection shares: dates stay 'YYYY-MM-DD' strings, columns camelCase. */
export function connectionOptions(): Options<Record<string, postgres.PostgresType>> {
  return {
    connect_timeout: CONNECT_TIMEOUT_S,
    onnotice: () => {},
    transform: { column: { from: postgres.toCamel, to: postgres.fromCamel } },
    types: {
      date: {
        to: 1082,
        from: [1082],
        serialize: (value: string) => value,
        parse: (value: string) => value,
      },
    },
    connection: { application_name: "networth" },
  };
}

/**
 * A transaction on `sql` scoped to one user: role networth_app (row level security applies,
 * no bypass) and auth.uid() = userId. Database.asUser is this on the shared connection; a
 * reserved connection uses it directly.
 */
export function userTransaction<T>(
  sql: Sql,
  userId: string,
  fn: (tx: TransactionSql) => Promise<T>,
): Promise<T> {
  return sql.begin(async (tx) => {
    await tx`SELECT set_config('role', 'networth_app', true),
                    set_config('networth.user_id', ${userId}, true)`;
    return fn(tx);
  }) as Promise<T>;
}

function wrap(
  raw: Sql,
  target: DatabaseTarget,
  cancel: Cancellation,
  closeExtra: () => Promise<void>,
): Database {
  let closed = false;
  const sql = guarded(raw, cancel);
  return {
    sql,
    target,
    asUser: (userId, fn) => userTransaction(sql, userId, fn),
    async close() {
      if (closed) return;
      closed = true;
      await raw.end({ timeout: 5 });
      await closeExtra();
    },
  };
}

async function openServer(
  target: Extract<DatabaseTarget, { kind: "server" }>,
  cancel: Cancellation,
): Promise<Database> {
  // Room for the sync's concurrent items (each may hold a connection) and one more.
  const sql = postgres(target.url, { ...connectionOptions(), max: 6 });
  // postgres.js's connect_timeout covers a silent host; this deadline also covers whatever
  // else can keep the first answer from coming (it has been seen to retry without end).
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(Object.assign(new Error("no answer"), { code: "CONNECT_TIMEOUT" })),
      (CONNECT_TIMEOUT_S + 1) * 1000,
    );
  });
  try {
    await Promise.race([sql`SELECT 1`, deadline]);
  } catch (error) {
    await sql.end({ timeout: 0 }).catch(() => {});
    // A server without SSL, asked for it, just looks like a lost connection: ask it.
    const mode = requiredSslMode(target.url);
    if (mode && !(error as { severity?: string }).severity) {
      if ((await serverSpeaksSsl(target.host, target.port)) === false) {
        throw new UserError(
          `the database server at ${target.host}:${target.port} does not support SSL, but the URL ` +
            `asks for it (sslmode=${mode}): enable SSL on the server, or use sslmode=prefer or disable`,
        );
      }
    }
    throw new UserError(describeDatabaseError(error, target) ?? String(error));
  } finally {
    clearTimeout(timer);
  }
  return wrap(sql, target, cancel, async () => {});
}

/** postgres.js on a socket of the embedded database (ours or another networth process's). */
function embeddedClient(path: string): Sql {
  return postgres({
    ...connectionOptions(),
    path,
    max: 1,
    username: "postgres",
    database: "postgres",
  });
}

let ignoring = false;
/**
 * postgres.js, when the holder's socket closes under a transaction, still writes the
 * transaction's ROLLBACK to it from a timer, which throws on the socket it has already let go
 * of (TypeError in its nextWrite). The loss itself is reported by the command (one line, see
 * db/errors.ts); that late write is no error of ours and must not add a stack trace. Any other
 * uncaught exception ends the process as Node would.
 */
function ignoreWritesOnLostConnections(): void {
  if (ignoring) return;
  ignoring = true;
  process.on("uncaughtException", (error) => {
    if (isLateWriteOnLostConnection(error)) return;
    const stack = error instanceof Error ? (error.stack ?? "") : "";
    process.stderr.write(`${stack || String(error)}\n`);
    process.exit(1);
  });
}

/**
 * postgres.js's late write on a socket it let go of: known by its function's name and the
 * null socket it writes to, not by its file (bundled, dist/bundle/, the stack names a chunk of
 * the bundle rather than postgres/src/connection.js).
 */
export function isLateWriteOnLostConnection(error: unknown): boolean {
  return (
    error instanceof TypeError &&
    /\(reading 'write'\)/.test(error.message) &&
    /^\s+at (?:\S+\.)?nextWrite \(/m.test(error.stack ?? "")
  );
}

/**
 * Opens the embedded database: in this process when the lock is free (it then serves every
 * other networth process on its private socket until it exits), or else attached to the
 * process that holds it, checked live first (a holder that does not answer is waited for).
 */
async function openEmbedded(
  target: Extract<DatabaseTarget, { kind: "embedded" }>,
  options: OpenOptions,
): Promise<Database> {
  const cancel = options.cancel ?? noCancellation();
  const started = await startOrAttach(
    target,
    {
      lockTimeoutMs: options.lockTimeoutMs,
      onCreate: options.onCreate,
      signal: cancel.signal,
      durable: options.durable,
    },
    async (serving) => {
      const sql = embeddedClient(serving.socket);
      try {
        await sql`SELECT 1`;
        return sql;
      } catch {
        await sql.end({ timeout: 0 }).catch(() => {});
        return undefined;
      }
    },
  );
  // Interrupted while PGlite started: close it again rather than go on.
  if (cancel.signal.aborted) {
    if ("server" in started) await started.server.stop();
    else await started.attached.end({ timeout: 1 }).catch(() => {});
    throw new CancelledError();
  }
  const database =
    "server" in started
      ? wrap(embeddedClient(started.server.connect.path), target, cancel, () =>
          started.server.stop(),
        )
      : wrap(started.attached, target, cancel, async () => {});
  if (!("server" in started)) ignoreWritesOnLostConnections();
  try {
    if (options.migrations !== "none") await migrateUp(database.sql);
  } catch (error) {
    await database.close();
    throw error;
  }
  return database;
}

/** Opens the target; on a server, checks (or applies) the migrations as asked. */
export async function openDatabase(
  target: DatabaseTarget,
  options: OpenOptions,
): Promise<Database> {
  const cancel = options.cancel ?? noCancellation();
  if (target.kind === "embedded") return busy(cancel, () => openEmbedded(target, options));
  const database = await busy(cancel, () => openServer(target, cancel));
  try {
    if (options.migrations === "auto") {
      await migrateUp(database.sql);
    } else if (options.migrations === "require") {
      const status = await migrationStatus(database.sql);
      assertConsistent(status);
      if (status.pending.length > 0) {
        throw new UserError(
          `the database at ${target.display} is not up to date ` +
            `(${status.pending.length} pending migration${status.pending.length === 1 ? "" : "s"}): ` +
            "run networth db migrate",
        );
      }
    }
  } catch (error) {
    await database.close();
    throw error;
  }
  return database;
}
