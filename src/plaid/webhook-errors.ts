/** The errors of webhook verification (webhook-verify.ts), shared with the key cache. */

/** Why a webhook was refused (the server answers 401 for each). */
export type WebhookRejection =
  | "missing_header"
  | "malformed"
  | "unsupported_algorithm"
  | "unknown_key"
  | "expired_key"
  | "bad_signature"
  | "stale"
  | "future"
  | "body_mismatch";

/** A webhook that failed verification. The message never holds the header or the body. */
export class WebhookVerificationError extends Error {
  constructor(
    readonly reason: WebhookRejection,
    message: string,
  ) {
    super(message);
    this.name = "WebhookVerificationError";
  }
}

/**
 * The verification key could not be fetched for a reason other than Plaid not knowing it (no
 * answer, a 5xx): nothing is known about the webhook, so the server answers 503 and Plaid
 * delivers it again later.
 */
export class WebhookKeyUnavailableError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "WebhookKeyUnavailableError";
  }
}
