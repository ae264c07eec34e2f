import type { PlaidApi } from "plaid";
import type { Context } from "../context.js";
import { resolveAccountRef } from "../core/account-ref.js";
import type { Database } from "../db/connection.js";
import { type ItemRow, listItems } from "../db/plaid.js";
import type { PlaidSettings } from "../plaid/client.js";
import type { Keyring } from "../plaid/crypto.js";
import type { UserRun } from "./app.js";

/** What talking to Plaid takes: the settings read, the client made from them, the token keyring. */
export interface PlaidDeps {
  client: PlaidApi;
  keyring: Keyring;
  settings: PlaidSettings;
}

/** The Plaid client and the token keyring for a run, created from the environment and config. */
export async function plaidDeps(run: UserRun): Promise<PlaidDeps> {
  return plaidClientAndKeys(run.ctx);
}

/** plaidDeps without a login: for the cross-user jobs (sync --all-users, webhooks). */
export async function plaidClientAndKeys(ctx: Context): Promise<PlaidDeps> {
  const [{ createPlaidClient }, { readPlaidSettings }, { loadKeyring }] = await Promise.all([
    import("../plaid/client.js"),
    import("../plaid/settings.js"),
    import("../plaid/crypto.js"),
  ]);
  const settings = readPlaidSettings(ctx);
  return {
    client: await createPlaidClient(settings),
    keyring: loadKeyring({ env: ctx.env, keysDir: ctx.paths.keysDir, create: true }),
    settings,
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
