import type { AccountBase } from "plaid";
import { describe, expect, it } from "vitest";
import { plaidAccounts, quantityFromPlaid, skippedNote } from "../../src/plaid/accounts.js";

const account = (
  name: string,
  iso: string | null,
  unofficial: string | null = null,
  current = 1234.5,
  type = "depository",
): AccountBase =>
  ({
    account_id: `id-${name}`,
    name,
    official_name: null,
    type,
    subtype: "checking",
    mask: "0000",
    balances: {
      current,
      available: null,
      limit: null,
      iso_currency_code: iso,
      unofficial_currency_code: unofficial,
    },
  }) as unknown as AccountBase;

describe("Plaid accounts in any currency", () => {
  it("keeps a CAD account in CAD instead of skipping it", () => {
    const { kept, skipped } = plaidAccounts([
      account("Chequing", "CAD"),
      account("Checking", "USD"),
      account("Old", null),
    ]);
    expect(kept.map((a) => [a.name, a.currency, a.current])).toEqual([
      ["Chequing", "CAD", 123450n],
      ["Checking", "USD", 123450n],
      ["Old", "USD", 123450n],
    ]);
    expect(skipped).toEqual([]);
  });

  it("keeps a coin account only when its coin is priced, holding Plaid's exact quantity", () => {
    const input = [
      account("Wallet", null, "BTC", 0.12345678, "other"),
      account("Odd", "QQQ"),
      account("Doge", null, "DOGE", 1500),
      account("Points", null, "GBX"),
      account("Coin loan", null, "BTC", 1, "loan"),
    ];
    const { kept: none, skipped } = plaidAccounts(input);
    expect(none).toEqual([]);
    expect(skippedNote(skipped)).toBe(
      "skipped accounts networth cannot keep exactly: Wallet (BTC: no price of bitcoin stored yet), " +
        "Odd (QQQ: not an ISO 4217 code), Doge (DOGE: no price of dogecoin stored yet), " +
        "Points (GBX: not a coin networth knows, and no exchange rate), " +
        "Coin loan (BTC: a loan account in coins)",
    );
    const { kept } = plaidAccounts(input, new Set(["bitcoin"]));
    expect(kept.map((a) => [a.name, a.currency, a.current, a.coin])).toEqual([
      ["Wallet", "USD", null, { code: "BTC", asset: "bitcoin", quantity: "0.12345678" }],
    ]);
  });

  it("reads a coin quantity exactly, or refuses it", () => {
    expect(quantityFromPlaid(0.12345678)).toBe("0.12345678");
    expect(quantityFromPlaid(1e-7)).toBe("0.0000001");
    expect(quantityFromPlaid(0.000000000000000001)).toBe("0.000000000000000001");
    expect(quantityFromPlaid(21000000)).toBe("21000000");
    expect(quantityFromPlaid(0)).toBe("0");
    expect(quantityFromPlaid(1e-19)).toBeNull(); // more than 18 decimals
    expect(quantityFromPlaid(-0.5)).toBeNull();
    expect(quantityFromPlaid(1e21)).toBeNull();
    expect(quantityFromPlaid(Number.NaN)).toBeNull();
  });

  it("keeps an empty coin wallet at exactly 0, and says when Plaid gave no quantity", () => {
    const empty = { ...account("Empty", null, "ETH", 0) };
    const blank = account("Blank", null, "ETH");
    (blank.balances as { current: number | null }).current = null;
    const { kept, skipped } = plaidAccounts([empty, blank], new Set(["ethereum"]));
    expect(skipped).toEqual([]);
    expect(kept.map((a) => [a.name, a.current, a.coin?.quantity])).toEqual([
      ["Empty", 0n, "0"],
      ["Blank", null, null],
    ]);
  });
});
