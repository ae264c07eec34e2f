/**
 * The backup file format (docs/schema.md, "Backups"): gzip-compressed lines, each a one-letter
 * tag, a space and a JSON document.
 *
 *   H {header}                       first line: format, schema version, scope
 *   T {"name", "columns"}            a table starts; its rows follow
 *   R {row}                          one row, as PostgreSQL's to_jsonb(row) wrote it
 *   E {"tables", "rows", "sha256"}   last line: counts and the SHA-256 of every byte before it
 *
 * Rows are never parsed here: they go from to_jsonb() to the file and back to
 * jsonb_populate_recordset() as text, so money (NUMERIC) and times keep every digit.
 */

/** The first line's `format`. */
export const BACKUP_FORMAT = "networth-backup";
/** Bumped only when the file layout itself changes (not for schema migrations). */
export const BACKUP_FORMAT_VERSION = 1;

/** Whose data a backup holds. */
export type BackupScope =
  | { readonly kind: "user"; readonly userId: string; readonly email: string }
  | { readonly kind: "allUsers" };

/** The H line. */
export interface BackupHeader {
  readonly format: typeof BACKUP_FORMAT;
  readonly formatVersion: number;
  /** The newest migration applied to the database the backup was taken from. */
  readonly schemaVersion: number;
  readonly createdAt: string;
  readonly networthVersion: string;
  readonly scope: BackupScope;
}

/** A T line. */
export interface TableHeader {
  readonly name: string;
  readonly columns: readonly string[];
}

/** The E line. */
export interface BackupTrailer {
  readonly tables: Readonly<Record<string, number>>;
  readonly rows: number;
  readonly sha256: string;
}

/**
 * Steps that map a backup taken at an older schema onto the next one, keyed by the migration
 * that made the change. Added columns and tables need no step: a column the backup lacks gets
 * its default, a table it lacks stays empty. A step is needed only for a rename or a removal,
 * and restore refuses a backup column the current schema does not know unless a step maps it.
 */
export interface UpgradeStep {
  readonly version: number;
  readonly renameTables?: Readonly<Record<string, string>>;
  /** table -> { old column -> new column } (table by its name after renameTables). */
  readonly renameColumns?: Readonly<Record<string, Readonly<Record<string, string>>>>;
  /** table -> columns whose data the migration dropped. */
  readonly dropColumns?: Readonly<Record<string, readonly string[]>>;
}

/** Migrations 0001..0006 only add: no step yet. */
export const UPGRADE_STEPS: readonly UpgradeStep[] = [];

/** How one backup table lands in the current schema. */
export interface TablePlan {
  readonly from: string;
  readonly to: string;
  /** [column in the backup, column in the current table]; dropped columns are left out. */
  readonly columns: readonly (readonly [string, string])[];
}

/** Applies the steps newer than `fromVersion`, up to `toVersion`, to one table of a backup. */
export function planTable(
  table: TableHeader,
  fromVersion: number,
  toVersion: number,
  steps: readonly UpgradeStep[] = UPGRADE_STEPS,
): TablePlan {
  let name = table.name;
  let columns = table.columns.map((c) => [c, c] as [string, string]);
  for (const step of steps) {
    if (step.version <= fromVersion || step.version > toVersion) continue;
    name = step.renameTables?.[name] ?? name;
    const renames = step.renameColumns?.[name] ?? {};
    const drops = new Set(step.dropColumns?.[name] ?? []);
    columns = columns
      .filter(([, current]) => !drops.has(current))
      .map(([original, current]) => [original, renames[current] ?? current]);
  }
  return { from: table.name, to: name, columns };
}

/** Parses one tagged line; null when it is not one. */
export function parseLine(line: string): { tag: "H" | "T" | "R" | "E"; body: string } | null {
  const tag = line[0];
  if (line[1] !== " " || (tag !== "H" && tag !== "T" && tag !== "R" && tag !== "E")) return null;
  return { tag, body: line.slice(2) };
}

const STAMP = /^(\d{4}-\d{2}-\d{2})-(\d{2})(\d{2})(\d{2})$/;
/** The files `networth backup` names by itself (and so the only ones retention may remove). */
const OWN_NAME = /^networth-(all-users-)?(\d{4}-\d{2}-\d{2}-\d{6})\.backup\.gz$/;

/** networth-2026-12-01-211530.backup.gz, or networth-all-users-..., from a UTC time. */
export function backupFileName(scope: BackupScope["kind"], at: Date): string {
  const iso = at.toISOString();
  const stamp = `${iso.slice(0, 10)}-${iso.slice(11, 13)}${iso.slice(14, 16)}${iso.slice(17, 19)}`;
  return `networth-${scope === "allUsers" ? "all-users-" : ""}${stamp}.backup.gz`;
}

/** A backup file networth named, with the time in its name; null for any other file. */
export function ownBackup(name: string): { kind: "user" | "allUsers"; at: Date } | null {
  const match = OWN_NAME.exec(name);
  if (!match) return null;
  const stamp = STAMP.exec(match[2] ?? "");
  if (!stamp) return null;
  const at = new Date(`${stamp[1]}T${stamp[2]}:${stamp[3]}:${stamp[4]}Z`);
  if (Number.isNaN(at.getTime())) return null;
  return { kind: match[1] ? "allUsers" : "user", at };
}

/**
 * Which of the directory's files retention removes: only files networth named, older than
 * keepDays, and never one of the newest `keepAtLeast` of their kind (user or all-users).
 */
export function expiredBackups(
  names: readonly string[],
  now: Date,
  keepDays: number,
  keepAtLeast = 4,
): string[] {
  const cutoff = now.getTime() - keepDays * 86_400_000;
  const expired: string[] = [];
  for (const kind of ["user", "allUsers"] as const) {
    const own = names
      .map((name) => ({ name, info: ownBackup(name) }))
      .filter((f) => f.info?.kind === kind)
      .sort((a, b) => (b.info?.at.getTime() ?? 0) - (a.info?.at.getTime() ?? 0));
    for (const [i, file] of own.entries()) {
      if (i >= keepAtLeast && (file.info?.at.getTime() ?? 0) < cutoff) expired.push(file.name);
    }
  }
  return expired.sort();
}

/** Temporary files of an interrupted backup: `.networth-backup-<random>.tmp`. */
export const TEMP_NAME = /^\.networth-backup-[0-9a-f]{16}\.tmp$/;

/**
 * Orders tables so that every table comes after the tables it references (foreign keys);
 * self-references are ignored. Throws on a cycle.
 */
export function dependencyOrder(
  tables: readonly string[],
  references: readonly { child: string; parent: string }[],
): string[] {
  const known = new Set(tables);
  const parents = new Map(tables.map((t) => [t, new Set<string>()]));
  for (const { child, parent } of references) {
    if (child !== parent && known.has(child) && known.has(parent)) parents.get(child)?.add(parent);
  }
  const ordered: string[] = [];
  const done = new Set<string>();
  const visiting = new Set<string>();
  const visit = (t: string) => {
    if (done.has(t)) return;
    if (visiting.has(t)) throw new Error(`foreign keys form a cycle through ${t}`);
    visiting.add(t);
    for (const p of [...(parents.get(t) ?? [])].sort()) visit(p);
    visiting.delete(t);
    done.add(t);
    ordered.push(t);
  };
  for (const t of [...tables].sort()) visit(t);
  return ordered;
}
