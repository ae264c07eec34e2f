import { randomBytes } from "node:crypto";
import type { Socket } from "node:net";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import postgres from "postgres";
import { CancelledError } from "../errors.js";
import { connectionOptions } from "./connection.js";
import { type EmbeddedServer, startOrAttach } from "./embedded.js";
import { describeHolder, readHolder } from "./lock.js";
import { migrateUp } from "./migrator.js";
import { fatal, PasswordGate, Relay, sayAndClose } from "./pg-gate.js";
import { liveServing, type Serving } from "./shared.js";
import type { DatabaseTarget } from "./target.js";

/**
 * The line `networth db serve` prints on stderr before anything else: the URL holds the
 * password, which is made for this run and printed this once, so it is said where it goes.
 */
export function passwordNotice(): string {
  return (
    "the URL holds a password made for this run and shown only here: whoever has it can read " +
    "and change every user's data until you stop the server (Ctrl-C)"
  );
}

/** How often a server that passes connections on checks that their holder still serves. */
const WATCH_MS = 250;
/**
 * How long taking over from a holder that ended may wait for the lock: that holder lets the
 * commands attached to it finish first (up to 12 s), then lets go.
 */
const TAKEOVER_WAIT_MS = 30_000;
/** How long, at Ctrl-C, connections passed on to a holder are let finish what they do. */
const STOP_GRACE_MS = 10_000;

/** Where the connections go: this process's own database, or another process's. */
type Backend =
  | { readonly kind: "own"; readonly server: EmbeddedServer }
  | { readonly kind: "holder"; readonly serving: Serving; readonly holder: string };
type HolderBackend = Extract<Backend, { kind: "holder" }>;

export interface ServeOptions {
  /** TCP port on 127.0.0.1 (0: one the system picks). */
  readonly port: number;
  readonly lockTimeoutMs?: number | undefined;
  /** Aborting stops a wait for the lock at once. */
  readonly signal?: AbortSignal | undefined;
  /** Told, one line each time, when the holder ends and who serves the database after it. */
  readonly say?: ((line: string) => void) | undefined;
}

export interface Served {
  /** The URL, with the password. */
  readonly url: string;
  /**
   * The networth process that holds the embedded database and that this one passes every
   * connection on to ("pid 4242 (networth dashboard, since …)"); undefined when this one
   * holds it.
   */
  readonly holder: string | undefined;
  /** Rejects when serving cannot go on: the holder ended and the database could not be had. */
  readonly failed: Promise<never>;
  stop(): Promise<void>;
}

function socketClient(path: string) {
  return postgres({
    ...connectionOptions(),
    path,
    max: 1,
    username: "postgres",
    database: "postgres",
  });
}

/** Whether the holder's socket answers a query (a holder that does not is waited for). */
async function answers(path: string): Promise<boolean> {
  const sql = socketClient(path);
  try {
    await sql`SELECT 1`;
    return true;
  } catch {
    return false;
  } finally {
    await sql.end({ timeout: 1 }).catch(() => {});
  }
}

async function migrate(path: string): Promise<void> {
  const sql = socketClient(path);
  try {
    await migrateUp(sql);
  } finally {
    await sql.end({ timeout: 5 });
  }
}

function holderOf(lockFile: string, serving: Serving): string {
  return readHolder(lockFile)?.pid === serving.pid
    ? describeHolder(lockFile)
    : `pid ${serving.pid}`;
}

/** What a client passed on to a holder is told as that holder ends its connection. */
function endedMessage(holder: string): string {
  return `the networth process that held the embedded database, ${holder}, stopped serving it: connect again to the same URL`;
}

/**
 * Serves the embedded database (migrated first) on 127.0.0.1 only, where every connection
 * must give a random password made for this run, and returns the URL (with the password).
 *
 * When the lock is free, this process holds the database, and serves the other networth
 * processes on its private socket as any holder does. When another networth process holds it
 * and serves it (the dashboard, webhooks serve, a long import), each connection that gives
 * the password is passed on to that process's private socket, byte for byte: the holder runs
 * it as one of its own connections, so writes stay serialized there, and PGlite is never
 * opened twice. When that holder stops serving (it ended, or was killed), its connections
 * here end with a FATAL that says so (at once when idle, else after their exchange or
 * transaction), and this process opens the database again, as holder or passing connections
 * on to the next one, at the same URL: connections that arrive meanwhile wait for it.
 */
export async function serveEmbedded(
  target: Extract<DatabaseTarget, { kind: "embedded" }>,
  options: ServeOptions,
): Promise<Served> {
  const password = randomBytes(18).toString("base64url");
  const lockFile = join(target.dir, "lock");
  const say = options.say ?? (() => {});
  const stopping = new AbortController();
  const signal = options.signal
    ? AbortSignal.any([stopping.signal, options.signal])
    : stopping.signal;
  const relays = new Set<Relay>();
  let stopped = false;
  let backend: Backend | undefined;
  let next: Promise<Backend> | undefined;
  let fail: (error: unknown) => void = () => {};
  const failed = new Promise<never>((_, reject) => {
    fail = reject;
  });
  failed.catch(() => {});

  const open = async (lockTimeoutMs: number): Promise<Backend> => {
    const started = await startOrAttach(target, { lockTimeoutMs, signal }, async (serving) =>
      (await answers(serving.socket)) ? serving : undefined,
    );
    const found: Backend =
      "server" in started
        ? { kind: "own", server: started.server }
        : {
            kind: "holder",
            serving: started.attached,
            holder: holderOf(lockFile, started.attached),
          };
    try {
      if (stopped) throw new CancelledError();
      await migrate(found.kind === "own" ? found.server.connect.path : found.serving.socket);
      if (stopped) throw new CancelledError();
    } catch (error) {
      if (found.kind === "own") await found.server.stop();
      throw error;
    }
    return found;
  };

  const stillServing = (b: HolderBackend) => {
    const serving = liveServing(target.dir);
    return serving?.pid === b.serving.pid && serving.socket === b.serving.socket;
  };

  /** The holder stopped serving: end its connections here, and open the database again. */
  const lost = (b: HolderBackend) => {
    if (backend !== b || stopped) return;
    backend = undefined;
    const message = endedMessage(b.holder);
    for (const relay of relays) relay.drain(message);
    say(`${b.holder} stopped serving the embedded database; taking over at the same URL...`);
    next = open(Math.max(options.lockTimeoutMs ?? 10_000, TAKEOVER_WAIT_MS)).then(
      (found) => {
        backend = found;
        say(
          found.kind === "own"
            ? "This process now holds the embedded database and serves it at the same URL."
            : `Passing connections on to ${found.holder}, which now holds the embedded database (same URL).`,
        );
        return found;
      },
      (error: unknown) => {
        if (!stopped) fail(error);
        throw error;
      },
    );
    next.catch(() => {});
  };

  const route = async (socket: Socket, startup: Buffer, rest: Buffer) => {
    let to: Backend | undefined;
    for (;;) {
      to = backend;
      if (to?.kind === "holder" && !stillServing(to)) lost(to);
      else if (to) break;
      if (!next || stopped) return void socket.destroy();
      try {
        await next;
      } catch (error) {
        const why = error instanceof CancelledError ? "networth db serve stopped" : String(error);
        return void sayAndClose(
          socket,
          fatal("57P03", `the embedded database cannot be served: ${why}`),
        );
      }
    }
    if (stopped || socket.destroyed) return void socket.destroy();
    if (to.kind === "own") {
      to.server.adopt(socket, Buffer.concat([startup, rest]));
      return;
    }
    const relay: Relay = new Relay(
      socket,
      startup,
      rest,
      to.serving.socket,
      endedMessage(to.holder),
      () => relays.delete(relay),
    );
    relays.add(relay);
  };

  const gate = new PasswordGate(password, (socket, startup, rest) => {
    void route(socket, startup, rest);
  });
  const address = await gate.listen(options.port);
  next = open(options.lockTimeoutMs ?? 10_000);
  try {
    backend = await next;
  } catch (error) {
    stopped = true;
    await gate.close();
    throw error;
  }
  const watch = setInterval(() => {
    if (backend?.kind === "holder" && !stillServing(backend)) lost(backend);
  }, WATCH_MS);

  const stop = async () => {
    if (stopped) return;
    stopped = true;
    clearInterval(watch);
    stopping.abort();
    const closed = gate.close();
    const goodbye = "networth db serve stopped";
    for (const relay of relays) relay.drain(goodbye);
    const deadline = Date.now() + STOP_GRACE_MS;
    while (relays.size > 0 && Date.now() < deadline) await sleep(20);
    for (const relay of [...relays]) relay.end(goodbye);
    if (backend?.kind === "own") await backend.server.stop();
    // A takeover under way sees `stopped` and closes what it opened.
    await next?.catch(() => {});
    await closed;
  };

  return {
    url: `postgres://postgres:${password}@127.0.0.1:${address.port}/postgres`,
    holder: backend.kind === "holder" ? backend.holder : undefined,
    failed,
    stop,
  };
}
