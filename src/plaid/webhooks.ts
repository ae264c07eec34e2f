import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import type { WebhookDatabase } from "../db/webhook-database.js";
import {
  closeAfterAnswer,
  DEFAULT_MAX_BODY_BYTES,
  isObject,
  listen,
  parseJson,
  readLimitedBody,
} from "./http-body.js";
import type { SyncItemResult } from "./sync.js";
import { DEFAULT_WEBHOOK_HOST, DEFAULT_WEBHOOK_PORT } from "./webhook-defaults.js";
import { type WebhookAnswer, type WebhookEvent, webhookDispatcher } from "./webhook-dispatch.js";
import {
  WebhookKeyUnavailableError,
  WebhookVerificationError,
  type WebhookVerifier,
} from "./webhook-verify.js";

export { itemChange } from "../core/webhook-item.js";
export {
  leasedDatabase,
  sharedDatabase,
  type WebhookDatabase,
} from "../db/webhook-database.js";
export { DEFAULT_WEBHOOK_HOST, DEFAULT_WEBHOOK_PORT } from "./webhook-defaults.js";
export type { WebhookEvent } from "./webhook-dispatch.js";

/**
 * The server behind `networth webhooks serve`: it takes Plaid's webhooks (through whatever
 * tunnel the user runs), verifies each (webhook-verify.ts), and hands what passes to the
 * dispatcher (webhook-dispatch.ts): ITEM webhooks update the item, data webhooks sync it.
 * Anything that fails verification is answered 401 and changes nothing. Headers are never
 * logged. This file is the HTTP side only; the body reader and size limit are http-body.ts's.
 */

export const DEFAULT_MAX_WEBHOOK_BYTES = DEFAULT_MAX_BODY_BYTES;
/** Slow clients get this long to send a whole request. */
const REQUEST_TIMEOUT_MS = 15_000;
/** How long close() waits for syncs under way before it closes anyway. */
const CLOSE_GRACE_MS = 10_000;

/** Options of serveWebhooks. */
export interface WebhookServerOptions {
  /** Default 127.0.0.1: the tunnel connects to it there. */
  readonly host?: string;
  /** Default 8787; 0 lets the system pick. */
  readonly port?: number;
  readonly verifier: WebhookVerifier;
  readonly database: WebhookDatabase;
  /**
   * Syncs one item (a plaid_items row id), recorded as a webhook refresh; in production
   * `syncItems(deps, { itemIds: [id], refreshType: "webhook" })`.
   */
  readonly syncItem: (itemRowId: string) => Promise<readonly SyncItemResult[]>;
  readonly onEvent?: (event: WebhookEvent) => void;
  /** The largest body taken (default 64 KiB); larger ones get 413. */
  readonly maxBodyBytes?: number;
  /** The clock of the events' times. */
  readonly now?: () => Date;
}

/** A running webhook server. */
export interface WebhookServer {
  /** `http://host:port/`. */
  readonly url: string;
  readonly host: string;
  readonly port: number;
  /** Resolves once no request is being handled and no sync is queued or running. */
  idle(): Promise<void>;
  /**
   * Stops taking webhooks, waits up to graceMs (default 10 s) for syncs under way, drops the
   * queued ones and closes every connection. Idempotent.
   */
  close(graceMs?: number): Promise<void>;
}

/** An answer: a dispatcher's, or the server's own with extra headers. */
type Answer = WebhookAnswer & { readonly headers?: Record<string, string> };

/** Starts the webhook server on host:port; resolves once it listens. */
export async function serveWebhooks(options: WebhookServerOptions): Promise<WebhookServer> {
  const maxBodyBytes = options.maxBodyBytes ?? DEFAULT_MAX_WEBHOOK_BYTES;
  if (!Number.isSafeInteger(maxBodyBytes) || maxBodyBytes <= 0) {
    throw new Error("maxBodyBytes must be a positive integer");
  }
  const now = options.now ?? (() => new Date());
  const { verifier } = options;
  const emit = (event: Omit<WebhookEvent, "at">) => {
    try {
      options.onEvent?.({ at: now().toISOString(), ...event });
    } catch {
      // A broken output (a closed pipe) must not take the server down.
    }
  };

  /** Requests and syncs under way: idle() and close() wait for them. */
  const running = new Set<Promise<unknown>>();
  const track = <T>(work: Promise<T>): Promise<T> => {
    running.add(work);
    void work.then(
      () => running.delete(work),
      () => running.delete(work),
    );
    return work;
  };
  let closing = false;
  const dispatcher = webhookDispatcher({
    database: options.database,
    syncItem: options.syncItem,
    emit,
    track: (work) => void track(work),
  });

  function send(res: ServerResponse, answer: Answer): void {
    if (res.headersSent || res.destroyed) return;
    const text = `${JSON.stringify(answer.body)}\n`;
    res.writeHead(answer.status, {
      "content-type": "application/json; charset=utf-8",
      "content-length": Buffer.byteLength(text),
      "cache-control": "no-store",
      ...(closing ? { connection: "close" } : {}),
      ...answer.headers,
    });
    res.end(text);
  }

  function reject(res: ServerResponse, status: number, reason: string, message: string): void {
    emit({ kind: "rejected", level: "warn", httpStatus: status, reason, message });
    send(res, {
      status,
      body: { error: status === 401 ? "webhook verification failed" : message },
    });
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (closing) return send(res, { status: 503, body: { error: "stopping" } });
    if (req.method !== "POST") {
      return send(res, {
        status: 405,
        body: { error: "only POST is supported" },
        headers: { allow: "POST" },
      });
    }
    const read = await readLimitedBody(req, maxBodyBytes);
    if (read.kind === "too-large") {
      emit({
        kind: "rejected",
        level: "warn",
        httpStatus: 413,
        reason: "too_large",
        message:
          read.declared === null
            ? `refused a webhook of more than ${maxBodyBytes} bytes`
            : `refused a webhook of ${read.declared} bytes (more than ${maxBodyBytes})`,
      });
      closeAfterAnswer(res);
      return send(res, {
        status: 413,
        body: { error: `the body is larger than ${maxBodyBytes} bytes` },
        headers: { connection: "close" },
      });
    }
    if (read.kind === "error") return void res.destroy();
    const body = read.bytes;

    try {
      await verifier.verify(req.headers["plaid-verification"], body);
    } catch (error) {
      if (error instanceof WebhookVerificationError) {
        return reject(res, 401, error.reason, `refused a webhook: ${error.message}`);
      }
      if (error instanceof WebhookKeyUnavailableError) {
        // Nothing is known about it: Plaid delivers it again later.
        return reject(res, 503, "key_unavailable", `could not verify a webhook: ${error.message}`);
      }
      throw error;
    }

    // The signature covers the body, not the Content-Type: a signed body is read as JSON
    // whatever the header says.
    const parsed = parseJson(body)?.value;
    if (!isObject(parsed)) {
      emit({
        kind: "ignored",
        level: "warn",
        message: "a signed webhook whose body is not a JSON object: ignored",
      });
      return send(res, { status: 400, body: { error: "the body must be a JSON object" } });
    }
    let answer: Answer;
    try {
      answer = await dispatcher.dispatch(parsed);
    } catch (error) {
      // Not acknowledged: Plaid delivers it again.
      emit({
        kind: "error",
        level: "warn",
        message: `could not handle a webhook: ${error instanceof Error ? error.message : String(error)}`,
      });
      return send(res, { status: 500, body: { error: "internal error" } });
    }
    send(res, answer);
    answer.after?.();
  }

  const server = createServer({ requestTimeout: REQUEST_TIMEOUT_MS }, (req, res) => {
    void track(
      handle(req, res).catch(() => {
        if (!res.headersSent) send(res, { status: 500, body: { error: "internal error" } });
        else res.destroy();
      }),
    );
  });
  await listen(server, {
    host: options.host ?? DEFAULT_WEBHOOK_HOST,
    port: options.port ?? DEFAULT_WEBHOOK_PORT,
  });
  const address = server.address() as AddressInfo;
  const urlHost = address.family === "IPv6" ? `[${address.address}]` : address.address;

  async function idle(): Promise<void> {
    while (running.size > 0) await Promise.allSettled([...running]);
  }

  let closed: Promise<void> | null = null;
  return {
    url: `http://${urlHost}:${address.port}/`,
    host: address.address,
    port: address.port,
    idle,
    close(graceMs = CLOSE_GRACE_MS) {
      closed ??= (async () => {
        closing = true;
        dispatcher.stop();
        const stopped = new Promise<void>((resolve) => server.close(() => resolve()));
        server.closeIdleConnections();
        let timer: NodeJS.Timeout | undefined;
        await Promise.race([
          idle(),
          new Promise<void>((resolve) => {
            timer = setTimeout(resolve, graceMs);
          }),
        ]);
        clearTimeout(timer);
        server.closeAllConnections();
        await stopped;
      })();
      return closed;
    },
  };
}
