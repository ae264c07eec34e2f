/**
 * The balance archive (migration 0006, docs/schema.md "Archive"), for `networth maintain
 * --archive` and `--restore-archive`. Cross-user, on the connecting role, like maintain.
 */

import type { Sql } from "postgres";

const COLUMNS = `id, account_id, balance, available_balance, credit_limit, date, is_current,
  source, created_at`;

/**
 * Moves every balance dated before `cutoff` into the archive, except, per account, the newest
 * one before the cutoff (so a snapshot from the cutoff on needs nothing from the archive, and
 * the current balance never moves). One statement: all or nothing. Returns the rows moved.
 */
export async function archiveBalances(sql: Sql, cutoff: string): Promise<number> {
  const [row] = await sql.unsafe<{ moved: number }[]>(
    `WITH keep AS (
       SELECT account_id, max(date) AS date FROM account_balances
       WHERE date < $1::date GROUP BY account_id
     ), moved AS (
       DELETE FROM account_balances b USING keep k
       WHERE b.account_id = k.account_id AND b.date < k.date
       RETURNING b.*
     ), archived AS (
       INSERT INTO account_balances_archive (${COLUMNS})
       SELECT ${COLUMNS.replace("is_current", "FALSE")} FROM moved
       RETURNING 1
     )
     SELECT count(*)::int AS moved FROM archived`,
    [cutoff],
  );
  return row?.moved ?? 0;
}

/** Moves every archived balance back into account_balances; returns how many. */
export async function restoreArchivedBalances(sql: Sql): Promise<number> {
  const [row] = await sql.unsafe<{ moved: number }[]>(
    `WITH moved AS (
       DELETE FROM account_balances_archive RETURNING *
     ), restored AS (
       INSERT INTO account_balances (${COLUMNS})
       SELECT ${COLUMNS.replace("is_current", "FALSE")} FROM moved
       ON CONFLICT (account_id, date) DO NOTHING
       RETURNING 1
     )
     SELECT count(*)::int AS moved FROM restored`,
  );
  return row?.moved ?? 0;
}

/** How many balances the archive holds, and its newest date. */
export async function archiveStatus(sql: Sql): Promise<{ rows: number; newest: string | null }> {
  const [row] = await sql<{ rows: number; newest: string | null }[]>`
    SELECT count(*)::int AS rows, max(date) AS newest FROM account_balances_archive`;
  return { rows: row?.rows ?? 0, newest: row?.newest ?? null };
}
