import { describe, expect, it } from "vitest";
import { bucketFor } from "../../src/core/buckets.js";

describe("bucketFor", () => {
  it("keeps positive balances in their category's bucket", () => {
    expect(bucketFor("vehicle", 100n)).toEqual({ side: "asset", bucket: "vehicles", cents: 100n });
    expect(bucketFor("credit_card", 5n)).toEqual({
      side: "liability",
      bucket: "creditCards",
      cents: 5n,
    });
  });

  it("moves an overdraft to liabilities and a card in credit to assets", () => {
    expect(bucketFor("cash", -2500n)).toEqual({ side: "liability", bucket: "other", cents: 2500n });
    expect(bucketFor("credit_card", -1000n)).toEqual({
      side: "asset",
      bucket: "cash",
      cents: 1000n,
    });
  });
});
