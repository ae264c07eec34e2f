import { createServer, type Server, type Socket } from "node:net";
import type { PGlite } from "@electric-sql/pglite";

/**
 * The embedded database served to many connections at once, safely. PGlite is one
 * PostgreSQL session: every connection shares it, so a connection must have it to itself
 * from its first message up to a Sync or simple Query that leaves no transaction open (an
 * extended-protocol exchange, or a whole BEGIN..COMMIT, never interleaves with another
 * connection's). Waiting connections are served in arrival order. A connection that goes
 * away while it has the session gets its exchange ended and its transaction rolled back.
 *
 * (pglite-socket's own server queues single messages, not exchanges: two clients' Bind and
 * Execute can interleave there, and one client's error skips the other's messages.)
 */
export class SessionServer {
  private readonly servers: Server[] = [];
  private readonly connections = new Set<Connection>();
  private owner: Connection | null = null;
  private readonly waiting: (() => void)[] = [];
  private idleWaiters: (() => void)[] = [];
  /** Told when the last connection has closed (stop waits for it, without polling). */
  private drainedWaiters: (() => void)[] = [];
  private stopping = false;

  constructor(readonly db: PGlite) {}

  private accept(socket: Socket, head?: Buffer): Connection {
    const connection = new Connection(socket, this, head);
    this.connections.add(connection);
    socket.once("close", () => {
      this.connections.delete(connection);
      void connection.closed();
      if (this.connections.size === 0)
        for (const resolve of this.drainedWaiters.splice(0)) resolve();
    });
    return connection;
  }

  /**
   * Listens on a Unix socket, in a private (0700) directory: no password is asked, so the
   * socket must never be reachable by another user.
   */
  listen(path: string): Promise<void> {
    const server = createServer((socket) => this.accept(socket));
    this.servers.push(server);
    return new Promise((resolve, reject) => {
      server.once("error", reject);
      server.listen(path, () => {
        server.removeListener("error", reject);
        resolve();
      });
    });
  }

  /**
   * Takes a connection that another listener has admitted (db serve's password gate on
   * 127.0.0.1), paused, with what it has sent so far: its startup message and anything after.
   */
  adopt(socket: Socket, head: Buffer): void {
    if (this.stopping) {
      socket.destroy();
      return;
    }
    this.accept(socket, head);
    socket.resume();
  }

  /** Waits for the session (first come, first served). */
  async acquire(connection: Connection): Promise<void> {
    if (this.owner === connection) return;
    while (this.owner !== null) await new Promise<void>((resolve) => this.waiting.push(resolve));
    this.owner = connection;
  }

  owns(connection: Connection): boolean {
    return this.owner === connection;
  }

  release(connection: Connection): void {
    if (this.owner !== connection) return;
    this.owner = null;
    const next = this.waiting.shift();
    if (next) next();
    else for (const resolve of this.idleWaiters.splice(0)) resolve();
  }

  /** True while no connection has the session or waits for it. */
  get idle(): boolean {
    return this.owner === null && this.waiting.length === 0;
  }

  /** Runs protocol bytes on the session, streaming the answer to `write`. */
  exec(message: Uint8Array, write: (data: Uint8Array) => void): Promise<void> {
    return this.db.runExclusive(() => this.db.execProtocolRawStream(message, { onRawData: write }));
  }

  /**
   * Stops: no new connections; those attached (commands started beside this one) are let
   * finish and disconnect for up to `graceMs`, then every connection is closed (an attached
   * long-running one, the dashboard, opens the database again itself).
   */
  async stop(graceMs = 10_000): Promise<void> {
    this.stopping = true;
    // close() stops accepting at once; its callback waits for every connection to end.
    const closed = Promise.all(
      this.servers.map((server) => new Promise<void>((resolve) => server.close(() => resolve()))),
    );
    // Woken by the last connection's close, not by polling: a command's own connection has
    // just ended when it stops, and a 20 ms poll was 4% of every embedded command (issue 16).
    if (this.connections.size > 0) {
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([
        new Promise<void>((resolve) => this.drainedWaiters.push(resolve)),
        new Promise<void>((resolve) => {
          timer = setTimeout(resolve, graceMs);
        }),
      ]);
      clearTimeout(timer);
    }
    // Past the grace, still the exchange under way (a transaction) is let finish, briefly.
    if (!this.idle) {
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([
        new Promise<void>((resolve) => this.idleWaiters.push(resolve)),
        new Promise<void>((resolve) => {
          timer = setTimeout(resolve, 2_000);
        }),
      ]);
      clearTimeout(timer);
    }
    for (const connection of this.connections) connection.socket.destroy();
    await closed;
    // Let each closed connection end its exchange before the database closes.
    await new Promise((resolve) => setImmediate(resolve));
    while (this.owner !== null) await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

const SSL_REQUEST = 80877103;
const GSSENC_REQUEST = 80877104;
const CANCEL_REQUEST = 80877102;
const SYNC = new Uint8Array([0x53, 0, 0, 0, 4]);

class Connection {
  private buffer: Buffer = Buffer.alloc(0);
  private started = false;
  private readonly queue: Buffer[] = [];
  private running = false;
  private gone = false;
  /** Inside an exchange: has the session, and has sent messages since the last Sync. */
  private unsynced = false;

  constructor(
    readonly socket: Socket,
    private readonly server: SessionServer,
    head?: Buffer,
  ) {
    socket.on("data", (data) => this.received(data));
    socket.on("error", () => socket.destroy());
    if (head?.length) this.received(head);
  }

  private received(data: Buffer): void {
    this.buffer = this.buffer.length ? Buffer.concat([this.buffer, data]) : data;
    for (;;) {
      if (!this.started) {
        if (this.buffer.length < 8) return;
        const length = this.buffer.readInt32BE(0);
        const code = this.buffer.readInt32BE(4);
        if (this.buffer.length < length) return;
        const message = this.buffer.subarray(0, length);
        this.buffer = this.buffer.subarray(length);
        if (code === SSL_REQUEST || code === GSSENC_REQUEST) {
          this.socket.write("N");
          continue;
        }
        if (code === CANCEL_REQUEST) {
          this.socket.end();
          return;
        }
        this.started = true;
        this.queue.push(Buffer.from(message));
      } else {
        if (this.buffer.length < 5) break;
        const length = 1 + this.buffer.readInt32BE(1);
        if (this.buffer.length < length) break;
        this.queue.push(Buffer.from(this.buffer.subarray(0, length)));
        this.buffer = this.buffer.subarray(length);
      }
    }
    void this.drain();
  }

  private async drain(): Promise<void> {
    if (this.running) return;
    this.running = true;
    try {
      for (let first = this.queue.shift(); first; first = this.queue.shift()) {
        if (this.gone) return;
        if (first[0] === 0x58) {
          // Terminate: the client leaves; close() ends what it left open.
          this.socket.end();
          return;
        }
        // One exchange in one call: a message and those queued after it, through the first
        // Sync or simple Query (postgres.js sends Parse, Bind, Describe, Execute and Sync in
        // one write). PostgreSQL reads them in order as from a socket; one call instead of five
        // and one write of the answer instead of one per message (issue 16: attached commands).
        const batch = [first];
        let last = first;
        while (this.isTyped(last) && last[0] !== 0x53 && last[0] !== 0x51) {
          const next = this.queue[0];
          if (next === undefined || next[0] === 0x58) break;
          batch.push(next);
          this.queue.shift();
          last = next;
        }
        const message = batch.length === 1 ? first : Buffer.concat(batch);
        const type = last[0];
        await this.server.acquire(this);
        if (this.gone) return;
        this.unsynced = true;
        this.socket.cork();
        try {
          await this.server.exec(message, (data) => {
            // A copy: the bytes are a view of PGlite's memory, reused before the write is done.
            if (!this.gone && data.length > 0 && this.socket.writable)
              this.socket.write(Buffer.from(data));
          });
        } finally {
          this.socket.uncork();
        }
        // The exchange ends at a Sync, a simple Query or the startup, outside a transaction.
        const boundary = type === 0x53 || type === 0x51 || !this.isTyped(last);
        if (boundary) this.unsynced = false;
        if (boundary && !this.server.db.isInTransaction()) this.server.release(this);
      }
    } catch {
      this.socket.destroy();
    } finally {
      this.running = false;
    }
  }

  /** The startup message has no type byte (its first byte is that of its length: 0). */
  private isTyped(message: Buffer): boolean {
    return message[0] !== 0;
  }

  /** The socket closed: end the exchange this connection left open, then let the next in. */
  async closed(): Promise<void> {
    this.gone = true;
    this.queue.length = 0;
    while (this.running) await new Promise((resolve) => setTimeout(resolve, 1));
    if (!this.server.owns(this)) return;
    try {
      const discard = () => {};
      if (this.unsynced) await this.server.exec(SYNC, discard);
      if (this.server.db.isInTransaction()) {
        // ROLLBACK as a simple Query message.
        const sql = Buffer.from("ROLLBACK\0");
        const query = Buffer.alloc(5 + sql.length);
        query[0] = 0x51;
        query.writeInt32BE(4 + sql.length, 1);
        sql.copy(query, 5);
        await this.server.exec(query, discard);
      }
    } catch {
      // The database is closing: nothing to end.
    } finally {
      this.server.release(this);
    }
  }
}
