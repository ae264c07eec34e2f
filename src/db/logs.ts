import type { TransactionSql } from "postgres";

/** An audit_log row (user-scoped: row level security shows only the user's own). */
export interface AuditEntry {
  id: string;
  tableName: string;
  rowId: string | null;
  action: "INSERT" | "UPDATE" | "DELETE";
  /** The row before and after; numbers (money) as exact decimal strings. */
  oldRow: Record<string, unknown> | null;
  newRow: Record<string, unknown> | null;
  changedAt: Date;
}

/** A JSONB row with its numbers turned into strings that keep every digit. */
const numbersAsText = (column: "old_row" | "new_row") => `
  (SELECT jsonb_object_agg(key, CASE jsonb_typeof(value)
            WHEN 'number' THEN to_jsonb(value #>> '{}') ELSE value END)
   FROM jsonb_each(${column}))`;

/** The user's most recent changes, newest first. */
export async function recentAudit(tx: TransactionSql, limit: number): Promise<AuditEntry[]> {
  // postgres.js parses JSON with JSON.parse, which would turn NUMERIC 0.10 + 0.20 into floats:
  // numbers inside the rows are handed over as strings instead. ORDER BY names the column:
  // the bare `id` would be the text alias, and "9" sorts after "15".
  return tx<AuditEntry[]>`
    SELECT id::text AS id, table_name, row_id, action::text AS action,
           ${tx.unsafe(numbersAsText("old_row"))} AS old_row,
           ${tx.unsafe(numbersAsText("new_row"))} AS new_row, changed_at
    FROM audit_log
    ORDER BY audit_log.id DESC LIMIT ${limit}`;
}

/** A data_refresh_logs row. */
export interface RefreshLog {
  id: string;
  plaidItemId: string | null;
  institutionName: string | null;
  refreshType: string;
  status: string;
  accountsUpdated: number | null;
  errorMessage: string | null;
  startedAt: Date;
  completedAt: Date | null;
}

/** The user's data refreshes, newest first. */
export async function recentRefreshes(
  tx: TransactionSql,
  limit: number,
  itemRowId: string | null = null,
): Promise<RefreshLog[]> {
  return tx<RefreshLog[]>`
    SELECT l.id, l.plaid_item_id, i.institution_name, l.refresh_type::text AS refresh_type,
           l.status::text AS status, l.accounts_updated, l.error_message, l.started_at, l.completed_at
    FROM data_refresh_logs l LEFT JOIN plaid_items i ON i.id = l.plaid_item_id
    WHERE ${itemRowId}::uuid IS NULL OR l.plaid_item_id = ${itemRowId}::uuid
    ORDER BY l.started_at DESC, l.id LIMIT ${limit}`;
}
