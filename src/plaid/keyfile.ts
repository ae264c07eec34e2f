import { createHash, randomBytes } from "node:crypto";
import {
  chmodSync,
  closeSync,
  fchmodSync,
  fsyncSync,
  linkSync,
  mkdirSync,
  openSync,
  readFileSync,
  renameSync,
  statSync,
  unlinkSync,
  writeSync,
} from "node:fs";
import { dirname, join } from "node:path";
import type { KeyFileFacts } from "../core/doctor/setup.js";
import { octalMode } from "../core/shell.js";
import { ENCRYPTION_KEY_ENV } from "../core/token-key.js";
import { UserError } from "../errors.js";
import { displayPath } from "../paths.js";

/** The key file's name inside the keys directory. */
export const KEY_FILE_NAME = "token-keys.json";

/** Length of a raw AES-256 key. */
export const KEY_BYTES = 32;

/** What the key file holds: the id of the key new ciphertexts use, and every key by id. */
export interface KeyFileContents {
  readonly current: string;
  readonly keys: ReadonlyMap<string, Buffer>;
}

/** What `doctor` reports about the key file. */
export interface KeyFileStatus {
  readonly path: string;
  readonly exists: boolean;
  /** Permission bits (e.g. 0o600), or null when the file does not exist. */
  readonly mode: number | null;
  /** False when group or others have any access to the file. */
  readonly secure: boolean;
  /** One line saying what is wrong and how to fix it, or null. */
  readonly problem: string | null;
}

/** Full path of the key file. */
export function keyFilePath(keysDir: string): string {
  return join(keysDir, KEY_FILE_NAME);
}

/** Key id: the first 4 bytes of SHA-256 of the raw key, hex. Identifies a key without revealing it. */
export function keyIdOf(key: Uint8Array): string {
  return createHash("sha256").update(key).digest().subarray(0, 4).toString("hex");
}

/**
 * Checks the key file's permissions without reading it. Group/other bits are refused because the
 * file is the only thing standing between a copied database and every bank login it holds.
 * Windows has no POSIX modes: there the file is reported secure.
 */
export function checkKeyFilePermissions(keysDir: string): KeyFileStatus {
  const path = keyFilePath(keysDir);
  const shown = displayPath(path);
  let mode: number;
  try {
    const stat = statSync(path);
    if (!stat.isFile()) {
      return { path, exists: true, mode: null, secure: false, problem: `${shown} is not a file` };
    }
    mode = stat.mode & 0o777;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") {
      return { path, exists: false, mode: null, secure: true, problem: null };
    }
    throw error;
  }
  if (process.platform === "win32" || (mode & 0o077) === 0) {
    return { path, exists: true, mode, secure: true, problem: null };
  }
  return {
    path,
    exists: true,
    mode,
    secure: false,
    problem: `${shown} is accessible by group or others (mode ${octalMode(mode)}): run chmod 600 ${shown}`,
  };
}

function damaged(path: string, why: string): UserError {
  return new UserError(
    `the key file ${displayPath(path)} is damaged (${why}); restore it from a backup`,
  );
}

/**
 * Reads and validates the key file: null when it does not exist, a UserError when it is
 * readable by others or damaged. Error messages never contain key material.
 */
export function readKeyFile(keysDir: string): KeyFileContents | null {
  const status = checkKeyFilePermissions(keysDir);
  if (!status.exists) return null;
  if (status.problem) throw new UserError(`refusing to use the token key file: ${status.problem}`);
  const path = status.path;
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(path, "utf8"));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return null;
    if (error instanceof SyntaxError) throw damaged(path, "not JSON");
    throw error;
  }
  if (typeof parsed !== "object" || parsed === null) throw damaged(path, "not an object");
  const { current, keys } = parsed as { current?: unknown; keys?: unknown };
  if (typeof current !== "string") throw damaged(path, "no current key id");
  if (typeof keys !== "object" || keys === null) throw damaged(path, "no keys");
  const map = new Map<string, Buffer>();
  for (const [kid, encoded] of Object.entries(keys)) {
    const key = typeof encoded === "string" ? decodeBase64Key(encoded) : null;
    if (!key) throw damaged(path, `key ${kid} is not base64 of ${KEY_BYTES} bytes`);
    // A mismatch means the file was edited by hand or corrupted: using it could encrypt new
    // tokens under an id that later points at the wrong key.
    if (keyIdOf(key) !== kid) throw damaged(path, `key ${kid} does not match its id`);
    map.set(kid, key);
  }
  if (!map.has(current)) throw damaged(path, `the current key ${current} is missing`);
  return { current, keys: map };
}

/**
 * What `networth doctor` checks of the token key, gathered without judging it (the check is
 * core/doctor's keyFileFinding): the file's existence and mode, whether it reads as a valid key
 * file, and whether NETWORTH_ENCRYPTION_KEY is set and valid. Never holds key material.
 */
export function probeKeyFile(keysDir: string, env: NodeJS.ProcessEnv): KeyFileFacts {
  let status: KeyFileStatus;
  try {
    status = checkKeyFilePermissions(keysDir);
  } catch (error) {
    return {
      kind: "uninspectable",
      keysDirShown: displayPath(keysDir),
      error: (error as Error).message,
    };
  }
  const envValue = env[ENCRYPTION_KEY_ENV];
  const fromEnv = Boolean(envValue?.trim());
  let damage: string | null = null;
  if (status.exists && status.secure) {
    try {
      readKeyFile(keysDir);
    } catch (error) {
      if (!(error instanceof UserError)) throw error;
      damage = error.message;
    }
  }
  return {
    kind: "inspected",
    path: status.path,
    shown: displayPath(status.path),
    exists: status.exists,
    mode: status.mode,
    secure: status.secure,
    fromEnv,
    envKeyValid: fromEnv && decodeBase64Key(envValue ?? "") !== null,
    damage,
  };
}

/** Decodes standard or URL-safe base64 (padding optional) of exactly 32 bytes, else null. */
export function decodeBase64Key(text: string): Buffer | null {
  const trimmed = text.trim();
  if (!/^[A-Za-z0-9+/_-]+={0,2}$/.test(trimmed)) return null;
  const normalized = trimmed.replaceAll("-", "+").replaceAll("_", "/").replace(/=+$/, "");
  const bytes = Buffer.from(normalized, "base64");
  // Buffer.from ignores stray bits; re-encoding catches truncated or over-long input.
  if (bytes.length !== KEY_BYTES) return null;
  if (bytes.toString("base64").replace(/=+$/, "") !== normalized) return null;
  return bytes;
}

/** Creates a fresh random key. */
export function generateKey(): Buffer {
  return randomBytes(KEY_BYTES);
}

function serialize(contents: KeyFileContents): string {
  const keys: Record<string, string> = {};
  for (const [kid, key] of contents.keys) keys[kid] = key.toString("base64");
  return `${JSON.stringify({ current: contents.current, keys }, null, 2)}\n`;
}

function ensureKeysDir(keysDir: string): void {
  mkdirSync(dirname(keysDir), { recursive: true, mode: 0o700 });
  try {
    mkdirSync(keysDir, { mode: 0o700 });
    // The umask may have taken bits away; set exactly 0700.
    chmodSync(keysDir, 0o700);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
  }
}

function fsyncDir(dir: string): void {
  try {
    const fd = openSync(dir, "r");
    try {
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
  } catch {
    // Some platforms cannot fsync a directory; the rename is still atomic there.
  }
}

/**
 * Writes the key file atomically: a 0600 temp file in the same directory, fsynced, then moved
 * into place, so a crash leaves either the old file or the new one, never a partial file.
 * "create" only succeeds when no key file exists (hard link, which fails if the target exists:
 * two processes creating the first key at once must not both win) and returns false when
 * another process got there first. "replace" renames over the existing file.
 */
export function writeKeyFile(
  keysDir: string,
  contents: KeyFileContents,
  how: "create" | "replace",
): boolean {
  ensureKeysDir(keysDir);
  const path = keyFilePath(keysDir);
  const temp = join(keysDir, `.${KEY_FILE_NAME}.${process.pid}.${randomBytes(6).toString("hex")}`);
  const fd = openSync(temp, "wx", 0o600);
  try {
    fchmodSync(fd, 0o600);
    writeSync(fd, serialize(contents));
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  try {
    if (how === "replace") {
      renameSync(temp, path);
    } else {
      try {
        linkSync(temp, path);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === "EEXIST") return false;
        throw error;
      }
    }
  } finally {
    try {
      unlinkSync(temp);
    } catch {
      // Renamed away: nothing to clean up.
    }
  }
  fsyncDir(keysDir);
  return true;
}
