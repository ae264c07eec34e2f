/**
 * One embedded database, many commands (issue 16): while one networth process holds the
 * embedded database, the others attach to it on its private socket instead of waiting for
 * the lock; a killed holder leaves nothing that stops the next command.
 */

import { execFileSync } from "node:child_process";
import { existsSync, readdirSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { execa, type ResultPromise } from "execa";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { cli, json } from "../support/cli.js";
import { DATABASE_KINDS, type TestTarget } from "../support/databases.js";

const BIN = fileURLToPath(new URL("../../bin/networth", import.meta.url));
const embedded = DATABASE_KINDS.find((k) => k.name === "embedded");

function start(args: string[], env: Record<string, string>) {
  return execa(BIN, args, {
    env: { PATH: process.env.PATH ?? "", NO_COLOR: "1", ...env },
    extendEnv: false,
    reject: false,
    timeout: 60_000,
  });
}

/** Starts `db serve` (a holder like any other) and waits until it serves. */
async function holder(env: Record<string, string>): Promise<{ child: ResultPromise }> {
  const child = start(["db", "serve"], env);
  let stdout = "";
  await new Promise<void>((resolve, reject) => {
    child.stdout?.on("data", (chunk: Buffer) => {
      stdout += chunk.toString();
      if (stdout.includes("Serving the embedded database")) resolve();
    });
    child.then((r) => reject(new Error(`db serve exited early: ${r.stderr}`)), reject);
  });
  // Wrapped: a ResultPromise is a thenable, which an async function's return would await.
  return { child };
}

const dataDir = (t: TestTarget) => join(t.home, "data", "db");
const litter = (t: TestTarget) =>
  readdirSync(dataDir(t)).filter((name) => name.startsWith("run-") || name === "serving.json");

async function setUp(t: TestTarget): Promise<void> {
  expect((await cli(["login", "me@example.com"], t.env)).exitCode).toBe(0);
  const added = await cli(
    ["add-asset", "--type", "other", "--name", "Gold", "--value", "100", "--date", "2026-01-01"],
    t.env,
  );
  expect(added.exitCode, added.stderr).toBe(0);
}

const history = async (t: TestTarget) =>
  json<{ balances: { date: string; balance: number }[] }>(
    await cli(["history", "Gold", "--json"], t.env),
  ).balances.map((b) => [b.date, b.balance]);

describe.skipIf(!embedded?.available)("commands attached to the embedded database's holder", () => {
  let t: TestTarget;
  let other: TestTarget;
  const running: ResultPromise[] = [];
  beforeEach(async () => {
    const kind = embedded as NonNullable<typeof embedded>;
    t = await kind.create();
    other = await kind.create();
  });
  afterEach(async () => {
    for (const child of running.splice(0)) {
      child.kill("SIGKILL");
      await child;
    }
    await t?.dispose();
    await other?.dispose();
  });

  it("three commands at once while a holder runs: no lock error, the same results as one by one", async () => {
    await setUp(t);
    await setUp(other);
    const commands = [
      ["set-balance", "Gold", "150", "--date", "2026-02-01", "--json"],
      ["set-balance", "Gold", "175.5", "--date", "2026-03-01", "--json"],
      ["whoami", "--json"],
    ];
    const { child: serving } = await holder(t.env);
    running.push(serving);
    // Short lock wait: a command that waited for the lock instead of attaching would fail.
    const env = { ...t.env, NETWORTH_LOCK_TIMEOUT_MS: "1000" };
    const together = await Promise.all(commands.map((args) => start(args, env)));
    for (const result of together) {
      expect(result.exitCode, result.stderr).toBe(0);
      expect(result.stderr).toBe("");
    }
    const oneByOne = [];
    for (const args of commands) {
      const result = await cli(args, other.env);
      expect(result.exitCode, result.stderr).toBe(0);
      oneByOne.push(result);
    }
    expect(await history(t)).toEqual(await history(other));
    // Each command's own answer matches too: what set-balance wrote (the account's totals
    // after it depend on the order the two ran in), whoami's all but ids, times and paths.
    const shape = (stdout: string, home: string, i: number) => {
      const value = JSON.parse(
        stdout
          .replaceAll(home, "HOME")
          .replace(/"[0-9a-f-]{36}"/g, '"id"')
          .replace(/"\d{4}-\d\d-\d\dT[^"]*"/g, '"time"'),
      );
      return i < 2 ? { date: value.date, outcome: value.outcome } : value;
    };
    expect(together.map((r, i) => shape(String(r.stdout), t.home, i))).toEqual(
      oneByOne.map((r, i) => shape(r.stdout, other.home, i)),
    );
  });

  it("a holder killed with kill -9 while a client works: a clear error or done, data intact, the next command opens directly", async () => {
    await setUp(t);
    const { child: serving } = await holder(t.env);
    running.push(serving);
    // An import of 20,000 balances: one transaction of a few seconds, under way at the kill.
    const csv = join(t.home, "big.csv");
    const rows = Array.from({ length: 20_000 }, (_, i) => {
      const date = new Date(Date.UTC(1970, 0, 1 + i)).toISOString().slice(0, 10);
      return `Gold,${date},${100 + (i % 50)}`;
    });
    writeFileSync(csv, ["account,date,balance", ...rows].join("\n"));
    const client = start(["import", "balances", csv], t.env);
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    serving.kill("SIGKILL");
    await serving;
    const result = await client;
    if (result.exitCode !== 0) {
      const lines = String(result.stderr).split("\n").filter(Boolean);
      expect(lines, String(result.stderr)).toHaveLength(1);
      expect(lines[0]).toMatch(/^networth: .*ended while it worked.*run it again$/);
    }
    // The killed holder's socket directory and discovery file are still there...
    expect(litter(t).length).toBeGreaterThan(0);
    const after = await cli(["set-balance", "Gold", "200", "--date", "2026-04-01"], t.env);
    expect(after.exitCode, after.stderr).toBe(0);
    const after2 = await history(t);
    expect(after2).toContainEqual(["2026-04-01", 200]);
    // All of the import or none of it.
    expect(after2.length).toBe(result.exitCode === 0 ? 20_002 : 2);
    // ...and gone once the next command has opened the database itself.
    expect(litter(t)).toEqual([]);
  });

  it("short commands started together, no holder before them: the first serves the others until they finish", async () => {
    await setUp(t);
    const env = { ...t.env, NETWORTH_LOCK_TIMEOUT_MS: "1000" };
    const results = await Promise.all([
      start(["set-balance", "Gold", "120", "--date", "2026-05-01"], env),
      start(["whoami", "--json"], env),
      start(["accounts", "--json"], env),
      start(["history", "Gold", "--json"], env),
    ]);
    for (const result of results) expect(result.exitCode, String(result.stderr)).toBe(0);
    expect(await history(t)).toContainEqual(["2026-05-01", 120]);
    expect(litter(t)).toEqual([]);
  });

  it("a stale discovery file (its process gone) is ignored and removed", async () => {
    await setUp(t);
    const dead = execFileSync(
      process.execPath,
      ["-e", "process.stdout.write(String(process.pid))"],
      {
        encoding: "utf8",
      },
    );
    const file = join(dataDir(t), "serving.json");
    writeFileSync(file, JSON.stringify({ pid: Number(dead), socket: join(dataDir(t), "nowhere") }));
    const result = await cli(["accounts", "--json"], {
      ...t.env,
      NETWORTH_LOCK_TIMEOUT_MS: "2000",
    });
    expect(result.exitCode, result.stderr).toBe(0);
    expect(existsSync(file)).toBe(false);
  });

  it("the holder's socket directory is private (0700) and under NETWORTH_HOME", async () => {
    await setUp(t);
    const { child: serving } = await holder(t.env);
    running.push(serving);
    const dirs = readdirSync(dataDir(t)).filter((name) => name.startsWith("run-"));
    expect(dirs).toHaveLength(1);
    expect(statSync(join(dataDir(t), dirs[0] as string)).mode & 0o777).toBe(0o700);
    expect(statSync(join(dataDir(t), "serving.json")).mode & 0o777).toBe(0o600);
  });
});
