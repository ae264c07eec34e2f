import type { AccountBase } from "plaid";
import { isCurrencyCode, isIsoCurrency } from "../core/currency.js";
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

/**
 * The refresh log's note for accounts left out for their currency, or null when none was: an
 * unknown code, or an unofficial one (crypto) that is not kept, since a balance here has two
 * decimals and 0.12345678 BTC would be stored as 0.12.
 */
export function skippedNote(skipped: readonly { name: string; currency: string }[]): string | null {
  if (skipped.length === 0) return null;
  return `skipped accounts in a currency networth cannot keep exactly (unofficial or unknown code): ${skipped.map((s) => `${s.name} (${s.currency})`).join(", ")}`;
}

/**
 * Plaid's accounts split into those to store, each in the ISO 4217 currency Plaid gives
 * (issue 13: a CAD account is kept, in CAD), and those to warn about: an account with only an
 * unofficial code (crypto) unless `priced(code)` says rates exist for it, or none at all is
 * taken as USD as before.
 */
export function plaidAccounts(
  accounts: readonly AccountBase[],
  priced: (code: string) => boolean = () => false,
): {
  usd: PlaidAccountInput[];
  skipped: { name: string; currency: string }[];
} {
  const usd: PlaidAccountInput[] = [];
  const skipped: { name: string; currency: string }[] = [];
  for (const a of accounts) {
    const iso = a.balances.iso_currency_code;
    const unofficial = a.balances.unofficial_currency_code;
    let currency: string;
    if (iso) {
      currency = iso.toUpperCase();
      if (!isIsoCurrency(currency)) {
        skipped.push({ name: a.name, currency: iso });
        continue;
      }
    } else if (unofficial) {
      currency = unofficial.toUpperCase();
      if (!isCurrencyCode(currency) || !priced(currency)) {
        skipped.push({ name: a.name, currency: unofficial });
        continue;
      }
    } else {
      currency = "USD";
    }
    usd.push({
      currency,
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
