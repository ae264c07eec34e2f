import { createHash, createHmac, generateKeyPairSync, type KeyObject, sign } from "node:crypto";
import { CompactSign, importJWK } from "jose";
import type { PlaidApi } from "plaid";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { createPlaidClient, plaidSettings } from "../../src/plaid/client.js";
import {
  createWebhookVerifier,
  decodeJws,
  plaidKeyFetcher,
  verifyEs256,
  WebhookKeyUnavailableError,
  type WebhookRejection,
  WebhookVerificationError,
  type WebhookVerifier,
} from "../../src/plaid/webhook-verify.js";
import { type FakePlaid, startFakePlaid } from "../support/fake-plaid.js";

const KEY_ENDPOINT = "/webhook_verification_key/get";

function b64(value: unknown): string {
  return Buffer.from(typeof value === "string" ? value : JSON.stringify(value)).toString(
    "base64url",
  );
}

function sha256(body: string | Buffer): string {
  return createHash("sha256").update(body).digest("hex");
}

/** A Plaid-Verification header as Plaid makes it, or spoiled as a test asks. */
function signWebhook(
  body: string | Buffer,
  options: {
    key: KeyObject;
    kid: string;
    iat: number;
    alg?: string;
    hash?: string;
    header?: Record<string, unknown>;
  },
): string {
  const header = b64(
    options.header ?? { alg: options.alg ?? "ES256", kid: options.kid, typ: "JWT" },
  );
  const payload = b64({ iat: options.iat, request_body_sha256: options.hash ?? sha256(body) });
  const signature = sign("sha256", Buffer.from(`${header}.${payload}`), {
    key: options.key,
    dsaEncoding: "ieee-p1363",
  });
  return `${header}.${payload}.${signature.toString("base64url")}`;
}

describe("Plaid webhook verification", () => {
  let fake: FakePlaid;
  let client: PlaidApi;
  let nowMs: number;
  const now = () => new Date(nowMs);
  const nowS = () => Math.floor(nowMs / 1000);
  const kid = "6c5516e1-92dc-479e-a8ff-5a51992e0001";
  const keys = generateKeyPairSync("ec", { namedCurve: "P-256" });
  const other = generateKeyPairSync("ec", { namedCurve: "P-256" });
  const body = JSON.stringify({
    webhook_type: "ITEM",
    webhook_code: "ERROR",
    item_id: "wz666MBjYWTp2PDzzggYhM6oWWmBb",
    error: { error_code: "ITEM_LOGIN_REQUIRED" },
    environment: "sandbox",
  });

  beforeAll(async () => {
    fake = await startFakePlaid();
    client = await createPlaidClient(
      plaidSettings(
        { PLAID_CLIENT_ID: fake.clientId, PLAID_SECRET: fake.secret, PLAID_BASE_URL: fake.url },
        {},
      ),
    );
    const jwk = keys.publicKey.export({ format: "jwk" });
    fake.setWebhookVerificationKey(kid, { ...jwk, kid, alg: "ES256" } as typeof jwk);
  });
  afterAll(async () => {
    await fake?.close();
  });
  beforeEach(() => {
    nowMs = Date.parse("2026-03-01T12:00:00Z");
  });

  const verifier = (options: { keyRefreshMs?: number } = {}) =>
    createWebhookVerifier({ fetchKey: plaidKeyFetcher(client), now, ...options });
  const signed = (over: Partial<Parameters<typeof signWebhook>[1]> = {}, payload = body) =>
    signWebhook(payload, { key: keys.privateKey, kid, iat: nowS(), ...over });

  async function refusal(
    v: WebhookVerifier,
    header: string | string[] | undefined,
    payload: string | Buffer = body,
  ): Promise<WebhookRejection> {
    const error = await v.verify(header, Buffer.from(payload)).then(
      () => null,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(WebhookVerificationError);
    return (error as WebhookVerificationError).reason;
  }

  it("accepts a webhook Plaid signed, and fetches its key once", async () => {
    const v = verifier();
    const before = fake.calls(KEY_ENDPOINT).length;
    await expect(v.verify(signed(), Buffer.from(body))).resolves.toEqual({ kid, iat: nowS() });
    // Within the window either way, to the second.
    nowMs += 300_000;
    await expect(v.verify(signed({ iat: nowS() - 300 }), Buffer.from(body))).resolves.toBeTruthy();
    await expect(v.verify(signed({ iat: nowS() + 300 }), Buffer.from(body))).resolves.toBeTruthy();
    await Promise.all(Array.from({ length: 5 }, () => v.verify(signed(), Buffer.from(body))));
    expect(fake.calls(KEY_ENDPOINT).length).toBe(before + 1);
    expect(fake.calls(KEY_ENDPOINT).at(-1)?.body).toEqual({ key_id: kid });
  });

  it("fetches a key once even when webhooks arrive together", async () => {
    const v = verifier();
    const before = fake.calls(KEY_ENDPOINT).length;
    fake.setLatency(KEY_ENDPOINT, 50);
    try {
      await Promise.all(Array.from({ length: 4 }, () => v.verify(signed(), Buffer.from(body))));
    } finally {
      fake.setLatency(KEY_ENDPOINT, 0);
    }
    expect(fake.calls(KEY_ENDPOINT).length).toBe(before + 1);
  });

  it("fetches the key again after an hour, and refuses it once expired", async () => {
    const expiring = generateKeyPairSync("ec", { namedCurve: "P-256" });
    const expiringKid = "expiring-key";
    const jwk = expiring.publicKey.export({ format: "jwk" });
    fake.setWebhookVerificationKey(expiringKid, jwk, { expiredAt: null });
    const v = verifier();
    const header = () =>
      signWebhook(body, { key: expiring.privateKey, kid: expiringKid, iat: nowS() });
    const before = fake.calls(KEY_ENDPOINT).length;
    await v.verify(header(), Buffer.from(body));
    // Plaid rotates the key: it expires a minute from now.
    fake.setWebhookVerificationKey(expiringKid, jwk, { expiredAt: nowS() + 60 });
    nowMs += 30 * 60_000;
    await v.verify(header(), Buffer.from(body));
    expect(fake.calls(KEY_ENDPOINT).length).toBe(before + 1);
    nowMs += 30 * 60_000;
    expect(await refusal(v, header())).toBe("expired_key");
    expect(fake.calls(KEY_ENDPOINT).length).toBe(before + 2);
    // An already expired key is refused on first sight.
    fake.setWebhookVerificationKey("old-key", jwk, { expiredAt: nowS() - 1 });
    const old = signWebhook(body, { key: expiring.privateKey, kid: "old-key", iat: nowS() });
    expect(await refusal(verifier(), old)).toBe("expired_key");
  });

  it("refuses a signature made with another key", async () => {
    expect(await refusal(verifier(), signed({ key: other.privateKey }))).toBe("bad_signature");
  });

  it("refuses a DER signature and a signature of the wrong length", async () => {
    const [header, payload] = signed().split(".") as [string, string];
    const der = sign("sha256", Buffer.from(`${header}.${payload}`), keys.privateKey);
    const v = verifier();
    expect(await refusal(v, `${header}.${payload}.${der.toString("base64url")}`)).toBe(
      "bad_signature",
    );
    expect(await refusal(v, `${header}.${payload}.${b64("x".repeat(63))}`)).toBe("bad_signature");
  });

  it("refuses alg none and HS256, whatever the signature", async () => {
    const v = verifier();
    const before = fake.calls(KEY_ENDPOINT).length;
    const header = b64({ alg: "none", kid, typ: "JWT" });
    const payload = b64({ iat: nowS(), request_body_sha256: sha256(body) });
    expect(await refusal(v, `${header}.${payload}.`)).toBe("unsupported_algorithm");
    expect(await refusal(v, signed({ alg: "none" }))).toBe("unsupported_algorithm");
    // HS256 keyed with the public key: the classic algorithm confusion.
    const hsHeader = b64({ alg: "HS256", kid, typ: "JWT" });
    const mac = createHmac("sha256", keys.publicKey.export({ format: "pem", type: "spki" }))
      .update(`${hsHeader}.${payload}`)
      .digest("base64url");
    expect(await refusal(v, `${hsHeader}.${payload}.${mac}`)).toBe("unsupported_algorithm");
    expect(await refusal(v, signed({ alg: "ES384" }))).toBe("unsupported_algorithm");
    expect(await refusal(v, signed({ header: { kid, typ: "JWT" } }))).toBe("unsupported_algorithm");
    // None of them made us ask Plaid for anything.
    expect(fake.calls(KEY_ENDPOINT).length).toBe(before);
  });

  it("refuses HS256, none and RS256 tokens, in jose's allow-list itself and in verify", async () => {
    const payload = new TextEncoder().encode(
      JSON.stringify({ iat: nowS(), request_body_sha256: sha256(body) }),
    );
    const secret = new Uint8Array(32).fill(7);
    const hs256 = await new CompactSign(payload)
      .setProtectedHeader({ alg: "HS256", kid })
      .sign(secret);
    const rsa = generateKeyPairSync("rsa", { modulusLength: 2048 });
    const rs256 = await new CompactSign(payload)
      .setProtectedHeader({ alg: "RS256", kid })
      .sign(rsa.privateKey);
    const none = `${b64({ alg: "none", kid })}.${Buffer.from(payload).toString("base64url")}.`;
    const es256Key = await importJWK(keys.publicKey.export({ format: "jwk" }), "ES256");
    // The allow-list refuses each even when handed the very key that made it.
    const jose = async (token: string, key: Parameters<typeof verifyEs256>[1]) =>
      verifyEs256(token, key).then(
        () => null,
        (e: unknown) => (e as WebhookVerificationError).reason,
      );
    expect(await jose(hs256, secret)).toBe("unsupported_algorithm");
    expect(await jose(rs256, rsa.publicKey)).toBe("unsupported_algorithm");
    expect(await jose(none, es256Key)).toBe("unsupported_algorithm");
    // What the allow-list lets through is a good ES256 signature, and only that.
    await expect(verifyEs256(signed(), es256Key)).resolves.toBeInstanceOf(Uint8Array);
    expect(await jose(signed({ key: other.privateKey }), es256Key)).toBe("bad_signature");

    const v = verifier();
    const before = fake.calls(KEY_ENDPOINT).length;
    for (const token of [hs256, rs256, none]) {
      expect(await refusal(v, token)).toBe("unsupported_algorithm");
    }
    expect(fake.calls(KEY_ENDPOINT).length).toBe(before);
  });

  it("refuses a key id Plaid does not know, asking Plaid once", async () => {
    const v = verifier();
    const before = fake.calls(KEY_ENDPOINT).length;
    expect(await refusal(v, signed({ kid: "no-such-key" }))).toBe("unknown_key");
    expect(await refusal(v, signed({ kid: "no-such-key" }))).toBe("unknown_key");
    expect(fake.calls(KEY_ENDPOINT).length).toBe(before + 1);
  });

  it("refuses a webhook older than five minutes, or more than five minutes ahead", async () => {
    const v = verifier();
    expect(await refusal(v, signed({ iat: nowS() - 301 }))).toBe("stale");
    expect(await refusal(v, signed({ iat: nowS() - 86_400 }))).toBe("stale");
    expect(await refusal(v, signed({ iat: nowS() + 301 }))).toBe("future");
    // A captured webhook replayed later.
    const header = signed();
    await v.verify(header, Buffer.from(body));
    nowMs += 6 * 60_000;
    expect(await refusal(v, header)).toBe("stale");
  });

  it("refuses a body that is not the one signed, down to one byte", async () => {
    const v = verifier();
    const header = signed();
    const changed = Buffer.from(body);
    changed[changed.length - 2] = (changed[changed.length - 2] as number) ^ 1;
    expect(await refusal(v, header, changed)).toBe("body_mismatch");
    expect(await refusal(v, header, `${body} `)).toBe("body_mismatch");
    expect(await refusal(v, header, "")).toBe("body_mismatch");
    expect(await refusal(v, signed({ hash: "not-a-hash" }))).toBe("body_mismatch");
    // Hex is hex, in either case.
    await expect(
      v.verify(signed({ hash: sha256(body).toUpperCase() }), Buffer.from(body)),
    ).resolves.toBeTruthy();
  });

  it("refuses a missing or malformed header", async () => {
    const v = verifier();
    const good = signed();
    const [header, payload, signature] = good.split(".") as [string, string, string];
    expect(await refusal(v, undefined)).toBe("missing_header");
    expect(await refusal(v, "")).toBe("missing_header");
    expect(await refusal(v, [good, good])).toBe("missing_header");
    for (const bad of [
      "not-a-jwt",
      `${header}.${payload}`,
      `${good}.${signature}`,
      `${header}.${payload}.${signature}!`,
      `${header}*.${payload}.${signature}`,
      `.${payload}.${signature}`,
      `${b64("not json")}.${payload}.${signature}`,
      `${b64([1, 2])}.${payload}.${signature}`,
      `${header}.${b64("[]")}.${signature}`,
      `${header}.${"A".repeat(9000)}.${signature}`,
      signed({ header: { alg: "ES256", typ: "JWT" } }),
      signed({ header: { alg: "ES256", kid, crit: ["b64"] } }),
    ]) {
      expect(await refusal(v, bad), bad.slice(0, 60)).toBe("malformed");
    }
    const noIat = `${header}.${b64({ request_body_sha256: sha256(body) })}`;
    const noIatSig = sign("sha256", Buffer.from(noIat), {
      key: keys.privateKey,
      dsaEncoding: "ieee-p1363",
    }).toString("base64url");
    expect(await refusal(v, `${noIat}.${noIatSig}`)).toBe("malformed");
    expect(() => decodeJws("a.b")).toThrow(WebhookVerificationError);
  });

  it("says the key is unavailable, not the webhook bad, when Plaid cannot be asked", async () => {
    fake.failNext(KEY_ENDPOINT, "API_ERROR");
    const v = verifier();
    const error = await v.verify(signed(), Buffer.from(body)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(WebhookKeyUnavailableError);
    expect(String(error)).not.toContain(fake.secret);
    // Not remembered as unknown: the next webhook fetches the key and passes.
    await expect(v.verify(signed(), Buffer.from(body))).resolves.toBeTruthy();
    // A key fetched before keeps verifying while Plaid is down.
    nowMs += 2 * 3_600_000;
    fake.failNext(KEY_ENDPOINT, "API_ERROR");
    await expect(v.verify(signed(), Buffer.from(body))).resolves.toBeTruthy();
  });
});
