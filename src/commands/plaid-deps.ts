import type { PlaidApi } from "plaid";
import type { Context } from "../context.js";
import { resolveAccountRef } from "../core/account-ref.js";
import type { Database } from "../db/connection.js";
import { type ItemRow, listItems } from "../db/plaid.js";
import type { Keyring } from "../plaid/crypto.js";
import type { UserRun } from "./app.js";

/** The Plaid client and the token keyring for a run, created from the environment and config. */
export async function plaidDeps(run: UserRun): Promise<{ client: PlaidApi; keyring: Keyring }> {
  return plaidClientAndKeys(run.ctx);
}

/** plaidDeps without a login: for the cross-user jobs (sync --all-users, webhooks). */
export async function plaidClientAndKeys(
  ctx: Context,
): Promise<{ client: PlaidApi; keyring: Keyring }> {
  const [{ plaidSettings, createPlaidClient }, { loadKeyring }] = await Promise.all([
    import("../plaid/client.js"),
    import("../plaid/crypto.js"),
  ]);
  const { config, env, paths } = ctx;
  const settings = plaidSettings(env, {
    clientId: config.get("plaid.clientId"),
    secret: config.get("plaid.secret"),
    env: config.get("plaid.env"),
  });
  return {
    client: await createPlaidClient(settings),
    keyring: loadKeyring({ env, keysDir: paths.keysDir, create: true }),
  };
}

/** An item by id prefix, Plaid item id or institution name (case-insensitive). */
export async function resolveItem(db: Database, userId: string, ref: string): Promise<ItemRow> {
  const items = await db.asUser(userId, (tx) => listItems(tx));
  const byPlaidId = items.find((i) => i.itemId === ref.trim());
  if (byPlaidId) return byPlaidId;
  const candidates = items.map((i) => ({
    ...i,
    name: i.institutionName,
    isActive: i.status !== "disconnected",
  }));
  return resolveAccountRef(ref, candidates, "item");
}
