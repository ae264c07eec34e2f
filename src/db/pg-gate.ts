import { createHash, timingSafeEqual } from "node:crypto";
import { connect, createServer, type Server, type Socket } from "node:net";

/**
 * The TCP side of `networth db serve`, in PostgreSQL's wire protocol: the password gate on
 * 127.0.0.1, and the relay that passes an admitted connection on to another networth
 * process's private socket. Nothing here touches a database.
 */

const SSL_REQUEST = 80877103;
const GSSENC_REQUEST = 80877104;
const CANCEL_REQUEST = 80877102;
/** PostgreSQL's own limit on a startup packet (MAX_STARTUP_PACKET_LENGTH). */
const MAX_STARTUP = 10_000;
/** A password message is small; anything longer is not one. */
const MAX_PASSWORD_MESSAGE = 1_024;
/** PostgreSQL's authentication_timeout. */
const AUTH_TIMEOUT_MS = 60_000;
/** AuthenticationCleartextPassword. */
const ASK_PASSWORD = Buffer.from([0x52, 0, 0, 0, 8, 0, 0, 0, 3]);

/** An ErrorResponse of severity FATAL, as PostgreSQL says it: the client shows `message`. */
export function fatal(code: string, message: string): Buffer {
  const fields = Buffer.from(`SFATAL\0VFATAL\0C${code}\0M${message}\0\0`);
  const out = Buffer.alloc(5 + fields.length);
  out[0] = 0x45;
  out.writeInt32BE(4 + fields.length, 1);
  fields.copy(out, 5);
  return out;
}

/**
 * Writes the last words and closes the socket once they are out, without waiting for the
 * client to close its side (an idle psql reads nothing until its next query).
 */
export function sayAndClose(socket: Socket, last: Buffer): void {
  socket.end(last);
  socket.destroySoon();
}

function samePassword(given: Buffer, expected: string): boolean {
  const digest = (value: Buffer | string) => createHash("sha256").update(value).digest();
  return timingSafeEqual(digest(given), digest(expected));
}

/**
 * Listens on 127.0.0.1 only, where anyone on the machine can connect: so every connection
 * must first give the password (PostgreSQL's cleartext exchange; it never leaves the
 * machine), and nothing it sends before reaches the database. An admitted connection is
 * handed on paused, with its startup message and whatever it sent after the password; a
 * wrong password gets PostgreSQL's 28P01 and the connection is closed.
 */
export class PasswordGate {
  private readonly server: Server;
  /** Connections not yet admitted (closed with the gate). */
  private readonly waiting = new Set<Socket>();

  constructor(
    private readonly password: string,
    private readonly admitted: (socket: Socket, startup: Buffer, rest: Buffer) => void,
  ) {
    this.server = createServer((socket) => this.greet(socket));
  }

  listen(port: number): Promise<{ host: string; port: number }> {
    return new Promise((resolve, reject) => {
      this.server.once("error", reject);
      this.server.listen(port, "127.0.0.1", () => {
        this.server.removeListener("error", reject);
        const address = this.server.address();
        resolve({
          host: "127.0.0.1",
          port: typeof address === "object" && address ? address.port : port,
        });
      });
    });
  }

  /**
   * Stops accepting at once; connections still at the password are closed, admitted ones are
   * not. Resolves once every connection it accepted has closed (admitted ones too).
   */
  close(): Promise<void> {
    for (const socket of this.waiting) socket.destroy();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }

  private greet(socket: Socket): void {
    this.waiting.add(socket);
    let buffer: Buffer = Buffer.alloc(0);
    let startup: Buffer | undefined;
    const done = () => {
      this.waiting.delete(socket);
      socket.setTimeout(0);
      socket.removeListener("data", received);
    };
    const refuse = (reply?: Buffer) => {
      done();
      if (reply) sayAndClose(socket, reply);
      else socket.destroy();
    };
    const received = (data: Buffer) => {
      buffer = buffer.length ? Buffer.concat([buffer, data]) : data;
      for (;;) {
        if (!startup) {
          if (buffer.length < 8) return;
          const length = buffer.readInt32BE(0);
          if (length < 8 || length > MAX_STARTUP) return refuse();
          if (buffer.length < length) return;
          const code = buffer.readInt32BE(4);
          const message = buffer.subarray(0, length);
          buffer = buffer.subarray(length);
          if (code === SSL_REQUEST || code === GSSENC_REQUEST) {
            socket.write("N");
            continue;
          }
          if (code === CANCEL_REQUEST) return refuse(Buffer.alloc(0));
          startup = Buffer.from(message);
          socket.write(ASK_PASSWORD);
          continue;
        }
        if (buffer.length < 5) return;
        const length = 1 + buffer.readInt32BE(1);
        if (length < 5 || length > MAX_PASSWORD_MESSAGE) return refuse();
        if (buffer.length < length) return;
        const message = buffer.subarray(0, length);
        buffer = buffer.subarray(length);
        if (message[0] !== 0x70 || !samePassword(message.subarray(5, -1), this.password))
          return refuse(fatal("28P01", "password authentication failed for user"));
        done();
        socket.pause();
        this.admitted(socket, startup, Buffer.from(buffer));
        return;
      }
    };
    socket.on("data", received);
    socket.on("error", () => socket.destroy());
    socket.once("close", () => this.waiting.delete(socket));
    socket.setTimeout(AUTH_TIMEOUT_MS, () => refuse());
  }
}

/**
 * Follows a stream of typed protocol messages (a type byte, then a length that counts itself)
 * across the chunks it arrives in, calling `done` with each message's type and first body
 * byte (a ReadyForQuery's transaction status) as it ends.
 */
class Framer {
  private header: Buffer = Buffer.alloc(0);
  private left = 0;
  private type = 0;
  private first: number | undefined;

  constructor(private readonly done: (type: number, first: number | undefined) => void) {}

  /** Between two messages. */
  get atBoundary(): boolean {
    return this.left === 0 && this.header.length === 0;
  }

  feed(chunk: Buffer): void {
    let i = 0;
    while (i < chunk.length) {
      if (this.left > 0) {
        if (this.first === undefined) this.first = chunk[i];
        const n = Math.min(this.left, chunk.length - i);
        this.left -= n;
        i += n;
        if (this.left === 0) this.done(this.type, this.first);
        continue;
      }
      const take = Math.min(5 - this.header.length, chunk.length - i);
      this.header = Buffer.concat([this.header, chunk.subarray(i, i + take)]);
      i += take;
      if (this.header.length < 5) continue;
      this.type = this.header[0] ?? 0;
      this.left = Math.max(0, this.header.readInt32BE(1) - 4);
      this.header = Buffer.alloc(0);
      this.first = undefined;
      if (this.left === 0) this.done(this.type, undefined);
    }
  }
}

const READY_FOR_QUERY = 0x5a;
const IDLE = 0x49;
/** Client messages that each get one ReadyForQuery: Query, Sync, FunctionCall. */
const ANSWERED = new Set([0x51, 0x53, 0x46]);
/** Extended-protocol messages that leave an exchange open until the next Sync. */
const EXTENDED = new Set([0x50, 0x42, 0x45, 0x44, 0x43, 0x48]);

/**
 * One admitted connection passed on to another networth process's private Unix socket, byte
 * for byte: that process runs it as any of its own connections (one exchange or transaction
 * at a time across all of them). The relay follows both directions' messages to know when the
 * connection is idle (no exchange under way, no transaction open) and where a message ends,
 * so that it can end the connection with a FATAL the client shows rather than mid-message.
 */
export class Relay {
  private readonly backend: Socket;
  private readonly fromClient: Framer;
  private readonly fromBackend: Framer;
  /** Exchanges sent and not yet answered with a ReadyForQuery; the startup is the first. */
  private unanswered = 1;
  private extendedOpen = false;
  private status = IDLE;
  /** Set by drain(): said as the connection ends, which it does once idle. */
  private farewell: string | undefined;
  private ended = false;
  /** The client said Terminate: the other side closing is its leaving, nothing to tell. */
  private terminated = false;

  constructor(
    readonly client: Socket,
    startup: Buffer,
    rest: Buffer,
    path: string,
    /** Said when the other process ends the connection (it ended, or is ending). */
    private readonly lost: string,
    private readonly closed: () => void,
  ) {
    this.fromClient = new Framer((type) => {
      if (ANSWERED.has(type)) this.unanswered += 1;
      if (EXTENDED.has(type)) this.extendedOpen = true;
      if (type === 0x53) this.extendedOpen = false;
      if (type === 0x58) this.terminated = true;
    });
    this.fromBackend = new Framer((type, first) => {
      if (type !== READY_FOR_QUERY) return;
      this.unanswered = Math.max(0, this.unanswered - 1);
      this.status = first ?? IDLE;
    });
    this.backend = connect(path);
    this.backend.once("connect", () => {
      this.backend.write(startup);
      if (rest.length) this.fromClient.feed(rest);
      if (rest.length) this.backend.write(rest);
      client.on("data", (data: Buffer) => {
        this.fromClient.feed(data);
        this.backend.write(data);
      });
      client.resume();
    });
    this.backend.on("data", (data: Buffer) => {
      if (this.ended) return;
      this.fromBackend.feed(data);
      client.write(data);
      if (this.farewell !== undefined && this.idle) this.end(this.farewell);
    });
    const gone = () => this.end(this.terminated ? undefined : this.lost);
    this.backend.on("error", gone);
    this.backend.once("close", gone);
    client.on("error", () => client.destroy());
    client.once("close", () => this.end(undefined));
  }

  /** No exchange under way and no transaction open: ending now loses nothing. */
  get idle(): boolean {
    return (
      this.unanswered === 0 &&
      !this.extendedOpen &&
      this.status === IDLE &&
      this.fromBackend.atBoundary &&
      this.fromClient.atBoundary
    );
  }

  /** Ends the connection with `message` once it is idle (at once if it is now). */
  drain(message: string): void {
    this.farewell = message;
    if (this.idle) this.end(message);
  }

  /** Ends the connection now, with `message` when the client is between two messages. */
  end(message: string | undefined): void {
    if (this.ended) return;
    this.ended = true;
    this.backend.destroy();
    if (message !== undefined && !this.client.destroyed && this.fromBackend.atBoundary)
      sayAndClose(this.client, fatal("57P01", message));
    else this.client.destroy();
    this.closed();
  }
}
