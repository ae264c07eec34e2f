import { type ItemState, itemAdvice } from "./item-advice.js";

/**
 * What a Plaid webhook means: which ones networth acts on, what an ITEM webhook does to the
 * item's state and the line saying so, and the line after the sync a data webhook starts.
 * Pure: the webhook server (plaid/webhooks.ts) reads and writes, this decides.
 */

/** The ITEM webhooks that change the item's state (itemChange). */
const ITEM_CODES = new Set([
  "ERROR",
  "LOGIN_REPAIRED",
  "PENDING_EXPIRATION",
  "PENDING_DISCONNECT",
  "USER_PERMISSION_REVOKED",
  "NEW_ACCOUNTS_AVAILABLE",
]);

/** Webhooks that mean Plaid has new data for the item: each syncs it. */
const DATA_WEBHOOKS = new Set([
  "TRANSACTIONS",
  "HOLDINGS",
  "INVESTMENTS_TRANSACTIONS",
  "LIABILITIES",
]);

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** A Plaid code (webhook type or code, error code), or null when it is not one. */
function code(value: unknown): string | null {
  return typeof value === "string" && /^[A-Z0-9_]{1,64}$/.test(value) ? value : null;
}

/** A webhook's body, classified: what networth does with it. */
export type WebhookKind =
  | { readonly kind: "invalid" }
  | {
      readonly kind: "ignored";
      readonly webhookType: string;
      readonly webhookCode: string;
      readonly plaidItemId: string | null;
    }
  | {
      readonly kind: "item" | "data";
      readonly webhookType: string;
      readonly webhookCode: string;
      readonly plaidItemId: string;
    };

/**
 * The webhook's kind: invalid without a type and code; an ITEM change or a data update
 * (DEFAULT_UPDATE of transactions, holdings, liabilities) when it names an item; else ignored.
 */
export function classifyWebhook(body: Readonly<Record<string, unknown>>): WebhookKind {
  const webhookType = code(body.webhook_type);
  const webhookCode = code(body.webhook_code);
  if (!webhookType || !webhookCode) return { kind: "invalid" };
  // The item_id is logged; it is no secret, but only one that looks like one is.
  const id = body.item_id;
  const plaidItemId = typeof id === "string" && /^[A-Za-z0-9_-]{1,255}$/.test(id) ? id : null;
  const base = { webhookType, webhookCode };
  if (plaidItemId && webhookType === "ITEM" && ITEM_CODES.has(webhookCode))
    return { ...base, kind: "item", plaidItemId };
  if (plaidItemId && DATA_WEBHOOKS.has(webhookType) && webhookCode === "DEFAULT_UPDATE")
    return { ...base, kind: "data", plaidItemId };
  return { ...base, kind: "ignored", plaidItemId };
}

/** What an ITEM webhook does to the item: its new state and the line saying so. */
export interface ItemChange {
  readonly state: { status: "active" | "error"; errorCode: string | null } | null;
  readonly message: string;
}

/** The change an ITEM webhook asks for; null for ITEM webhooks that change nothing. */
export function itemChange(
  webhookCode: string,
  body: Readonly<Record<string, unknown>>,
  item: ItemState & { readonly institutionName: string },
): ItemChange | null {
  const name = item.institutionName;
  const ref = item.id.slice(0, 8);
  const update = `networth link --update ${ref}`;
  switch (webhookCode) {
    case "ERROR": {
      const error = isObject(body.error) ? code(body.error.error_code) : null;
      if (!error) return { state: null, message: `${name}: Plaid reports an error without a code` };
      return {
        state: { status: "error", errorCode: error },
        message:
          error === "ITEM_LOGIN_REQUIRED"
            ? `${name} needs you to log in again: ${update}`
            : `${name}: ${itemAdvice({ id: item.id, status: "error", errorCode: error })}`,
      };
    }
    case "LOGIN_REPAIRED":
      return {
        state: { status: "active", errorCode: null },
        message: `${name} works again (the login was repaired): nothing to do`,
      };
    case "PENDING_EXPIRATION": {
      const at = body.consent_expiration_time;
      const when =
        typeof at === "string" && /^\d{4}-\d{2}-\d{2}/.test(at)
          ? ` on ${at.slice(0, 10)}`
          : " soon";
      return {
        state: { status: "error", errorCode: "PENDING_EXPIRATION" },
        message: `${name}'s access expires${when}: renew it with ${update}`,
      };
    }
    case "PENDING_DISCONNECT":
      return {
        state: { status: "error", errorCode: "PENDING_DISCONNECT" },
        message: `${name} will be disconnected soon: reconnect it with ${update}`,
      };
    case "USER_PERMISSION_REVOKED":
      return {
        state: { status: "error", errorCode: "USER_PERMISSION_REVOKED" },
        message: `${name}: access was revoked at the bank or at Plaid: grant it again with ${update}, or networth unlink ${ref}`,
      };
    case "NEW_ACCOUNTS_AVAILABLE":
      return {
        // An item in error keeps its error: update mode, which the user needs first, also
        // offers the new accounts.
        state:
          item.status === "active"
            ? { status: "active", errorCode: "NEW_ACCOUNTS_AVAILABLE" }
            : null,
        message: `${name} has new accounts: share them with ${update}`,
      };
    default:
      return null;
  }
}

/** How one item's sync went, as the line after a data webhook needs it. */
export interface SyncOutcome {
  readonly status: "success" | "partial_success" | "skipped" | "failed";
  readonly accountsUpdated: number;
  readonly accountsAdded: number;
  readonly accountsDeactivated: number;
  readonly message: string | null;
  readonly errorCode: string | null;
  readonly advice: string | null;
}

/** The line saying how a sync after a data webhook went, and what to do. */
export function syncMessage(
  name: string,
  webhookType: string,
  results: readonly SyncOutcome[],
): string {
  const what = webhookType.toLowerCase().replace(/_/g, " ");
  const [r] = results;
  if (!r) return `${name}: new ${what} data, but nothing to sync (no access token)`;
  if (r.status === "success" || r.status === "partial_success") {
    const added = r.accountsAdded > 0 ? `, ${r.accountsAdded} new` : "";
    const gone = r.accountsDeactivated > 0 ? `, ${r.accountsDeactivated} gone` : "";
    const note = r.status === "partial_success" && r.message ? ` (${r.message})` : "";
    return `${name}: new ${what} data; synced ${r.accountsUpdated} account(s)${added}${gone}${note}`;
  }
  if (r.status === "skipped") return `${name}: new ${what} data; another sync is updating it`;
  return `${name}: new ${what} data, but the sync failed (${r.errorCode ?? "error"}): ${r.advice ?? r.message ?? "see networth logs"}`;
}
