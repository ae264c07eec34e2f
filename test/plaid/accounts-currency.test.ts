import type { AccountBase } from "plaid";
import { describe, expect, it } from "vitest";
import { plaidAccounts, skippedNote } from "../../src/plaid/accounts.js";

const account = (name: string, iso: string | null, unofficial: string | null = null): AccountBase =>
  ({
    account_id: `id-${name}`,
    name,
    official_name: null,
    type: "depository",
    subtype: "checking",
    mask: "0000",
    balances: {
      current: 1234.5,
      available: null,
      limit: null,
      iso_currency_code: iso,
      unofficial_currency_code: unofficial,
    },
  }) as unknown as AccountBase;

describe("Plaid accounts in any currency", () => {
  it("keeps a CAD account in CAD instead of skipping it", () => {
    const { usd: kept, skipped } = plaidAccounts([
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

  it("keeps an unofficial code only when it is priced, and skips an unknown code with a note", () => {
    const input = [
      account("Wallet", null, "BTC"),
      account("Odd", "QQQ"),
      account("Doge", null, "DOGE"),
    ];
    const { usd: none, skipped } = plaidAccounts(input);
    expect(none).toEqual([]);
    expect(skippedNote(skipped)).toBe(
      "skipped accounts in a currency networth cannot keep exactly (unofficial or unknown code): Wallet (BTC), Odd (QQQ), Doge (DOGE)",
    );
    const { usd: kept } = plaidAccounts(input, (code) => code === "BTC");
    expect(kept.map((a) => [a.name, a.currency])).toEqual([["Wallet", "BTC"]]);
  });
});
