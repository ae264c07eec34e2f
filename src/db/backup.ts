/**
 * Reading a logical backup out of the database (docs/schema.md, "Backups").
 *
 * The tables are found, not listed: every table of the public schema with row level security
 * is user data (so a table a later migration adds, such as valuation methods, is backed up
 * without a change here); the tables without it are shared reference data (the seeded
 * account_type_config, prices) and go only into an all-users backup. Rows leave as the text
 * of to_jsonb(row), in one REPEATABLE READ snapshot, so the file is one consistent moment.
 */

import type { Sql, TransactionSql } from "postgres";
import type { BackupSink } from "../core/backup-file.js";
import type { BackupScope, TableHeader } from "../core/backup-format.js";
import { dependencyOrder } from "../core/backup-format.js";

/** A table of the public schema as backup and restore see it. */
export interface TableInfo {
  readonly name: string;
  /** Row level security on: user data. Off: shared reference data. */
  readonly userData: boolean;
  /** Columns in table order, without generated ones. */
  readonly columns: readonly string[];
  /** GENERATED ALWAYS identity columns: not restored (new values keep the old order). */
  readonly identity: readonly string[];
  /** The single-column primary key, used to page through the rows; null for none. */
  readonly key: string | null;
}

/** Every table of the project, parents before children (foreign keys). */
export async function projectTables(sql: Sql | TransactionSql): Promise<TableInfo[]> {
  const rows = await sql<
    {
      name: string;
      userData: boolean;
      columns: string[];
      identity: string[] | null;
      key: string[] | null;
    }[]
  >`
    SELECT c.relname AS name, c.relrowsecurity AS user_data,
      array_agg(a.attname::text ORDER BY a.attnum) AS columns,
      array_agg(a.attname::text ORDER BY a.attnum) FILTER (WHERE a.attidentity = 'a') AS identity,
      (SELECT array_agg(k.attname::text) FROM pg_index i
         JOIN pg_attribute k ON k.attrelid = i.indrelid AND k.attnum = ANY(i.indkey)
       WHERE i.indrelid = c.oid AND i.indisprimary) AS key
    FROM pg_class c
    JOIN pg_namespace n ON n.oid = c.relnamespace
    JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
      AND a.attgenerated = ''
    WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p') AND NOT c.relispartition
      AND c.relname <> 'schema_migrations'
    GROUP BY c.oid, c.relname, c.relrowsecurity`;
  const references = await sql<{ child: string; parent: string }[]>`
    SELECT ch.relname AS child, pa.relname AS parent
    FROM pg_constraint f
    JOIN pg_class ch ON ch.oid = f.conrelid
    JOIN pg_class pa ON pa.oid = f.confrelid
    WHERE f.contype = 'f' AND f.connamespace = 'public'::regnamespace`;
  const byName = new Map(rows.map((r) => [r.name, r]));
  return dependencyOrder([...byName.keys()], references).map((name) => {
    const r = byName.get(name) as (typeof rows)[number];
    return {
      name,
      userData: r.userData,
      columns: r.columns,
      identity: r.identity ?? [],
      key: r.key?.length === 1 ? (r.key[0] ?? null) : null,
    };
  });
}

/** A SQL identifier, quoted. */
export const ident = (name: string) => `"${name.replace(/"/g, '""')}"`;

/**
 * The condition (on alias t) that selects one user's rows of a user-data table, with the user
 * id as $1: the users row itself, a user_id column, or an account_id that belongs to the user.
 * A table with none of these cannot be backed up by user, and says so.
 */
export function userPredicate(table: TableInfo): string {
  if (table.name === "users") return "t.id = $1::uuid";
  if (table.columns.includes("user_id")) return "t.user_id = $1::uuid";
  if (table.columns.includes("account_id"))
    return "t.account_id IN (SELECT id FROM accounts WHERE user_id = $1::uuid)";
  throw new Error(`table ${table.name} has no user_id or account_id: cannot back it up by user`);
}

/** The newest migration applied, or null for a database networth never migrated. */
export async function schemaVersion(sql: Sql | TransactionSql): Promise<number | null> {
  const [exists] = await sql<{ present: boolean }[]>`
    SELECT to_regclass('schema_migrations') IS NOT NULL AS present`;
  if (!exists?.present) return null;
  const [row] = await sql<{ version: number | null }[]>`
    SELECT max(version) AS version FROM schema_migrations`;
  return row?.version ?? null;
}

const PAGE = 5_000;

/** What a dump reports while it runs: a table and the rows written of it so far. */
export type DumpProgress = (table: string, rows: number, done: boolean) => void;

async function dumpTable(
  tx: TransactionSql,
  table: TableInfo,
  scope: BackupScope,
  sink: BackupSink,
  progress?: DumpProgress,
): Promise<void> {
  const header: TableHeader = { name: table.name, columns: table.columns };
  await sink.table(header);
  const where = scope.kind === "user" ? userPredicate(table) : "TRUE";
  const params: unknown[] = scope.kind === "user" ? [scope.userId] : [];
  let written = 0;
  if (!table.key) {
    const rows = await tx.unsafe<{ j: string }[]>(
      `SELECT to_jsonb(t)::text AS j FROM ${ident(table.name)} t WHERE ${where}`,
      params as never[],
    );
    for (const r of rows) await sink.row(r.j);
    progress?.(table.name, rows.length, true);
    return;
  }
  const key = ident(table.key);
  const next = `$${params.length + 1}`;
  let last: string | null = null;
  for (;;) {
    // Keyset paging on the primary key (as text, which every key type has): a page is an
    // index range, whatever the table's size.
    const rows: { k: string; j: string }[] = await tx.unsafe<{ k: string; j: string }[]>(
      `SELECT t.${key}::text AS k, to_jsonb(t)::text AS j FROM ${ident(table.name)} t
       WHERE ${where} ${last === null ? "" : `AND t.${key} > ${next}`}
       ORDER BY t.${key} LIMIT ${PAGE}`,
      (last === null ? params : [...params, last]) as never[],
    );
    for (const r of rows) await sink.row(r.j);
    written += rows.length;
    progress?.(table.name, written, rows.length < PAGE);
    if (rows.length < PAGE) return;
    last = rows.at(-1)?.k ?? null;
  }
}

/**
 * Writes every table of the scope to the sink inside one read-only REPEATABLE READ
 * transaction: a user's tables under that user's row level security (networth_app, so no other
 * user's row can leak in even through a bug here), or every table as the connecting role for
 * all users.
 */
export async function dumpDatabase(
  sql: Sql,
  scope: BackupScope,
  sink: BackupSink,
  progress?: DumpProgress,
): Promise<void> {
  await sql.begin("isolation level repeatable read read only", async (tx) => {
    if (scope.kind === "user") {
      await tx`SELECT set_config('role', 'networth_app', true),
                      set_config('networth.user_id', ${scope.userId}, true)`;
    }
    const tables = await projectTables(tx);
    for (const table of tables) {
      if (scope.kind === "user" && !table.userData) continue;
      await dumpTable(tx, table, scope, sink, progress);
    }
  });
}
