import type { TransactionSql } from "postgres";
import { deleteHolding, holdingsByAccount, insertHolding, updateHolding } from "../db/holdings.js";
import type { PlaidAccountInput } from "../db/plaid.js";
import { revalue } from "../db/revalue.js";
import {
  deleteGenerated,
  deleteValuation,
  settleGenerated,
  upsertValuation,
  valuationsByAccount,
} from "../db/valuations.js";

/** What storing the coin accounts did. */
export interface CoinOutcome {
  /** The earliest date whose value changed (snapshots from there), or null. */
  readonly earliestChange: string | null;
  /** Coin accounts without a value today (no price of the day yet), with the reason. */
  readonly unvalued: readonly { name: string; reason: string }[];
}

const earlier = (a: string | null, b: string | null) =>
  a === null ? b : b === null ? a : a < b ? a : b;

/**
 * Plaid's coin accounts (PlaidAccountInput.coin) as holdings, in the caller's transaction,
 * after their rows and today's Plaid balances are written (`ids`: account id by Plaid account
 * id). Each holds one holding of its coin, exactly the quantity Plaid gave, and the method
 * `holdings`, so its value is quantity × the day's price, exact and rounded half-up to the
 * cent once, by the same code as every holding (src/db/revalue.ts), here and on every
 * revalue. Plaid gives only today's quantity, so a holding starts on the day its quantity was
 * last seen to change: then the values before that day, generated at the old quantity, are
 * settled as the account's own (never recomputed at the new one) and the new quantity counts
 * from today. An empty wallet has no holding and no method: Plaid's 0 is its value.
 */
export async function storeCoins(
  tx: TransactionSql,
  userId: string,
  accounts: readonly PlaidAccountInput[],
  ids: ReadonlyMap<string, string>,
  today: string,
): Promise<CoinOutcome> {
  const coins = accounts.flatMap((a) => {
    const accountId = ids.get(a.plaidAccountId);
    return a.coin && a.coin.quantity !== null && accountId
      ? [{ accountId, name: a.name, asset: a.coin.asset, quantity: a.coin.quantity }]
      : [];
  });
  if (coins.length === 0) return { earliestChange: null, unvalued: [] };
  const held = await holdingsByAccount(
    tx,
    coins.map((c) => c.accountId),
  );
  const methods = await valuationsByAccount(tx);
  let earliestChange: string | null = null;
  const valued: string[] = [];
  for (const c of coins) {
    const list = held.get(c.accountId) ?? [];
    const same =
      list.length === 1 && list[0]?.asset === c.asset && list[0]?.quantity === c.quantity;
    if (same && methods.get(c.accountId)?.rule.method === "holdings") {
      valued.push(c.accountId);
      continue;
    }
    // Its past stays what it was worth at the quantity Plaid gave then.
    if (!same && list.length > 0) await settleGenerated(tx, c.accountId, today);
    const start = same ? (list[0]?.start ?? today) : today;
    if (c.quantity === "0") {
      for (const h of list) await deleteHolding(tx, c.accountId, h.asset);
      await deleteValuation(tx, c.accountId);
      earliestChange = earlier(earliestChange, (await deleteGenerated(tx, c.accountId)).earliest);
      continue;
    }
    const holding = {
      kind: "coin" as const,
      asset: c.asset,
      quantity: c.quantity,
      unit: null,
      purity: null,
      start,
    };
    for (const h of list) if (h.asset !== c.asset) await deleteHolding(tx, c.accountId, h.asset);
    if (!(await updateHolding(tx, c.accountId, holding)))
      await insertHolding(tx, c.accountId, userId, holding);
    await upsertValuation(tx, c.accountId, userId, { method: "holdings", start, basis: 0n });
    valued.push(c.accountId);
  }
  if (valued.length === 0) return { earliestChange, unvalued: [] };
  const done = await revalue(tx, { accountIds: valued }, { today });
  const names = new Map(coins.map((c) => [c.accountId, c.name]));
  return {
    earliestChange: earlier(earliestChange, done.earliestByUser.get(userId) ?? null),
    unvalued: done.stale.map((s) => ({
      name: names.get(s.accountId) ?? s.accountId,
      reason: s.reason,
    })),
  };
}
