import { describe, expect, it } from "vitest";
import {
  classifyWebhook,
  itemChange,
  type SyncOutcome,
  syncMessage,
} from "../../src/core/webhook-item.js";

const item = {
  id: "3f2a1b9c-0000-4000-8000-000000000000",
  institutionName: "First Platypus Bank",
  status: "active" as const,
  errorCode: null,
};

describe("what a webhook means", () => {
  it("classifies webhooks: item changes, data updates, the rest ignored", () => {
    const itemId = "wz666MBjYWTp2PDzzggYhM6oWWmBb";
    expect(
      classifyWebhook({ webhook_type: "ITEM", webhook_code: "ERROR", item_id: itemId }),
    ).toEqual({ kind: "item", webhookType: "ITEM", webhookCode: "ERROR", plaidItemId: itemId });
    expect(
      classifyWebhook({
        webhook_type: "HOLDINGS",
        webhook_code: "DEFAULT_UPDATE",
        item_id: itemId,
      }),
    ).toMatchObject({ kind: "data", webhookType: "HOLDINGS" });
    expect(
      classifyWebhook({
        webhook_type: "TRANSACTIONS",
        webhook_code: "SYNC_UPDATES_AVAILABLE",
        item_id: itemId,
      }),
    ).toMatchObject({ kind: "ignored", plaidItemId: itemId });
    // Without an item id (or with one that does not look like one) nothing is acted on.
    expect(classifyWebhook({ webhook_type: "ITEM", webhook_code: "ERROR" })).toMatchObject({
      kind: "ignored",
      plaidItemId: null,
    });
    expect(
      classifyWebhook({ webhook_type: "ITEM", webhook_code: "ERROR", item_id: "a b; drop" }),
    ).toMatchObject({ kind: "ignored", plaidItemId: null });
    expect(classifyWebhook({ webhook_type: "item", webhook_code: "ERROR" })).toEqual({
      kind: "invalid",
    });
    expect(classifyWebhook({})).toEqual({ kind: "invalid" });
  });

  it("turns ITEM webhooks into the item's new state and the line to print", () => {
    const error = { error: { error_code: "ITEM_LOGIN_REQUIRED" } };
    expect(itemChange("ERROR", error, item)).toEqual({
      state: { status: "error", errorCode: "ITEM_LOGIN_REQUIRED" },
      message: "First Platypus Bank needs you to log in again: networth link --update 3f2a1b9c",
    });
    expect(itemChange("ERROR", {}, item)).toEqual({
      state: null,
      message: "First Platypus Bank: Plaid reports an error without a code",
    });
    expect(
      itemChange("PENDING_EXPIRATION", { consent_expiration_time: "2026-04-01T00:00:00Z" }, item)
        ?.message,
    ).toBe(
      "First Platypus Bank's access expires on 2026-04-01: renew it with networth link --update 3f2a1b9c",
    );
    expect(itemChange("LOGIN_REPAIRED", {}, { ...item, status: "error" })?.state).toEqual({
      status: "active",
      errorCode: null,
    });
    // New accounts on an item in error leave its error in place.
    expect(
      itemChange("NEW_ACCOUNTS_AVAILABLE", {}, { ...item, status: "error" })?.state,
    ).toBeNull();
    expect(itemChange("NEW_ACCOUNTS_AVAILABLE", {}, item)?.state).toEqual({
      status: "active",
      errorCode: "NEW_ACCOUNTS_AVAILABLE",
    });
    expect(itemChange("WEBHOOK_UPDATE_ACKNOWLEDGED", {}, item)).toBeNull();
  });

  it("says how the sync after a data webhook went", () => {
    const outcome = (over: Partial<SyncOutcome>): SyncOutcome => ({
      status: "success",
      accountsUpdated: 9,
      accountsAdded: 0,
      accountsDeactivated: 0,
      message: null,
      errorCode: null,
      advice: null,
      ...over,
    });
    const name = "Bank";
    expect(syncMessage(name, "INVESTMENTS_TRANSACTIONS", [outcome({ accountsAdded: 1 })])).toBe(
      "Bank: new investments transactions data; synced 9 account(s), 1 new",
    );
    expect(syncMessage(name, "TRANSACTIONS", [outcome({ status: "skipped" })])).toBe(
      "Bank: new transactions data; another sync is updating it",
    );
    expect(
      syncMessage(name, "HOLDINGS", [
        outcome({ status: "failed", errorCode: "ITEM_LOGIN_REQUIRED", advice: "log in again" }),
      ]),
    ).toBe("Bank: new holdings data, but the sync failed (ITEM_LOGIN_REQUIRED): log in again");
    expect(syncMessage(name, "HOLDINGS", [])).toBe(
      "Bank: new holdings data, but nothing to sync (no access token)",
    );
  });
});
