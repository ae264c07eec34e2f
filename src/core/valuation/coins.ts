/**
 * The coins behind Plaid's unofficial currency codes (issue 13): a Plaid account whose balance
 * is in BTC is a holding of CoinGecko's `bitcoin`, valued like any holding (./holdings.ts).
 * The codes are those of Plaid's currency-code schema that name a coin; the others (CNH, GBX)
 * are not coins and have no entry. A symbol alone is ambiguous on CoinGecko (many coins call
 * themselves BTC), so this is a fixed table, never a search. Every id was checked
 * (2026-12-02) against several independent public symbol-to-id tables of CoinGecko clients,
 * some of them dumps of its /coins/list; all agree. A wrong id can only skip an account.
 */

// biome-ignore format: one code a line reads better
const COINS: Readonly<Record<string, string>> = {
  ADA: "cardano",
  BAT: "basic-attention-token",
  BCH: "bitcoin-cash",
  BNB: "binancecoin",
  BSV: "bitcoin-cash-sv",
  BTC: "bitcoin",
  BTG: "bitcoin-gold",
  DASH: "dash",
  DOGE: "dogecoin",
  ETC: "ethereum-classic",
  ETH: "ethereum",
  LSK: "lisk",
  NEO: "neo",
  OMG: "omisego",
  QTUM: "qtum",
  USDT: "tether",
  XLM: "stellar",
  XMR: "monero",
  XRP: "ripple",
  ZEC: "zcash",
  ZRX: "0x",
};

/** The CoinGecko coin id of a Plaid unofficial currency code ("btc" or "BTC"), or null. */
export function coinForCode(code: string): string | null {
  const key = code.trim().toUpperCase();
  return Object.hasOwn(COINS, key) ? (COINS[key] ?? null) : null;
}
