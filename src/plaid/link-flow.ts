import type { AccountBase, PlaidApi } from "plaid";
import type { TransactionSql } from "postgres";
import { type BalanceInput, writeBalances } from "../db/balances.js";
import type { Database } from "../db/connection.js";
import {
  type ItemRow,
  insertItem,
  listItems,
  type PlaidAccountInput,
  reactivateItem,
  upsertPlaidAccounts,
} from "../db/plaid.js";
import { pricedAssets } from "../db/prices.js";
import { refreshSnapshots } from "../db/snapshots.js";
import { logRefresh } from "../db/sync.js";
import { UserError } from "../errors.js";
import {
  type BeyondAmount,
  beyondNote,
  coinsWanted,
  onlyUnofficial,
  plaidAccounts,
  type SkippedAccount,
  skippedNote,
  unvaluedNote,
} from "./accounts.js";
import { plaid } from "./client.js";
import { storeCoins } from "./coins.js";
import type { Keyring } from "./crypto.js";

/** What linking needs from the world, passed in so tests can hand over fakes. */
export interface LinkDeps {
  readonly db: Database;
  readonly userId: string;
  readonly client: PlaidApi;
  readonly keyring: Keyring;
  /** Today in the user's time zone. */
  readonly today: string;
}

/** What a successful link stored. */
export interface LinkOutcome {
  itemId: string;
  institutionId: string;
  institutionName: string;
  accounts: {
    id: string;
    name: string;
    type: string;
    subtype: string | null;
    mask: string | null;
  }[];
  skipped: SkippedAccount[];
}

/** Today's balance of each stored account (Plaid's cached or real-time values). */
export function todaysBalances(
  accounts: readonly PlaidAccountInput[],
  ids: ReadonlyMap<string, string>,
  today: string,
): BalanceInput[] {
  return accounts.flatMap((a) => {
    const accountId = ids.get(a.plaidAccountId);
    if (a.current === null || !accountId) return [];
    return [
      {
        accountId,
        date: today,
        balance: a.current,
        available: a.available,
        limit: a.limit,
        source: "plaid" as const,
      },
    ];
  });
}

function described(accounts: readonly PlaidAccountInput[], ids: ReadonlyMap<string, string>) {
  return accounts.map((a) => ({
    id: ids.get(a.plaidAccountId) ?? "",
    name: a.name,
    type: a.type,
    subtype: a.subtype,
    mask: a.mask,
  }));
}

/**
 * The accounts Link shared: stored (new ones added, known ones updated), with today's
 * balances (a coin account: its holding, valued at the day's price), and the refresh logged
 * (naming the accounts left out), in the caller's transaction. Shared by a first link and an
 * update. Returns the earliest date whose value changed.
 */
async function storeAccounts(
  tx: TransactionSql,
  deps: LinkDeps,
  itemRowId: string,
  institutionName: string,
  kept: readonly PlaidAccountInput[],
  skipped: readonly SkippedAccount[],
  beyond: readonly BeyondAmount[],
) {
  const ids = await upsertPlaidAccounts(tx, deps.userId, itemRowId, institutionName, kept);
  const counts = await writeBalances(tx, todaysBalances(kept, ids, deps.today));
  const coins = await storeCoins(tx, deps.userId, kept, ids, deps.today);
  await logRefresh(tx, {
    userId: deps.userId,
    itemRowId,
    type: "manual",
    status: "success",
    accountsUpdated: kept.length,
    errorMessage:
      [skippedNote(skipped), beyondNote(beyond), unvaluedNote(coins.unvalued)]
        .filter((n) => n !== null)
        .join("; ") || null,
  });
  const changed = [counts.earliestChange, coins.earliestChange].filter((d) => d !== null);
  return { ids, earliestChange: changed.sort()[0] ?? null };
}

/** Plaid's accounts sorted into kept and skipped, with the coin prices stored (./accounts.ts). */
async function classify(tx: TransactionSql, accounts: readonly AccountBase[], today: string) {
  return plaidAccounts(accounts, await pricedAssets(tx, coinsWanted(accounts), today));
}

/**
 * The item a new link would duplicate: one of the user's, not unlinked, at the same
 * institution, with the same account masks. Whether a possible coin account (only an
 * unofficial code) is kept can change between two links of one login: its coin may have been
 * priced since, or its quantity may no longer be exact. So the masks of the accounts this
 * link's Plaid answer gives only an unofficial code are left out on both sides, and an item
 * linked when its wallet was skipped (or before coin accounts were kept at all) is still
 * found. Another login's wallets, with other masks, still tell its item apart.
 */
function duplicateOf(
  items: readonly ItemRow[],
  institutionId: string,
  kept: readonly PlaidAccountInput[],
  accounts: readonly AccountBase[],
): ItemRow | undefined {
  const coins = new Set(accounts.flatMap((a) => (onlyUnofficial(a) && a.mask ? [a.mask] : [])));
  const comparable = (masks: readonly (string | null)[]) =>
    JSON.stringify(masks.filter((m): m is string => !!m && !coins.has(m)).sort());
  const wanted = comparable(kept.map((a) => a.mask));
  return items.find(
    (i) =>
      i.status !== "disconnected" &&
      i.institutionId === institutionId &&
      comparable(i.masks) === wanted,
  );
}

/**
 * After Link: exchanges the public token, refuses a duplicate of an item this user already
 * linked (and removes the new one at Plaid), then stores the item (token encrypted), its
 * accounts, their first balances, a refresh log and the snapshots, in one transaction.
 */
export async function completeLink(deps: LinkDeps, publicToken: string): Promise<LinkOutcome> {
  const { client } = deps;
  const exchange = await plaid(() => client.itemPublicTokenExchange({ public_token: publicToken }));
  const accessToken = exchange.access_token;
  let stored = false;
  try {
    const accountsResponse = await plaid(() => client.accountsGet({ access_token: accessToken }));
    const institutionId = accountsResponse.item.institution_id ?? "unknown";
    const institutionName =
      institutionId === "unknown"
        ? "Unknown institution"
        : (
            await plaid(() =>
              client.institutionsGetById({
                institution_id: institutionId,
                country_codes: ["US" as never],
              }),
            )
          ).institution.name;
    const outcome = await deps.db.asUser(deps.userId, async (tx) => {
      const { kept, skipped, beyond } = await classify(tx, accountsResponse.accounts, deps.today);
      const duplicate = duplicateOf(
        await listItems(tx),
        institutionId,
        kept,
        accountsResponse.accounts,
      );
      if (duplicate) {
        throw new UserError(
          `${institutionName} with these accounts is already linked (item ${duplicate.id.slice(0, 8)}); ` +
            `to repair or change it use networth link --update ${duplicate.id.slice(0, 8)}`,
        );
      }
      const itemRowId = await insertItem(tx, {
        userId: deps.userId,
        itemId: exchange.item_id,
        encryptedToken: deps.keyring.encrypt(accessToken, exchange.item_id),
        institutionId,
        institutionName,
      });
      const { ids, earliestChange } = await storeAccounts(
        tx,
        deps,
        itemRowId,
        institutionName,
        kept,
        skipped,
        beyond,
      );
      const from =
        earliestChange !== null && earliestChange < deps.today ? earliestChange : deps.today;
      await refreshSnapshots(tx, { userId: deps.userId }, from, deps.today);
      return {
        itemId: itemRowId,
        institutionId,
        institutionName,
        accounts: described(kept, ids),
        skipped,
      };
    });
    stored = true;
    return outcome;
  } finally {
    // A link that was refused or failed must not leave a live item at Plaid.
    if (!stored) await client.itemRemove({ access_token: accessToken }).catch(() => {});
  }
}

/**
 * After update-mode Link: the item is active again with its error cleared, and accounts the
 * user newly shared are added (with today's balances).
 */
export async function completeUpdate(
  deps: LinkDeps,
  itemRowId: string,
  accessToken: string,
): Promise<LinkOutcome> {
  const accountsResponse = await plaid(() =>
    deps.client.accountsGet({ access_token: accessToken }),
  );
  return deps.db.asUser(deps.userId, async (tx) => {
    const item = (await listItems(tx)).find((i) => i.id === itemRowId);
    if (!item) throw new UserError("the item to update is gone");
    await reactivateItem(tx, itemRowId);
    const { kept, skipped, beyond } = await classify(tx, accountsResponse.accounts, deps.today);
    const { ids, earliestChange } = await storeAccounts(
      tx,
      deps,
      itemRowId,
      item.institutionName,
      kept,
      skipped,
      beyond,
    );
    if (earliestChange)
      await refreshSnapshots(tx, { userId: deps.userId }, earliestChange, deps.today);
    return {
      itemId: itemRowId,
      institutionId: item.institutionId,
      institutionName: item.institutionName,
      accounts: described(kept, ids),
      skipped,
    };
  });
}
