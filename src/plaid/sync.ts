import type { PlaidApi } from "plaid";
import { itemAdvice } from "../core/item-advice.js";
import { writeBalances } from "../db/balances.js";
import type { Database } from "../db/connection.js";
import { lockItem } from "../db/item-lock.js";
import { upsertPlaidAccounts } from "../db/plaid.js";
import { pricedAssets } from "../db/prices.js";
import { refreshSnapshots } from "../db/snapshots.js";
import {
  closeInterrupted,
  deactivateMissing,
  finishRefresh,
  plaidAccountIds,
  type SyncableItem,
  setItemHealth,
  startRefresh,
  syncableItems,
} from "../db/sync.js";
import {
  beyondNote,
  coinsWanted,
  noBalance,
  plaidAccounts,
  skippedNote,
  unvaluedNote,
} from "./accounts.js";
import { PlaidError, plaid } from "./client.js";
import { storeCoins } from "./coins.js";
import type { Keyring } from "./crypto.js";
import { todaysBalances } from "./link-flow.js";
import { DEFAULT_RETRY, type RetryPolicy, withRetries } from "./retry.js";

/** What a sync needs from the world, passed in so tests can hand over fakes. */
export interface SyncDeps {
  readonly db: Database;
  readonly client: PlaidApi;
  readonly keyring: Keyring;
  /** Today in the user's time zone: the date of the balances written. */
  readonly today: string;
  readonly sleep?: (ms: number) => Promise<void>;
  readonly random?: () => number;
  readonly retry?: RetryPolicy;
}

/** What to sync and how. */
export interface SyncOptions {
  /** Only this user's items; omitted: every user's (the cron job, on the system connection). */
  readonly userId?: string | undefined;
  /** Only these plaid_items row ids. */
  readonly itemIds?: readonly string[] | undefined;
  /** /accounts/balance/get (real time, billed per call) instead of /accounts/get (cached). */
  readonly live?: boolean | undefined;
  readonly refreshType: "manual" | "scheduled" | "webhook";
  /** Items in flight at once (default 4). */
  readonly concurrency?: number | undefined;
  /** How long to wait for another sync holding an item before skipping it (default 3 s). */
  readonly lockWaitMs?: number | undefined;
  readonly onProgress?: ((event: SyncProgress) => void) | undefined;
}

export type SyncProgress =
  | { kind: "start"; item: { id: string; institutionName: string } }
  | {
      kind: "retry";
      item: { id: string; institutionName: string };
      attempt: number;
      delayMs: number;
      reason: string;
    }
  | { kind: "done"; result: SyncItemResult };

/** One item's outcome. */
export interface SyncItemResult {
  id: string;
  userId: string;
  institutionName: string;
  status: "success" | "partial_success" | "failed" | "skipped";
  accountsUpdated: number;
  accountsAdded: number;
  accountsDeactivated: number;
  errorCode: string | null;
  message: string | null;
  advice: string | null;
}

/** Never retried, and what each does to the item (DESIGN.md). */
const DISCONNECTING = new Set(["INVALID_ACCESS_TOKEN", "ITEM_NOT_FOUND"]);

/** Runs fn over items with at most `limit` in flight; results in input order. */
async function mapLimit<T, R>(
  items: readonly T[],
  limit: number,
  fn: (item: T) => Promise<R>,
): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await fn(items[index] as T);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}

function result(
  item: SyncableItem,
  fields: Partial<SyncItemResult> & Pick<SyncItemResult, "status">,
): SyncItemResult {
  return {
    id: item.id,
    userId: item.userId,
    institutionName: item.institutionName,
    accountsUpdated: 0,
    accountsAdded: 0,
    accountsDeactivated: 0,
    errorCode: null,
    message: null,
    advice: null,
    ...fields,
  };
}

async function syncOne(
  deps: SyncDeps,
  item: SyncableItem,
  options: SyncOptions,
): Promise<SyncItemResult> {
  const ref = { id: item.id, institutionName: item.institutionName };
  options.onProgress?.({ kind: "start", item: ref });
  const lock = await lockItem(deps.db, item.id, options.lockWaitMs ?? 3_000);
  if (!lock) {
    return result(item, {
      status: "skipped",
      message: "another sync is updating this item; skipped it",
    });
  }
  try {
    // We hold the item: a pending log of it now can only be a dead process's.
    await closeInterrupted(lock.sql, item.id);
    const logId = await startRefresh(lock.sql, item.userId, item.id, options.refreshType);
    const accessToken = deps.keyring.decrypt(item.accessToken, item.itemId);
    let accounts: Awaited<ReturnType<PlaidApi["accountsGet"]>>["data"]["accounts"];
    try {
      const response = await withRetries(
        () =>
          plaid(() =>
            options.live
              ? deps.client.accountsBalanceGet({ access_token: accessToken })
              : deps.client.accountsGet({ access_token: accessToken }),
          ),
        deps.retry ?? DEFAULT_RETRY,
        {
          sleep: deps.sleep,
          random: deps.random,
          onRetry: (attempt, delayMs, error) =>
            options.onProgress?.({
              kind: "retry",
              item: ref,
              attempt,
              delayMs,
              reason: error instanceof PlaidError ? error.errorCode : String(error),
            }),
        },
      );
      accounts = response.accounts;
    } catch (error) {
      const code = error instanceof PlaidError ? error.errorCode : "UNEXPECTED";
      const message =
        error instanceof PlaidError
          ? error.message
          : `unexpected error: ${(error as Error).message}`;
      const status = DISCONNECTING.has(code)
        ? "disconnected"
        : error instanceof PlaidError && error.errorType === "ITEM_ERROR"
          ? "error"
          : null;
      await lock.transaction(null, async (tx) => {
        if (status) await setItemHealth(tx, item.id, { status, errorCode: code, succeeded: false });
        await finishRefresh(tx, logId, {
          status: "failed",
          accountsUpdated: 0,
          errorMessage: message,
        });
      });
      const advice = status
        ? itemAdvice({ id: item.id, status, errorCode: code })
        : "try again later (networth sync)";
      return result(item, { status: "failed", errorCode: code, message, advice });
    }

    return await lock.transaction(item.userId, async (tx) => {
      const priced = await pricedAssets(tx, coinsWanted(accounts), deps.today);
      const { kept, skipped, beyond } = plaidAccounts(accounts, priced);
      const tooLarge = new Set(
        beyond.filter((b) => b.what === "balance").map((b) => b.plaidAccountId),
      );
      const missingBalance = kept
        .filter((a) => noBalance(a) && !tooLarge.has(a.plaidAccountId))
        .map((a) => a.name);
      const before = new Set(await plaidAccountIds(tx, item.id));
      const ids = await upsertPlaidAccounts(tx, item.userId, item.id, item.institutionName, kept);
      const added = kept.filter((a) => !before.has(a.plaidAccountId)).length;
      const deactivated = await deactivateMissing(
        tx,
        item.id,
        accounts.map((a) => a.account_id),
        deps.today,
      );
      const counts = await writeBalances(tx, todaysBalances(kept, ids, deps.today));
      const coins = await storeCoins(tx, item.userId, kept, ids, deps.today);
      await setItemHealth(tx, item.id, { status: "active", errorCode: null, succeeded: true });
      const notes = [
        skippedNote(skipped),
        missingBalance.length ? `no balance from Plaid for: ${missingBalance.join(", ")}` : null,
        beyondNote(beyond),
        unvaluedNote(coins.unvalued),
      ].filter((note) => note !== null);
      const status = missingBalance.length || beyond.length ? "partial_success" : "success";
      const updated = kept.length - missingBalance.length - tooLarge.size;
      await finishRefresh(tx, logId, {
        status,
        accountsUpdated: updated,
        errorMessage: notes.join("; ") || null,
      });
      const from =
        [deactivated > 0 ? deps.today : null, counts.earliestChange, coins.earliestChange]
          .filter((d) => d !== null)
          .sort()[0] ?? null;
      if (from !== null && from <= deps.today)
        await refreshSnapshots(tx, { userId: item.userId }, from, deps.today);
      return result(item, {
        status,
        accountsUpdated: updated,
        accountsAdded: added,
        accountsDeactivated: deactivated,
        message: notes.join("; ") || null,
      });
    });
  } catch (error) {
    // A failure of our own (database, key): reported per item, never stopping the others.
    const message = error instanceof Error ? error.message : String(error);
    return result(item, { status: "failed", errorCode: "NETWORTH_ERROR", message, advice: null });
  } finally {
    await lock.release();
  }
}

/**
 * Syncs balances for every linked item in scope, a bounded number at a time. Each item: a
 * pending refresh log (committed first, so a killed run leaves a trace the next run closes as
 * interrupted), the fetch with retries, then one transaction that writes today's balances, new
 * and vanished accounts, the item's health, the log and the snapshots. One item's failure never
 * stops the others.
 */
export async function syncItems(deps: SyncDeps, options: SyncOptions): Promise<SyncItemResult[]> {
  const items = await syncableItems(deps.db.sql, {
    userId: options.userId,
    itemIds: options.itemIds,
  });
  return mapLimit(items, Math.max(1, options.concurrency ?? 4), async (item) => {
    const outcome = await syncOne(deps, item, options);
    options.onProgress?.({ kind: "done", result: outcome });
    return outcome;
  });
}
