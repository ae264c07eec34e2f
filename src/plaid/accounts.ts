import type { AccountBase } from "plaid";
import { AMOUNT_LIMIT_TEXT, MAX_AMOUNT_CENTS } from "../core/amount.js";
import { isIsoCurrency } from "../core/currency.js";
import { centsFromDecimal } from "../core/money.js";
import { coinForCode } from "../core/valuation/coins.js";
import { decimalText, parseFraction } from "../core/valuation/fraction.js";
import type { PlaidAccountInput } from "../db/plaid.js";
import { CURRENCY as PRICE_CURRENCY } from "../db/prices.js";

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

/** Decimal places a coin quantity keeps (account_holdings.quantity is NUMERIC(38,18)). */
const QUANTITY_PLACES = 18n;

/**
 * A coin quantity from Plaid, exact: the JSON number's shortest decimal form ("0.12345678",
 * "1e-7") is what Plaid sent, read as text, never multiplied as a float. Null when it is not
 * a number networth can keep exactly: negative, more than 18 decimals, or more than 20 digits
 * before the point.
 */
export function quantityFromPlaid(value: number): string | null {
  if (!Number.isFinite(value) || value < 0) return null;
  const f = parseFraction(String(value));
  if (!f) return null;
  const scaled = f.n * 10n ** QUANTITY_PLACES;
  if (scaled % f.d !== 0n || f.n / f.d >= 10n ** 20n) return null;
  return decimalText(f, Number(QUANTITY_PLACES));
}

/** An account left out, and why (the refresh log's note, `link --json`'s `skipped`). */
export interface SkippedAccount {
  readonly name: string;
  /** The code Plaid gave. */
  readonly currency: string;
  readonly reason: string;
}

/** The refresh log's note for accounts left out for their currency, or null when none was. */
export function skippedNote(skipped: readonly SkippedAccount[]): string | null {
  if (skipped.length === 0) return null;
  return `skipped accounts networth cannot keep exactly: ${skipped.map((s) => `${s.name} (${s.currency}: ${s.reason})`).join(", ")}`;
}

/** A figure of a kept account left out: beyond what a balance can hold (core/amount.ts). */
export interface BeyondAmount {
  readonly plaidAccountId: string;
  readonly name: string;
  readonly what: "balance" | "available" | "limit";
}

/** The refresh log's note for figures left out for their size, or null when none was. */
export function beyondNote(beyond: readonly BeyondAmount[]): string | null {
  if (beyond.length === 0) return null;
  return `amounts beyond ±${AMOUNT_LIMIT_TEXT} not kept (the last stays): ${beyond.map((b) => `${b.name} (${b.what})`).join(", ")}`;
}

/** True for a kept account Plaid gave no balance for (nor, for a coin account, a quantity). */
export function noBalance(a: PlaidAccountInput): boolean {
  return a.coin ? a.coin.quantity === null : a.current === null;
}

/** The refresh log's note for coin accounts not valued today, or null. */
export function unvaluedNote(unvalued: readonly { name: string; reason: string }[]): string | null {
  if (unvalued.length === 0) return null;
  return `not valued today yet (networth revalue fetches the price): ${unvalued.map((u) => `${u.name} (${u.reason})`).join(", ")}`;
}

/**
 * The unofficial code of an account Plaid gives only that (a wallet in BTC), else null: a
 * possible coin account, kept or skipped by plaidAccounts.
 */
export function onlyUnofficial(a: AccountBase): string | null {
  return a.balances.iso_currency_code ? null : a.balances.unofficial_currency_code || null;
}

/** The coin ids of the accounts that have only an unofficial code: whose prices to look up. */
export function coinsWanted(accounts: readonly AccountBase[]): string[] {
  const ids = accounts.flatMap((a) => {
    const code = onlyUnofficial(a);
    if (!code) return [];
    const coin = coinForCode(code);
    return coin ? [coin] : [];
  });
  return [...new Set(ids)].sort();
}

const ASSET_TYPES = new Set(["depository", "investment", "other"]);

/**
 * Plaid's accounts split into those to store and those to warn about. An account keeps the
 * ISO 4217 currency Plaid gives (issue 13: a CAD account is kept, in CAD), or USD when it gives
 * none. One with only an unofficial code is a coin account when the code names a coin
 * (./core/valuation/coins.ts) that has a price stored (`priced`: coin ids), it is an asset,
 * and its quantity can be kept exactly: it is stored in USD (the prices' currency) holding
 * that quantity, and valued as holdings are, never at two decimals of coins. Any other is
 * skipped, with the reason.
 */
export function plaidAccounts(
  accounts: readonly AccountBase[],
  priced: ReadonlySet<string> = new Set(),
): {
  kept: PlaidAccountInput[];
  skipped: SkippedAccount[];
  beyond: BeyondAmount[];
} {
  const kept: PlaidAccountInput[] = [];
  const skipped: SkippedAccount[] = [];
  const beyond: BeyondAmount[] = [];
  for (const a of accounts) {
    const iso = a.balances.iso_currency_code;
    const unofficial = onlyUnofficial(a);
    const type = storedType(String(a.type));
    const base = {
      plaidAccountId: a.account_id,
      name: a.name,
      officialName: a.official_name ?? null,
      type,
      subtype: a.subtype ? String(a.subtype) : null,
      mask: a.mask ?? null,
    };
    if (unofficial) {
      const asset = coinForCode(unofficial);
      const skip = (reason: string) => skipped.push({ name: a.name, currency: unofficial, reason });
      if (asset === null) {
        skip("not a coin networth knows, and no exchange rate");
        continue;
      }
      if (!ASSET_TYPES.has(type)) {
        skip(`a ${type} account in coins`);
        continue;
      }
      if (!priced.has(asset)) {
        skip(`no price of ${asset} stored yet`);
        continue;
      }
      const raw = a.balances.current ?? a.balances.available ?? null;
      const quantity = raw === null ? null : quantityFromPlaid(raw);
      if (raw !== null && quantity === null) {
        skip(`${raw} is not a quantity networth can keep exactly`);
        continue;
      }
      kept.push({
        ...base,
        currency: PRICE_CURRENCY,
        // An empty wallet is worth exactly 0 without a price; otherwise its value is the
        // holdings method's (quantity × the day's price), not Plaid's.
        current: quantity === "0" ? 0n : null,
        available: null,
        limit: null,
        coin: { code: unofficial.toUpperCase(), asset, quantity },
      });
      continue;
    }
    let currency = "USD";
    if (iso) {
      currency = iso.toUpperCase();
      if (!isIsoCurrency(currency)) {
        skipped.push({ name: a.name, currency: iso, reason: "not an ISO 4217 code" });
        continue;
      }
    }
    // A figure no balance can hold (10^13 and more) would fail the whole item's write: it is
    // left out (null: the account keeps its last balance) and said, the rest is kept.
    const bounded = (value: number | null | undefined, what: BeyondAmount["what"]) => {
      const cents = centsFromPlaid(value);
      if (cents === null || (cents <= MAX_AMOUNT_CENTS && cents >= -MAX_AMOUNT_CENTS)) return cents;
      beyond.push({ plaidAccountId: a.account_id, name: a.name, what });
      return null;
    };
    kept.push({
      ...base,
      currency,
      // For credit and loan accounts a positive current balance is money owed: the same sign
      // convention as a liability here.
      current: bounded(a.balances.current ?? a.balances.available, "balance"),
      available: bounded(a.balances.available, "available"),
      limit: bounded(a.balances.limit, "limit"),
    });
  }
  return { kept, skipped, beyond };
}
