import { readdirSync } from "node:fs";
import { connect, type Socket } from "node:net";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { execa, type ResultPromise } from "execa";
import postgres from "postgres";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { cli } from "../support/cli.js";
import { DATABASE_KINDS, type TestTarget } from "../support/databases.js";

const BIN = fileURLToPath(new URL("../../bin/networth", import.meta.url));
const HOLDER = fileURLToPath(new URL("../support/lock-holder.mjs", import.meta.url));
const embedded = DATABASE_KINDS.find((k) => k.name === "embedded");

describe.skipIf(!embedded?.available)("networth db serve", () => {
  let t: TestTarget;
  beforeAll(async () => {
    t = await (embedded as NonNullable<typeof embedded>).create();
  });
  afterAll(async () => {
    await t?.dispose();
  });

  it("serves on 127.0.0.1 behind a random password printed once, and refuses a connection without it", async () => {
    const child = execa(BIN, ["db", "serve"], {
      env: { ...t.env, PATH: process.env.PATH ?? "", NO_COLOR: "1" },
      extendEnv: false,
      reject: false,
      timeout: 60_000,
    });
    let stdout = "";
    let stderr = "";
    child.stderr?.on("data", (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    await new Promise<void>((resolve, reject) => {
      child.stdout?.on("data", (chunk: Buffer) => {
        stdout += chunk.toString();
        if (stdout.includes("Serving the embedded database")) resolve();
      });
      child.then(() => reject(new Error(`db serve exited early: ${stderr}`)), reject);
    });
    // stderr is another pipe: its line may arrive a moment after stdout's.
    const deadline = Date.now() + 10_000;
    while (!stderr.includes("\n") && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    const url = /Serving the embedded database at (\S+)/.exec(stdout)?.[1] ?? "";
    expect(url).toMatch(/^postgres:\/\/postgres:[A-Za-z0-9_-]{20,}@127\.0\.0\.1:\d+\/postgres$/);
    const parsed = new URL(url);
    try {
      // With the password: served.
      const good = postgres({
        host: "127.0.0.1",
        port: Number(parsed.port),
        username: "postgres",
        password: parsed.password,
        database: "postgres",
        max: 1,
      });
      const [row] = await good`SELECT 1 AS one`;
      expect(row?.one).toBe(1);
      await good.end();
      // Without it, or with another: refused, nothing served.
      for (const password of [undefined, "wrong"]) {
        const bad = postgres({
          host: "127.0.0.1",
          port: Number(parsed.port),
          username: "postgres",
          ...(password ? { password } : {}),
          database: "postgres",
          max: 1,
          connect_timeout: 5,
        });
        const error = await bad`SELECT 1`.then(
          () => null,
          (e: unknown) => e as { code?: string; message?: string },
        );
        expect(error, `connected with password ${password}`).not.toBeNull();
        await bad.end({ timeout: 0 }).catch(() => {});
      }
    } finally {
      child.kill("SIGINT");
      await child;
    }
    const lines = stderr.split("\n").filter(Boolean);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(
      /^warning: the URL holds a password made for this run and shown only here/,
    );
    expect(stderr).not.toContain(parsed.password);
  });
});

/** Starts `db serve` and waits until it serves (its output so far kept, and more as it comes). */
async function serve(env: Record<string, string>) {
  const child = execa(BIN, ["db", "serve"], {
    env: { PATH: process.env.PATH ?? "", NO_COLOR: "1", ...env },
    extendEnv: false,
    reject: false,
    timeout: 120_000,
  });
  const out = { stdout: "", stderr: "" };
  child.stderr?.on("data", (chunk: Buffer) => {
    out.stderr += chunk.toString();
  });
  await new Promise<void>((resolve, reject) => {
    child.stdout?.on("data", (chunk: Buffer) => {
      out.stdout += chunk.toString();
      if (out.stdout.includes("Press Ctrl-C to stop.")) resolve();
    });
    child.then((r) => reject(new Error(`db serve exited early: ${r.stderr}`)), reject);
  });
  const url = new URL(/Serving the embedded database at (\S+)/.exec(out.stdout)?.[1] ?? "");
  // Wrapped: a ResultPromise is a thenable, which an async function's return would await.
  return { child, out, url };
}

const connectTo = (url: URL, password = url.password) =>
  postgres({
    host: "127.0.0.1",
    port: Number(url.port),
    username: "postgres",
    password,
    database: "postgres",
    max: 1,
    connect_timeout: 30,
    onnotice: () => {},
  });

async function until(ok: () => boolean, what: string, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!ok()) {
    if (Date.now() > deadline) throw new Error(`no ${what} within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

interface Message {
  readonly type: string;
  readonly body: Buffer;
}

/**
 * A client in PostgreSQL's wire protocol itself (simple queries only), which sees every byte
 * the server sends: what a FATAL says as a connection ends, or that nothing came.
 */
class RawClient {
  private buffer = Buffer.alloc(0);
  readonly messages: Message[] = [];
  readonly closed: Promise<void>;
  private readonly socket: Socket;

  private constructor(url: URL) {
    this.socket = connect(Number(url.port), "127.0.0.1");
    this.socket.on("error", () => {});
    this.closed = new Promise((resolve) => this.socket.once("close", () => resolve()));
    this.socket.on("data", (data: Buffer) => {
      this.buffer = Buffer.concat([this.buffer, data]);
      while (this.buffer.length >= 5 && this.buffer.length >= 1 + this.buffer.readInt32BE(1)) {
        const length = 1 + this.buffer.readInt32BE(1);
        this.messages.push({
          type: String.fromCharCode(this.buffer[0] ?? 0),
          body: this.buffer.subarray(5, length),
        });
        this.buffer = this.buffer.subarray(length);
      }
    });
  }

  static async connect(url: URL): Promise<RawClient> {
    const client = new RawClient(url);
    const params = Buffer.from("user\0postgres\0database\0postgres\0\0");
    const startup = Buffer.alloc(8 + params.length);
    startup.writeInt32BE(startup.length, 0);
    startup.writeInt32BE(196_608, 4);
    params.copy(startup, 8);
    client.socket.write(startup);
    await until(() => client.messages.some((m) => m.type === "R"), "password request", 10_000);
    client.socket.write(RawClient.message("p", `${url.password}\0`));
    await client.ready(1);
    return client;
  }

  private static message(type: string, text: string): Buffer {
    const body = Buffer.from(text);
    const out = Buffer.alloc(5 + body.length);
    out.write(type, 0);
    out.writeInt32BE(4 + body.length, 1);
    body.copy(out, 5);
    return out;
  }

  private ready(count: number): Promise<void> {
    return until(
      () => this.messages.filter((m) => m.type === "Z").length >= count,
      "ReadyForQuery",
      20_000,
    );
  }

  /** Runs one simple query; resolves with its messages up to the server's ReadyForQuery. */
  async query(sql: string): Promise<Message[]> {
    const seen = this.messages.length;
    const readies = this.messages.filter((m) => m.type === "Z").length;
    this.socket.write(RawClient.message("Q", `${sql}\0`));
    await this.ready(readies + 1);
    const answer = this.messages.slice(seen);
    return answer.slice(0, answer.findIndex((m) => m.type === "Z") + 1);
  }

  /** Sends a query without waiting for its answer. */
  send(sql: string): void {
    this.socket.write(RawClient.message("Q", `${sql}\0`));
  }

  /** The fields of each ErrorResponse received: { C: code, M: message, S: severity }. */
  errors(): Record<string, string>[] {
    return this.messages
      .filter((m) => m.type === "E")
      .map((m) =>
        Object.fromEntries(
          m.body
            .toString()
            .split("\0")
            .filter(Boolean)
            .map((field) => [field[0], field.slice(1)]),
        ),
      );
  }

  destroy(): void {
    this.socket.destroy();
  }
}

async function setUp(t: TestTarget): Promise<void> {
  expect((await cli(["login", "me@example.com"], t.env)).exitCode).toBe(0);
  const added = await cli(
    ["add-asset", "--type", "other", "--name", "Gold", "--value", "100", "--date", "2026-01-01"],
    t.env,
  );
  expect(added.exitCode, added.stderr).toBe(0);
}

describe.skipIf(!embedded?.available)(
  "networth db serve while another networth process holds the embedded database",
  () => {
    let t: TestTarget;
    const running: ResultPromise[] = [];
    const clients: { end(options?: { timeout?: number }): Promise<void> }[] = [];
    beforeEach(async () => {
      t = await (embedded as NonNullable<typeof embedded>).create();
      await setUp(t);
    });
    afterEach(async () => {
      for (const client of clients.splice(0)) await client.end({ timeout: 0 }).catch(() => {});
      for (const child of running.splice(0)) {
        child.kill("SIGKILL");
        await child;
      }
      await t?.dispose();
    });
    // A short lock wait: a db serve that waited for the lock instead of serving would fail.
    const quick = () => ({ ...t.env, NETWORTH_LOCK_TIMEOUT_MS: "1000" });

    it("serves at once, passing connections on to the holder it names; when the holder stops, its idle connections are told, a transaction finishes, and this one takes over at the same URL", async () => {
      const holder = await serve(t.env);
      running.push(holder.child);
      const started = Date.now();
      const proxy = await serve(quick());
      running.push(proxy.child);
      expect(Date.now() - started).toBeLessThan(20_000);
      expect(proxy.out.stdout).toContain(
        `It is held by pid ${holder.child.pid} (networth db serve, since `,
      );
      expect(proxy.url.port).not.toBe(holder.url.port);
      expect(proxy.url.password).not.toBe(holder.url.password);

      // Served, with the password only.
      const good = connectTo(proxy.url);
      clients.push(good);
      expect((await good`SELECT email FROM users`).map((r) => r.email)).toEqual(["me@example.com"]);
      await good.end();
      for (const password of ["", "wrong", holder.url.password]) {
        const bad = connectTo(proxy.url, password);
        clients.push(bad);
        const error = await bad`SELECT 1`.then(
          () => null,
          (e: unknown) => e as { code?: string },
        );
        expect(error?.code, `password ${JSON.stringify(password)}`).toBeDefined();
      }

      const idle = await RawClient.connect(proxy.url);
      const inTransaction = await RawClient.connect(proxy.url);
      await inTransaction.query("BEGIN");
      const stopping = Date.now();
      holder.child.kill("SIGINT");
      // The idle connection is ended at once, with a FATAL that names the holder...
      await Promise.race([idle.closed, new Promise((r) => setTimeout(r, 10_000))]);
      expect(idle.errors()).toEqual([
        expect.objectContaining({
          S: "FATAL",
          C: "57P01",
          M: expect.stringContaining(`pid ${holder.child.pid} (networth db serve`),
        }),
      ]);
      // ...the transaction under way is let finish, its write committed...
      await new Promise((resolve) => setTimeout(resolve, 500));
      // (CommandComplete and ReadyForQuery; ParameterStatus messages may come between.)
      const answered = (messages: { type: string }[]) =>
        messages.map((m) => m.type).filter((type) => type !== "S");
      const update = await inTransaction.query("UPDATE users SET email = 'you@example.com'");
      expect(answered(update)).toEqual(["C", "Z"]);
      const commit = await inTransaction.query("COMMIT");
      expect(answered(commit)).toEqual(["C", "Z"]);
      await Promise.race([inTransaction.closed, new Promise((r) => setTimeout(r, 10_000))]);
      expect(inTransaction.errors().map((e) => e.C)).toEqual(["57P01"]);
      // ...and the holder, waiting for no connection of this one's, is gone well within its
      // 10 s of grace.
      await holder.child;
      expect(Date.now() - stopping).toBeLessThan(9_000);

      await until(
        () => proxy.out.stdout.includes("This process now holds the embedded database"),
        "takeover",
      );
      const again = connectTo(proxy.url);
      clients.push(again);
      expect((await again`SELECT email FROM users`).map((r) => r.email)).toEqual([
        "you@example.com",
      ]);
      await again.end();
      // Commands attach to it now.
      const accounts = await cli(["accounts", "--json"], quick());
      expect(accounts.exitCode, accounts.stderr).toBe(0);

      proxy.child.kill("SIGINT");
      await proxy.child;
      expect(proxy.out.stderr.split("\n").filter(Boolean)).toEqual([
        expect.stringMatching(/^warning: the URL holds a password made for this run/),
      ]);
    }, 180_000);

    it("a holder killed with kill -9: the query under way gets a FATAL that says so, and the next connection to the same URL is served", async () => {
      const holder = await serve(t.env);
      running.push(holder.child);
      const proxy = await serve(quick());
      running.push(proxy.child);
      const client = await RawClient.connect(proxy.url);
      client.send("SELECT pg_sleep(5)");
      await new Promise((resolve) => setTimeout(resolve, 500));
      holder.child.kill("SIGKILL");
      await holder.child;
      await Promise.race([client.closed, new Promise((r) => setTimeout(r, 10_000))]);
      expect(client.errors()).toEqual([
        expect.objectContaining({
          C: "57P01",
          M: expect.stringContaining(`pid ${holder.child.pid} (networth db serve`),
        }),
      ]);
      const again = connectTo(proxy.url);
      clients.push(again);
      expect((await again`SELECT email FROM users`).map((r) => r.email)).toEqual([
        "me@example.com",
      ]);
      await again.end();
      expect(proxy.out.stdout).toContain("This process now holds the embedded database");
      // The killed holder's socket directory was removed as this one opened the database.
      const dirs = readdirSync(join(t.home, "data", "db")).filter((n) => n.startsWith("run-"));
      expect(dirs).toEqual([`run-${proxy.child.pid}`]);
    }, 180_000);

    it("a holder that does not serve (it only holds the lock): waits for it as long as any command, then names it in one line and exits 1", async () => {
      const lockHolder = execa(
        process.execPath,
        [HOLDER, join(t.home, "data", "db", "lock"), join(t.home, "marker"), "0", "hold"],
        { reject: false },
      );
      running.push(lockHolder);
      await new Promise<void>((resolve) => lockHolder.stdout?.once("data", () => resolve()));
      const started = Date.now();
      const result = await cli(["db", "serve"], quick());
      expect(Date.now() - started).toBeLessThan(15_000);
      expect(result.exitCode).toBe(1);
      expect(result.stderr).toMatch(
        new RegExp(
          `^networth: the embedded database \\(.*\\) is in use by pid ${lockHolder.pid} \\(networth, since [^)]*\\); waited 1 s\\. Try again when it has finished, or stop that process; its lock ends with it \\(never delete the lock file by hand\\)$`,
        ),
      );
    }, 60_000);
  },
);
