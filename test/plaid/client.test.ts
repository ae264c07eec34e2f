import { readFileSync } from "node:fs";
import { createServer } from "node:net";
import { inspect } from "node:util";
import { Products } from "plaid";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { UserError } from "../../src/errors.js";
import {
  createPlaidClient,
  isRetryable,
  PlaidError,
  plaidSettings,
  toPlaidError,
} from "../../src/plaid/client.js";
import { type FakePlaid, startFakePlaid } from "../support/fake-plaid.js";

describe("plaidSettings", () => {
  it("prefers the environment over the config file and defaults to sandbox", () => {
    const settings = plaidSettings(
      { PLAID_CLIENT_ID: "env-id", PLAID_SECRET: "env-secret" },
      { clientId: "conf-id", secret: "conf-secret", env: "production" },
    );
    expect(settings).toMatchObject({
      clientId: "env-id",
      secret: "env-secret",
      env: "production",
      basePath: "https://production.plaid.com",
    });
    const fromConfig = plaidSettings({}, { clientId: "conf-id", secret: "conf-secret" });
    expect(fromConfig).toMatchObject({
      clientId: "conf-id",
      secret: "conf-secret",
      env: "sandbox",
    });
    expect(fromConfig.basePath).toBe("https://sandbox.plaid.com");
    const envWins = plaidSettings(
      { PLAID_ENV: "sandbox" },
      { clientId: "a", secret: "b", env: "production" },
    );
    expect(envWins.env).toBe("sandbox");
  });

  it("names exactly what to set when credentials are missing", () => {
    expect(() => plaidSettings({}, {})).toThrow(
      new UserError(
        "Plaid is not configured: set PLAID_CLIENT_ID and PLAID_SECRET, or networth config set plaid.clientId / plaid.secret",
      ),
    );
    expect(() => plaidSettings({ PLAID_CLIENT_ID: "id", PLAID_SECRET: "  " }, {})).toThrow(
      "Plaid is not configured: set PLAID_SECRET, or networth config set plaid.secret",
    );
    expect(() => plaidSettings({}, { secret: "s" })).toThrow(
      /set PLAID_CLIENT_ID, or .* plaid.clientId$/,
    );
  });

  it("validates PLAID_ENV and PLAID_BASE_URL", () => {
    const creds = { PLAID_CLIENT_ID: "id", PLAID_SECRET: "s" };
    expect(() => plaidSettings({ ...creds, PLAID_ENV: "development" }, {})).toThrow(
      'PLAID_ENV must be sandbox or production, not "development"',
    );
    expect(() => plaidSettings(creds, { env: "dev" })).toThrow(/plaid.env must be/);
    expect(plaidSettings({ ...creds, PLAID_BASE_URL: "http://127.0.0.1:4010/" }, {}).basePath).toBe(
      "http://127.0.0.1:4010",
    );
    expect(() => plaidSettings({ ...creds, PLAID_BASE_URL: "ftp://u:pw@x" }, {})).toThrow(
      "PLAID_BASE_URL must be an http:// or https:// URL",
    );
  });

  it("hides the secret when the settings are printed", () => {
    const settings = plaidSettings({ PLAID_CLIENT_ID: "id", PLAID_SECRET: "hunter2-secret" }, {});
    expect(settings.secret).toBe("hunter2-secret");
    expect(JSON.stringify(settings)).not.toContain("hunter2");
    expect(inspect(settings)).not.toContain("hunter2");
  });

  it("does not load plaid until a client is created", () => {
    const source = readFileSync(new URL("../../src/plaid/client.ts", import.meta.url), "utf8");
    const imports = source.match(/^import .* from "plaid";$/gm) ?? [];
    expect(imports.every((line) => line.startsWith("import type"))).toBe(true);
    expect(source).toContain('await import("plaid")');
  });
});

describe("PlaidError from the official client", () => {
  let fake: FakePlaid;
  beforeAll(async () => {
    fake = await startFakePlaid({ secret: "s3cr3t-value-that-must-not-leak" });
  });
  afterAll(() => fake.close());

  const settingsFor = (secret: string, baseUrl = fake.url) =>
    plaidSettings(
      { PLAID_CLIENT_ID: fake.clientId, PLAID_SECRET: secret, PLAID_BASE_URL: baseUrl },
      {},
    );

  async function rejection(call: Promise<unknown>): Promise<unknown> {
    return call.then(
      () => {
        throw new Error("expected the call to fail");
      },
      (error: unknown) => error,
    );
  }

  it("keeps the error code and drops the secret", async () => {
    const plaid = await createPlaidClient(settingsFor(fake.secret));
    const created = await plaid.sandboxPublicTokenCreate({
      institution_id: "ins_109508",
      initial_products: [Products.Transactions],
    });
    const { data } = await plaid.itemPublicTokenExchange({
      public_token: created.data.public_token,
    });
    fake.setItemError(data.item_id, "ITEM_LOGIN_REQUIRED");

    const raw = await rejection(plaid.accountsGet({ access_token: data.access_token }));
    // The raw axios error does carry the secret: that is why it must not be shown.
    expect(JSON.stringify((raw as { config: unknown }).config)).toContain(fake.secret);

    const error = toPlaidError(raw);
    expect(error).toBeInstanceOf(PlaidError);
    const plaidError = error as PlaidError;
    expect(plaidError).toMatchObject({
      errorType: "ITEM_ERROR",
      errorCode: "ITEM_LOGIN_REQUIRED",
      httpStatus: 400,
      displayMessage: null,
    });
    expect(plaidError.requestId).toMatch(/^\w{15}$/);
    expect(plaidError.message).toMatch(/^Plaid ITEM_LOGIN_REQUIRED: the login details/);
    expect(plaidError.cause).toBeUndefined();
    for (const shown of [
      plaidError.message,
      JSON.stringify(plaidError),
      JSON.stringify({ error: plaidError }),
      inspect(plaidError, { depth: 10, showHidden: true }),
      String(plaidError.stack),
    ]) {
      expect(shown).toContain("ITEM_LOGIN_REQUIRED");
      expect(shown).not.toContain(fake.secret);
    }
    expect(isRetryable(raw)).toBe(false);
    expect(isRetryable(plaidError)).toBe(false);
  });

  it("does not leak a wrong secret either", async () => {
    const plaid = await createPlaidClient(settingsFor("wrong-secret-abcdef"));
    const error = toPlaidError(await rejection(plaid.itemGet({ access_token: "x" })));
    expect(error).toMatchObject({ errorCode: "INVALID_API_KEYS", errorType: "INVALID_INPUT" });
    expect(JSON.stringify(error)).not.toContain("wrong-secret-abcdef");
  });

  it("classifies transient failures as retryable", async () => {
    const plaid = await createPlaidClient(settingsFor(fake.secret));
    const call = () =>
      rejection(plaid.institutionsGetById({ institution_id: "ins_109508", country_codes: [] }));
    for (const name of [
      "RATE_LIMIT_EXCEEDED",
      "INSTITUTION_DOWN",
      "INSTITUTION_NOT_RESPONDING",
      "API_ERROR",
      "PRODUCT_NOT_READY",
    ] as const) {
      fake.failNext("/institutions/get_by_id", name);
      expect(isRetryable(await call()), name).toBe(true);
    }
    fake.failNext("/institutions/get_by_id", {
      status: 503,
      type: "API_ERROR",
      code: "PLANNED_MAINTENANCE",
      message: "down for maintenance",
    });
    expect(toPlaidError(await call())).toMatchObject({ httpStatus: 503 });
    // A 5xx is retried, but never an item that needs the user or is gone.
    for (const code of ["ITEM_LOGIN_REQUIRED", "INVALID_ACCESS_TOKEN", "ITEM_NOT_FOUND"]) {
      fake.failNext("/institutions/get_by_id", {
        status: 500,
        type: "ITEM_ERROR",
        code,
        message: code,
      });
      expect(isRetryable(await call()), code).toBe(false);
    }
    expect(
      (await plaid.institutionsGetById({ institution_id: "ins_109508", country_codes: [] })).status,
    ).toBe(200);
  });

  it("turns no answer at all into a retryable NETWORK_ERROR without the secret", async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, "127.0.0.1", resolve));
    const { port } = closed.address() as { port: number };
    await new Promise((resolve) => closed.close(resolve));
    const plaid = await createPlaidClient(settingsFor(fake.secret, `http://127.0.0.1:${port}`));
    const error = toPlaidError(await rejection(plaid.itemGet({ access_token: "x" })));
    expect(error).toMatchObject({
      errorType: "NETWORK_ERROR",
      errorCode: "ECONNREFUSED",
      httpStatus: null,
    });
    expect(isRetryable(error)).toBe(true);
    expect(JSON.stringify(error)).not.toContain(fake.secret);
  });

  it("leaves other errors alone", () => {
    const other = new Error("boom");
    expect(toPlaidError(other)).toBe(other);
    expect(toPlaidError("text")).toBe("text");
    expect(isRetryable(other)).toBe(false);
  });
});
