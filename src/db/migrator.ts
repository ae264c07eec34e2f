import { createHash } from "node:crypto";
import { readdirSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import type { Sql, TransactionSql } from "postgres";
import { UserError } from "../errors.js";

/** migrations/ at the package root, beside dist/ and src/. */
export const MIGRATIONS_DIR = fileURLToPath(new URL("../../migrations/", import.meta.url));

/** Serialises migrators (and the first-use creation) across processes. */
const MIGRATION_LOCK = 7_461_224_301;

/** One numbered migration: NNNN_name.up.sql and NNNN_name.down.sql. */
export interface Migration {
  readonly version: number;
  readonly name: string;
  readonly up: string;
  readonly down: string;
  /** sha256 of the up file, line endings normalised. */
  readonly checksum: string;
}

/** A row of schema_migrations. */
export interface AppliedMigration {
  readonly version: number;
  readonly name: string;
  readonly checksum: string;
  readonly appliedAt: Date;
}

/** Where the database stands against the migration files. */
export interface MigrationStatus {
  readonly applied: AppliedMigration[];
  readonly pending: Migration[];
  /** Applied migrations whose file changed since. */
  readonly modified: AppliedMigration[];
  /** Applied migrations this version of networth does not know (a newer version ran). */
  readonly unknown: AppliedMigration[];
}

const FILE = /^(\d{4})_([a-z0-9_]+)\.(up|down)\.sql$/;

/** Reads and checks the migration files: pairs complete, numbered 1..N with no gap. */
export function loadMigrations(dir = MIGRATIONS_DIR): Migration[] {
  const found = new Map<number, { name: string; up?: string; down?: string }>();
  for (const file of readdirSync(dir).sort()) {
    const match = FILE.exec(file);
    if (!match) continue;
    const [, digits, name, direction] = match as unknown as [string, string, string, string];
    const version = Number(digits);
    const entry = found.get(version) ?? { name };
    if (entry.name !== name) throw new Error(`two migrations numbered ${digits}`);
    entry[direction as "up" | "down"] = readFileSync(`${dir}/${file}`, "utf8").replace(
      /\r\n/g,
      "\n",
    );
    found.set(version, entry);
  }
  const migrations: Migration[] = [];
  for (let version = 1; version <= found.size; version++) {
    const entry = found.get(version);
    if (!entry) throw new Error(`migration ${String(version).padStart(4, "0")} is missing`);
    if (entry.up === undefined || entry.down === undefined) {
      throw new Error(`migration ${version} ${entry.name} needs both an up and a down file`);
    }
    migrations.push({
      version,
      name: entry.name,
      up: entry.up,
      down: entry.down,
      checksum: createHash("sha256").update(entry.up).digest("hex"),
    });
  }
  return migrations;
}

export function migrationLabel(m: { version: number; name: string }): string {
  return `${String(m.version).padStart(4, "0")}_${m.name}`;
}

async function appliedMigrations(sql: Sql | TransactionSql): Promise<AppliedMigration[] | null> {
  const [exists] = await sql<{ present: boolean }[]>`
    SELECT to_regclass('schema_migrations') IS NOT NULL AS present`;
  if (!exists?.present) return null;
  return sql<AppliedMigration[]>`
    SELECT version, name, checksum, applied_at FROM schema_migrations ORDER BY version`;
}

export async function migrationStatus(
  sql: Sql,
  migrations = loadMigrations(),
): Promise<MigrationStatus> {
  const applied = (await appliedMigrations(sql)) ?? [];
  const byVersion = new Map(migrations.map((m) => [m.version, m]));
  const done = new Set(applied.map((a) => a.version));
  return {
    applied,
    pending: migrations.filter((m) => !done.has(m.version)),
    modified: applied.filter((a) => {
      const file = byVersion.get(a.version);
      return file !== undefined && file.checksum !== a.checksum;
    }),
    unknown: applied.filter((a) => !byVersion.has(a.version)),
  };
}

/** Refuses to go on when applied history and files disagree. */
export function assertConsistent(status: MigrationStatus): void {
  const [modified] = status.modified;
  if (modified) {
    throw new UserError(
      `migration ${migrationLabel(modified)} was changed after it was applied (its checksum ` +
        "differs); restore the original file, or roll it back with the version that applied it",
    );
  }
  const newest = status.unknown.at(-1);
  if (newest) {
    throw new UserError(
      `the database has migration ${migrationLabel(newest)}, which this version of networth ` +
        "does not know: upgrade networth",
    );
  }
}

export interface MigrateOptions {
  /** Stop after this version (default: the newest). */
  readonly to?: number | undefined;
  readonly onStep?: (migration: Migration, direction: "up" | "down") => void;
}

/**
 * Applies pending migrations up to `to`, each in its own transaction under an advisory lock,
 * rechecking inside the lock so two migrators never apply one migration twice.
 */
export async function migrateUp(
  sql: Sql,
  options: MigrateOptions = {},
  migrations = loadMigrations(),
): Promise<Migration[]> {
  const target = options.to ?? migrations.length;
  if (!Number.isInteger(target) || target < 0 || target > migrations.length) {
    throw new UserError(
      `no migration ${options.to}: versions run from 0 to ${migrations.length}`,
      2,
    );
  }
  const status = await migrationStatus(sql, migrations);
  assertConsistent(status);
  // Nothing pending (every command's case): no transaction per migration to find that out.
  const pending = new Set(status.pending.map((m) => m.version));
  const applied: Migration[] = [];
  for (const migration of migrations.filter((m) => m.version <= target && pending.has(m.version))) {
    const ran = await sql.begin(async (tx) => {
      await tx`SELECT pg_advisory_xact_lock(${MIGRATION_LOCK})`;
      await tx.unsafe(`CREATE TABLE IF NOT EXISTS schema_migrations (
        version INTEGER PRIMARY KEY,
        name TEXT NOT NULL,
        checksum TEXT NOT NULL,
        applied_at TIMESTAMPTZ NOT NULL DEFAULT NOW())`);
      const [row] = await tx`SELECT 1 FROM schema_migrations WHERE version = ${migration.version}`;
      if (row) return false;
      await tx.unsafe(migration.up);
      await tx`INSERT INTO schema_migrations (version, name, checksum)
        VALUES (${migration.version}, ${migration.name}, ${migration.checksum})`;
      return true;
    });
    if (ran) {
      applied.push(migration);
      options.onStep?.(migration, "up");
    }
  }
  return applied;
}

export interface RollbackOptions extends MigrateOptions {
  readonly steps?: number | undefined;
}

/**
 * Rolls back applied migrations, newest first, down to version `to` (or `steps` of them; one
 * by default). Rolling back to 0 also drops schema_migrations: nothing of the project remains.
 */
export async function migrateDown(
  sql: Sql,
  options: RollbackOptions = {},
  migrations = loadMigrations(),
): Promise<Migration[]> {
  const status = await migrationStatus(sql, migrations);
  assertConsistent(status);
  const applied = status.applied.map((a) => a.version).sort((a, b) => b - a);
  const current = applied[0] ?? 0;
  let target: number;
  if (options.to !== undefined) {
    if (!Number.isInteger(options.to) || options.to < 0 || options.to > current) {
      throw new UserError(`cannot roll back to ${options.to}: the database is at ${current}`, 2);
    }
    target = options.to;
  } else {
    const steps = options.steps ?? 1;
    if (!Number.isInteger(steps) || steps < 1) {
      throw new UserError("--steps takes a whole number of at least 1", 2);
    }
    target = applied[steps] ?? 0;
  }
  const byVersion = new Map(migrations.map((m) => [m.version, m]));
  const rolledBack: Migration[] = [];
  for (const version of applied.filter((v) => v > target)) {
    const migration = byVersion.get(version);
    if (!migration) throw new UserError(`no file for applied migration ${version}`);
    const ran = await sql.begin(async (tx) => {
      await tx`SELECT pg_advisory_xact_lock(${MIGRATION_LOCK})`;
      const [row] = await tx`SELECT 1 FROM schema_migrations WHERE version = ${version}`;
      if (!row) return false;
      await tx.unsafe(migration.down);
      await tx`DELETE FROM schema_migrations WHERE version = ${version}`;
      return true;
    });
    if (ran) {
      rolledBack.push(migration);
      options.onStep?.(migration, "down");
    }
  }
  if (target === 0) {
    await sql.begin(async (tx) => {
      await tx`SELECT pg_advisory_xact_lock(${MIGRATION_LOCK})`;
      const remaining = await appliedMigrations(tx);
      if (remaining?.length === 0) await tx.unsafe("DROP TABLE schema_migrations");
    });
  }
  return rolledBack;
}
