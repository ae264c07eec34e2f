import { DEFAULT_RETRY, type RetryHooks, type RetryPolicy, retrying } from "../core/retry.js";
import { isRetryable, PlaidError } from "./client.js";

export { DEFAULT_RETRY, type RetryHooks, type RetryPolicy };

function isRateLimit(error: unknown): boolean {
  return (
    error instanceof PlaidError &&
    (error.httpStatus === 429 ||
      error.errorType === "RATE_LIMIT_EXCEEDED" ||
      error.errorCode === "RATE_LIMIT_EXCEEDED")
  );
}

/**
 * Runs fn, retrying only retryable Plaid errors with exponential backoff and full jitter, at
 * most `attempts` times and never waiting more than maxTotalMs in all (src/core/retry.ts, the
 * policy every remote service shares). The last error is thrown.
 */
export async function withRetries<T>(
  fn: () => Promise<T>,
  policy: RetryPolicy = DEFAULT_RETRY,
  hooks: RetryHooks = {},
): Promise<T> {
  return retrying(
    fn,
    (error) => (!isRetryable(error) ? "final" : isRateLimit(error) ? "rate-limited" : "retry"),
    policy,
    hooks,
  );
}
