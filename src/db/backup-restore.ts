/**
 * Restoring a logical backup (docs/schema.md, "Backups"): all or nothing, in one transaction
 * on the connecting role.
 *
 * Why the connecting role and not networth_app: the audit trail is restored as it was, so the
 * rows must go in without the audit triggers writing a second INSERT entry for each of them,
 * and audit_log itself must take rows, which networth_app may never write. The connecting role
 * owns the tables (it ran the migrations), so `ALTER TABLE ... DISABLE TRIGGER USER` is open to
 * it, inside the transaction: the change is invisible to other sessions (the ACCESS EXCLUSIVE
 * lock it takes holds them off until commit) and rolls back with everything else when the
 * restore fails or the process is killed. Foreign keys (internal triggers) stay checked.
 * Nothing that the application role can reach is loosened.
 */

import type { Sql, TransactionSql } from "postgres";
import { type BackupSummary, readBackupFile } from "../core/backup-file.js";
import {
  type BackupHeader,
  planTable,
  type TableHeader,
  type TablePlan,
} from "../core/backup-format.js";
import { UserError } from "../errors.js";
import { ident, projectTables, schemaVersion, type TableInfo, userPredicate } from "./backup.js";

/** Someone the backup holds: enough to find them in the target. */
export interface BackupUser {
  readonly id: string;
  readonly email: string;
}

export interface RestoreOptions {
  /** Replace the target's data of the backup's users (the command asks for --yes). */
  readonly replace?: boolean;
  readonly progress?: (table: string, rows: number) => void;
}

export interface RestoreResult {
  readonly schemaVersion: number;
  readonly fromSchemaVersion: number;
  readonly users: number;
  readonly replacedUsers: number;
  readonly rows: number;
  readonly tables: Record<string, number>;
}

const BATCH = 2_000;

function refuseNewer(header: BackupHeader, current: number): void {
  if (header.schemaVersion > current)
    throw new UserError(
      `the backup is from a newer schema (migration ${header.schemaVersion}; this networth knows ${current}): upgrade networth to restore it`,
    );
}

/** The INSERT for one batch of a table, rows as $1 (a JSON array of to_jsonb rows). */
function insertSql(plan: TablePlan, table: TableInfo): string {
  const renamed = plan.columns.filter(([from, to]) => from !== to);
  const record = renamed.reduce(
    (expr, [from, to]) => `${expr} || jsonb_build_object('${to}', e.value -> '${from}')`,
    "e.value",
  );
  const columns = plan.columns
    .map(([, to]) => to)
    .filter((c) => !table.identity.includes(c))
    .map(ident);
  // WITH ORDINALITY ... ORDER BY: identity values (audit_log ids) are handed out in the
  // backup's order, so the restored trail keeps its sequence.
  return `INSERT INTO ${ident(table.name)} (${columns.join(", ")})
    SELECT ${columns.map((c) => `r.${c}`).join(", ")}
    FROM jsonb_array_elements($1::text::jsonb) WITH ORDINALITY e(value, n),
         jsonb_populate_record(NULL::${ident(table.name)}, ${record}) r
    ORDER BY e.n
    ${table.userData ? "" : "ON CONFLICT DO NOTHING"}`;
}

/** Maps the backup's tables onto the current schema, or says what cannot be mapped. */
function planAll(
  summary: BackupSummary,
  current: number,
  tables: readonly TableInfo[],
): Map<string, { plan: TablePlan; table: TableInfo }> {
  const byName = new Map(tables.map((t) => [t.name, t]));
  const plans = new Map<string, { plan: TablePlan; table: TableInfo }>();
  for (const t of summary.tables) {
    const plan = planTable(t, summary.header.schemaVersion, current);
    const table = byName.get(plan.to);
    if (!table)
      throw new UserError(
        `the backup's table ${t.name} has no place in this schema (migration ${current}); nothing was restored`,
      );
    const unknown = plan.columns.find(([, to]) => !table.columns.includes(to));
    if (unknown)
      throw new UserError(
        `the backup's column ${t.name}.${unknown[0]} has no place in this schema (migration ${current}); nothing was restored`,
      );
    plans.set(t.name, { plan, table });
  }
  return plans;
}

async function setUserTriggers(
  tx: TransactionSql,
  tables: readonly TableInfo[],
  on: boolean,
): Promise<void> {
  for (const t of tables) {
    if (t.userData)
      await tx.unsafe(`ALTER TABLE ${ident(t.name)} ${on ? "ENABLE" : "DISABLE"} TRIGGER USER`);
  }
}

/** Deletes every row of these users, children first (triggers are off: no audit rows). */
async function deleteUsers(
  tx: TransactionSql,
  tables: readonly TableInfo[],
  userIds: readonly string[],
): Promise<void> {
  for (const table of [...tables].reverse()) {
    if (!table.userData) continue;
    for (const id of userIds)
      await tx.unsafe(`DELETE FROM ${ident(table.name)} t WHERE ${userPredicate(table)}`, [id]);
  }
}

/**
 * Restores a checked backup (summary from readBackupFile, users from its users table) into the
 * database in one transaction. Refuses a newer schema, and a target that already holds one of
 * the backup's users (by id or email) unless `replace`. The file is read again inside the
 * transaction and its checksum checked before the commit.
 */
export async function restoreBackup(
  sql: Sql,
  path: string,
  summary: BackupSummary,
  users: readonly BackupUser[],
  options: RestoreOptions = {},
): Promise<RestoreResult> {
  const result = await sql.begin(async (tx) => {
    const current = (await schemaVersion(tx)) ?? 0;
    refuseNewer(summary.header, current);
    const tables = await projectTables(tx);
    const plans = planAll(summary, current, tables);
    const existing = await tx<{ id: string; email: string }[]>`
      SELECT id, email FROM users
      WHERE id = ANY(${tx.array(users.map((u) => u.id))}::uuid[])
         OR email = ANY(${tx.array(users.map((u) => u.email))}::text[])
      ORDER BY email`;
    if (existing.length > 0 && !options.replace) {
      const names = existing.map((u) => u.email);
      throw new UserError(
        `the database already holds ${names.length === 1 ? "user" : "users"} ${names.slice(0, 3).join(", ")}${names.length > 3 ? ", ..." : ""}: restore with --replace --yes to replace ${names.length === 1 ? "it" : "them"}`,
      );
    }
    await setUserTriggers(tx, tables, false);
    if (existing.length > 0)
      await deleteUsers(
        tx,
        tables,
        existing.map((u) => u.id),
      );

    const counts: Record<string, number> = {};
    let rows = 0;
    let current_: { plan: TablePlan; table: TableInfo; sql: string } | undefined;
    let batch: string[] = [];
    const flush = async () => {
      if (!current_ || batch.length === 0) return;
      await tx.unsafe(current_.sql, [`[${batch.join(",")}]`]);
      rows += batch.length;
      counts[current_.table.name] = (counts[current_.table.name] ?? 0) + batch.length;
      options.progress?.(current_.table.name, counts[current_.table.name] ?? 0);
      batch = [];
    };
    await readBackupFile(path, {
      async table(t: TableHeader) {
        await flush();
        const found = plans.get(t.name);
        if (!found) throw new UserError(`${path} changed while it was being restored`);
        current_ = { ...found, sql: insertSql(found.plan, found.table) };
        counts[found.table.name] ??= 0;
      },
      async row(json: string) {
        batch.push(json);
        if (batch.length >= BATCH) await flush();
      },
    });
    await flush();
    await setUserTriggers(tx, tables, true);
    return {
      schemaVersion: current,
      fromSchemaVersion: summary.header.schemaVersion,
      users: users.length,
      replacedUsers: existing.length,
      rows,
      tables: counts,
    };
  });
  // Fresh statistics for the planner: a restored history is all new rows at once.
  for (const name of Object.keys(result.tables)) await sql.unsafe(`ANALYZE ${ident(name)}`);
  return result;
}

/** Refuses a backup from a newer schema before any work (restore checks again inside). */
export async function checkRestorable(sql: Sql, header: BackupHeader): Promise<void> {
  refuseNewer(header, (await schemaVersion(sql)) ?? 0);
}
