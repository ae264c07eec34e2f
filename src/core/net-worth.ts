import { type AccountCategory, bucketFor, CATEGORY_BUCKETS } from "./buckets.js";
import { centsFromDecimal } from "./money.js";

/** What counting needs of an account: its category, current balance and whether it is active. */
export interface Countable {
  readonly category: AccountCategory;
  /** The current balance as a decimal string, or null when it has none. */
  readonly balance: string | null;
  readonly isActive: boolean;
}

/** An account placed on the side where its balance counts today. */
export interface Placed<T> {
  readonly account: T;
  readonly side: "asset" | "liability";
  /** What it adds to that side (never negative), or null when it counts for nothing. */
  readonly cents: bigint | null;
  /** True when its sign moved it off its category's side: a card in credit, an overdraft. */
  readonly crossed: boolean;
}

/**
 * The one place the sign rule of docs/schema.md (defect 7) is applied to current balances: a
 * negative liability counts as an asset (cash), a negative asset as a liability. Every total
 * shown beside another (the accounts table and its net worth line, the JSON) comes from here,
 * so they cannot disagree. Archived accounts and accounts without a balance count for nothing.
 */
export function countAccounts<T extends Countable>(accounts: readonly T[]) {
  let assets = 0n;
  let liabilities = 0n;
  const placed: Placed<T>[] = accounts.map((account) => {
    const home = CATEGORY_BUCKETS[account.category].side;
    if (account.balance === null || !account.isActive)
      return { account, side: home, cents: null, crossed: false };
    const counted = bucketFor(account.category, centsFromDecimal(account.balance));
    if (counted.side === "asset") assets += counted.cents;
    else liabilities += counted.cents;
    return { account, side: counted.side, cents: counted.cents, crossed: counted.side !== home };
  });
  return { placed, assets, liabilities, netWorth: assets - liabilities };
}
