import { createHash, timingSafeEqual } from "node:crypto";
import {
  type CompactVerifyGetKey,
  type CryptoKey,
  compactVerify,
  errors,
  type KeyObject,
} from "jose";
import { WebhookVerificationError } from "./webhook-errors.js";
import { type FetchWebhookKey, webhookKeyCache } from "./webhook-keys.js";

export * from "./webhook-errors.js";
export {
  type FetchWebhookKey,
  importPlaidKey,
  KEY_REFRESH_MS,
  plaidKeyFetcher,
  type WebhookVerificationKey,
} from "./webhook-keys.js";

/**
 * Verification of Plaid webhooks. The `Plaid-Verification` header is a compact JWS signed with
 * ES256; its `kid` names a key from /webhook_verification_key/get; its claims hold `iat` and
 * `request_body_sha256`, the SHA-256 (hex) of the raw body bytes. The signature is checked by
 * `jose` (compactVerify, with ES256 the only algorithm allowed; keys by importJWK); the header's
 * shape, the key cache and the claims are ours. Only the key fetcher talks to Plaid.
 */

/** The one algorithm Plaid signs webhooks with, and the only one ever accepted. */
const ALGORITHMS = ["ES256"];

/** How far `iat` may be from now, either way, in seconds. */
export const MAX_WEBHOOK_AGE_SECONDS = 300;
/** A Plaid-Verification header is a few hundred characters; anything this long is not one. */
const MAX_HEADER_CHARS = 8192;

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

/**
 * Takes a compact JWS apart: three base64url segments, a JSON header and payload. Only its
 * shape: a malformed header is refused as such before any key is fetched.
 */
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

/**
 * Verifies a compact JWS's signature with jose, ES256 only (the allow-list refuses "none", any
 * HMAC and RSA whatever the key), and returns the signed payload bytes. jose's refusals become
 * WebhookVerificationErrors; errors the key resolver throws pass through as they are.
 */
export async function verifyEs256(
  token: string,
  key: CryptoKey | KeyObject | Uint8Array | CompactVerifyGetKey,
): Promise<Uint8Array> {
  try {
    const { payload } = await compactVerify(token, key as CompactVerifyGetKey, {
      algorithms: ALGORITHMS,
    });
    return payload;
  } catch (error) {
    if (error instanceof errors.JOSEAlgNotAllowed || error instanceof errors.JOSENotSupported) {
      throw new WebhookVerificationError("unsupported_algorithm", "webhook not signed with ES256");
    }
    if (error instanceof errors.JWSSignatureVerificationFailed) {
      throw new WebhookVerificationError("bad_signature", "the signature does not verify");
    }
    if (error instanceof errors.JOSEError) throw malformed("not a valid JWS");
    throw error;
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

export function createWebhookVerifier(options: WebhookVerifierOptions): WebhookVerifier {
  const now = options.now ?? (() => new Date());
  const maxAge = options.maxAgeSeconds ?? MAX_WEBHOOK_AGE_SECONDS;
  const keyFor = webhookKeyCache({
    fetchKey: options.fetchKey,
    now,
    ...(options.keyRefreshMs === undefined ? {} : { refreshMs: options.keyRefreshMs }),
  });

  return {
    async verify(header, body) {
      if (typeof header !== "string" || header.trim() === "") {
        throw new WebhookVerificationError(
          "missing_header",
          "no Plaid-Verification header (or more than one)",
        );
      }
      const token = header.trim();
      // The shape and the algorithm first: nothing malformed, unsigned or HMAC'd makes us
      // ask Plaid for a key.
      const kid = checkJwsHeader(decodeJws(token).header);
      const signed = await verifyEs256(token, () => keyFor(kid));
      // The claims only from the bytes the signature covers.
      const payload = JSON.parse(Buffer.from(signed).toString("utf8")) as Record<string, unknown>;
      const iat = checkClaims(payload, body, now(), maxAge);
      return { kid, iat };
    },
  };
}
