/** An item's state as the advice needs it: plain data, whichever query read it. */
export interface ItemState {
  readonly id: string;
  readonly status: "active" | "error" | "disconnected";
  /** Plaid's error code; on a disconnected item, set when Plaid (not the user) ended it. */
  readonly errorCode: string | null;
}

/**
 * Whether the item needs the user to act before it works again: it is in error, or Plaid
 * disconnected it (status disconnected with an error code: sync found it gone). An item the
 * user unlinked (disconnected, no error code) is a deliberate end, and an active item with new
 * accounts to share still works: neither needs the user. doctor's items check, the dashboard's
 * mark and the items list all go by this one rule.
 */
export function itemNeedsUser(item: Pick<ItemState, "status" | "errorCode">): boolean {
  return item.status === "error" || (item.status === "disconnected" && item.errorCode !== null);
}

/** What the user should do about an item's state, or null when nothing. */
export function itemAdvice(item: ItemState): string | null {
  const ref = item.id.slice(0, 8);
  if (item.status === "disconnected" && item.errorCode === null)
    return "unlinked; its history is kept (networth link to connect again)";
  if (item.errorCode === "NEW_ACCOUNTS_AVAILABLE") {
    return `new accounts at the bank: networth link --update ${ref} to share them`;
  }
  if (item.status === "active") return null;
  switch (item.errorCode) {
    case "ITEM_LOGIN_REQUIRED":
    case "PENDING_EXPIRATION":
    case "PENDING_DISCONNECT":
    case "USER_PERMISSION_REVOKED":
      return `the bank needs you to log in again: networth link --update ${ref}`;
    case "INVALID_ACCESS_TOKEN":
    case "ITEM_NOT_FOUND":
      return "Plaid no longer knows this item: networth link to connect the bank again";
    default:
      return `Plaid reports ${item.errorCode ?? "an error"}: try networth link --update ${ref}`;
  }
}
