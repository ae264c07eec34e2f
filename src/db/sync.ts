import type { Sql, TransactionSql } from "postgres";

type Queryable = Sql | TransactionSql;

/** Webhook warnings that a successful sync does not clear. */
const WARNINGS = ["PENDING_EXPIRATION", "PENDING_DISCONNECT", "NEW_ACCOUNTS_AVAILABLE"] as const;

/** An item to sync: who owns it and its encrypted token. */
export interface SyncableItem {
  id: string;
  userId: string;
  itemId: string;
  institutionName: string;
  accessToken: string;
  status: string;
}

/**
 * Items with a token (not unlinked), of one user or of every user (system connection),
 * optionally only some; oldest first so output is stable.
 */
export async function syncableItems(
  sql: Queryable,
  filter: { userId?: string | undefined; itemIds?: readonly string[] | undefined },
): Promise<SyncableItem[]> {
  return sql<SyncableItem[]>`
    SELECT id, user_id, item_id, institution_name, access_token, status::text AS status
    FROM plaid_items
    WHERE access_token IS NOT NULL AND status <> 'disconnected'
      AND (${filter.userId ?? null}::uuid IS NULL OR user_id = ${filter.userId ?? null}::uuid)
      AND (${filter.itemIds ? sql.array([...filter.itemIds]) : null}::uuid[] IS NULL
           OR id = ANY(${filter.itemIds ? sql.array([...filter.itemIds]) : null}::uuid[]))
    ORDER BY created_at, id`;
}

/** The Plaid account ids of an item's stored accounts (to tell which a sync adds). */
export async function plaidAccountIds(tx: TransactionSql, itemRowId: string): Promise<string[]> {
  const rows = await tx<{ plaidAccountId: string }[]>`
    SELECT plaid_account_id FROM accounts WHERE plaid_item_id = ${itemRowId}`;
  return rows.map((r) => r.plaidAccountId);
}

/** Closes an item's refresh logs left pending by a process that died, as failed. */
export async function closeInterrupted(sql: Queryable, itemRowId: string): Promise<number> {
  const rows = await sql`
    UPDATE data_refresh_logs
    SET status = 'failed', error_message = 'interrupted', completed_at = NOW()
    WHERE plaid_item_id = ${itemRowId} AND status = 'pending'
    RETURNING id`;
  return rows.length;
}

/** What started a refresh. */
export type RefreshType = "manual" | "scheduled" | "webhook";

/** How a refresh ended: what its log records. */
export interface RefreshOutcome {
  status: "success" | "partial_success" | "failed";
  accountsUpdated: number;
  errorMessage: string | null;
}

/** A refresh log in state pending, committed on its own so a killed run leaves a trace. */
export async function startRefresh(
  sql: Queryable,
  userId: string,
  itemRowId: string | null,
  type: RefreshType,
): Promise<string> {
  const [row] = await sql<{ id: string }[]>`
    INSERT INTO data_refresh_logs (user_id, plaid_item_id, refresh_type, status)
    VALUES (${userId}, ${itemRowId}, ${type}, 'pending') RETURNING id`;
  if (!row) throw new Error("refresh log insert returned nothing");
  return row.id;
}

/** Closes a refresh log with its outcome. */
export async function finishRefresh(
  sql: Queryable,
  logId: string,
  result: RefreshOutcome,
): Promise<void> {
  await sql`
    UPDATE data_refresh_logs
    SET status = ${result.status}, accounts_updated = ${result.accountsUpdated},
        error_message = ${result.errorMessage}, completed_at = NOW()
    WHERE id = ${logId}`;
}

/**
 * A refresh done within one transaction (a link), logged whole: the same two writes as a
 * sync's, started and finished at once.
 */
export async function logRefresh(
  tx: TransactionSql,
  log: { userId: string; itemRowId: string | null; type: RefreshType } & RefreshOutcome,
): Promise<string> {
  const id = await startRefresh(tx, log.userId, log.itemRowId, log.type);
  await finishRefresh(tx, id, log);
  return id;
}

/** Archives (from `on`) the item's active accounts Plaid no longer returns; returns how many. */
export async function deactivateMissing(
  tx: TransactionSql,
  itemRowId: string,
  returned: readonly string[],
  on: string,
): Promise<number> {
  const rows = await tx`
    UPDATE accounts SET is_active = FALSE, archived_on = ${on}
    WHERE plaid_item_id = ${itemRowId} AND is_active
      AND NOT (plaid_account_id = ANY(${tx.array([...returned])}::text[]))
    RETURNING id`;
  return rows.length;
}

/**
 * Sets an item's health; a success also stamps last_successful_update. A success keeps the
 * warnings Plaid sent by webhook (a login expiring soon, new accounts to share): the item
 * works today, but the user still has something to do.
 */
export async function setItemHealth(
  sql: Queryable,
  itemRowId: string,
  health: {
    status: "active" | "error" | "disconnected";
    errorCode: string | null;
    succeeded: boolean;
  },
): Promise<void> {
  await sql`
    UPDATE plaid_items
    SET status = CASE WHEN ${health.succeeded} AND error_code = ANY(${sql.array([...WARNINGS])}::text[])
                      THEN status ELSE ${health.status}::plaid_item_status END,
        error_code = CASE WHEN ${health.succeeded} AND error_code = ANY(${sql.array([...WARNINGS])}::text[])
                          THEN error_code ELSE ${health.errorCode} END,
        last_successful_update = CASE WHEN ${health.succeeded} THEN NOW() ELSE last_successful_update END
    WHERE id = ${itemRowId}`;
}
