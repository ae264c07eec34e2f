import { describe, expect, it } from "vitest";
import { itemAdvice, itemNeedsUser } from "../../src/core/item-advice.js";

const id = "3f2a1b9c-0000-4000-8000-000000000000";

describe("item advice", () => {
  it("needs the user for an item in error or disconnected by Plaid, not one unlinked or working", () => {
    expect(itemNeedsUser({ status: "error", errorCode: "ITEM_LOGIN_REQUIRED" })).toBe(true);
    expect(itemNeedsUser({ status: "error", errorCode: null })).toBe(true);
    expect(itemNeedsUser({ status: "disconnected", errorCode: "ITEM_NOT_FOUND" })).toBe(true);
    expect(itemNeedsUser({ status: "disconnected", errorCode: null })).toBe(false);
    expect(itemNeedsUser({ status: "active", errorCode: null })).toBe(false);
    expect(itemNeedsUser({ status: "active", errorCode: "NEW_ACCOUNTS_AVAILABLE" })).toBe(false);
  });

  it("says what to run for each state", () => {
    expect(itemAdvice({ id, status: "active", errorCode: null })).toBeNull();
    expect(itemAdvice({ id, status: "error", errorCode: "ITEM_LOGIN_REQUIRED" })).toBe(
      "the bank needs you to log in again: networth link --update 3f2a1b9c",
    );
    expect(itemAdvice({ id, status: "active", errorCode: "NEW_ACCOUNTS_AVAILABLE" })).toBe(
      "new accounts at the bank: networth link --update 3f2a1b9c to share them",
    );
    expect(itemAdvice({ id, status: "disconnected", errorCode: null })).toMatch(/^unlinked;/);
    expect(itemAdvice({ id, status: "error", errorCode: "SOMETHING_NEW" })).toBe(
      "Plaid reports SOMETHING_NEW: try networth link --update 3f2a1b9c",
    );
  });

  it("tells an item Plaid disconnected to link again, not that the user unlinked it", () => {
    // Sync marks an item disconnected with INVALID_ACCESS_TOKEN or ITEM_NOT_FOUND.
    for (const errorCode of ["ITEM_NOT_FOUND", "INVALID_ACCESS_TOKEN"]) {
      expect(itemAdvice({ id, status: "disconnected", errorCode })).toBe(
        "Plaid no longer knows this item: networth link to connect the bank again",
      );
    }
  });
});
