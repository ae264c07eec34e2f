import {
  createHash,
  createPublicKey,
  type KeyObject,
  timingSafeEqual,
  verify as verifySignature,
} from "node:crypto";
import type { PlaidApi } from "plaid";
import { PlaidError, toPlaidError } from "./client.js";

/**
 * Verification of Plaid webhooks. The `Plaid-Verification` header is a compact JWS signed with
 * ES256; its `kid` names a key from /webhook_verification_key/get; its claims hold `iat` and
 * `request_body_sha256`, the SHA-256 (hex) of the raw body bytes. The checks are pure functions
 * over the header, the body and a clock; only the key fetcher talks to Plaid.
 */

/** How far `iat` may be from now, either way, in seconds. */
export const MAX_WEBHOOK_AGE_SECONDS = 300;
/** How long a fetched key is used before it is fetched again (to learn of its expiry). */
export const KEY_REFRESH_MS = 60 * 60 * 1000;
/** How long a key id Plaid said it does not know is refused without asking again. */
const UNKNOWN_KEY_TTL_MS = 10 * 60 * 1000;
/** Keys (and unknown key ids) remembered at most. */
const CACHE_LIMIT = 64;
/** Plaid's answer for a key id it does not know. */
const UNKNOWN_KEY_CODE = "INVALID_WEBHOOK_VERIFICATION_KEY_ID";
/** A Plaid-Verification header is a few hundred characters; anything this long is not one. */
const MAX_HEADER_CHARS = 8192;

/** Why a webhook was refused (the server answers 401 for each). */
export type WebhookRejection =
  | "missing_header"
  | "malformed"
  | "unsupported_algorithm"
  | "unknown_key"
  | "expired_key"
  | "bad_signature"
  | "stale"
  | "future"
  | "body_mismatch";

/** A webhook that failed verification. The message never holds the header or the body. */
export class WebhookVerificationError extends Error {
  constructor(
    readonly reason: WebhookRejection,
    message: string,
  ) {
    super(message);
    this.name = "WebhookVerificationError";
  }
}

/**
 * The verification key could not be fetched for a reason other than Plaid not knowing it (no
 * answer, a 5xx): nothing is known about the webhook, so the server answers 503 and Plaid
 * delivers it again later.
 */
export class WebhookKeyUnavailableError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "WebhookKeyUnavailableError";
  }
}

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

/** What a verified header says. */
export interface VerifiedWebhook {
  readonly kid: string;
  /** Seconds since 1970. */
  readonly iat: number;
}

/** A compact JWS taken apart (nothing verified yet). */
export interface DecodedJws {
  readonly header: Readonly<Record<string, unknown>>;
  readonly payload: Readonly<Record<string, unknown>>;
  /** `base64url(header).base64url(payload)`: the bytes the signature covers. */
  readonly signingInput: Buffer;
  readonly signature: Buffer;
}

const SEGMENT = /^[A-Za-z0-9_-]*$/;

function malformed(what: string): WebhookVerificationError {
  return new WebhookVerificationError("malformed", `malformed Plaid-Verification header: ${what}`);
}

function jsonObject(segment: string, what: string): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(segment, "base64url").toString("utf8"));
  } catch {
    throw malformed(`the ${what} is not JSON`);
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw malformed(`the ${what} is not a JSON object`);
  }
  return value as Record<string, unknown>;
}

/** Takes a compact JWS apart: three base64url segments, a JSON header and payload. */
export function decodeJws(token: string): DecodedJws {
  if (token.length > MAX_HEADER_CHARS) throw malformed("too long");
  const parts = token.trim().split(".");
  if (parts.length !== 3) throw malformed("not a compact JWS (three dot-separated parts)");
  const [header, payload, signature] = parts as [string, string, string];
  if (!header || !payload || ![header, payload, signature].every((p) => SEGMENT.test(p))) {
    throw malformed("a part is not base64url");
  }
  return {
    header: jsonObject(header, "header"),
    payload: jsonObject(payload, "payload"),
    signingInput: Buffer.from(`${header}.${payload}`, "ascii"),
    signature: Buffer.from(signature, "base64url"),
  };
}

/** The header's key id, once the algorithm is ES256 (never "none", never an HMAC). */
export function checkJwsHeader(header: Readonly<Record<string, unknown>>): string {
  if (header.alg !== "ES256") {
    const alg = typeof header.alg === "string" ? header.alg.slice(0, 20) : typeof header.alg;
    throw new WebhookVerificationError(
      "unsupported_algorithm",
      `webhook signed with ${JSON.stringify(alg)}, not ES256`,
    );
  }
  // RFC 7515 4.1.11: extensions we do not understand must be refused.
  if (header.crit !== undefined) throw malformed("unsupported critical header parameters");
  const kid = header.kid;
  if (typeof kid !== "string" || kid === "" || kid.length > 256) {
    throw malformed("no key id (kid)");
  }
  return kid;
}

/** The key Plaid published, as a node:crypto public key (P-256, for ES256 only). */
export function publicKeyOf(jwk: WebhookVerificationKey): KeyObject {
  if (jwk.kty !== "EC" || jwk.crv !== "P-256" || (jwk.alg !== undefined && jwk.alg !== "ES256")) {
    throw new WebhookVerificationError("unknown_key", "the verification key is not an ES256 key");
  }
  try {
    // Only the public members: whatever else the object holds is not passed on.
    return createPublicKey({
      key: { kty: jwk.kty, crv: jwk.crv, x: jwk.x, y: jwk.y },
      format: "jwk",
    });
  } catch {
    throw new WebhookVerificationError("unknown_key", "the verification key is not a valid key");
  }
}

/** Whether the ES256 signature (r || s, 64 bytes) over the signing input is the key's. */
export function es256Valid(jws: DecodedJws, key: KeyObject): boolean {
  if (jws.signature.length !== 64) return false;
  try {
    return verifySignature(
      "sha256",
      jws.signingInput,
      { key, dsaEncoding: "ieee-p1363" },
      jws.signature,
    );
  } catch {
    return false;
  }
}

/**
 * The claims' checks: `iat` within maxAgeSeconds of now either way, and `request_body_sha256`
 * equal (in constant time) to the SHA-256 of the raw body bytes.
 */
export function checkClaims(
  payload: Readonly<Record<string, unknown>>,
  body: Uint8Array,
  now: Date,
  maxAgeSeconds = MAX_WEBHOOK_AGE_SECONDS,
): number {
  const iat = payload.iat;
  if (typeof iat !== "number" || !Number.isFinite(iat)) throw malformed("no issue time (iat)");
  const nowSeconds = now.getTime() / 1000;
  if (iat < nowSeconds - maxAgeSeconds) {
    throw new WebhookVerificationError(
      "stale",
      `webhook issued ${Math.round(nowSeconds - iat)} s ago (more than ${maxAgeSeconds} s)`,
    );
  }
  if (iat > nowSeconds + maxAgeSeconds) {
    throw new WebhookVerificationError(
      "future",
      `webhook issued ${Math.round(iat - nowSeconds)} s in the future (check the clock)`,
    );
  }
  const claimed = payload.request_body_sha256;
  const actual = createHash("sha256").update(body).digest();
  const matches =
    typeof claimed === "string" &&
    /^[0-9a-fA-F]{64}$/.test(claimed) &&
    timingSafeEqual(Buffer.from(claimed, "hex"), actual);
  if (!matches) {
    throw new WebhookVerificationError(
      "body_mismatch",
      "the body is not the one Plaid signed (request_body_sha256 differs)",
    );
  }
  return iat;
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

/** Options of createWebhookVerifier. */
export interface WebhookVerifierOptions {
  readonly fetchKey: FetchWebhookKey;
  /** The clock (tests move it). */
  readonly now?: () => Date;
  readonly maxAgeSeconds?: number;
  /** How long a fetched key is trusted before it is fetched again (default one hour). */
  readonly keyRefreshMs?: number;
}

/** Verifies webhooks, holding fetched keys in memory by key id. */
export interface WebhookVerifier {
  /**
   * The header's claims once every check passed; otherwise a WebhookVerificationError (or a
   * WebhookKeyUnavailableError when the key could not be fetched).
   */
  verify(header: string | string[] | undefined, body: Uint8Array): Promise<VerifiedWebhook>;
}

interface CachedKey {
  readonly key: KeyObject;
  readonly expiredAt: number | null;
  readonly fetchedAt: number;
}

function remember<V>(cache: Map<string, V>, kid: string, value: V): void {
  cache.delete(kid);
  cache.set(kid, value);
  // Oldest first: a flood of made-up key ids cannot grow the cache without bound.
  while (cache.size > CACHE_LIMIT) cache.delete(cache.keys().next().value as string);
}

export function createWebhookVerifier(options: WebhookVerifierOptions): WebhookVerifier {
  const now = options.now ?? (() => new Date());
  const maxAge = options.maxAgeSeconds ?? MAX_WEBHOOK_AGE_SECONDS;
  const refreshMs = options.keyRefreshMs ?? KEY_REFRESH_MS;
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
      key: publicKeyOf(jwk),
      expiredAt: typeof jwk.expired_at === "number" ? jwk.expired_at : null,
      fetchedAt: now().getTime(),
    };
    remember(keys, kid, cached);
    return cached;
  }

  async function keyFor(kid: string): Promise<CachedKey> {
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
    return found;
  }

  return {
    async verify(header, body) {
      if (typeof header !== "string" || header.trim() === "") {
        throw new WebhookVerificationError(
          "missing_header",
          "no Plaid-Verification header (or more than one)",
        );
      }
      const jws = decodeJws(header);
      const kid = checkJwsHeader(jws.header);
      const { key } = await keyFor(kid);
      if (!es256Valid(jws, key)) {
        throw new WebhookVerificationError("bad_signature", "the signature does not verify");
      }
      const iat = checkClaims(jws.payload, body, now(), maxAge);
      return { kid, iat };
    },
  };
}
