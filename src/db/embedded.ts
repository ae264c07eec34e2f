import { existsSync } from "node:fs";
import { join } from "node:path";
import { ensurePrivateDir } from "../paths.js";
import { acquireFileLock } from "./lock.js";
import type { DatabaseTarget } from "./target.js";

type EmbeddedTarget = Extract<DatabaseTarget, { kind: "embedded" }>;

/** A running embedded PostgreSQL: PGlite behind a pglite-socket server. */
export interface EmbeddedServer {
  /** postgres.js connection settings for this server. */
  readonly connect: { path: string } | { host: string; port: number };
  stop(): Promise<void>;
}

export interface StartOptions {
  readonly listen: { path: string } | { host: "127.0.0.1"; port: number };
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
 * Starts the embedded database for this process alone: takes the lock file (a second process
 * waits, then fails), opens PGlite on the data directory (created on first use) and serves it
 * on a socket. stop() undoes every step, in reverse, whatever failed.
 */
export async function startEmbedded(
  target: EmbeddedTarget,
  options: StartOptions,
): Promise<EmbeddedServer> {
  ensurePrivateDir(target.dir, "the data directory");
  const lock = await acquireFileLock(join(target.dir, "lock"), {
    timeoutMs: options.lockTimeoutMs ?? 10_000,
    what: `the embedded database (${target.display.replace(/^embedded /, "")})`,
    signal: options.signal,
  });
  const undo: (() => Promise<void> | void)[] = [() => lock.release()];
  const stop = async () => {
    for (const step of undo.splice(0).reverse()) await step();
  };
  try {
    const [{ PGlite }, { PGLiteSocketServer }, { DurableNodeFS, durableStartParams }] =
      await Promise.all([
        import("@electric-sql/pglite"),
        import("@electric-sql/pglite-socket"),
        import("./durable-fs.js"),
      ]);
    const dataDir = join(target.dir, "pglite");
    if (!existsSync(join(dataDir, "PG_VERSION"))) options.onCreate?.(target);
    const db =
      options.durable === false
        ? await PGlite.create(dataDir)
        : await PGlite.create({
            fs: new DurableNodeFS(dataDir),
            startParams: durableStartParams(PGlite.defaultStartParams),
          });
    undo.push(() => db.close());
    const server = new PGLiteSocketServer({ db, ...options.listen });
    await server.start();
    undo.push(() => server.stop());
    if ("path" in options.listen) return { connect: { path: options.listen.path }, stop };
    // Port 0 asks the system for one: read back the one it chose.
    const [, port] = /:(\d+)$/.exec(server.getServerConn()) ?? [];
    return { connect: { host: "127.0.0.1", port: Number(port) }, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}
