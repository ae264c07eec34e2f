/**
 * GET a provider's JSON, with the shared retry policy (src/core/retry.ts: backoff on 429 and
 * 5xx and on a connection that failed), a durable budget taken before every attempt (never
 * past it), and errors that say what went wrong without the request: no URL, query, header
 * or key ever appears in one (addresses and VINs travel in queries and paths).
 */

import { DEFAULT_RETRY, type RetryHooks, type RetryPolicy, retrying } from "../core/retry.js";
import { type ExactJson, parseExactJson } from "./json.js";

/** A provider's failure, in words fit for the user (and the stale reason of an account). */
export class ProviderError extends Error {
  constructor(
    readonly provider: string,
    message: string,
    readonly status?: number,
  ) {
    super(`${provider}: ${message}`);
    this.name = "ProviderError";
  }
}

/** The provider's monthly budget is spent: nothing was sent. */
export class OverBudgetError extends ProviderError {
  constructor(provider: string, budget: number) {
    super(provider, `monthly request budget of ${budget} spent; nothing sent`);
    this.name = "OverBudgetError";
  }
}

/** The durable request counter of one provider: take() counts one request, false when spent. */
export interface Budget {
  readonly limit: number;
  take(): Promise<boolean>;
}

export interface HttpOptions {
  readonly fetch?: typeof fetch;
  readonly retry?: RetryPolicy;
  readonly hooks?: RetryHooks;
  readonly budget?: Budget;
  /** Per attempt (default 30 s). */
  readonly timeoutMs?: number;
}

class Retryable extends ProviderError {
  constructor(
    provider: string,
    message: string,
    status: number | undefined,
    readonly rateLimited: boolean,
  ) {
    super(provider, message, status);
  }
}

/** Sends GET `url` with `headers`; the answer's JSON with exact numbers. */
export async function getJson(
  provider: string,
  url: URL,
  headers: Record<string, string>,
  options: HttpOptions = {},
): Promise<ExactJson> {
  const doFetch = options.fetch ?? fetch;
  const attempt = async (): Promise<ExactJson> => {
    if (options.budget && !(await options.budget.take()))
      throw new OverBudgetError(provider, options.budget.limit);
    let response: Response;
    try {
      response = await doFetch(url, {
        headers: { accept: "application/json", ...headers },
        signal: AbortSignal.timeout(options.timeoutMs ?? 30_000),
        redirect: "error",
      });
    } catch (error) {
      const timedOut = (error as { name?: string }).name === "TimeoutError";
      throw new Retryable(
        provider,
        timedOut ? "no answer in time" : "could not be reached",
        undefined,
        false,
      );
    }
    const text = await response.text().catch(() => "");
    if (response.status === 429)
      throw new Retryable(provider, "rate limited (HTTP 429)", 429, true);
    if (response.status >= 500)
      throw new Retryable(provider, `HTTP ${response.status}`, response.status, false);
    if (!response.ok) {
      const hint = response.status === 401 || response.status === 403 ? " (check the API key)" : "";
      throw new ProviderError(provider, `HTTP ${response.status}${hint}`, response.status);
    }
    try {
      return parseExactJson(text);
    } catch {
      throw new ProviderError(provider, "answered with something that is not JSON");
    }
  };
  return retrying(
    attempt,
    (error) =>
      error instanceof Retryable ? (error.rateLimited ? "rate-limited" : "retry") : "final",
    options.retry ?? DEFAULT_RETRY,
    options.hooks,
  ).catch((error: unknown) => {
    // The last attempt's words, as a plain ProviderError.
    if (error instanceof Retryable)
      throw new ProviderError(error.provider, error.message.replace(/^[^:]+: /, ""), error.status);
    throw error;
  });
}
