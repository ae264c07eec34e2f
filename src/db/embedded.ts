import { existsSync, rmSync } from "node:fs";
import type { Socket } from "node:net";
import { join } from "node:path";
import { ensurePrivateDir } from "../paths.js";
import { acquireFileLockOr } from "./lock.js";
import { advertise, cleanLitter, liveServing, makeSocketDir, type Serving } from "./shared.js";
import type { DatabaseTarget } from "./target.js";

type EmbeddedTarget = Extract<DatabaseTarget, { kind: "embedded" }>;

/** A running embedded PostgreSQL: PGlite behind this process's session server. */
export interface EmbeddedServer {
  /** postgres.js connection settings for this process's own connections (the Unix socket). */
  readonly connect: { path: string };
  /**
   * Serves a connection admitted elsewhere (db serve's password gate on 127.0.0.1), paused,
   * with what it has sent so far (see SessionServer.adopt).
   */
  adopt(socket: Socket, head: Buffer): void;
  stop(): Promise<void>;
}

export interface StartOptions {
  readonly lockTimeoutMs?: number | undefined;
  readonly onCreate?: ((target: DatabaseTarget) => void) | undefined;
  /** Aborting stops the wait for the lock at once. */
  readonly signal?: AbortSignal | undefined;
  /**
   * False only for benchmarks: skip fsync as PGlite does by default (a power loss can then
   * lose commits). Commands always run durable.
   */
  readonly durable?: boolean | undefined;
}

/**
 * Starts the embedded database in this process, or, while another networth process holds it,
 * attaches to that one: `attach` is offered the live holder's socket at each poll of the lock
 * wait and returns the connection it made there (undefined: not usable, keep waiting).
 */
export async function startOrAttach<T>(
  target: EmbeddedTarget,
  options: StartOptions,
  attach: (serving: Serving) => Promise<T | undefined>,
): Promise<{ server: EmbeddedServer } | { attached: T }> {
  ensurePrivateDir(target.dir, "the data directory");
  const got = await acquireFileLockOr(
    join(target.dir, "lock"),
    {
      timeoutMs: options.lockTimeoutMs ?? 10_000,
      what: `the embedded database (${target.display.replace(/^embedded /, "")})`,
      signal: options.signal,
    },
    async () => {
      const serving = liveServing(target.dir);
      return serving ? attach(serving) : undefined;
    },
  );
  if ("other" in got) return { attached: got.other };
  const lock = got.lock;
  const undo: (() => Promise<void> | void)[] = [() => lock.release()];
  const stop = async () => {
    for (const step of undo.splice(0).reverse()) await step();
  };
  try {
    const socketDir = makeSocketDir(target.dir);
    undo.push(() => rmSync(socketDir.dir, { recursive: true, force: true }));
    // Holding the lock, whatever a killed holder left is litter: removed.
    const litter = cleanLitter(target.dir, socketDir.dir);
    const [{ PGlite }, { SessionServer }, { DurableNodeFS, durableStartParams }] =
      await Promise.all([
        import("@electric-sql/pglite"),
        import("./pglite-server.js"),
        import("./durable-fs.js"),
      ]);
    const dataDir = join(target.dir, "pglite");
    if (!existsSync(join(dataDir, "PG_VERSION"))) options.onCreate?.(target);
    // Only the raw protocol is used (the session server), never PGlite's query() and its type
    // parsers: the pg_type query PGlite runs at every start to build its array parsers is
    // skipped (about 40 ms of CPU of a short command, measured A/B; bench/README.md, row 16a).
    const RawPGlite = class extends PGlite {
      override async _initArrayTypes(): Promise<void> {}
    };
    const db = new RawPGlite(
      options.durable === false
        ? { dataDir }
        : {
            fs: new DurableNodeFS(dataDir),
            startParams: durableStartParams(PGlite.defaultStartParams),
          },
    );
    await db.waitReady;
    undo.push(() => db.close());
    await litter;
    const server = new SessionServer(db);
    await server.listen(socketDir.socket);
    undo.push(() => server.stop());
    undo.push(advertise(target.dir, socketDir.socket));
    return {
      server: {
        connect: { path: socketDir.socket },
        adopt: (socket, head) => server.adopt(socket, head),
        stop,
      },
    };
  } catch (error) {
    await stop();
    throw error;
  }
}
