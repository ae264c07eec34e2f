import type { AccountBase } from "plaid";
import { centsFromDecimal } from "../core/money.js";
import type { PlaidAccountInput } from "../db/plaid.js";

/**
 * Cents from a Plaid amount. The JSON number arrives as a double; its shortest decimal form
 * ("56302.06") is what Plaid sent, so it is read as text, never multiplied as a float. Only a
 * value with more than two decimals (which Plaid does not send for USD) is rounded.
 */
export function centsFromPlaid(value: number | null | undefined): bigint | null {
  if (value === null || value === undefined) return null;
  if (!Number.isFinite(value)) throw new Error("Plaid sent a non-finite amount");
  const text = String(value);
  if (/^-?\d+(\.\d{1,2})?$/.test(text)) return centsFromDecimal(text);
  return BigInt(Math.round(value * 100));
}

const TYPES = new Set(["depository", "investment", "loan", "credit", "other"]);

/** Plaid's account type as stored: its old alias `brokerage` is investment, anything new other. */
function storedType(type: string): string {
  if (type === "brokerage") return "investment";
  return TYPES.has(type) ? type : "other";
}

/** The refresh log's note for accounts left out as not USD, or null when there are none. */
export function skippedNote(skipped: readonly { name: string; currency: string }[]): string | null {
  if (skipped.length === 0) return null;
  return `skipped non-USD accounts: ${skipped.map((s) => `${s.name} (${s.currency})`).join(", ")}`;
}

/** Plaid's accounts split into the USD ones to store and the others to warn about. */
export function plaidAccounts(accounts: readonly AccountBase[]): {
  usd: PlaidAccountInput[];
  skipped: { name: string; currency: string }[];
} {
  const usd: PlaidAccountInput[] = [];
  const skipped: { name: string; currency: string }[] = [];
  for (const a of accounts) {
    const currency = a.balances.iso_currency_code ?? a.balances.unofficial_currency_code ?? "USD";
    if (currency !== "USD") {
      skipped.push({ name: a.name, currency });
      continue;
    }
    usd.push({
      plaidAccountId: a.account_id,
      name: a.name,
      officialName: a.official_name ?? null,
      type: storedType(String(a.type)),
      subtype: a.subtype ? String(a.subtype) : null,
      mask: a.mask ?? null,
      // For credit and loan accounts a positive current balance is money owed: the same sign
      // convention as a liability here.
      current: centsFromPlaid(a.balances.current ?? a.balances.available),
      available: centsFromPlaid(a.balances.available),
      limit: centsFromPlaid(a.balances.limit),
    });
  }
  return { usd, skipped };
}
