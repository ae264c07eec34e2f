import type { CryptoKey } from "jose";
import { importJWK } from "jose";
import type { PlaidApi } from "plaid";
import { PlaidError, toPlaidError } from "./client.js";
import { WebhookKeyUnavailableError, WebhookVerificationError } from "./webhook-errors.js";

/**
 * Plaid's webhook verification keys: fetched by key id from /webhook_verification_key/get,
 * imported with jose for ES256 only, and held in memory (one fetch per key id at a time,
 * refreshed hourly to learn of an expiry, unknown ids refused for a while without asking).
 */

/** How long a fetched key is used before it is fetched again (to learn of its expiry). */
export const KEY_REFRESH_MS = 60 * 60 * 1000;
/** How long a key id Plaid said it does not know is refused without asking again. */
const UNKNOWN_KEY_TTL_MS = 10 * 60 * 1000;
/** Keys (and unknown key ids) remembered at most. */
const CACHE_LIMIT = 64;
/** Plaid's answer for a key id it does not know. */
const UNKNOWN_KEY_CODE = "INVALID_WEBHOOK_VERIFICATION_KEY_ID";

/** A public key as /webhook_verification_key/get returns it (times in seconds since 1970). */
export interface WebhookVerificationKey {
  readonly kid?: string;
  readonly kty: string;
  readonly crv: string;
  readonly x: string;
  readonly y: string;
  readonly alg?: string;
  readonly use?: string;
  readonly created_at?: number;
  readonly expired_at?: number | null;
}

/** Fetches the key with this id: null when Plaid does not know it; throws when it cannot ask. */
export type FetchWebhookKey = (kid: string) => Promise<WebhookVerificationKey | null>;

/** The key Plaid published, imported for ES256 only (P-256; nothing but its public members). */
export async function importPlaidKey(jwk: WebhookVerificationKey): Promise<CryptoKey> {
  if (jwk.kty !== "EC" || jwk.crv !== "P-256" || (jwk.alg !== undefined && jwk.alg !== "ES256")) {
    throw new WebhookVerificationError("unknown_key", "the verification key is not an ES256 key");
  }
  try {
    const key = await importJWK({ kty: jwk.kty, crv: jwk.crv, x: jwk.x, y: jwk.y }, "ES256");
    // A JWK with "d" would come back as a private key; with only x and y it is public.
    if (key instanceof Uint8Array || key.type !== "public") throw new Error("not a public key");
    return key;
  } catch {
    throw new WebhookVerificationError("unknown_key", "the verification key is not a valid key");
  }
}

/** Fetches verification keys from Plaid: null for a key id Plaid does not know. */
export function plaidKeyFetcher(client: PlaidApi): FetchWebhookKey {
  return async (kid) => {
    try {
      const response = await client.webhookVerificationKeyGet({ key_id: kid });
      return response.data.key;
    } catch (error) {
      const plaid = toPlaidError(error);
      // A key id Plaid never issued: the webhook is not Plaid's. Any other failure (our own
      // keys refused, no answer) says nothing about the webhook.
      if (plaid instanceof PlaidError && plaid.errorCode === UNKNOWN_KEY_CODE) return null;
      const what = plaid instanceof PlaidError ? plaid.errorCode : "an unexpected error";
      throw new WebhookKeyUnavailableError(`could not fetch the verification key: ${what}`);
    }
  };
}

interface CachedKey {
  readonly key: CryptoKey;
  readonly expiredAt: number | null;
  readonly fetchedAt: number;
}

function remember<V>(cache: Map<string, V>, kid: string, value: V): void {
  cache.delete(kid);
  cache.set(kid, value);
  // Oldest first: a flood of made-up key ids cannot grow the cache without bound.
  while (cache.size > CACHE_LIMIT) cache.delete(cache.keys().next().value as string);
}

/** Options of webhookKeyCache. */
export interface WebhookKeyCacheOptions {
  readonly fetchKey: FetchWebhookKey;
  readonly now: () => Date;
  /** How long a fetched key is trusted before it is fetched again (default one hour). */
  readonly refreshMs?: number;
}

/**
 * The key for a key id: cached, else fetched. A WebhookVerificationError when Plaid does not
 * know it or it has expired; WebhookKeyUnavailableError when Plaid cannot be asked (and no key
 * fetched before can stand in).
 */
export function webhookKeyCache(
  options: WebhookKeyCacheOptions,
): (kid: string) => Promise<CryptoKey> {
  const { now } = options;
  const refreshMs = options.refreshMs ?? KEY_REFRESH_MS;
  const keys = new Map<string, CachedKey>();
  const unknown = new Map<string, number>();
  const fetching = new Map<string, Promise<CachedKey | null>>();

  async function fetchKey(kid: string, stale: CachedKey | undefined): Promise<CachedKey | null> {
    let jwk: WebhookVerificationKey | null;
    try {
      jwk = await options.fetchKey(kid);
    } catch (error) {
      // Plaid cannot be asked again right now: a key fetched before still verifies.
      if (stale) return stale;
      throw error;
    }
    if (!jwk) {
      keys.delete(kid);
      remember(unknown, kid, now().getTime() + UNKNOWN_KEY_TTL_MS);
      return null;
    }
    const cached: CachedKey = {
      key: await importPlaidKey(jwk),
      expiredAt: typeof jwk.expired_at === "number" ? jwk.expired_at : null,
      fetchedAt: now().getTime(),
    };
    remember(keys, kid, cached);
    return cached;
  }

  async function keyFor(kid: string): Promise<CryptoKey> {
    const at = now().getTime();
    const refusedUntil = unknown.get(kid);
    if (refusedUntil !== undefined && refusedUntil > at) {
      throw new WebhookVerificationError("unknown_key", "Plaid has no verification key by that id");
    }
    const cached = keys.get(kid);
    let found: CachedKey | null | undefined = cached;
    if (!cached || at - cached.fetchedAt >= refreshMs) {
      // One fetch per key id at a time, however many webhooks arrive at once.
      let pending = fetching.get(kid);
      if (!pending) {
        pending = fetchKey(kid, cached).finally(() => fetching.delete(kid));
        fetching.set(kid, pending);
      }
      found = await pending;
    }
    if (!found) {
      throw new WebhookVerificationError("unknown_key", "Plaid has no verification key by that id");
    }
    if (found.expiredAt !== null && found.expiredAt * 1000 <= now().getTime()) {
      throw new WebhookVerificationError("expired_key", "the verification key has expired");
    }
    return found.key;
  }

  return keyFor;
}
