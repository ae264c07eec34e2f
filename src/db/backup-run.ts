/**
 * Backup and restore end to end, for the commands (`backup`, `restore`, `db copy`): the dump
 * of src/db/backup.ts into the atomic file of src/core/backup-file.ts, and back.
 */

import type { Sql } from "postgres";
import {
  type BackupFs,
  type BackupSummary,
  readBackupFile,
  writeBackupFile,
} from "../core/backup-file.js";
import {
  BACKUP_FORMAT,
  BACKUP_FORMAT_VERSION,
  type BackupHeader,
  type BackupScope,
  type BackupTrailer,
} from "../core/backup-format.js";
import { UserError } from "../errors.js";
import { VERSION } from "../version.js";
import { type DumpProgress, dumpDatabase, schemaVersion } from "./backup.js";
import {
  type BackupUser,
  checkRestorable,
  type RestoreOptions,
  type RestoreResult,
  restoreBackup,
} from "./backup-restore.js";

/** What a backup wrote. */
export interface BackupResult {
  readonly path: string;
  readonly header: BackupHeader;
  readonly trailer: BackupTrailer;
  readonly bytes: number;
}

/** Backs the scope up into `path` (atomically; see writeBackupFile). */
export async function backupToFile(
  sql: Sql,
  scope: BackupScope,
  path: string,
  options: { progress?: DumpProgress; fs?: BackupFs; now?: Date } = {},
): Promise<BackupResult> {
  const version = await schemaVersion(sql);
  if (version === null) throw new UserError("the database has no networth schema to back up");
  const header: BackupHeader = {
    format: BACKUP_FORMAT,
    formatVersion: BACKUP_FORMAT_VERSION,
    schemaVersion: version,
    createdAt: (options.now ?? new Date()).toISOString(),
    networthVersion: VERSION,
    scope,
  };
  const written = await writeBackupFile(
    path,
    header,
    (sink) => dumpDatabase(sql, scope, sink, options.progress),
    options.fs,
  );
  const { bytes, ...trailer } = written;
  return { path, header, trailer, bytes };
}

/** A checked backup file and the users it holds. */
export interface InspectedBackup extends BackupSummary {
  readonly users: BackupUser[];
}

/**
 * Reads the whole file once, checking it (checksum, counts), and collects its users. A
 * damaged file is refused here, before anything touches a database.
 */
export async function inspectBackup(path: string): Promise<InspectedBackup> {
  const users: BackupUser[] = [];
  let inUsers = false;
  const summary = await readBackupFile(path, {
    table(t) {
      inUsers = t.name === "users";
    },
    row(json) {
      // A users row holds no money: parsing it in JavaScript loses nothing.
      if (inUsers) {
        const row = JSON.parse(json) as { id: string; email: string };
        users.push({ id: row.id, email: row.email });
      }
    },
  });
  const scope = summary.header.scope;
  if (scope.kind === "user" && (users.length !== 1 || users[0]?.id !== scope.userId))
    throw new UserError(`${path} does not hold the user its header names; nothing was restored`);
  return { ...summary, users };
}

/** Restores a checked backup into the database (see restoreBackup). */
export async function restoreFromFile(
  sql: Sql,
  path: string,
  backup: InspectedBackup,
  options: RestoreOptions = {},
): Promise<RestoreResult> {
  await checkRestorable(sql, backup.header);
  return restoreBackup(sql, path, backup, backup.users, options);
}

/** How many users a database holds (db copy refuses a destination that has any). */
export async function countUsers(sql: Sql): Promise<number> {
  const [row] = await sql<{ n: number }[]>`SELECT count(*)::int AS n FROM users`;
  return row?.n ?? 0;
}

/** What db copy did. */
export interface CopyResult {
  readonly users: number;
  readonly rows: number;
  readonly tables: Record<string, number>;
  readonly schemaVersion: number;
}

/**
 * Copies every user of `source` into `destination` (which must hold none) through a backup
 * file at `path`: the same checked, all-or-nothing path as backup and restore. The file is
 * removed afterwards, whatever happens.
 */
export async function copyDatabase(
  source: Sql,
  destination: Sql,
  path: string,
  options: { progress?: DumpProgress; destinationName: string },
): Promise<CopyResult> {
  const existing = await countUsers(destination);
  if (existing > 0)
    throw new UserError(
      `${options.destinationName} already holds ${existing} user${existing === 1 ? "" : "s"}: ` +
        "db copy only fills an empty database (use backup, then restore --replace --yes)",
    );
  const { unlink } = await import("node:fs/promises");
  try {
    await backupToFile(source, { kind: "allUsers" }, path, { progress: options.progress });
    const backup = await inspectBackup(path);
    const restored = await restoreFromFile(destination, path, backup);
    return {
      users: restored.users,
      rows: restored.rows,
      tables: restored.tables,
      schemaVersion: restored.schemaVersion,
    };
  } finally {
    await unlink(path).catch(() => {});
  }
}
