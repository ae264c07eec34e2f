import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import postgres from "postgres";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { SessionServer } from "../../src/db/pglite-server.js";

/**
 * The session server that shares the embedded database hands each exchange (a client's
 * messages through a Sync or simple Query) to PGlite in one call: what PostgreSQL does with a
 * batch must be what it does message by message — an error skips to the Sync and the next
 * exchange works, pipelined queries each get their own answer, a failed transaction rolls back.
 */
describe("the embedded database's session server", () => {
  let dir: string;
  let server: SessionServer;
  let close: () => Promise<void>;
  let socket: string;
  beforeAll(async () => {
    const { PGlite } = await import("@electric-sql/pglite");
    dir = mkdtempSync(join(tmpdir(), "networth-session-"));
    const db = await PGlite.create();
    server = new SessionServer(db);
    socket = join(dir, ".s.PGSQL.5432");
    await server.listen(socket);
    close = async () => {
      await server.stop(0);
      await db.close();
    };
  }, 60_000);
  afterAll(async () => {
    await close?.();
    rmSync(dir, { recursive: true, force: true });
  });
  const client = () =>
    postgres({
      path: socket,
      max: 1,
      username: "postgres",
      database: "postgres",
      onnotice: () => {},
    });

  it("answers an error in an exchange, then the next exchange as usual", async () => {
    const sql = client();
    try {
      await expect(sql`SELECT ${"abc"}::int AS n`).rejects.toThrow(/invalid input syntax/);
      expect(await sql`SELECT ${41}::int + 1 AS n`).toEqual([{ n: 42 }]);
      await expect(sql`SELECT * FROM no_such_table`).rejects.toThrow(/does not exist/);
      expect(await sql`SELECT 'still here' AS s`).toEqual([{ s: "still here" }]);
    } finally {
      await sql.end();
    }
  });

  it("gives each of many pipelined queries its own answer, in order", async () => {
    const sql = client();
    try {
      const answers = await Promise.all(
        Array.from({ length: 20 }, (_, i) =>
          i === 7
            ? sql`SELECT 1/0 AS n`.catch((e: Error) => e.message)
            : sql`SELECT ${i}::int AS n`,
        ),
      );
      expect(answers.map((a) => (typeof a === "string" ? a : a[0]?.n))).toEqual(
        Array.from({ length: 20 }, (_, i) => (i === 7 ? "division by zero" : i)),
      );
    } finally {
      await sql.end();
    }
  });

  it("rolls a failed transaction back, and another client then sees nothing of it", async () => {
    const a = client();
    const b = client();
    try {
      await a`CREATE TABLE IF NOT EXISTS t (n int PRIMARY KEY)`;
      await expect(
        a.begin(async (tx) => {
          await tx`INSERT INTO t VALUES (1)`;
          await tx`INSERT INTO t VALUES (1)`;
        }),
      ).rejects.toThrow(/duplicate key/);
      expect(await b`SELECT count(*)::int AS n FROM t`).toEqual([{ n: 0 }]);
      await a.begin(async (tx) => {
        await tx`INSERT INTO t VALUES (2)`;
      });
      expect(await b`SELECT array_agg(n) AS ns FROM t`).toEqual([{ ns: [2] }]);
    } finally {
      await a.end();
      await b.end();
    }
  });
});

describe("stopping the session server", () => {
  it("returns as soon as the last connection has closed, without waiting on a timer", async () => {
    const { PGlite } = await import("@electric-sql/pglite");
    const dir = mkdtempSync(join(tmpdir(), "networth-session-stop-"));
    const db = await PGlite.create();
    const server = new SessionServer(db);
    const socket = join(dir, ".s.PGSQL.5432");
    await server.listen(socket);
    const sql = postgres({ path: socket, max: 1, username: "postgres", database: "postgres" });
    const realSetTimeout = globalThis.setTimeout;
    try {
      expect(await sql`SELECT 1 AS n`).toEqual([{ n: 1 }]);
      // The client leaves as a command does when it ends; its socket closes on the server
      // side a moment later. With setTimeout frozen, a stop that polls for that never returns.
      const ended = sql.end();
      vi.useFakeTimers({ toFake: ["setTimeout"] });
      const outcome = await Promise.race([
        server.stop(60_000).then(() => "stopped"),
        new Promise((resolve) => realSetTimeout(() => resolve("still waiting"), 5_000)),
      ]);
      vi.useRealTimers();
      await ended;
      expect(outcome).toBe("stopped");
    } finally {
      vi.useRealTimers();
      await server.stop(0);
      await db.close();
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);
});
