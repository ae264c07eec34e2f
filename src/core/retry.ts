/**
 * The retry policy shared by every remote service (Plaid, the price and valuation providers):
 * exponential backoff with full jitter, a bound on attempts and on the total time spent
 * waiting, and a harder backoff when the service says its rate limit was hit. Which errors
 * are worth retrying is the caller's to say.
 */

/** How hard to try: attempts, backoff and a bound on the total time spent waiting. */
export interface RetryPolicy {
  readonly attempts: number;
  readonly baseMs: number;
  readonly maxDelayMs: number;
  readonly maxTotalMs: number;
  /** Base delay when the service says the rate limit was hit: back off harder. */
  readonly rateLimitBaseMs: number;
}

export const DEFAULT_RETRY: RetryPolicy = {
  attempts: 5,
  baseMs: 500,
  maxDelayMs: 8_000,
  maxTotalMs: 30_000,
  rateLimitBaseMs: 2_000,
};

export interface RetryHooks {
  readonly sleep?: (ms: number) => Promise<void>;
  readonly random?: () => number;
  readonly onRetry?: (attempt: number, delayMs: number, error: unknown) => void;
}

/** What an error means for the next attempt. */
export type RetryVerdict = "retry" | "rate-limited" | "final";

const defaultSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * Runs fn, retrying the errors `classify` calls retryable with exponential backoff and full
 * jitter, at most `attempts` times and never waiting more than maxTotalMs in all. The last
 * error is thrown.
 */
export async function retrying<T>(
  fn: () => Promise<T>,
  classify: (error: unknown) => RetryVerdict,
  policy: RetryPolicy = DEFAULT_RETRY,
  hooks: RetryHooks = {},
): Promise<T> {
  const sleep = hooks.sleep ?? defaultSleep;
  const random = hooks.random ?? Math.random;
  let waited = 0;
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn();
    } catch (error) {
      const verdict = classify(error);
      if (attempt >= policy.attempts || verdict === "final") throw error;
      const base = verdict === "rate-limited" ? policy.rateLimitBaseMs : policy.baseMs;
      const ceiling = Math.min(policy.maxDelayMs, base * 2 ** (attempt - 1));
      // Half fixed, half random: spreads concurrent retries without ever waiting for nothing.
      const delay = Math.round(ceiling / 2 + (random() * ceiling) / 2);
      if (waited + delay > policy.maxTotalMs) throw error;
      hooks.onRetry?.(attempt, delay, error);
      await sleep(delay);
      waited += delay;
    }
  }
}
