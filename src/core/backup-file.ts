/**
 * Writing and reading backup files (the format is in backup-format.ts).
 *
 * Writing is atomic: a temporary file beside the final one (mode 0600, created exclusively),
 * fsync, rename, fsync of the directory. A process killed at any moment leaves at most a
 * `.networth-backup-*.tmp` file (which `maintain` removes), never a partial file under the
 * final name. Reading checks the checksum and counts before anyone uses the content.
 */

import { createHash, randomBytes } from "node:crypto";
import { createReadStream } from "node:fs";
import { type FileHandle, mkdir, open, rename, unlink } from "node:fs/promises";
import { basename, dirname, join } from "node:path";
import { createInterface } from "node:readline";
import { Writable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { createGunzip, createGzip } from "node:zlib";
import { UserError } from "../errors.js";
import {
  BACKUP_FORMAT,
  BACKUP_FORMAT_VERSION,
  type BackupHeader,
  type BackupTrailer,
  parseLine,
  type TableHeader,
} from "./backup-format.js";

/** Where backup bytes go; tests inject a full disk. */
export interface BackupFs {
  /** Opens the temporary file for writing (exclusive create, mode 0600). */
  openTemp(path: string): Promise<Pick<FileHandle, "write" | "sync" | "close">>;
}

const CHUNK = 256 * 1024;

const realFs: BackupFs = { openTemp: (path) => open(path, "wx", 0o600) };

/** Receives the content of a backup, line by line, while it is written. */
export interface BackupSink {
  table(header: TableHeader): Promise<void>;
  /** One row: the text of to_jsonb(row), as is. */
  row(json: string): Promise<void>;
}

function fsError(error: unknown, where: string): Error {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  if (code === "ENOSPC")
    return new UserError(`no space left on the device for ${where}; nothing was written`);
  if (code === "EDQUOT")
    return new UserError(`disk quota exceeded writing ${where}; nothing was written`);
  if (code === "EACCES" || code === "EPERM")
    return new UserError(`permission denied writing ${where}; nothing was written`);
  if (code === "ENOENT" || code === "ENOTDIR")
    return new UserError(`cannot write ${where}: the directory does not exist`);
  return error instanceof Error ? error : new Error(String(error));
}

/**
 * Writes a backup to `path` atomically: `fill` receives a sink and writes the tables. Returns
 * the trailer (counts and checksum). On any failure, nothing is left under `path` or beside it.
 */
export async function writeBackupFile(
  path: string,
  header: BackupHeader,
  fill: (sink: BackupSink) => Promise<void>,
  fs: BackupFs = realFs,
): Promise<BackupTrailer & { bytes: number }> {
  const dir = dirname(path);
  const temp = join(dir, `.networth-backup-${randomBytes(8).toString("hex")}.tmp`);
  let handle: Awaited<ReturnType<BackupFs["openTemp"]>> | undefined;
  let bytes = 0;
  try {
    handle = await fs.openTemp(temp);
    const file = handle;
    const gzip = createGzip({ level: 3 });
    const sink = new Writable({
      write(chunk: Buffer, _encoding, done) {
        bytes += chunk.length;
        file.write(chunk).then(() => done(), done);
      },
    });
    const written = pipeline(gzip, sink);
    // A failed write ends the pipeline early; the next line must not wait for a drain then.
    let failure: unknown;
    written.catch((error: unknown) => {
      failure = error;
    });
    const hash = createHash("sha256");
    const tables: Record<string, number> = {};
    let rows = 0;
    let current: string | undefined;
    // Lines are gathered into chunks of about 256 kB: zlib handles each write as one call to
    // its thread pool, and a call per row made a 10-year history take half a minute.
    let pending: string[] = [];
    let pendingBytes = 0;
    const flush = async () => {
      if (failure) throw failure;
      if (pending.length === 0) return;
      const chunk = pending.join("");
      pending = [];
      pendingBytes = 0;
      hash.update(chunk);
      if (!gzip.write(chunk)) {
        await new Promise<void>((resolve) => {
          const settle = () => {
            gzip.off("drain", settle);
            gzip.off("close", settle);
            resolve();
          };
          gzip.on("drain", settle);
          gzip.on("close", settle);
        });
        if (failure) throw failure;
      }
    };
    const put = async (line: string) => {
      pending.push(line);
      pendingBytes += line.length;
      if (pendingBytes >= CHUNK) await flush();
    };
    await put(`H ${JSON.stringify(header)}\n`);
    await fill({
      async table(t) {
        current = t.name;
        tables[t.name] = 0;
        await put(`T ${JSON.stringify({ name: t.name, columns: t.columns })}\n`);
      },
      async row(json) {
        if (current === undefined) throw new Error("a row before its table");
        tables[current] = (tables[current] ?? 0) + 1;
        rows++;
        await put(`R ${json}\n`);
      },
    });
    await flush();
    const trailer: BackupTrailer = { tables, rows, sha256: hash.digest("hex") };
    gzip.end(`E ${JSON.stringify(trailer)}\n`);
    await written;
    await file.sync();
    await file.close();
    handle = undefined;
    await rename(temp, path);
    await syncDir(dir);
    return { ...trailer, bytes };
  } catch (error) {
    await handle?.close().catch(() => {});
    await unlink(temp).catch(() => {});
    throw fsError(error, `the backup in ${dir}`);
  }
}

async function syncDir(dir: string): Promise<void> {
  const handle = await open(dir, "r");
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** Creates the backups directory (0700) when missing. */
export async function ensureBackupDir(dir: string): Promise<void> {
  await mkdir(dir, { recursive: true, mode: 0o700 });
}

/** A backup as read: the header, its tables with their row counts, the trailer. */
export interface BackupSummary {
  readonly header: BackupHeader;
  readonly tables: readonly (TableHeader & { rows: number })[];
  readonly trailer: BackupTrailer;
}

/** What a reader hands on, in file order. */
export interface BackupVisitor {
  header?(header: BackupHeader): Promise<void> | void;
  table?(table: TableHeader): Promise<void> | void;
  /** One row's JSON text, never parsed here. */
  row?(json: string): Promise<void> | void;
}

/** An error of the visitor (a database error, say): passed on as it is, never "damaged". */
class VisitorFailure extends Error {
  constructor(readonly original: unknown) {
    super("visitor failed");
  }
}

async function visit(fn: () => Promise<void> | void): Promise<void> {
  try {
    await fn();
  } catch (error) {
    throw new VisitorFailure(error);
  }
}

const damaged = (path: string, why: string) =>
  new UserError(`${basename(path)} is damaged or incomplete (${why}); nothing was restored`);

/**
 * Reads a backup from start to end, checking the checksum, the counts and that nothing follows
 * the trailer; the visitor sees each line as it comes (a caller that writes must not commit
 * before this resolves). Throws a UserError for a file that is not a backup or is damaged.
 */
export async function readBackupFile(
  path: string,
  visitor: BackupVisitor = {},
): Promise<BackupSummary> {
  const hash = createHash("sha256");
  const tables: (TableHeader & { rows: number })[] = [];
  let header: BackupHeader | undefined;
  let trailer: BackupTrailer | undefined;
  let lineNo = 0;
  const input = createReadStream(path);
  const gunzip = createGunzip();
  input.on("error", (error) => gunzip.destroy(error));
  const lines = createInterface({ input: input.pipe(gunzip), crlfDelay: Infinity });
  try {
    for await (const line of lines) {
      lineNo++;
      if (trailer) throw damaged(path, "data after the end");
      const parsed = parseLine(line);
      if (!parsed) throw damaged(path, `line ${lineNo} is not a backup line`);
      if (parsed.tag === "E") {
        trailer = JSON.parse(parsed.body) as BackupTrailer;
        continue;
      }
      hash.update(`${line}\n`);
      if (parsed.tag === "H") {
        if (lineNo !== 1) throw damaged(path, `a second header at line ${lineNo}`);
        const h = JSON.parse(parsed.body) as BackupHeader;
        if (h.format !== BACKUP_FORMAT) throw damaged(path, "not a networth backup");
        if (h.formatVersion > BACKUP_FORMAT_VERSION)
          throw new UserError(
            `${basename(path)} was written by a newer version of networth (backup format ${h.formatVersion}): upgrade networth`,
          );
        header = h;
        await visit(() => visitor.header?.(h));
      } else if (!header) {
        throw damaged(path, "no header");
      } else if (parsed.tag === "T") {
        const t = JSON.parse(parsed.body) as TableHeader;
        tables.push({ ...t, rows: 0 });
        await visit(() => visitor.table?.(t));
      } else {
        const t = tables.at(-1);
        if (!t) throw damaged(path, `a row before any table at line ${lineNo}`);
        t.rows++;
        await visit(() => visitor.row?.(parsed.body));
      }
    }
  } catch (error) {
    if (error instanceof VisitorFailure) throw error.original;
    if (error instanceof UserError) throw error;
    const code = (error as NodeJS.ErrnoException | undefined)?.code;
    if (code === "ENOENT") throw new UserError(`no such file: ${path}`);
    if (code === "EISDIR") throw new UserError(`${path} is a directory, not a backup`);
    if (code === "EACCES") throw new UserError(`permission denied reading ${path}`);
    if (error instanceof SyntaxError) throw damaged(path, `line ${lineNo} is not valid JSON`);
    throw damaged(path, code === "Z_BUF_ERROR" ? "it ends early" : "not a valid gzip stream");
  } finally {
    lines.close();
    input.destroy();
  }
  if (!header) throw damaged(path, "empty");
  if (!trailer) throw damaged(path, "it ends early");
  if (trailer.sha256 !== hash.digest("hex")) throw damaged(path, "checksum mismatch");
  const counted = Object.fromEntries(tables.map((t) => [t.name, t.rows]));
  const total = tables.reduce((n, t) => n + t.rows, 0);
  if (total !== trailer.rows || JSON.stringify(counted) !== JSON.stringify(trailer.tables ?? {}))
    throw damaged(path, "row counts differ");
  return { header, tables, trailer };
}
