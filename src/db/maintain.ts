/**
 * The seed's database upkeep, run by `networth maintain` (weekly, from cron): expired
 * sessions, fresh planner statistics, and on a server with pg_stat_statements the slowest of
 * the project's statements. Cross-user work on the connecting role, like the other jobs.
 */

import type { Sql } from "postgres";
import { ident, projectTables } from "./backup.js";

/** Deletes every user's sessions whose expiry has passed; returns how many. */
export async function deleteExpiredSessions(sql: Sql, now: Date): Promise<number> {
  const rows = await sql`DELETE FROM user_sessions WHERE expires_at <= ${now} RETURNING 1`;
  return rows.length;
}

/** ANALYZE on each of the project's tables; returns their names. */
export async function analyzeTables(sql: Sql): Promise<string[]> {
  const names = (await projectTables(sql)).map((t) => t.name);
  for (const name of names) await sql.unsafe(`ANALYZE ${ident(name)}`);
  return names;
}

/** One of the slowest statements, by mean execution time. */
export interface SlowStatement {
  query: string;
  calls: number;
  meanMs: number;
  totalMs: number;
}

/**
 * The slowest statements run against this database (pg_stat_statements), or null with the
 * reason when the extension is not there (always so on the embedded database).
 */
export async function slowStatements(
  sql: Sql,
  limit = 5,
): Promise<{ statements: SlowStatement[] | null; reason: string | null }> {
  const [ext] = await sql<{ present: boolean }[]>`
    SELECT to_regclass('pg_stat_statements') IS NOT NULL AS present`;
  if (!ext?.present)
    return { statements: null, reason: "pg_stat_statements is not installed in this database" };
  try {
    // Only this database's statements; the text is normalised by the extension ($1, $2...),
    // so it holds no values.
    const rows = await sql<{ query: string; calls: string; meanMs: number; totalMs: number }[]>`
      SELECT query, calls::text AS calls, round(mean_exec_time::numeric, 3)::float8 AS mean_ms,
             round(total_exec_time::numeric, 3)::float8 AS total_ms
      FROM pg_stat_statements
      WHERE dbid = (SELECT oid FROM pg_database WHERE datname = current_database())
        AND query !~* '^\\s*(BEGIN|COMMIT|ROLLBACK|SET|SELECT set_config|ANALYZE)'
      ORDER BY mean_exec_time DESC LIMIT ${limit}`;
    return {
      statements: rows.map((r) => ({ ...r, calls: Number(r.calls) })),
      reason: null,
    };
  } catch (error) {
    // Installed but not loaded (shared_preload_libraries), or not readable by this role.
    return {
      statements: null,
      reason: `pg_stat_statements is not readable: ${(error as Error).message}`,
    };
  }
}
