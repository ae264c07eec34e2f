import type { PlaidApi } from "plaid";
import { UserError } from "../errors.js";

/** The Plaid environments networth talks to. */
export const PLAID_ENVIRONMENTS = ["sandbox", "production"] as const;
export type PlaidEnvironment = (typeof PLAID_ENVIRONMENTS)[number];

const BASE_PATHS: Record<PlaidEnvironment, string> = {
  sandbox: "https://sandbox.plaid.com",
  production: "https://production.plaid.com",
};

/** Where and as whom to call Plaid. `secret` is not enumerable: printing settings hides it. */
export interface PlaidSettings {
  readonly clientId: string;
  readonly secret: string;
  readonly env: PlaidEnvironment;
  /** The API's base URL: the environment's, or PLAID_BASE_URL (tests, proxies). */
  readonly basePath: string;
}

function nonEmpty(value: string | undefined): string | undefined {
  const trimmed = value?.trim();
  return trimmed ? trimmed : undefined;
}

function environment(value: string, from: string): PlaidEnvironment {
  const found = PLAID_ENVIRONMENTS.find((name) => name === value.toLowerCase());
  if (!found) throw new UserError(`${from} must be sandbox or production, not "${value}"`);
  return found;
}

/**
 * Resolves the Plaid settings: PLAID_CLIENT_ID / PLAID_SECRET / PLAID_ENV win over the config
 * file's plaid.* values; the environment defaults to sandbox; PLAID_BASE_URL overrides the
 * base URL. Missing credentials are one UserError naming exactly what to set.
 */
export function plaidSettings(
  env: NodeJS.ProcessEnv,
  config: { clientId?: string; secret?: string; env?: string },
): PlaidSettings {
  const clientId = nonEmpty(env.PLAID_CLIENT_ID) ?? nonEmpty(config.clientId);
  const secret = nonEmpty(env.PLAID_SECRET) ?? nonEmpty(config.secret);
  if (!clientId || !secret) {
    const vars = [!clientId && "PLAID_CLIENT_ID", !secret && "PLAID_SECRET"].filter(Boolean);
    const keys = [!clientId && "plaid.clientId", !secret && "plaid.secret"].filter(Boolean);
    throw new UserError(
      `Plaid is not configured: set ${vars.join(" and ")}, or networth config set ${keys.join(" / ")}`,
    );
  }
  const envValue = nonEmpty(env.PLAID_ENV);
  const configValue = nonEmpty(config.env);
  const plaidEnv = envValue
    ? environment(envValue, "PLAID_ENV")
    : configValue
      ? environment(configValue, "plaid.env")
      : "sandbox";
  const override = nonEmpty(env.PLAID_BASE_URL);
  let basePath = BASE_PATHS[plaidEnv];
  if (override) {
    // Not echoed: a URL may carry credentials.
    const url = URL.canParse(override) ? new URL(override) : null;
    if (!url || (url.protocol !== "http:" && url.protocol !== "https:")) {
      throw new UserError("PLAID_BASE_URL must be an http:// or https:// URL");
    }
    basePath = override.replace(/\/+$/, "");
  }
  const settings = { clientId, env: plaidEnv, basePath } as PlaidSettings;
  Object.defineProperty(settings, "secret", { value: secret, enumerable: false });
  return settings;
}

/** Options of createPlaidClient. */
export interface PlaidClientOptions {
  /** Per-request timeout; /accounts/balance/get can take 30 s or more. Default 120 s. */
  readonly timeoutMs?: number;
}

/**
 * The official client for these settings. `plaid` is imported here, lazily: it is large, and
 * commands that never call Plaid must not pay for loading it.
 */
export async function createPlaidClient(
  settings: PlaidSettings,
  options: PlaidClientOptions = {},
): Promise<PlaidApi> {
  const { Configuration, PlaidApi } = await import("plaid");
  return new PlaidApi(
    new Configuration({
      basePath: settings.basePath,
      baseOptions: {
        timeout: options.timeoutMs ?? 120_000,
        headers: { "PLAID-CLIENT-ID": settings.clientId, "PLAID-SECRET": settings.secret },
      },
    }),
  );
}

/** errorType of failures where no answer came back (connection refused, timeout, DNS). */
export const NETWORK_ERROR = "NETWORK_ERROR";

/**
 * A failed Plaid call, holding only what Plaid answered (response.data and the HTTP status).
 * It deliberately has no `cause`: the axios error carries the secret in its request headers.
 */
export class PlaidError extends Error {
  readonly errorType: string;
  readonly errorCode: string;
  readonly errorMessage: string;
  readonly displayMessage: string | null;
  readonly requestId: string | null;
  /** HTTP status, or null when no answer came back. */
  readonly httpStatus: number | null;

  constructor(fields: {
    errorType: string;
    errorCode: string;
    errorMessage: string;
    displayMessage?: string | null;
    requestId?: string | null;
    httpStatus: number | null;
  }) {
    const request = fields.requestId ? ` (request ${fields.requestId})` : "";
    super(`Plaid ${fields.errorCode}: ${fields.errorMessage}${request}`);
    this.name = "PlaidError";
    this.errorType = fields.errorType;
    this.errorCode = fields.errorCode;
    this.errorMessage = fields.errorMessage;
    this.displayMessage = fields.displayMessage ?? null;
    this.requestId = fields.requestId ?? null;
    this.httpStatus = fields.httpStatus;
  }

  /** The fields, for --json output and logs. */
  toJSON(): Record<string, string | number | null> {
    return {
      name: this.name,
      message: this.message,
      errorType: this.errorType,
      errorCode: this.errorCode,
      errorMessage: this.errorMessage,
      displayMessage: this.displayMessage,
      requestId: this.requestId,
      httpStatus: this.httpStatus,
    };
  }
}

interface AxiosLike {
  isAxiosError: true;
  code?: unknown;
  response?: { status?: unknown; data?: unknown };
}

function isAxiosError(error: unknown): error is AxiosLike {
  return (
    typeof error === "object" &&
    error !== null &&
    (error as { isAxiosError?: unknown }).isAxiosError === true
  );
}

function text(value: unknown): string | null {
  return typeof value === "string" && value !== "" ? value : null;
}

/**
 * Converts an error of the official client into a PlaidError, reading only response.data and
 * response.status (or, when no answer came, axios's error code such as ECONNREFUSED). Anything
 * that is not an axios error is returned unchanged.
 */
export function toPlaidError(error: unknown): PlaidError | unknown {
  if (error instanceof PlaidError || !isAxiosError(error)) return error;
  const response = error.response;
  if (!response) {
    const code = typeof error.code === "string" && /^[A-Z_]+$/.test(error.code) ? error.code : null;
    const timedOut = code === "ECONNABORTED" || code === "ETIMEDOUT";
    return new PlaidError({
      errorType: NETWORK_ERROR,
      errorCode: code ?? NETWORK_ERROR,
      errorMessage: timedOut ? "Plaid did not answer in time" : "could not reach Plaid",
      httpStatus: null,
    });
  }
  const status = typeof response.status === "number" ? response.status : null;
  const data = (typeof response.data === "object" && response.data) || {};
  const body = data as Record<string, unknown>;
  const code = text(body.error_code);
  if (!code) {
    return new PlaidError({
      errorType: "API_ERROR",
      errorCode: `HTTP_${status ?? "UNKNOWN"}`,
      errorMessage: `Plaid answered HTTP ${status ?? "?"} without an error body`,
      httpStatus: status,
    });
  }
  return new PlaidError({
    errorType: text(body.error_type) ?? "API_ERROR",
    errorCode: code,
    errorMessage: text(body.error_message) ?? code,
    displayMessage: text(body.display_message),
    requestId: text(body.request_id),
    httpStatus: status,
  });
}

// The item needs the user (re-link in update mode) or is gone: retrying cannot help.
const NEVER_RETRY = new Set(["ITEM_LOGIN_REQUIRED", "INVALID_ACCESS_TOKEN", "ITEM_NOT_FOUND"]);
const RETRY_CODES = new Set([
  "RATE_LIMIT_EXCEEDED",
  "INSTITUTION_DOWN",
  "INSTITUTION_NOT_RESPONDING",
  "PRODUCT_NOT_READY",
  "API_ERROR",
  "INTERNAL_SERVER_ERROR",
  "PLANNED_MAINTENANCE",
]);
// Plaid reports rate limits and its own failures by type, with varying codes.
const RETRY_TYPES = new Set(["RATE_LIMIT_EXCEEDED", "API_ERROR", NETWORK_ERROR]);

/**
 * Whether a failed call is worth retrying with backoff: rate limits, institution and product
 * not-ready errors, Plaid API errors, any 5xx, and no answer at all (connection failures and
 * timeouts). Never an item that needs the user or no longer exists.
 */
export function isRetryable(error: unknown): boolean {
  const plaid = toPlaidError(error);
  if (!(plaid instanceof PlaidError)) return false;
  if (NEVER_RETRY.has(plaid.errorCode)) return false;
  if (RETRY_CODES.has(plaid.errorCode) || RETRY_TYPES.has(plaid.errorType)) return true;
  return plaid.httpStatus !== null && (plaid.httpStatus >= 500 || plaid.httpStatus === 429);
}

/** Runs a Plaid call, turning its failure into a PlaidError that carries no secret. */
export async function plaid<T>(call: () => Promise<{ data: T }>): Promise<T> {
  try {
    return (await call()).data;
  } catch (error) {
    throw toPlaidError(error);
  }
}
