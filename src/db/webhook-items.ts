import type { Sql, TransactionSql } from "postgres";

/**
 * The items webhooks name, across users: Plaid identifies an item by its item_id only, so these
 * run on the system connection (Database.sql), never inside a user's scope.
 */

type Queryable = Sql | TransactionSql;

/** What a webhook needs of an item; never the access token. */
export interface WebhookItem {
  id: string;
  userId: string;
  itemId: string;
  institutionName: string;
  status: "active" | "error" | "disconnected";
  errorCode: string | null;
}

/** The item with this Plaid item_id, whoever owns it; null when none has it. */
export async function findItemByPlaidId(
  sql: Queryable,
  plaidItemId: string,
): Promise<WebhookItem | null> {
  const [row] = await sql<WebhookItem[]>`
    SELECT id, user_id, item_id, institution_name, status::text AS status, error_code
    FROM plaid_items WHERE item_id = ${plaidItemId}`;
  return row ?? null;
}

/**
 * Sets an item's status and error code. An unlinked (disconnected) item is left as it is: a
 * late webhook must not bring it back. Returns whether the item was changed.
 */
export async function setItemState(
  sql: Queryable,
  id: string,
  state: { status: "active" | "error"; errorCode: string | null },
): Promise<boolean> {
  const rows = await sql`
    UPDATE plaid_items SET status = ${state.status}, error_code = ${state.errorCode}
    WHERE id = ${id} AND status <> 'disconnected'
    RETURNING id`;
  return rows.length > 0;
}
