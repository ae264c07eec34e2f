import { generateKeyPairSync } from "node:crypto";
import { Configuration, CountryCode, PlaidApi, Products } from "plaid";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type FakeErrorBody, type FakePlaid, startFakePlaid } from "../support/fake-plaid.js";

let fake: FakePlaid;
let plaid: PlaidApi;

function clientFor(clientId: string, secret: string): PlaidApi {
  return new PlaidApi(
    new Configuration({
      basePath: fake.url,
      baseOptions: { headers: { "PLAID-CLIENT-ID": clientId, "PLAID-SECRET": secret } },
    }),
  );
}

/** The HTTP status and Plaid error body of a call that must fail. */
async function failure(call: Promise<unknown>): Promise<{ status: number; data: FakeErrorBody }> {
  try {
    await call;
  } catch (error) {
    const response = (error as { response?: { status: number; data: FakeErrorBody } }).response;
    if (!response) throw error;
    return { status: response.status, data: response.data };
  }
  throw new Error("expected the call to fail");
}

/** A linked sandbox item: its access token and item id. */
async function link(): Promise<{ accessToken: string; itemId: string }> {
  const created = await plaid.sandboxPublicTokenCreate({
    institution_id: "ins_109508",
    initial_products: [Products.Transactions],
  });
  const exchanged = await plaid.itemPublicTokenExchange({
    public_token: created.data.public_token,
  });
  return { accessToken: exchanged.data.access_token, itemId: exchanged.data.item_id };
}

beforeAll(async () => {
  fake = await startFakePlaid();
  plaid = clientFor(fake.clientId, fake.secret);
});
afterAll(() => fake.close());

describe("fake Plaid through the official client", () => {
  it("runs the sandbox flow: public token, exchange, accounts with the default balances", async () => {
    const { accessToken, itemId } = await link();
    expect(accessToken).toMatch(/^access-sandbox-[0-9a-f-]{36}$/);
    const { data } = await plaid.accountsGet({ access_token: accessToken });
    expect(data.request_id).toMatch(/^\w{15}$/);
    expect(data.item).toMatchObject({ item_id: itemId, institution_id: "ins_109508", error: null });
    expect(data.accounts.map((a) => [a.name, a.type, a.subtype, a.balances.current])).toEqual([
      ["Plaid Checking", "depository", "checking", 110],
      ["Plaid Saving", "depository", "savings", 210],
      ["Plaid CD", "depository", "cd", 1000],
      ["Plaid Credit Card", "credit", "credit card", 410],
      ["Plaid Money Market", "depository", "money market", 43200],
      ["Plaid IRA", "investment", "ira", 320.76],
      ["Plaid 401k", "investment", "401k", 23631.98],
      ["Plaid Student Loan", "loan", "student", 65262],
      ["Plaid Mortgage", "loan", "mortgage", 56302.06],
    ]);
    const [checking] = data.accounts;
    expect(checking).toMatchObject({
      mask: "0000",
      balances: { available: 100, current: 110, limit: null, iso_currency_code: "USD" },
    });
    expect(checking?.account_id).toMatch(/^[A-Za-z0-9]{37}$/);
    expect(data.accounts[3]?.balances.limit).toBe(2000);
    // Account ids are stable from call to call.
    const again = await plaid.accountsBalanceGet({ access_token: accessToken });
    expect(again.data.accounts.map((a) => a.account_id)).toEqual(
      data.accounts.map((a) => a.account_id),
    );
    const institution = await plaid.institutionsGetById({
      institution_id: "ins_109508",
      country_codes: [CountryCode.Us],
    });
    expect(institution.data.institution.name).toBe("First Platypus Bank");
  });

  it("makes a public token single-use", async () => {
    const created = await plaid.sandboxPublicTokenCreate({
      institution_id: "ins_109508",
      initial_products: [Products.Transactions],
    });
    await plaid.itemPublicTokenExchange({ public_token: created.data.public_token });
    const { data } = await failure(
      plaid.itemPublicTokenExchange({ public_token: created.data.public_token }),
    );
    expect(data.error_code).toBe("INVALID_PUBLIC_TOKEN");
  });

  it("answers Plaid's error shape to a wrong secret, and accepts credentials in the body", async () => {
    const { status, data } = await failure(
      clientFor(fake.clientId, "wrong").institutionsGetById({
        institution_id: "ins_109508",
        country_codes: [CountryCode.Us],
      }),
    );
    expect(status).toBe(400);
    expect(data).toMatchObject({
      error_type: "INVALID_INPUT",
      error_code: "INVALID_API_KEYS",
      error_message: "invalid client_id or secret provided",
      display_message: null,
    });
    expect(data.request_id).toMatch(/^\w{15}$/);

    const bare = new PlaidApi(new Configuration({ basePath: fake.url }));
    const { data: missing } = await failure(bare.itemGet({ access_token: "x" }));
    expect(missing.error_code).toBe("MISSING_FIELDS");
    const ok = await bare.institutionsGetById({
      client_id: fake.clientId,
      secret: fake.secret,
      institution_id: "ins_109508",
      country_codes: [CountryCode.Us],
    });
    expect(ok.status).toBe(200);
    // The request log never keeps the credentials.
    expect(JSON.stringify(fake.requests)).not.toContain(fake.secret);
  });

  it("fails the next N calls of an endpoint, then succeeds", async () => {
    const { accessToken, itemId } = await link();
    fake.failNext("/accounts/balance/get", "RATE_LIMIT_EXCEEDED", 2);
    fake.failNext("/accounts/balance/get", "API_ERROR");
    fake.failNext("/accounts/balance/get", "INSTITUTION_DOWN");
    fake.failNext("/accounts/balance/get", "PRODUCT_NOT_READY");
    const before = fake.calls("/accounts/balance/get").length;
    const seen = [];
    for (let i = 0; i < 5; i++) {
      const { status, data } = await failure(
        plaid.accountsBalanceGet({ access_token: accessToken }),
      );
      seen.push([status, data.error_type, data.error_code]);
    }
    expect(seen).toEqual([
      [429, "RATE_LIMIT_EXCEEDED", "RATE_LIMIT"],
      [429, "RATE_LIMIT_EXCEEDED", "RATE_LIMIT"],
      [500, "API_ERROR", "INTERNAL_SERVER_ERROR"],
      [400, "INSTITUTION_ERROR", "INSTITUTION_DOWN"],
      [400, "ITEM_ERROR", "PRODUCT_NOT_READY"],
    ]);
    const { data } = await plaid.accountsBalanceGet({ access_token: accessToken });
    expect(data.accounts).toHaveLength(9);
    const calls = fake.calls("/accounts/balance/get").slice(before);
    expect(calls.map((call) => call.status)).toEqual([429, 429, 500, 400, 400, 200]);
    expect(calls[5]).toMatchObject({ itemId, body: { access_token: accessToken } });
  });

  it("puts an item into ITEM_LOGIN_REQUIRED with reset_login until update mode repairs it", async () => {
    const { accessToken, itemId } = await link();
    const reset = await plaid.sandboxItemResetLogin({ access_token: accessToken });
    expect(reset.data.reset_login).toBe(true);
    const { status, data } = await failure(plaid.accountsGet({ access_token: accessToken }));
    expect([status, data.error_type, data.error_code]).toEqual([
      400,
      "ITEM_ERROR",
      "ITEM_LOGIN_REQUIRED",
    ]);
    // /item/get still answers, with the error on the item.
    const item = await plaid.itemGet({ access_token: accessToken });
    expect(item.data.item.error?.error_code).toBe("ITEM_LOGIN_REQUIRED");

    const token = await plaid.linkTokenCreate({
      client_name: "networth",
      language: "en",
      country_codes: [CountryCode.Us],
      user: { client_user_id: "user-1" },
      access_token: accessToken,
    });
    const created = fake.linkTokens.at(-1);
    expect(created?.linkToken).toBe(token.data.link_token);
    expect(created?.options).toMatchObject({ access_token: accessToken });
    expect(created?.options.products).toBeUndefined();
    expect(fake.completeLink(token.data.link_token).itemId).toBe(itemId);
    expect((await plaid.accountsGet({ access_token: accessToken })).data.accounts).toHaveLength(9);
  });

  it("creates items through link tokens, recording products and webhook", async () => {
    const token = await plaid.linkTokenCreate({
      client_name: "networth",
      language: "en",
      country_codes: [CountryCode.Us],
      user: { client_user_id: "user-1" },
      products: [Products.Transactions],
      webhook: "https://example.com/hook",
    });
    expect(token.data.link_token).toMatch(/^link-sandbox-/);
    expect(fake.linkTokens.at(-1)?.options).toMatchObject({
      products: ["transactions"],
      webhook: "https://example.com/hook",
    });
    const { publicToken } = fake.completeLink(token.data.link_token, {
      accounts: [{ name: "Only", type: "depository", subtype: "checking", current: 5 }],
    });
    const { data } = await plaid.itemPublicTokenExchange({ public_token: publicToken });
    const item = await plaid.itemGet({ access_token: data.access_token });
    expect(item.data.item.webhook).toBe("https://example.com/hook");
    const updated = await plaid.itemWebhookUpdate({
      access_token: data.access_token,
      webhook: "https://example.com/other",
    });
    expect(updated.data.item.webhook).toBe("https://example.com/other");
    const missing = await failure(
      plaid.linkTokenCreate({
        client_name: "networth",
        language: "en",
        country_codes: [CountryCode.Us],
        user: { client_user_id: "user-1" },
      }),
    );
    expect(missing.data.error_code).toBe("MISSING_FIELDS");
  });

  it("removes an item: its access token then gives ITEM_NOT_FOUND", async () => {
    const { accessToken } = await link();
    const removed = await plaid.itemRemove({ access_token: accessToken });
    expect(removed.data.request_id).toBeTruthy();
    const { data } = await failure(plaid.accountsGet({ access_token: accessToken }));
    expect(data.error_code).toBe("ITEM_NOT_FOUND");
  });

  it("lets tests change accounts, balances, item states and latency", async () => {
    const { accessToken, itemId } = await link();
    fake.setBalance(itemId, "Plaid Checking", { current: 999.99, available: 900 });
    fake.removeAccount(accessToken, "Plaid Mortgage");
    const euro = fake.addAccount(itemId, {
      name: "Euro Savings",
      type: "depository",
      subtype: "savings",
      current: 500,
      isoCurrencyCode: "EUR",
    });
    const { data } = await plaid.accountsGet({ access_token: accessToken });
    expect(data.accounts).toHaveLength(9);
    expect(data.accounts[0]?.balances).toMatchObject({ current: 999.99, available: 900 });
    expect(data.accounts.map((a) => a.name)).not.toContain("Plaid Mortgage");
    expect(data.accounts.at(-1)).toMatchObject({
      account_id: euro.account_id,
      balances: { current: 500, iso_currency_code: "EUR" },
    });
    const only = await plaid.accountsGet({
      access_token: accessToken,
      options: { account_ids: [euro.account_id] },
    });
    expect(only.data.accounts).toHaveLength(1);

    fake.setItemError(itemId, "INVALID_ACCESS_TOKEN");
    expect((await failure(plaid.itemGet({ access_token: accessToken }))).data.error_code).toBe(
      "INVALID_ACCESS_TOKEN",
    );
    fake.setItemError(itemId, null);
    const malformed = await failure(plaid.accountsGet({ access_token: "not-a-token" }));
    expect(malformed.data.error_code).toBe("INVALID_ACCESS_TOKEN");

    fake.setLatency("/item/get", 150);
    const started = Date.now();
    await plaid.itemGet({ access_token: accessToken });
    expect(Date.now() - started).toBeGreaterThanOrEqual(140);
    fake.setLatency("/item/get", 0);
  });

  it("serves a webhook verification key the test generated", async () => {
    const { publicKey } = generateKeyPairSync("ec", { namedCurve: "P-256" });
    const jwk = publicKey.export({ format: "jwk" });
    fake.setWebhookVerificationKey("kid-1", jwk);
    const { data } = await plaid.webhookVerificationKeyGet({ key_id: "kid-1" });
    expect(data.key).toMatchObject({
      alg: "ES256",
      kty: "EC",
      crv: "P-256",
      kid: "kid-1",
      use: "sig",
      x: jwk.x,
      y: jwk.y,
      expired_at: null,
    });
    const unknown = await failure(plaid.webhookVerificationKeyGet({ key_id: "nope" }));
    expect(unknown.data.error_code).toBe("INVALID_WEBHOOK_VERIFICATION_KEY_ID");
  });
});
