/** What itemAdvice reads of an item: plain data, so any layer can ask. */
export interface ItemState {
  readonly id: string;
  readonly status: "active" | "error" | "disconnected";
  readonly errorCode: string | null;
}

/** What the user should do about an item's state, or null when nothing. */
export function itemAdvice(item: ItemState): string | null {
  const ref = item.id.slice(0, 8);
  if (item.status === "disconnected")
    return "unlinked; its history is kept (networth link to connect again)";
  if (item.errorCode === "NEW_ACCOUNTS_AVAILABLE") {
    return `new accounts at the bank: networth link --update ${ref} to share them`;
  }
  if (item.status !== "error") return null;
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
