import {
  closeSync,
  constants,
  fstatSync,
  ftruncateSync,
  openSync,
  readFileSync,
  statSync,
  unlinkSync,
  writeSync,
} from "node:fs";
import { createRequire } from "node:module";
import { setTimeout as sleep } from "node:timers/promises";
import { CancelledError, UserError } from "../errors.js";

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
  /** Aborting stops the wait at once with a CancelledError. */
  readonly signal?: AbortSignal | undefined;
}

/** Who holds a lock, as its holder recorded it (for messages only: the OS lock is the truth). */
export interface Holder {
  readonly pid: number;
  /** Start time of the process in clock ticks since boot (Linux), to tell a reused pid. */
  readonly start?: string | undefined;
  /** When it took the lock, ISO 8601. */
  readonly since?: string | undefined;
  readonly command?: string | undefined;
}

/**
 * The lock itself is an OS lock on an open descriptor (an open-file-description lock on
 * Linux, flock on macOS, LockFileEx on Windows) from fs-native-extensions, whose prebuilt
 * binaries ship inside the package. The kernel drops it when the holder's process ends in any
 * way (exit, crash, kill -9), so there is no stale lock to detect and nothing to break: a lock
 * file left by a dead process, an empty one, or one naming a live unrelated pid is simply
 * free. The file's content only names the holder for the message.
 */
interface NativeLocks {
  tryLock(fd: number): boolean;
}
let native: NativeLocks | undefined;
function locks(): NativeLocks {
  native ??=
    directLocks() ?? (createRequire(import.meta.url)("fs-native-extensions") as NativeLocks);
  return native;
}

/**
 * The package finds its prebuilt binary through require-addon and bare-module-resolve, which
 * took 17 to 45 ms of every embedded command here (issue 16), where loading the binary takes
 * 1 ms. Where the binary for this platform is where the package ships it, it is loaded
 * directly (the same file, with the package's own tryLock around it); else the package's way.
 */
function directLocks(): NativeLocks | undefined {
  let binding: { tryLock(fd: number, offset: number, length: number, exclusive: boolean): void };
  try {
    binding = createRequire(import.meta.url)(
      `fs-native-extensions/prebuilds/${process.platform}-${process.arch}/fs-native-extensions.node`,
    );
  } catch {
    return undefined;
  }
  if (typeof binding?.tryLock !== "function") return undefined;
  return {
    tryLock(fd) {
      try {
        binding.tryLock(fd, 0, 0, true);
        return true;
      } catch (error) {
        if ((error as { code?: string }).code === "EAGAIN") return false;
        throw error;
      }
    },
  };
}

/** Fields 3 onwards of /proc/<pid>/stat, or undefined off Linux (or the process is gone). */
function procStat(pid: number): string[] | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    // The command name (field 2) may hold spaces and parentheses: count after the last ')'.
    return stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  } catch {
    return undefined;
  }
}

/** The process's start time (field 22 of /proc/<pid>/stat), or undefined off Linux. */
export function processStartTime(pid: number): string | undefined {
  return procStat(pid)?.[19];
}

/**
 * True when the process has ended but its parent has not reaped it yet (a zombie, state Z or
 * X on Linux): its pid still answers kill(0) for a while (a second or more under some
 * inits), though nothing of it runs. False off Linux.
 */
export function processEnded(pid: number): boolean {
  const state = procStat(pid)?.[0];
  return state === "Z" || state === "X";
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

/** The holder a lock file names, or undefined when it is empty, unreadable or not ours. */
export function readHolder(path: string): Holder | undefined {
  try {
    const parsed = JSON.parse(readFileSync(path, "utf8")) as Partial<Holder>;
    return typeof parsed.pid === "number" && Number.isInteger(parsed.pid)
      ? (parsed as Holder)
      : undefined;
  } catch {
    return undefined;
  }
}

/** The command line's command words (no values: they may be private), for the holder record. */
function commandWords(argv: readonly string[]): string {
  const words: string[] = [];
  for (const arg of argv.slice(2)) {
    if (arg.startsWith("-") || !/^[a-z][a-z-]*$/.test(arg) || words.length === 2) break;
    words.push(arg);
  }
  return ["networth", ...words].join(" ");
}

function sameFile(fd: number, path: string): boolean {
  try {
    const held = fstatSync(fd);
    const named = statSync(path);
    return held.ino === named.ino && held.dev === named.dev;
  } catch {
    return false;
  }
}

/** Who holds the lock at `path`, for a message: "pid 4242 (networth dashboard, since …)". */
export function describeHolder(path: string): string {
  const holder = readHolder(path);
  if (!holder) return "another process (it has not recorded who it is)";
  const recorded = holder.start === undefined || holder.start === processStartTime(holder.pid);
  if (!pidAlive(holder.pid) || !recorded) {
    return `another process (the lock file names pid ${holder.pid}, which is gone)`;
  }
  const since = holder.since ? `, since ${holder.since.replace("T", " ").slice(0, 19)} UTC` : "";
  return `pid ${holder.pid} (${holder.command ?? "networth"}${since})`;
}

/**
 * Takes the exclusive OS lock on the file at `path` (created 0600 if missing). Another holder
 * is waited for up to timeoutMs (interruptible by the signal), then a UserError names it and
 * says how to recover. The lock file is removed on release only while it is still ours.
 */
export async function acquireFileLock(path: string, options: LockOptions): Promise<FileLock> {
  const got = await acquireFileLockOr(path, options, async () => undefined);
  return (got as { lock: FileLock }).lock;
}

/**
 * acquireFileLock, but while another process holds the lock, `instead` is asked at each poll
 * for something else to use (the holder's shared database): the first it gives ends the wait.
 */
export async function acquireFileLockOr<T>(
  path: string,
  options: LockOptions,
  instead: () => Promise<T | undefined>,
): Promise<{ lock: FileLock } | { other: T }> {
  const deadline = Date.now() + options.timeoutMs;
  const poll = options.pollMs ?? 50;
  let fd: number | undefined;
  try {
    for (;;) {
      if (options.signal?.aborted) throw new CancelledError();
      fd ??= openSync(path, constants.O_RDWR | constants.O_CREAT, 0o600);
      if (locks().tryLock(fd)) {
        // A holder that let go removed the file: our descriptor may name an unlinked file
        // (or one since replaced). Only a lock on the file at `path` counts; else open again.
        if (!sameFile(fd, path)) {
          closeSync(fd);
          fd = undefined;
          continue;
        }
        const holder: Holder = {
          pid: process.pid,
          start: processStartTime(process.pid),
          since: new Date().toISOString(),
          command: commandWords(process.argv),
        };
        ftruncateSync(fd, 0);
        writeSync(fd, `${JSON.stringify(holder)}\n`, 0);
        const lock = held(path, fd);
        fd = undefined;
        return { lock };
      }
      const other = await instead();
      if (other !== undefined) return { other };
      if (Date.now() >= deadline) {
        throw new UserError(
          `${options.what} is in use by ${describeHolder(path)}; waited ` +
            `${Math.round(options.timeoutMs / 1000)} s. Try again when it has finished, or stop ` +
            "that process; its lock ends with it (never delete the lock file by hand)",
        );
      }
      try {
        await sleep(poll, undefined, { signal: options.signal });
      } catch {
        throw new CancelledError();
      }
    }
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

function held(path: string, fd: number): FileLock {
  let holding = true;
  const release = () => {
    if (!holding) return;
    holding = false;
    process.removeListener("exit", release);
    // Remove the file only while it is the one we locked (never another holder's), then
    // close the descriptor, which drops the lock.
    try {
      if (sameFile(fd, path)) unlinkSync(path);
    } catch {
      // Already gone: nothing to remove.
    }
    closeSync(fd);
  };
  process.on("exit", release);
  return { release };
}
