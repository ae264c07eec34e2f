import { randomBytes, timingSafeEqual } from "node:crypto";
import {
  createServer,
  type IncomingMessage,
  type OutgoingHttpHeaders,
  type ServerResponse,
} from "node:http";
import type { AddressInfo } from "node:net";
import { UserError } from "../errors.js";
import {
  closeAfterAnswer,
  DEFAULT_MAX_BODY_BYTES,
  isJsonType,
  isObject,
  listen,
  parseJson,
  readLimitedBody,
} from "./http-body.js";
import { linkPage, linkPageCsp, PLAID_LINK_SCRIPT_URL } from "./link-page.js";
import { type LinkResult, linkResultOf, Refusal } from "./link-result.js";

/**
 * The temporary loopback server behind `networth link` (RFC 8252): it binds 127.0.0.1 on a
 * port the system picks, serves the Link page under a single-use random state, takes exactly
 * one result from that page, and closes. Every request that is not exactly right is refused
 * with a short text answer and changes nothing.
 */

/** Options of startLinkServer. */
export interface LinkServerOptions {
  /** The link token the page opens Link with. */
  readonly linkToken: string;
  /** How long to wait for a result before giving up (and closing). */
  readonly timeoutMs: number;
  /** Plaid's Link script; default PLAID_LINK_SCRIPT_URL. Tests point it elsewhere. */
  readonly scriptUrl?: string;
  /** The largest result body taken; default DEFAULT_MAX_BODY_BYTES. */
  readonly maxBodyBytes?: number;
}

export type { LinkExitError, LinkMetadata, LinkResult } from "./link-result.js";

/** A running Link server. */
export interface LinkServer {
  /** `http://127.0.0.1:<port>/link/<state>`: the page to open in the browser. */
  readonly url: string;
  readonly port: number;
  /**
   * The first good result. Rejects with a UserError when timeoutMs passes first, or when
   * close() is called before a result came.
   */
  readonly result: Promise<LinkResult>;
  /** Resolves once the server has closed, whichever way. */
  readonly closed: Promise<void>;
  /** Closes the server and every connection now; idempotent. */
  close(): Promise<void>;
}

export { DEFAULT_MAX_BODY_BYTES };

/**
 * After a result, how long the server still answers (410 Gone, on closing connections) before
 * it closes: a double submission or a reload then gets a clear answer instead of a refused
 * connection. The server is unref'd meanwhile, so it never holds the process open.
 */
const LINGER_MS = 1_000;

/** Slow clients get this long to send a whole request. */
const REQUEST_TIMEOUT_MS = 30_000;

const MAX_TIMER_MS = 2 ** 31 - 1;

function validate(options: LinkServerOptions) {
  if (typeof options.linkToken !== "string" || options.linkToken === "") {
    throw new Error("startLinkServer needs a link token");
  }
  const { timeoutMs } = options;
  if (!Number.isFinite(timeoutMs) || timeoutMs <= 0 || timeoutMs > MAX_TIMER_MS) {
    throw new Error(`timeoutMs must be between 1 and ${MAX_TIMER_MS}`);
  }
  const maxBodyBytes = options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
  if (!Number.isSafeInteger(maxBodyBytes) || maxBodyBytes <= 0) {
    throw new Error("maxBodyBytes must be a positive integer");
  }
  const scriptUrl = options.scriptUrl ?? PLAID_LINK_SCRIPT_URL;
  // linkPageCsp checks the URL; a bad one fails here rather than on the first request.
  linkPageCsp({ scriptUrl, nonce: randomBytes(16).toString("base64") });
  return { linkToken: options.linkToken, timeoutMs, maxBodyBytes, scriptUrl };
}

function seconds(ms: number): string {
  return String(Number((ms / 1000).toFixed(1)));
}

/** Starts the server; see LinkServer. */
export async function startLinkServer(options: LinkServerOptions): Promise<LinkServer> {
  const { linkToken, timeoutMs, maxBodyBytes, scriptUrl } = validate(options);
  const state = randomBytes(32).toString("base64url");
  const stateBytes = Buffer.from(state);
  const sameState = (candidate: string): boolean => {
    const bytes = Buffer.from(candidate);
    return bytes.length === stateBytes.length && timingSafeEqual(bytes, stateBytes);
  };

  let settled = false;
  let resolveResult!: (result: LinkResult) => void;
  let rejectResult!: (error: Error) => void;
  const result = new Promise<LinkResult>((resolve, reject) => {
    resolveResult = resolve;
    rejectResult = reject;
  });
  // The caller awaits `result`; this only keeps an unobserved rejection from crashing the process.
  result.catch(() => {});

  let port = 0;
  const allowedHosts = () => new Set([`127.0.0.1:${port}`, `localhost:${port}`]);
  const allowedOrigins = () => new Set([`http://127.0.0.1:${port}`, `http://localhost:${port}`]);

  const server = createServer({ requestTimeout: REQUEST_TIMEOUT_MS }, (req, res) => {
    handle(req, res).catch(() => {
      // handle answers every refusal itself; this is only a broken socket.
      if (!res.headersSent) send(res, new Refusal(500, "internal error"));
      else res.destroy();
    });
  });

  let closing: Promise<void> | null = null;
  let lingerTimer: NodeJS.Timeout | undefined;
  let timeoutTimer: NodeJS.Timeout | undefined;
  const close = (): Promise<void> => {
    if (!closing) {
      clearTimeout(timeoutTimer);
      clearTimeout(lingerTimer);
      closing = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      if (!settled) {
        settled = true;
        rejectResult(new UserError("stopped waiting for Plaid Link; run networth link again"));
      }
    }
    return closing;
  };

  function send(res: ServerResponse, answer: Refusal | { status: 200; text: string }): void {
    const headers: OutgoingHttpHeaders = {
      "content-type": "text/plain; charset=utf-8",
      "cache-control": "no-store",
      "x-content-type-options": "nosniff",
      ...(answer instanceof Refusal ? answer.headers : {}),
    };
    // Once there is a result, no connection is kept for another request.
    if (settled || closing) headers.connection = "close";
    res.writeHead(answer.status, headers);
    res.end(`${answer.text}\n`);
  }

  function servePage(req: IncomingMessage, res: ServerResponse): void {
    const nonce = randomBytes(16).toString("base64");
    const body = linkPage({ linkToken, state, scriptUrl, nonce });
    res.writeHead(200, {
      "content-type": "text/html; charset=utf-8",
      "content-length": Buffer.byteLength(body),
      "content-security-policy": linkPageCsp({ scriptUrl, nonce }),
      "cache-control": "no-store",
      "x-content-type-options": "nosniff",
      "x-frame-options": "DENY",
      // The URL holds the state: never send it to Plaid's hosts as a Referer.
      "referrer-policy": "no-referrer",
      "cross-origin-resource-policy": "same-origin",
    });
    res.end(req.method === "HEAD" ? undefined : body);
  }

  const gone = () => new Refusal(410, "this link was already used; run networth link again");

  /** The POST of a result: every check, then the one state change. */
  async function receive(
    req: IncomingMessage,
    res: ServerResponse,
    action: "callback" | "exit",
  ): Promise<void> {
    const origin = req.headers.origin;
    if (origin !== undefined && !allowedOrigins().has(origin)) {
      return send(res, new Refusal(403, "cross-origin requests are refused"));
    }
    const fetchSite = req.headers["sec-fetch-site"];
    if (fetchSite !== undefined && fetchSite !== "same-origin") {
      return send(res, new Refusal(403, "cross-site requests are refused"));
    }
    if (!isJsonType(req.headers["content-type"]) || req.headers["content-encoding"]) {
      return send(res, new Refusal(415, "send application/json"));
    }
    const read = await readLimitedBody(req, maxBodyBytes);
    if (read.kind !== "body") {
      closeAfterAnswer(res);
      const refusal =
        read.kind === "too-large"
          ? new Refusal(413, `the body is larger than ${maxBodyBytes} bytes`)
          : new Refusal(400, "the request body was cut off");
      return send(res, new Refusal(refusal.status, refusal.text, { connection: "close" }));
    }
    const parsed = parseJson(read.bytes);
    if (!parsed) return send(res, new Refusal(400, "the body is not valid JSON"));
    const data = parsed.value;
    if (!isObject(data)) return send(res, new Refusal(400, "the body must be a JSON object"));
    if (typeof data.state !== "string" || !sameState(data.state)) {
      return send(res, new Refusal(403, "wrong state"));
    }
    const outcome = linkResultOf(data, action);
    if (outcome instanceof Refusal) return send(res, outcome);
    // Checked again here: another request may have won while this body was read.
    if (settled || closing) return send(res, gone());

    settled = true;
    clearTimeout(timeoutTimer);
    const deliver = () => resolveResult(outcome);
    // Answer the page first, so a caller that closes on the result cannot cut the answer off.
    res.once("finish", deliver);
    res.once("close", deliver);
    send(res, { status: 200, text: action === "callback" ? "linked" : "exit received" });
    server.unref();
    lingerTimer = setTimeout(() => void close(), LINGER_MS);
    lingerTimer.unref();
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    // DNS rebinding: a page on another name that resolves to 127.0.0.1 sends its own Host.
    const host = req.headers.host?.toLowerCase();
    if (host === undefined || !allowedHosts().has(host)) {
      return send(res, new Refusal(421, "wrong Host header"));
    }
    const path = (req.url ?? "").split("?", 1)[0] ?? "";
    const match = /^\/link\/([A-Za-z0-9_-]+)(?:\/(callback|exit))?$/.exec(path);
    const pathState = match?.[1];
    if (!match || pathState === undefined || !sameState(pathState)) {
      return send(res, new Refusal(404, "not found"));
    }
    if (settled || closing) return send(res, gone());
    const action = match[2] as "callback" | "exit" | undefined;
    if (action === undefined) {
      if (req.method !== "GET" && req.method !== "HEAD") {
        return send(res, new Refusal(405, "method not allowed", { allow: "GET, HEAD" }));
      }
      return servePage(req, res);
    }
    if (req.method !== "POST") {
      return send(res, new Refusal(405, "method not allowed", { allow: "POST" }));
    }
    return receive(req, res, action);
  }

  const closed = new Promise<void>((resolve) => server.once("close", () => resolve()));
  await listen(server, { host: "127.0.0.1", port: 0, exclusive: true }).catch((error: unknown) => {
    settled = true;
    const reason = error instanceof Error ? `: ${error.message}` : "";
    throw new UserError(`could not start the local server for Plaid Link${reason}`);
  });
  port = (server.address() as AddressInfo).port;
  timeoutTimer = setTimeout(() => {
    if (settled) return;
    settled = true;
    void close();
    rejectResult(
      new UserError(
        `gave up waiting for Plaid Link after ${seconds(timeoutMs)} s; run networth link again`,
      ),
    );
  }, timeoutMs);

  return {
    url: `http://127.0.0.1:${port}/link/${state}`,
    port,
    result,
    closed,
    close,
  };
}
