import {
  createServer,
  type IncomingMessage,
  type OutgoingHttpHeaders,
  type ServerResponse,
} from "node:http";
import type { AddressInfo } from "node:net";
import { itemAdvice } from "../core/item-advice.js";
import type { Database } from "../db/connection.js";
import { findItemByPlaidId, setItemState, type WebhookItem } from "../db/webhook-items.js";
import { readLimitedBody } from "./http-body.js";
import type { SyncItemResult } from "./sync.js";
import {
  WebhookKeyUnavailableError,
  WebhookVerificationError,
  type WebhookVerifier,
} from "./webhook-verify.js";

/**
 * The server behind `networth webhooks serve`: it takes Plaid's webhooks (through whatever
 * tunnel the user runs), verifies each (webhook-verify.ts), and then records what an ITEM
 * webhook says about the item, or syncs the item when Plaid has new data for it. Anything that
 * fails verification is answered 401 and changes nothing. Headers are never logged.
 */

export const DEFAULT_WEBHOOK_HOST = "127.0.0.1";
export const DEFAULT_WEBHOOK_PORT = 8787;
export const DEFAULT_MAX_WEBHOOK_BYTES = 64 * 1024;
/** Slow clients get this long to send a whole request. */
const REQUEST_TIMEOUT_MS = 15_000;
/** How long close() waits for syncs under way before it closes anyway. */
const CLOSE_GRACE_MS = 10_000;

/** The ITEM webhooks that change the item's state (itemChange). */
const ITEM_CODES = new Set([
  "ERROR",
  "LOGIN_REPAIRED",
  "PENDING_EXPIRATION",
  "PENDING_DISCONNECT",
  "USER_PERMISSION_REVOKED",
  "NEW_ACCOUNTS_AVAILABLE",
]);

/** Webhooks that mean Plaid has new data for the item: each syncs it. */
const DATA_WEBHOOKS = new Set([
  "TRANSACTIONS",
  "HOLDINGS",
  "INVESTMENTS_TRANSACTIONS",
  "LIABILITIES",
]);

/** The database, however the server holds it (see leasedDatabase). */
export interface WebhookDatabase {
  use<T>(fn: (db: Database) => Promise<T>): Promise<T>;
}

/** A database held open all along (a PostgreSQL server: nobody else is locked out). */
export function sharedDatabase(db: Database): WebhookDatabase {
  return { use: (fn) => fn(db) };
}

/**
 * A database opened when work comes and closed once none is left for idleMs: the embedded
 * database belongs to one process at a time, and a server that held it for days would lock out
 * every other networth command (the cron line's sync among them).
 */
export function leasedDatabase(
  open: () => Promise<Database>,
  options: { idleMs?: number } = {},
): WebhookDatabase & { close(): Promise<void> } {
  const idleMs = options.idleMs ?? 1_000;
  let current: Promise<Database> | null = null;
  let users = 0;
  let timer: NodeJS.Timeout | null = null;
  let closing: Promise<void> = Promise.resolve();
  let closed = false;

  const release = () => {
    timer = null;
    const held = current;
    current = null;
    if (!held) return;
    closing = closing.then(() =>
      held.then(
        (db) => db.close(),
        () => {},
      ),
    );
  };

  return {
    async use(fn) {
      if (closed) throw new Error("the webhook server is stopping");
      if (timer) clearTimeout(timer);
      timer = null;
      users++;
      try {
        if (!current) {
          // A close under way must let go of the embedded database's lock first.
          await closing;
          if (!current) {
            const opening = open();
            current = opening;
            opening.catch(() => {
              if (current === opening) current = null;
            });
          }
        }
        return await fn(await current);
      } finally {
        users--;
        if (users === 0 && !closed) {
          timer = setTimeout(release, idleMs);
          timer.unref();
        }
      }
    },
    async close() {
      closed = true;
      if (timer) clearTimeout(timer);
      release();
      await closing;
    },
  };
}

/** Something the server did, for one line of output (or one JSON object a line). */
export interface WebhookEvent {
  readonly kind: "rejected" | "item" | "unknown_item" | "ignored" | "sync" | "error";
  /** warn: refused requests and failures of the server's own (stderr); info: the rest. */
  readonly level: "info" | "warn";
  /** What happened and, when something is to be done, what. */
  readonly message: string;
  readonly at: string;
  readonly webhookType?: string;
  readonly webhookCode?: string;
  readonly plaidItemId?: string;
  readonly item?: {
    readonly id: string;
    readonly institutionName: string;
    readonly status: string;
    readonly errorCode: string | null;
  };
  /** The HTTP status a rejected request got, and why. */
  readonly httpStatus?: number;
  readonly reason?: string;
  readonly results?: readonly SyncItemResult[];
}

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

interface Answer {
  readonly status: number;
  readonly body: Record<string, unknown>;
  readonly headers?: OutgoingHttpHeaders;
  /** Work to start once the answer is sent. */
  readonly after?: () => void;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** A Plaid code (webhook type or code, error code), or null when it is not one. */
function code(value: unknown): string | null {
  return typeof value === "string" && /^[A-Z0-9_]{1,64}$/.test(value) ? value : null;
}

/** The webhook's item_id, when it looks like one (it is logged; it is no secret). */
function plaidItemIdOf(body: Record<string, unknown>): string | null {
  const id = body.item_id;
  return typeof id === "string" && /^[A-Za-z0-9_-]{1,255}$/.test(id) ? id : null;
}

/** What an ITEM webhook does to the item: its new state and the line saying so. */
interface ItemChange {
  readonly state: { status: "active" | "error"; errorCode: string | null } | null;
  readonly message: string;
}

/** The change an ITEM webhook asks for; null for ITEM webhooks that change nothing. */
export function itemChange(
  webhookCode: string,
  body: Readonly<Record<string, unknown>>,
  item: Pick<WebhookItem, "id" | "institutionName" | "status" | "errorCode">,
): ItemChange | null {
  const name = item.institutionName;
  const ref = item.id.slice(0, 8);
  const update = `networth link --update ${ref}`;
  switch (webhookCode) {
    case "ERROR": {
      const error = isObject(body.error) ? code(body.error.error_code) : null;
      if (!error) return { state: null, message: `${name}: Plaid reports an error without a code` };
      return {
        state: { status: "error", errorCode: error },
        message:
          error === "ITEM_LOGIN_REQUIRED"
            ? `${name} needs you to log in again: ${update}`
            : `${name}: ${itemAdvice({ id: item.id, status: "error", errorCode: error })}`,
      };
    }
    case "LOGIN_REPAIRED":
      return {
        state: { status: "active", errorCode: null },
        message: `${name} works again (the login was repaired): nothing to do`,
      };
    case "PENDING_EXPIRATION": {
      const at = body.consent_expiration_time;
      const when =
        typeof at === "string" && /^\d{4}-\d{2}-\d{2}/.test(at)
          ? ` on ${at.slice(0, 10)}`
          : " soon";
      return {
        state: { status: "error", errorCode: "PENDING_EXPIRATION" },
        message: `${name}'s access expires${when}: renew it with ${update}`,
      };
    }
    case "PENDING_DISCONNECT":
      return {
        state: { status: "error", errorCode: "PENDING_DISCONNECT" },
        message: `${name} will be disconnected soon: reconnect it with ${update}`,
      };
    case "USER_PERMISSION_REVOKED":
      return {
        state: { status: "error", errorCode: "USER_PERMISSION_REVOKED" },
        message: `${name}: access was revoked at the bank or at Plaid: grant it again with ${update}, or networth unlink ${ref}`,
      };
    case "NEW_ACCOUNTS_AVAILABLE":
      return {
        // An item in error keeps its error: update mode, which the user needs first, also
        // offers the new accounts.
        state:
          item.status === "active"
            ? { status: "active", errorCode: "NEW_ACCOUNTS_AVAILABLE" }
            : null,
        message: `${name} has new accounts: share them with ${update}`,
      };
    default:
      return null;
  }
}

/** The line saying how a sync after a data webhook went, and what to do. */
function syncMessage(name: string, what: string, results: readonly SyncItemResult[]): string {
  const [r] = results;
  if (!r) return `${name}: new ${what} data, but nothing to sync (no access token)`;
  if (r.status === "success" || r.status === "partial_success") {
    const added = r.accountsAdded > 0 ? `, ${r.accountsAdded} new` : "";
    const gone = r.accountsDeactivated > 0 ? `, ${r.accountsDeactivated} gone` : "";
    const note = r.status === "partial_success" && r.message ? ` (${r.message})` : "";
    return `${name}: new ${what} data; synced ${r.accountsUpdated} account(s)${added}${gone}${note}`;
  }
  if (r.status === "skipped") return `${name}: new ${what} data; another sync is updating it`;
  return `${name}: new ${what} data, but the sync failed (${r.errorCode ?? "error"}): ${r.advice ?? r.message ?? "see networth logs"}`;
}

/** Starts the webhook server on host:port; resolves once it listens. */
export async function serveWebhooks(options: WebhookServerOptions): Promise<WebhookServer> {
  const maxBodyBytes = options.maxBodyBytes ?? DEFAULT_MAX_WEBHOOK_BYTES;
  if (!Number.isSafeInteger(maxBodyBytes) || maxBodyBytes <= 0) {
    throw new Error("maxBodyBytes must be a positive integer");
  }
  const now = options.now ?? (() => new Date());
  const { verifier, database, syncItem } = options;
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
  /** Per Plaid item: whether another sync is wanted once the running one ends. */
  const syncs = new Map<string, { again: boolean; webhookType: string; webhookCode: string }>();
  let closing = false;

  async function syncOnce(plaidItemId: string, webhookType: string, webhookCode: string) {
    const base = { webhookType, webhookCode, plaidItemId };
    const item = await database.use((db) => findItemByPlaidId(db.sql, plaidItemId));
    if (!item) {
      return emit({
        ...base,
        kind: "unknown_item",
        level: "info",
        message: `${webhookType} ${webhookCode} for an item networth does not know (${plaidItemId}): ignored`,
      });
    }
    const described = {
      id: item.id,
      institutionName: item.institutionName,
      status: item.status,
      errorCode: item.errorCode,
    };
    if (item.status === "disconnected") {
      return emit({
        ...base,
        kind: "ignored",
        level: "info",
        item: described,
        message: `${item.institutionName}: ${webhookType} ${webhookCode} for an unlinked item: ignored`,
      });
    }
    const results = await syncItem(item.id);
    emit({
      ...base,
      kind: "sync",
      item: described,
      results,
      level: "info",
      message: syncMessage(
        item.institutionName,
        webhookType.toLowerCase().replace(/_/g, " "),
        results,
      ),
    });
  }

  /** Queues a sync of the item: never two at once for one item; webhooks meanwhile coalesce. */
  function requestSync(plaidItemId: string, webhookType: string, webhookCode: string): void {
    const queued = syncs.get(plaidItemId);
    if (queued) {
      // The next sync covers this webhook too; its line names the latest webhook.
      Object.assign(queued, { again: true, webhookType, webhookCode });
      return;
    }
    const state = { again: true, webhookType, webhookCode };
    syncs.set(plaidItemId, state);
    void track(
      (async () => {
        try {
          while (state.again && !closing) {
            state.again = false;
            const { webhookType: latestType, webhookCode: latestCode } = state;
            await syncOnce(plaidItemId, latestType, latestCode).catch((error) =>
              emit({
                kind: "error",
                level: "warn",
                webhookType: latestType,
                webhookCode: latestCode,
                plaidItemId,
                message: `sync after ${latestType} ${latestCode} for ${plaidItemId} failed: ${error instanceof Error ? error.message : String(error)}`,
              }),
            );
          }
        } finally {
          syncs.delete(plaidItemId);
        }
      })(),
    );
  }

  async function itemWebhook(
    webhookCode: string,
    plaidItemId: string,
    body: Record<string, unknown>,
  ): Promise<void> {
    const base = { webhookType: "ITEM", webhookCode, plaidItemId };
    await database.use(async (db) => {
      const item = await findItemByPlaidId(db.sql, plaidItemId);
      if (!item) {
        return emit({
          ...base,
          kind: "unknown_item",
          level: "info",
          message: `ITEM ${webhookCode} for an item networth does not know (${plaidItemId}): ignored`,
        });
      }
      const describe = (status: string, errorCode: string | null) => ({
        id: item.id,
        institutionName: item.institutionName,
        status,
        errorCode,
      });
      if (item.status === "disconnected") {
        return emit({
          ...base,
          kind: "ignored",
          level: "info",
          item: describe(item.status, item.errorCode),
          message: `${item.institutionName}: ITEM ${webhookCode} for an unlinked item: ignored`,
        });
      }
      const change = itemChange(webhookCode, body, item);
      if (!change) {
        return emit({
          ...base,
          kind: "ignored",
          level: "info",
          item: describe(item.status, item.errorCode),
          message: `${item.institutionName}: ITEM ${webhookCode} (not handled): ignored`,
        });
      }
      const changed = change.state ? await setItemState(db.sql, item.id, change.state) : false;
      const after = changed && change.state ? change.state : item;
      emit({
        ...base,
        kind: "item",
        level: "info",
        item: describe(after.status, after.errorCode),
        message: change.message,
      });
    });
  }

  /** What a verified webhook does; ITEM changes are written before the answer. */
  async function dispatch(body: Record<string, unknown>): Promise<Answer> {
    const webhookType = code(body.webhook_type);
    const webhookCode = code(body.webhook_code);
    if (!webhookType || !webhookCode) {
      emit({
        kind: "ignored",
        level: "warn",
        message: "a webhook without webhook_type or webhook_code: ignored",
      });
      return { status: 400, body: { error: "webhook_type and webhook_code are required" } };
    }
    const plaidItemId = plaidItemIdOf(body);
    const handled =
      (webhookType === "ITEM" && ITEM_CODES.has(webhookCode)) ||
      (DATA_WEBHOOKS.has(webhookType) && webhookCode === "DEFAULT_UPDATE");
    if (!plaidItemId || !handled) {
      emit({
        kind: "ignored",
        level: "info",
        webhookType,
        webhookCode,
        ...(plaidItemId ? { plaidItemId } : {}),
        message: `${webhookType} ${webhookCode}${plaidItemId ? ` for ${plaidItemId}` : ""} (not handled): ignored`,
      });
      return { status: 200, body: { received: true } };
    }
    if (webhookType === "ITEM") {
      await itemWebhook(webhookCode, plaidItemId, body);
      return { status: 200, body: { received: true } };
    }
    // Acknowledged now, synced after: Plaid waits only seconds for the answer.
    return {
      status: 200,
      body: { received: true },
      after: () => requestSync(plaidItemId, webhookType, webhookCode),
    };
  }

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

  /** A 413 that stops reading: the connection closes once the answer is out. */
  function tooLarge(res: ServerResponse): void {
    res.shouldKeepAlive = false;
    send(res, {
      status: 413,
      body: { error: `the body is larger than ${maxBodyBytes} bytes` },
      headers: { connection: "close" },
    });
    res.once("finish", () => res.req.socket.destroySoon());
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
    const declared = Number(req.headers["content-length"] ?? 0);
    if (declared > maxBodyBytes) {
      emit({
        kind: "rejected",
        level: "warn",
        httpStatus: 413,
        reason: "too_large",
        message: `refused a webhook of ${declared} bytes (more than ${maxBodyBytes})`,
      });
      return tooLarge(res);
    }
    const read = await readLimitedBody(req, maxBodyBytes);
    if (read.kind === "too-large") {
      emit({
        kind: "rejected",
        level: "warn",
        httpStatus: 413,
        reason: "too_large",
        message: `refused a webhook of more than ${maxBodyBytes} bytes`,
      });
      return tooLarge(res);
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

    let parsed: unknown;
    try {
      parsed = JSON.parse(body.toString("utf8"));
    } catch {
      parsed = undefined;
    }
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
      answer = await dispatch(parsed);
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
  const host = options.host ?? DEFAULT_WEBHOOK_HOST;
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? DEFAULT_WEBHOOK_PORT, host, () => {
      server.off("error", reject);
      resolve();
    });
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
