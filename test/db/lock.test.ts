import { existsSync, mkdtempSync, readFileSync, rmSync, unlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { execa } from "execa";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { acquireFileLock, processStartTime, readHolder } from "../../src/db/lock.js";
import { CancelledError, UserError } from "../../src/errors.js";

const HOLDER = fileURLToPath(new URL("../support/lock-holder.mjs", import.meta.url));

let dir: string;
let path: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "networth-lock-"));
  path = join(dir, "lock");
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

const options = { timeoutMs: 300, what: "the test lock", pollMs: 10 };

/** What a lock file left behind can look like; none of them is a live holder. */
const LEFTOVERS: Record<string, () => void> = {
  "no lock file": () => {},
  "an empty lock file (a full disk, or a crash before the write)": () => writeFileSync(path, ""),
  "garbage in the lock file": () => writeFileSync(path, "\u0000\u0000{not json"),
  "the pid of a process that died": () => writeFileSync(path, "999999999"),
  "a live unrelated pid with another start time (a reused pid)": () =>
    writeFileSync(path, JSON.stringify({ pid: process.ppid, start: "1", command: "networth x" })),
};

describe("the embedded database's lock", () => {
  for (const [name, leave] of Object.entries(LEFTOVERS)) {
    it(`is free when it finds ${name}`, async () => {
      leave();
      const started = Date.now();
      const lock = await acquireFileLock(path, options);
      expect(Date.now() - started).toBeLessThan(250);
      expect(readHolder(path)?.pid).toBe(process.pid);
      lock.release();
      expect(existsSync(path)).toBe(false);
    });
  }

  it("records its holder (pid, start time, since, command) and names it to a waiter", async () => {
    const lock = await acquireFileLock(path, options);
    try {
      const holder = readHolder(path);
      expect(holder?.pid).toBe(process.pid);
      expect(holder?.start).toBe(processStartTime(process.pid));
      expect(Date.now() - Date.parse(holder?.since ?? "")).toBeLessThan(5_000);
      const error = await acquireFileLock(path, options).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(UserError);
      expect((error as Error).message).toMatch(
        new RegExp(
          `^the test lock is in use by pid ${process.pid} \\(networth.*, since \\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d UTC\\); waited 0 s\\. .*stop that process`,
        ),
      );
    } finally {
      lock.release();
    }
  });

  it("is released only by its owner: release never removes another holder's lock", async () => {
    const first = await acquireFileLock(path, options);
    // Someone removes the lock file by hand; a second holder takes a new one.
    unlinkSync(path);
    const second = await acquireFileLock(path, options);
    const recorded = readFileSync(path, "utf8");
    first.release();
    expect(readFileSync(path, "utf8")).toBe(recorded);
    await expect(acquireFileLock(path, options)).rejects.toThrow(/is in use by pid/);
    second.release();
    expect(existsSync(path)).toBe(false);
  });

  it("stops waiting at once when its signal is aborted", async () => {
    const held = await acquireFileLock(path, options);
    try {
      const controller = new AbortController();
      const started = Date.now();
      const waiting = acquireFileLock(path, {
        ...options,
        timeoutMs: 30_000,
        signal: controller.signal,
      });
      setTimeout(() => controller.abort(), 100);
      await expect(waiting).rejects.toBeInstanceOf(CancelledError);
      expect(Date.now() - started).toBeLessThan(1_000);
    } finally {
      held.release();
    }
  });

  it("never has two holders: rounds of concurrent processes over every kind of leftover", async () => {
    const marker = join(dir, "holder");
    const kinds = Object.values(LEFTOVERS);
    const deadline = Date.now() + 12_000;
    let rounds = 0;
    for (; rounds < 12 && Date.now() < deadline; rounds++) {
      kinds[rounds % kinds.length]?.();
      const children = Array.from({ length: 4 }, () =>
        execa("node", [HOLDER, path, marker, String(rounds % 3)], {
          reject: false,
          timeout: 30_000,
        }),
      );
      const results = await Promise.all(children);
      expect(results.map((r) => r.exitCode)).toEqual([0, 0, 0, 0]);
      expect(existsSync(path)).toBe(false);
    }
    expect(rounds).toBeGreaterThanOrEqual(5);
  });

  it("is free the moment its holder is killed (kill -9), and then held by one process only", async () => {
    const marker = join(dir, "holder");
    const holder = execa("node", [HOLDER, path, marker, "0", "hold"], { reject: false });
    await new Promise<void>((resolve, reject) => {
      holder.stdout?.on("data", () => resolve());
      holder.then(() => reject(new Error("the holder exited early")), reject);
    });
    holder.kill("SIGKILL");
    await holder;
    // The killed holder could remove neither its lock file nor its marker; the marker goes
    // now (it is the test's, not the lock's), the lock file stays, naming the dead holder.
    expect(readHolder(path)?.pid).toBe(holder.pid);
    unlinkSync(marker);
    const started = Date.now();
    const waiters = Array.from({ length: 3 }, () =>
      execa("node", [HOLDER, path, marker, "5"], { reject: false, timeout: 30_000 }),
    );
    const results = await Promise.all(waiters);
    expect(results.map((r) => r.exitCode)).toEqual([0, 0, 0]);
    expect(Date.now() - started).toBeLessThan(10_000);
  });
});
