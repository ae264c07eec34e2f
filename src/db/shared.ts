import {
  chmodSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  unlinkSync,
  writeFileSync,
} from "node:fs";
import { connect } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { processEnded, processStartTime } from "./lock.js";

/**
 * How one process shares the embedded database with the others: the holder of the lock
 * serves it on a Unix socket in a private (0700) directory of its own, and says so in the
 * discovery file beside the lock. Every other networth process attaches to that socket
 * instead of waiting for the lock. A process killed while it served leaves its directory and
 * the discovery file behind: the next holder removes them (it holds the lock, so they can be
 * no one else's).
 */

/** The discovery file, beside the lock in the data directory. */
export const DISCOVERY_FILE = "serving.json";
/** Socket directories in the data directory: run-<pid>. */
const RUN_DIR = /^run-\d+$/;
/** Socket directories in the temp folder (a data directory whose path is too long). */
const TMP_PREFIX = "networth-sock-";
/** The temp directories of earlier versions: mkdtemp("networth-") with the socket alone. */
const LEGACY_TMP = /^networth-[A-Za-z0-9]{6}$/;
const LEGACY_SOCKET = ".s.PGSQL.5432";
/** Linux allows 107 bytes of socket path; stay under it with room. */
const MAX_SOCKET_PATH = 100;

/** What the discovery file says. */
export interface Serving {
  readonly pid: number;
  readonly start?: string | undefined;
  readonly socket: string;
}

/** Alive and the same process (its start time matches where it is known; not a zombie). */
export function processAlive(pid: number, start?: string): boolean {
  try {
    process.kill(pid, 0);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "EPERM") return false;
  }
  if (processEnded(pid)) return false;
  return start === undefined || processStartTime(pid) === undefined
    ? true
    : processStartTime(pid) === start;
}

/** The discovery file's holder, when the file is there, well formed and its process alive. */
export function liveServing(dataDir: string): Serving | undefined {
  let serving: Partial<Serving>;
  try {
    serving = JSON.parse(readFileSync(join(dataDir, DISCOVERY_FILE), "utf8")) as Partial<Serving>;
  } catch {
    return undefined;
  }
  if (typeof serving.pid !== "number" || typeof serving.socket !== "string") return undefined;
  if (serving.pid === process.pid || !processAlive(serving.pid, serving.start)) return undefined;
  return serving as Serving;
}

/** A private socket directory for this process: in the data directory when its path fits. */
export function makeSocketDir(dataDir: string): { dir: string; socket: string } {
  let dir = join(dataDir, `run-${process.pid}`);
  if (join(dir, LEGACY_SOCKET).length > MAX_SOCKET_PATH) {
    dir = mkdtempSync(join(tmpdir(), TMP_PREFIX));
  } else {
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(dir, { mode: 0o700 });
  }
  chmodSync(dir, 0o700);
  writeFileSync(
    join(dir, "owner.json"),
    `${JSON.stringify({ pid: process.pid, start: processStartTime(process.pid) })}\n`,
    { mode: 0o600 },
  );
  return { dir, socket: join(dir, LEGACY_SOCKET) };
}

/** Advertises this process's socket (written whole, then renamed into place). */
export function advertise(dataDir: string, socket: string): () => void {
  const path = join(dataDir, DISCOVERY_FILE);
  const temp = `${path}.${process.pid}`;
  const serving: Serving = { pid: process.pid, start: processStartTime(process.pid), socket };
  writeFileSync(temp, `${JSON.stringify(serving)}\n`, { mode: 0o600 });
  renameSync(temp, path);
  let done = false;
  const withdraw = () => {
    if (done) return;
    done = true;
    process.removeListener("exit", withdraw);
    try {
      const current = JSON.parse(readFileSync(path, "utf8")) as Partial<Serving>;
      if (current.pid === process.pid) unlinkSync(path);
    } catch {
      // Gone already.
    }
  };
  process.on("exit", withdraw);
  return withdraw;
}

function ownerAlive(dir: string): boolean {
  try {
    const owner = JSON.parse(readFileSync(join(dir, "owner.json"), "utf8")) as {
      pid?: number;
      start?: string;
    };
    return typeof owner.pid === "number" && processAlive(owner.pid, owner.start);
  } catch {
    return false;
  }
}

/** Whether anything listens on the socket (a refused or missing one is dead). */
function listening(socket: string): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = connect(socket);
    const timer = setTimeout(() => {
      probe.destroy();
      resolve(true);
    }, 200);
    probe.once("connect", () => {
      clearTimeout(timer);
      probe.destroy();
      resolve(true);
    });
    probe.once("error", () => {
      clearTimeout(timer);
      resolve(false);
    });
  });
}

/**
 * Removes what killed processes left: every other socket directory and discovery file in the
 * data directory (the caller holds the lock: no one else serves it), and socket directories in
 * the temp folder whose process is gone, including those of earlier versions.
 */
export async function cleanLitter(dataDir: string, keep?: string): Promise<void> {
  for (const name of safeList(dataDir)) {
    const path = join(dataDir, name);
    if ((RUN_DIR.test(name) && path !== keep) || name.startsWith(`${DISCOVERY_FILE}.`))
      rmSync(path, { recursive: true, force: true });
  }
  const stale = liveServing(dataDir) === undefined;
  if (stale) rmSync(join(dataDir, DISCOVERY_FILE), { force: true });
  const uid = process.getuid?.();
  const legacy: string[] = [];
  for (const name of safeList(tmpdir())) {
    const path = join(tmpdir(), name);
    if (path === keep) continue;
    if (name.startsWith(TMP_PREFIX)) {
      if (mine(path, uid) && !ownerAlive(path)) rmSync(path, { recursive: true, force: true });
    } else if (LEGACY_TMP.test(name) && mine(path, uid)) {
      const entries = safeList(path);
      if (entries.length === 1 && entries[0] === LEGACY_SOCKET) legacy.push(path);
    }
  }
  await Promise.all(
    legacy.map(async (path) => {
      if (!(await listening(join(path, LEGACY_SOCKET))))
        rmSync(path, { recursive: true, force: true });
    }),
  );
}

function mine(path: string, uid: number | undefined): boolean {
  try {
    const stat = lstatSync(path);
    return stat.isDirectory() && (uid === undefined || stat.uid === uid);
  } catch {
    return false;
  }
}

function safeList(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}
