import { closeSync, openSync, readFileSync, unlinkSync, writeSync } from "node:fs";
import { setTimeout as sleep } from "node:timers/promises";
import { UserError } from "../errors.js";

/** A held lock; release() is idempotent and also runs at process exit. */
export interface FileLock {
  release(): void;
}

export interface LockOptions {
  /** How long to wait for another process to let go, in ms. */
  readonly timeoutMs: number;
  /** What to say the lock protects, for the error message. */
  readonly what: string;
  readonly pollMs?: number;
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: the process exists but belongs to someone else.
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

function readHolder(path: string): number | undefined {
  try {
    const pid = Number.parseInt(readFileSync(path, "utf8"), 10);
    return Number.isFinite(pid) ? pid : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Takes an exclusive lock file holding our pid, created with O_EXCL so two processes can never
 * both win. A lock left by a dead process is taken over. Another live holder is waited for up
 * to timeoutMs, then a UserError names it.
 */
export async function acquireFileLock(path: string, options: LockOptions): Promise<FileLock> {
  const deadline = Date.now() + options.timeoutMs;
  for (;;) {
    try {
      const fd = openSync(path, "wx", 0o600);
      writeSync(fd, String(process.pid));
      closeSync(fd);
      let held = true;
      const release = () => {
        if (!held) return;
        held = false;
        process.removeListener("exit", release);
        try {
          unlinkSync(path);
        } catch {
          // Already gone: nothing to release.
        }
      };
      process.on("exit", release);
      return { release };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
    }
    const holder = readHolder(path);
    if (holder === undefined || !pidAlive(holder)) {
      // Stale (the holder died) or half-written: remove it and race again through O_EXCL.
      // A half-written file younger than a poll interval belongs to a live writer; wait once.
      if (holder === undefined) await sleep(options.pollMs ?? 100);
      if (readHolder(path) === holder) {
        try {
          unlinkSync(path);
        } catch {
          // Someone else removed it first.
        }
      }
      continue;
    }
    if (Date.now() >= deadline) {
      throw new UserError(
        `${options.what} is in use by another networth process (pid ${holder}); ` +
          `waited ${Math.round(options.timeoutMs / 1000)} s. Try again when it has finished.`,
      );
    }
    await sleep(options.pollMs ?? 100);
  }
}
