/**
 * Retries with exponential backoff and full jitter: the policy of src/plaid/retry.ts (same
 * numbers, same half-fixed half-random delays, the same bound on the total wait), for callers
 * that are not Plaid (src/providers). Which errors are worth a retry is the caller's to say.
 */

export interface BackoffPolicy {
  readonly attempts: number;
  readonly baseMs: number;
  readonly maxDelayMs: number;
  readonly maxTotalMs: number;
  /** Base delay when the service said "too many requests": back off harder. */
  readonly rateLimitBaseMs: number;
}

/** src/plaid/retry.ts's DEFAULT_RETRY. */
export const DEFAULT_BACKOFF: BackoffPolicy = {
  attempts: 5,
  baseMs: 500,
  maxDelayMs: 8_000,
  maxTotalMs: 30_000,
  rateLimitBaseMs: 2_000,
};

export interface BackoffHooks {
  readonly sleep?: (ms: number) => Promise<void>;
  readonly random?: () => number;
  readonly onRetry?: (attempt: number, delayMs: number, error: unknown) => void;
}

const defaultSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Runs fn, retrying the errors `retryable` accepts; the last error is thrown. */
export async function withBackoff<T>(
  fn: () => Promise<T>,
  retryable: (error: unknown) => "retry" | "rate-limit" | false,
  policy: BackoffPolicy = DEFAULT_BACKOFF,
  hooks: BackoffHooks = {},
): Promise<T> {
  const sleep = hooks.sleep ?? defaultSleep;
  const random = hooks.random ?? Math.random;
  let waited = 0;
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn();
    } catch (error) {
      const kind = retryable(error);
      if (attempt >= policy.attempts || kind === false) throw error;
      const base = kind === "rate-limit" ? policy.rateLimitBaseMs : policy.baseMs;
      const ceiling = Math.min(policy.maxDelayMs, base * 2 ** (attempt - 1));
      const delay = Math.round(ceiling / 2 + (random() * ceiling) / 2);
      if (waited + delay > policy.maxTotalMs) throw error;
      hooks.onRetry?.(attempt, delay, error);
      await sleep(delay);
      waited += delay;
    }
  }
}
