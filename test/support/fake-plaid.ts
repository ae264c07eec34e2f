import { type JsonWebKey, randomInt, randomUUID } from "node:crypto";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import type { AccountBalance, AccountBase, Institution, ItemWithConsentFields } from "plaid";

/**
 * A stateful fake of the Plaid API for tests, spoken to through the official client:
 * `new PlaidApi(new Configuration({ basePath: fake.url, baseOptions: { headers: {
 * "PLAID-CLIENT-ID": fake.clientId, "PLAID-SECRET": fake.secret } } }))`.
 * Bodies follow the field names of plaid's api.d.ts; errors follow Plaid's error shape.
 */

/** An account to put on an item; balances in the account's currency. */
export interface FakeAccountInput {
  readonly name: string;
  readonly type: string;
  readonly subtype: string | null;
  readonly current: number | null;
  readonly available?: number | null;
  readonly limit?: number | null;
  readonly mask?: string | null;
  readonly officialName?: string | null;
  /** Defaults to "USD"; "EUR" for a foreign-currency account. */
  readonly isoCurrencyCode?: string;
  /** A code without ISO 4217 ("BTC" for a crypto wallet): the ISO code is then null. */
  readonly unofficialCurrencyCode?: string;
  readonly accountId?: string;
}

/** An error as Plaid sends it (also what item.error holds). */
export interface FakeErrorBody {
  error_type: string;
  error_code: string;
  error_message: string;
  display_message: null;
  request_id: string;
  [field: string]: unknown;
}

/** A Plaid error to answer with: HTTP status, type, code, message. */
export interface FakeFailure {
  readonly status: number;
  readonly type: string;
  readonly code: string;
  readonly message: string;
}

/** Every error the fake answers with, by name (the error_code, but for two presets). */
// biome-ignore format: a table reads better one error a line
export const FAILURES = {
  // Transient: for failNext().
  RATE_LIMIT_EXCEEDED: failure(429, "RATE_LIMIT_EXCEEDED", "RATE_LIMIT", "rate limit exceeded for attempts to access this item. please try again later"),
  INSTITUTION_DOWN: failure(400, "INSTITUTION_ERROR", "INSTITUTION_DOWN", "this institution is not currently responding to this request. please try again soon"),
  INSTITUTION_NOT_RESPONDING: failure(400, "INSTITUTION_ERROR", "INSTITUTION_NOT_RESPONDING", "this institution is not currently responding to this request. please try again soon"),
  API_ERROR: failure(500, "API_ERROR", "INTERNAL_SERVER_ERROR", "an unexpected error occurred"),
  PRODUCT_NOT_READY: failure(400, "ITEM_ERROR", "PRODUCT_NOT_READY", "the requested product is not yet ready. please provide a webhook or try again later"),
  // Item states: for setItemError().
  ITEM_LOGIN_REQUIRED: failure(400, "ITEM_ERROR", "ITEM_LOGIN_REQUIRED", "the login details of this item have changed (credentials, MFA, or required user action) and a user login is required to update this information. use Link's update mode to restore the item to a good state"),
  INVALID_ACCESS_TOKEN: failure(400, "INVALID_INPUT", "INVALID_ACCESS_TOKEN", "could not find matching access token"),
  ITEM_NOT_FOUND: failure(400, "ITEM_ERROR", "ITEM_NOT_FOUND", "the requested item was not found"),
  // Answers to bad requests.
  INVALID_API_KEYS: failure(400, "INVALID_INPUT", "INVALID_API_KEYS", "invalid client_id or secret provided"),
  MISSING_FIELDS: failure(400, "INVALID_REQUEST", "MISSING_FIELDS", "the following required fields are missing:"),
  INVALID_BODY: failure(400, "INVALID_REQUEST", "INVALID_BODY", "body could not be parsed as JSON"),
  INVALID_HTTP_METHOD: failure(405, "INVALID_REQUEST", "INVALID_HTTP_METHOD", "only POST is supported"),
  NOT_FOUND: failure(404, "INVALID_REQUEST", "NOT_FOUND", "unknown endpoint"),
  MALFORMED_ACCESS_TOKEN: failure(400, "INVALID_INPUT", "INVALID_ACCESS_TOKEN", "provided access token is in an invalid format. expected format: access-<environment>-<identifier>"),
  INVALID_PUBLIC_TOKEN: failure(400, "INVALID_INPUT", "INVALID_PUBLIC_TOKEN", "provided public token is expired. Public tokens expire 30 minutes after creation at which point they can no longer be exchanged"),
  INVALID_INSTITUTION: failure(400, "INVALID_INPUT", "INVALID_INSTITUTION", "invalid institution_id provided"),
  INVALID_ACCOUNT_ID: failure(400, "INVALID_INPUT", "INVALID_ACCOUNT_ID", "one or more of the account IDs is invalid"),
  INVALID_WEBHOOK_VERIFICATION_KEY_ID: failure(400, "INVALID_INPUT", "INVALID_WEBHOOK_VERIFICATION_KEY_ID", "invalid key_id provided"),
};

/** Failures failNext() can queue. */
export type TransientFailure =
  | "RATE_LIMIT_EXCEEDED"
  | "INSTITUTION_DOWN"
  | "INSTITUTION_NOT_RESPONDING"
  | "API_ERROR"
  | "PRODUCT_NOT_READY";

/** Error states setItemError() can put an item in. */
export type ItemErrorState = "ITEM_LOGIN_REQUIRED" | "INVALID_ACCESS_TOKEN" | "ITEM_NOT_FOUND";

function failure(status: number, type: string, code: string, message: string): FakeFailure {
  return { status, type, code, message };
}

/** The default sandbox institution. */
export const FIRST_PLATYPUS: Institution = {
  institution_id: "ins_109508",
  name: "First Platypus Bank",
  products: ["assets", "auth", "balance", "transactions", "identity", "investments", "liabilities"],
  country_codes: ["US"],
  url: "https://www.plaid.com",
  primary_color: "#1f1f1f",
  logo: null,
  routing_numbers: ["011000138", "011200365", "011400495"],
  dtc_numbers: ["2236", "0955", "1367"],
  oauth: false,
} as Institution;

/** The accounts every sandbox item starts with (Plaid's default sandbox user). */
// biome-ignore format: one account a line reads better than a column of 90 lines
export const DEFAULT_ACCOUNTS: readonly FakeAccountInput[] = [
  { name: "Plaid Checking", type: "depository", subtype: "checking", current: 110, available: 100, mask: "0000", officialName: "Plaid Gold Standard 0% Interest Checking" },
  { name: "Plaid Saving", type: "depository", subtype: "savings", current: 210, available: 200, mask: "1111", officialName: "Plaid Silver Standard 0.1% Interest Saving" },
  { name: "Plaid CD", type: "depository", subtype: "cd", current: 1000, mask: "2222", officialName: "Plaid Bronze Standard 0.2% Interest CD" },
  { name: "Plaid Credit Card", type: "credit", subtype: "credit card", current: 410, limit: 2000, mask: "3333", officialName: "Plaid Diamond 12.5% APR Interest Credit Card" },
  { name: "Plaid Money Market", type: "depository", subtype: "money market", current: 43200, available: 43200, mask: "4444", officialName: "Plaid Platinum Standard 1.85% Interest Money Market" },
  { name: "Plaid IRA", type: "investment", subtype: "ira", current: 320.76, mask: "5555" },
  { name: "Plaid 401k", type: "investment", subtype: "401k", current: 23631.98, mask: "6666" },
  { name: "Plaid Student Loan", type: "loan", subtype: "student", current: 65262, mask: "7777" },
  { name: "Plaid Mortgage", type: "loan", subtype: "mortgage", current: 56302.06, mask: "8888" },
];

/** An item the fake knows. Tests may read it; change it through the FakePlaid methods. */
export interface FakeItem {
  readonly itemId: string;
  readonly accessToken: string;
  readonly institutionId: string;
  readonly createdAt: Date;
  products: string[];
  accounts: AccountBase[];
  webhook: string | null;
  error: FakeFailure | null;
  removed: boolean;
}

/** One request as the fake received it: client_id and secret removed from the body. */
export interface LoggedRequest {
  readonly endpoint: string;
  readonly body: Record<string, unknown>;
  readonly at: Date;
  /** The item the access_token named, when it named one. */
  readonly itemId: string | undefined;
  status: number;
}

/** A link token /link/token/create made, with the request (secrets removed). */
export interface FakeLinkToken {
  readonly linkToken: string;
  readonly options: Record<string, unknown>;
  readonly createdAt: Date;
}

/** Options of startFakePlaid. */
export interface FakePlaidOptions {
  readonly clientId?: string;
  readonly secret?: string;
  /** Accounts of every new item (default: DEFAULT_ACCOUNTS). */
  readonly accounts?: readonly FakeAccountInput[];
}

type ItemRef = string | FakeItem;
type Body = Record<string, unknown>;
type Handler = (body: Body, log: LoggedRequest) => object;

class PlaidFailure extends Error {
  constructor(readonly failure: FakeFailure) {
    super(failure.message);
  }
}

const ALNUM = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
function plaidId(length: number): string {
  return Array.from({ length }, () => ALNUM[randomInt(ALNUM.length)]).join("");
}

function fail(name: keyof typeof FAILURES, detail?: string): never {
  const known = FAILURES[name];
  throw new PlaidFailure(detail ? { ...known, message: `${known.message} ${detail}` } : known);
}

function requireFields(body: Body, ...fields: string[]): void {
  const missing = fields.filter((field) => body[field] === undefined || body[field] === null);
  if (missing.length > 0) fail("MISSING_FIELDS", missing.join(", "));
}

/** Builds a Plaid account object from the test's description. */
export function fakeAccount(input: FakeAccountInput): AccountBase {
  const balances: AccountBalance = {
    available: input.available ?? null,
    current: input.current,
    limit: input.limit ?? null,
    iso_currency_code: input.unofficialCurrencyCode ? null : (input.isoCurrencyCode ?? "USD"),
    unofficial_currency_code: input.unofficialCurrencyCode ?? null,
  };
  return {
    account_id: input.accountId ?? plaidId(37),
    balances,
    mask: input.mask ?? null,
    name: input.name,
    official_name: input.officialName ?? null,
    type: input.type,
    subtype: input.subtype,
  } as AccountBase;
}

/** The running fake and its test controls. */
export class FakePlaid {
  readonly url: string;
  readonly clientId: string;
  readonly secret: string;
  /** Every request, oldest first. */
  readonly requests: LoggedRequest[] = [];
  /** Every link token created, oldest first. */
  readonly linkTokens: FakeLinkToken[] = [];
  readonly institutions = new Map<string, Institution>([
    [FIRST_PLATYPUS.institution_id, FIRST_PLATYPUS],
  ]);
  readonly items = new Map<string, FakeItem>();
  private readonly publicTokens = new Map<string, { itemId: string; used: boolean }>();
  private readonly failures = new Map<string, FakeFailure[]>();
  private readonly latency = new Map<string, number>();
  private readonly webhookKeys = new Map<string, object>();
  private readonly accountsTemplate: readonly FakeAccountInput[];

  constructor(
    private readonly server: ReturnType<typeof createServer>,
    options: FakePlaidOptions,
  ) {
    const { port } = server.address() as AddressInfo;
    this.url = `http://127.0.0.1:${port}`;
    this.clientId = options.clientId ?? "fake-client-id";
    this.secret = options.secret ?? "fake-secret-0123456789abcdef";
    this.accountsTemplate = options.accounts ?? DEFAULT_ACCOUNTS;
    // A client that hangs up mid-request only loses its own answer.
    server.on("request", (req, res) => void this.handle(req, res).catch(() => res.destroy()));
  }

  /** Stops the server, dropping open keep-alive connections. */
  close(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }

  /** Requests to one endpoint, e.g. calls("/accounts/balance/get"). */
  calls(endpoint: string): LoggedRequest[] {
    return this.requests.filter((request) => request.endpoint === endpoint);
  }

  /** Creates an item directly (what Link does), returning a fresh public token for it. */
  createItem(
    options: {
      institutionId?: string;
      accounts?: readonly FakeAccountInput[];
      products?: string[];
      webhook?: string | null;
    } = {},
  ): { item: FakeItem; publicToken: string } {
    const item: FakeItem = {
      itemId: plaidId(37),
      accessToken: `access-sandbox-${randomUUID()}`,
      institutionId: options.institutionId ?? FIRST_PLATYPUS.institution_id,
      createdAt: new Date(),
      products: options.products ?? ["transactions"],
      accounts: (options.accounts ?? this.accountsTemplate).map(fakeAccount),
      webhook: options.webhook ?? null,
      error: null,
      removed: false,
    };
    this.items.set(item.itemId, item);
    return { item, publicToken: this.publicTokenFor(item) };
  }

  /**
   * What the user finishing Link with a link token does: a new item (normal mode) or, in update
   * mode (the token was created with an access_token), the item repaired. Returns onSuccess's
   * public token.
   */
  completeLink(
    linkToken: string,
    options: { accounts?: readonly FakeAccountInput[] } = {},
  ): { publicToken: string; itemId: string } {
    const link = this.linkTokens.find((token) => token.linkToken === linkToken);
    if (!link) throw new Error(`unknown link token ${linkToken}`);
    const accessToken = link.options.access_token;
    if (typeof accessToken === "string") {
      const item = this.item(accessToken);
      item.error = null;
      return { publicToken: this.publicTokenFor(item), itemId: item.itemId };
    }
    const products = (link.options.products as string[] | undefined) ?? ["transactions"];
    const webhook = typeof link.options.webhook === "string" ? link.options.webhook : null;
    const { item, publicToken } = this.createItem({ ...options, products, webhook });
    return { publicToken, itemId: item.itemId };
  }

  /** The item with this item id or access token. */
  item(ref: ItemRef): FakeItem {
    if (typeof ref !== "string") return ref;
    const item = this.items.get(ref) ?? [...this.items.values()].find((i) => i.accessToken === ref);
    if (!item) throw new Error(`the fake has no item ${ref}`);
    return item;
  }

  /** Replaces an item's accounts. */
  setAccounts(ref: ItemRef, accounts: readonly FakeAccountInput[]): AccountBase[] {
    const item = this.item(ref);
    item.accounts = accounts.map(fakeAccount);
    return item.accounts;
  }

  /** Changes balances of one account (by account id or name). */
  setBalance(ref: ItemRef, account: string, balances: Partial<AccountBalance>): void {
    const found = this.item(ref).accounts.find(
      (a) => a.account_id === account || a.name === account,
    );
    if (!found) throw new Error(`the fake item has no account ${account}`);
    found.balances = { ...found.balances, ...balances };
  }

  /** Adds an account to an item (e.g. one the user opened at the bank). */
  addAccount(ref: ItemRef, account: FakeAccountInput): AccountBase {
    const created = fakeAccount(account);
    this.item(ref).accounts.push(created);
    return created;
  }

  /** Removes an account (by id or name) from an item. */
  removeAccount(ref: ItemRef, account: string): void {
    const item = this.item(ref);
    item.accounts = item.accounts.filter((a) => a.account_id !== account && a.name !== account);
  }

  /** Puts an item in an error state (null clears it, as finishing update mode does). */
  setItemError(ref: ItemRef, error: ItemErrorState | null): void {
    this.item(ref).error = error === null ? null : FAILURES[error];
  }

  /** The next `times` calls of an endpoint fail with this error, then calls succeed again. */
  failNext(endpoint: string, failure: TransientFailure | FakeFailure, times = 1): void {
    const spec = typeof failure === "string" ? FAILURES[failure] : failure;
    const queue = this.failures.get(endpoint) ?? [];
    for (let i = 0; i < times; i++) queue.push(spec);
    this.failures.set(endpoint, queue);
  }

  /** Delays every answer of an endpoint by ms (0 removes the delay). */
  setLatency(endpoint: string, ms: number): void {
    this.latency.set(endpoint, ms);
  }

  /** Serves a public JWK (e.g. from generateKeyPairSync("ec") exported as "jwk") under kid. */
  setWebhookVerificationKey(
    kid: string,
    jwk: JsonWebKey,
    options: { createdAt?: number; expiredAt?: number | null } = {},
  ): void {
    this.webhookKeys.set(kid, {
      alg: "ES256",
      crv: jwk.crv,
      kid,
      kty: jwk.kty,
      use: "sig",
      x: jwk.x,
      y: jwk.y,
      created_at: options.createdAt ?? Math.floor(Date.now() / 1000),
      expired_at: options.expiredAt ?? null,
    });
  }

  private publicTokenFor(item: FakeItem): string {
    const token = `public-sandbox-${randomUUID()}`;
    this.publicTokens.set(token, { itemId: item.itemId, used: false });
    return token;
  }

  /** The item an access token names, failing as Plaid does for a bad, removed or broken one. */
  private itemFor(body: Body, log: LoggedRequest, allowItemError: boolean): FakeItem {
    requireFields(body, "access_token");
    const token = String(body.access_token);
    if (!/^access-(sandbox|production)-[0-9a-f-]{36}$/.test(token)) {
      fail("MALFORMED_ACCESS_TOKEN");
    }
    const item = [...this.items.values()].find((i) => i.accessToken === token);
    if (!item) throw new PlaidFailure(FAILURES.INVALID_ACCESS_TOKEN);
    (log as { itemId: string | undefined }).itemId = item.itemId;
    if (item.removed) throw new PlaidFailure(FAILURES.ITEM_NOT_FOUND);
    if (item.error && item.error.code !== "ITEM_LOGIN_REQUIRED") throw new PlaidFailure(item.error);
    if (item.error && !allowItemError) throw new PlaidFailure(item.error);
    return item;
  }

  private institution(id: unknown): Institution {
    const institution = this.institutions.get(String(id));
    if (!institution) fail("INVALID_INSTITUTION");
    return institution;
  }

  private itemBody(item: FakeItem): ItemWithConsentFields {
    const institution = this.institutions.get(item.institutionId);
    return {
      item_id: item.itemId,
      institution_id: item.institutionId,
      institution_name: institution?.name ?? null,
      webhook: item.webhook,
      auth_method: null,
      error: item.error ? { ...errorBody(item.error, null), request_id: undefined } : null,
      available_products: [
        "assets",
        "auth",
        "balance",
        "identity",
        "investments",
        "liabilities",
      ].filter((p) => !item.products.includes(p)),
      billed_products: item.products,
      products: item.products,
      consented_products: item.products,
      consent_expiration_time: null,
      update_type: "background",
      created_at: item.createdAt.toISOString(),
    } as unknown as ItemWithConsentFields;
  }

  private accounts(item: FakeItem, body: Body, realTime: boolean): AccountBase[] {
    const ids = (body.options as { account_ids?: string[] } | undefined)?.account_ids;
    const selected = ids ? item.accounts.filter((a) => ids.includes(a.account_id)) : item.accounts;
    if (ids?.some((id) => !item.accounts.some((a) => a.account_id === id))) {
      fail("INVALID_ACCOUNT_ID");
    }
    const updated = realTime ? new Date().toISOString() : null;
    return structuredClone(selected).map((a) => ({
      ...a,
      balances: { ...a.balances, last_updated_datetime: updated },
    }));
  }

  private readonly routes: Record<string, Handler> = {
    "/link/token/create": (body, log) => {
      requireFields(body, "client_name", "language", "country_codes", "user");
      if (body.access_token !== undefined && body.access_token !== null) {
        this.itemFor(body, log, true);
      } else if (!Array.isArray(body.products) || body.products.length === 0) {
        fail("MISSING_FIELDS", "products");
      }
      const linkToken = `link-sandbox-${randomUUID()}`;
      this.linkTokens.push({ linkToken, options: body, createdAt: new Date() });
      return {
        link_token: linkToken,
        expiration: new Date(Date.now() + 4 * 3600_000).toISOString(),
      };
    },
    "/item/public_token/exchange": (body) => {
      requireFields(body, "public_token");
      const entry = this.publicTokens.get(String(body.public_token));
      if (!entry || entry.used) fail("INVALID_PUBLIC_TOKEN");
      entry.used = true;
      const item = this.item(entry.itemId);
      return { access_token: item.accessToken, item_id: item.itemId };
    },
    "/accounts/get": (body, log) => {
      const item = this.itemFor(body, log, false);
      return { accounts: this.accounts(item, body, false), item: this.itemBody(item) };
    },
    "/accounts/balance/get": (body, log) => {
      const item = this.itemFor(body, log, false);
      return { accounts: this.accounts(item, body, true), item: this.itemBody(item) };
    },
    "/item/get": (body, log) => ({
      item: this.itemBody(this.itemFor(body, log, true)),
      status: null,
    }),
    "/institutions/get_by_id": (body) => {
      requireFields(body, "institution_id", "country_codes");
      return { institution: this.institution(body.institution_id) };
    },
    "/item/remove": (body, log) => {
      this.itemFor(body, log, true).removed = true;
      return {};
    },
    "/sandbox/public_token/create": (body) => {
      requireFields(body, "institution_id", "initial_products");
      this.institution(body.institution_id);
      const webhook = (body.options as { webhook?: string } | undefined)?.webhook ?? null;
      const products = body.initial_products as string[];
      return {
        public_token: this.createItem({
          institutionId: String(body.institution_id),
          products,
          webhook,
        }).publicToken,
      };
    },
    "/sandbox/item/reset_login": (body, log) => {
      this.itemFor(body, log, true).error = FAILURES.ITEM_LOGIN_REQUIRED;
      return { reset_login: true };
    },
    "/item/webhook/update": (body, log) => {
      const item = this.itemFor(body, log, true);
      item.webhook = typeof body.webhook === "string" && body.webhook ? body.webhook : null;
      return { item: this.itemBody(item) };
    },
    "/webhook_verification_key/get": (body) => {
      requireFields(body, "key_id");
      const key = this.webhookKeys.get(String(body.key_id));
      if (!key) fail("INVALID_WEBHOOK_VERIFICATION_KEY_ID");
      return { key };
    },
  };

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const endpoint = new URL(req.url ?? "/", this.url).pathname;
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    let body: Body = {};
    let parseError = false;
    try {
      const parsed: unknown = JSON.parse(Buffer.concat(chunks).toString("utf8") || "{}");
      if (typeof parsed === "object" && parsed !== null && !Array.isArray(parsed))
        body = parsed as Body;
      else parseError = true;
    } catch {
      parseError = true;
    }
    const { client_id: bodyClientId, secret: bodySecret, ...logged } = body;
    const log: LoggedRequest = {
      endpoint,
      body: logged,
      at: new Date(),
      itemId: undefined,
      status: 0,
    };
    this.requests.push(log);
    const delay = this.latency.get(endpoint) ?? 0;
    if (delay > 0) await new Promise((resolve) => setTimeout(resolve, delay));

    const requestId = plaidId(15);
    let status = 200;
    let answer: object;
    try {
      if (req.method !== "POST") fail("INVALID_HTTP_METHOD");
      if (parseError) fail("INVALID_BODY");
      const clientId = bodyClientId ?? req.headers["plaid-client-id"];
      const secret = bodySecret ?? req.headers["plaid-secret"];
      if (clientId === undefined || secret === undefined)
        fail("MISSING_FIELDS", "client_id, secret");
      if (clientId !== this.clientId || secret !== this.secret) {
        fail("INVALID_API_KEYS");
      }
      const route = this.routes[endpoint];
      if (!route) fail("NOT_FOUND", endpoint);
      const queued = this.failures.get(endpoint)?.shift();
      if (queued) throw new PlaidFailure(queued);
      answer = { ...route(body, log), request_id: requestId };
    } catch (error) {
      // A bug in the fake answers 500 (and shows) rather than crash the test run.
      const failure =
        error instanceof PlaidFailure
          ? error.failure
          : { ...FAILURES.API_ERROR, message: `fake-plaid bug: ${String(error)}` };
      status = failure.status;
      answer = errorBody(failure, requestId);
    }
    log.status = status;
    if (res.destroyed) return;
    res.writeHead(status, { "content-type": "application/json", "plaid-request-id": requestId });
    res.end(JSON.stringify(answer));
  }
}

function errorBody(failure: FakeFailure, requestId: string | null): FakeErrorBody {
  return {
    error_type: failure.type,
    error_code: failure.code,
    error_code_reason: null,
    error_message: failure.message,
    display_message: null,
    request_id: requestId ?? "",
    causes: [],
    status: failure.status,
    documentation_url: `https://plaid.com/docs/errors/#${failure.code.toLowerCase()}`,
    suggested_action: null,
  };
}

/** Starts a fake Plaid on 127.0.0.1 (a port the system picks). Close it with fake.close(). */
export async function startFakePlaid(options: FakePlaidOptions = {}): Promise<FakePlaid> {
  const server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve());
  });
  return new FakePlaid(server, options);
}
