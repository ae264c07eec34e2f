import { cpSync, existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { execa } from "execa";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { acquireFileLock } from "../../src/db/lock.js";
import { cli, json } from "../support/cli.js";
import { DATABASE_KINDS, type TestTarget } from "../support/databases.js";

const BIN = fileURLToPath(new URL("../../bin/networth", import.meta.url));
const embedded = DATABASE_KINDS.find((k) => k.name === "embedded");
if (!embedded) throw new Error("no embedded kind");

describe("the embedded database", () => {
  it("is durable: fsync on, and every commit syncs the WAL before it returns", async () => {
    const t = await embedded.create();
    try {
      const db = await t.open("none");
      const [fsync] = await db.sql<{ fsync: string }[]>`SHOW fsync`;
      const [method] = await db.sql<{ walSyncMethod: string }[]>`SHOW wal_sync_method`;
      expect([fsync?.fsync, method?.walSyncMethod]).toEqual(["on", "fsync"]);
    } finally {
      await t.dispose();
    }
    // The file system layer itself: each commit makes a real fsync of a WAL file.
    const { PGlite } = await import("@electric-sql/pglite");
    const { DurableNodeFS, durableStartParams } = await import("../../src/db/durable-fs.js");
    const dir = mkdtempSync(join(tmpdir(), "networth-durable-"));
    cpSync(inject("pgliteTemplate"), join(dir, "pglite"), { recursive: true });
    const synced: string[] = [];
    const pg = await PGlite.create({
      fs: new DurableNodeFS(join(dir, "pglite"), (path) => synced.push(path)),
      startParams: durableStartParams(PGlite.defaultStartParams),
    });
    try {
      await pg.exec("CREATE TABLE t (n int)");
      for (let n = 0; n < 3; n++) {
        synced.length = 0;
        await pg.query("INSERT INTO t VALUES ($1)", [n]);
        expect(synced.filter((path) => path.includes("/pg_wal/")).length).toBeGreaterThan(0);
      }
    } finally {
      await pg.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("is created and migrated on first use, with no setup, and the process exits", async () => {
    const home = mkdtempSync(join(tmpdir(), "networth-fresh-"));
    try {
      const login = await cli(["login", "me@example.com"], { NETWORTH_HOME: home });
      expect(login.exitCode).toBe(0);
      expect(existsSync(join(home, "data", "db", "pglite", "PG_VERSION"))).toBe(true);
      // The lock is released when the process ends.
      expect(existsSync(join(home, "data", "db", "lock"))).toBe(false);
      const status = json<{ pending: number; migrations: { applied: boolean }[] }>(
        await cli(["db", "status", "--json"], { NETWORTH_HOME: home }),
      );
      expect(status.pending).toBe(0);
      expect(status.migrations.every((m) => m.applied)).toBe(true);
    } finally {
      rmSync(home, { recursive: true, force: true });
    }
  });

  describe("belongs to one process at a time", () => {
    let t: TestTarget;
    beforeAll(async () => {
      t = await embedded.create();
    });
    afterAll(async () => {
      await t?.dispose();
    });

    it("a second process attaches to the holder's database instead of waiting for it", async () => {
      const db = await t.open("auto");
      try {
        const result = await cli(["db", "status"], { ...t.env, NETWORTH_LOCK_TIMEOUT_MS: "1000" });
        expect(result.exitCode, result.stderr).toBe(0);
      } finally {
        await db.close();
      }
    });

    it("waits a bounded time for a holder that does not serve, then fails with a clear message", async () => {
      const lock = await acquireFileLock(
        join(t.target.kind === "embedded" ? t.target.dir : "", "lock"),
        {
          timeoutMs: 1_000,
          what: "test",
        },
      );
      try {
        const started = Date.now();
        const result = await cli(["db", "status"], { ...t.env, NETWORTH_LOCK_TIMEOUT_MS: "1500" });
        expect(result.exitCode).toBe(1);
        expect(result.stderr.trim()).toMatch(
          new RegExp(
            `^networth: the embedded database \\(.+\\) is in use by pid ${process.pid} \\(networth.*, since .+ UTC\\); waited 2 s\\. Try again when it has finished, or stop that process`,
          ),
        );
        expect(Date.now() - started).toBeGreaterThanOrEqual(1500);
      } finally {
        lock.release();
      }
      // Once the holder lets go, the next process gets in.
      expect((await cli(["db", "status"], t.env)).exitCode).toBe(0);
    });

    it("closes cleanly on Ctrl-C: the lock is released and the data directory opens again", async () => {
      const child = execa(BIN, ["db", "serve"], {
        env: { ...t.env, PATH: process.env.PATH ?? "" },
        extendEnv: false,
        reject: false,
        timeout: 60_000,
      });
      await new Promise<void>((resolve, reject) => {
        child.stdout?.on("data", (chunk: Buffer) => {
          if (chunk.toString().includes("Serving the embedded database")) resolve();
        });
        child.then(() => reject(new Error("db serve exited early")), reject);
      });
      child.kill("SIGINT");
      const result = await child;
      expect(result.exitCode).toBe(130);
      expect(result.signal).toBeUndefined();
      expect(existsSync(join((t.target as { dir: string }).dir, "lock"))).toBe(false);
      expect(
        (await cli(["db", "status"], { ...t.env, NETWORTH_LOCK_TIMEOUT_MS: "1000" })).exitCode,
      ).toBe(0);
    });

    it("takes over a lock left behind by a process that died", async () => {
      const lock = join((t.target as { dir: string }).dir, "lock");
      writeFileSync(lock, "999999999");
      const result = await cli(["db", "status"], { ...t.env, NETWORTH_LOCK_TIMEOUT_MS: "1000" });
      expect(result.exitCode).toBe(0);
      expect(existsSync(lock)).toBe(false);
    });
  });
});
