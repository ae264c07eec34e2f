import type { Sql, TransactionSql } from "postgres";

/** A plaid_items row with its account count; never the access token. */
export interface ItemRow {
  id: string;
  userId: string;
  itemId: string;
  institutionId: string;
  institutionName: string;
  status: "active" | "error" | "disconnected";
  errorCode: string | null;
  lastSuccessfulUpdate: Date | null;
  createdAt: Date;
  accountCount: number;
  masks: string[];
}

const ITEM_SELECT = `
  SELECT i.id, i.user_id, i.item_id, i.institution_id, i.institution_name, i.status::text AS status,
         i.error_code, i.last_successful_update, i.created_at,
         (SELECT count(*)::int FROM accounts a WHERE a.plaid_item_id = i.id) AS account_count,
         ARRAY(SELECT a.mask FROM accounts a WHERE a.plaid_item_id = i.id AND a.mask IS NOT NULL
               ORDER BY a.mask) AS masks
  FROM plaid_items i`;

/** The user's items (row level security scopes them), newest first. */
export async function listItems(tx: TransactionSql): Promise<ItemRow[]> {
  return tx.unsafe<ItemRow[]>(`${ITEM_SELECT} ORDER BY i.created_at DESC, i.id`);
}

/** The item's encrypted access token (null once unlinked). */
export async function itemToken(
  tx: TransactionSql,
  id: string,
): Promise<{ itemId: string; accessToken: string | null }> {
  const [row] = await tx<{ itemId: string; accessToken: string | null }[]>`
    SELECT item_id, access_token FROM plaid_items WHERE id = ${id}`;
  if (!row) throw new Error(`item ${id} is not visible`);
  return row;
}

/** One account as Plaid describes it, reduced to what is stored. */
export interface PlaidAccountInput {
  plaidAccountId: string;
  /** The account's currency as Plaid gives it (issue 13); USD when Plaid gives none. */
  currency?: string;
  name: string;
  officialName: string | null;
  type: string;
  /** Null subtypes are stored as "other" (docs/schema.md, defect 5). */
  subtype: string | null;
  mask: string | null;
  current: bigint | null;
  available: bigint | null;
  limit: bigint | null;
  /**
   * A coin account (Plaid gave only an unofficial code, e.g. BTC): stored in USD, the prices'
   * currency, as the digital asset it is, holding `quantity` (exact decimal text; null when
   * Plaid gave none) of the CoinGecko coin `asset`. Its value is the holdings method's.
   */
  coin?: { readonly code: string; readonly asset: string; readonly quantity: string | null };
}

/** Inserts a newly linked item; the token arrives already encrypted. Returns its id. */
export async function insertItem(
  tx: TransactionSql,
  item: {
    userId: string;
    itemId: string;
    encryptedToken: string;
    institutionId: string;
    institutionName: string;
  },
): Promise<string> {
  const [row] = await tx<{ id: string }[]>`
    INSERT INTO plaid_items (user_id, item_id, access_token, institution_id, institution_name,
                             status, last_successful_update)
    VALUES (${item.userId}, ${item.itemId}, ${item.encryptedToken}, ${item.institutionId},
            ${item.institutionName}, 'active', NOW())
    RETURNING id`;
  if (!row) throw new Error("item insert returned nothing");
  return row.id;
}

/**
 * Adds the accounts Plaid returned that are not stored yet and refreshes the names and masks of
 * those that are; category comes from account_type_config (the one mapping), falling back to
 * the type's `other` row; a coin account is a digital asset whatever type Plaid gives it. Returns the ids of the accounts by Plaid account id.
 */
export async function upsertPlaidAccounts(
  tx: TransactionSql,
  userId: string,
  itemRowId: string,
  institutionName: string,
  accounts: readonly PlaidAccountInput[],
): Promise<Map<string, string>> {
  const ids = new Map<string, string>();
  for (const a of accounts) {
    const subtype = a.subtype ?? "other";
    const [row] = await tx<{ id: string }[]>`
      INSERT INTO accounts (user_id, plaid_item_id, plaid_account_id, name, official_name, type,
                            subtype, category, is_manual, institution_name, mask, currency)
      SELECT ${userId}, ${itemRowId}, ${a.plaidAccountId}, ${a.name}, ${a.officialName},
             ${a.type}::account_type, ${subtype},
             COALESCE(
               ${a.coin ? "digital_asset" : null}::account_category,
               (SELECT category FROM account_type_config WHERE type = ${a.type} AND subtype = ${subtype}),
               (SELECT category FROM account_type_config WHERE type = ${a.type} AND subtype = 'other')),
             FALSE, ${institutionName}, ${a.mask}, ${a.currency ?? "USD"}
      ON CONFLICT (plaid_account_id) DO UPDATE SET
        name = EXCLUDED.name, official_name = EXCLUDED.official_name, mask = EXCLUDED.mask,
        is_active = TRUE, archived_on = NULL
      RETURNING id`;
    if (!row) throw new Error("account upsert returned nothing");
    ids.set(a.plaidAccountId, row.id);
  }
  return ids;
}

/** Marks an item active again after a successful update-mode Link. */
export async function reactivateItem(tx: TransactionSql, id: string): Promise<void> {
  await tx`UPDATE plaid_items SET status = 'active', error_code = NULL WHERE id = ${id}`;
}

/**
 * Unlinks an item but keeps all history: status disconnected, access token dropped, its
 * accounts archived from `on` (they leave current totals and snapshots from that day).
 */
export async function disconnectItem(tx: TransactionSql, id: string, on: string): Promise<void> {
  await tx`UPDATE plaid_items SET status = 'disconnected', access_token = NULL, error_code = NULL
           WHERE id = ${id}`;
  await tx`UPDATE accounts SET is_active = FALSE, archived_on = COALESCE(archived_on, ${on})
           WHERE plaid_item_id = ${id}`;
}

/**
 * Deletes an item with its accounts and their whole history (explicit purge only); returns the
 * earliest balance date removed, from which snapshots must be refreshed. The owner's write lock
 * comes first, as for every writer: taken only by the delete's triggers, after the account
 * rows were locked, it deadlocked with a writer that held it and wanted those rows.
 */
export async function purgeItem(tx: TransactionSql, id: string): Promise<string | null> {
  await tx`SELECT networth_lock_user(user_id) FROM plaid_items WHERE id = ${id}`;
  const [first] = await tx<{ first: string | null }[]>`
    SELECT min(b.date) AS first FROM all_account_balances b JOIN accounts a ON a.id = b.account_id
    WHERE a.plaid_item_id = ${id}`;
  await tx`DELETE FROM accounts WHERE plaid_item_id = ${id}`;
  await tx`DELETE FROM plaid_items WHERE id = ${id}`;
  return first?.first ?? null;
}

/** Every stored (encrypted) access token, across users: for key rotation (system scope). */
export async function allTokens(
  sql: Sql | TransactionSql,
): Promise<{ id: string; itemId: string; accessToken: string }[]> {
  return sql<{ id: string; itemId: string; accessToken: string }[]>`
    SELECT id, item_id, access_token FROM plaid_items WHERE access_token IS NOT NULL ORDER BY id FOR UPDATE`;
}

export async function setToken(tx: TransactionSql, id: string, encrypted: string): Promise<void> {
  await tx`UPDATE plaid_items SET access_token = ${encrypted} WHERE id = ${id}`;
}
