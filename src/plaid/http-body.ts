import type { IncomingMessage, Server, ServerResponse } from "node:http";

/**
 * The HTTP plumbing the two local servers share (the Link server and the webhook receiver):
 * one size limit, one bounded body reader, one JSON check, one way to listen.
 */

/** The largest request body either server takes, unless told otherwise: 64 KiB. */
export const DEFAULT_MAX_BODY_BYTES = 64 * 1024;

/** A request body as read: its bytes, too large (reading stopped there), or the stream's error. */
export type BodyRead =
  | { readonly kind: "body"; readonly bytes: Buffer }
  | {
      readonly kind: "too-large";
      /** The Content-Length that was refused before reading, or null when it was streamed. */
      readonly declared: number | null;
    }
  | { readonly kind: "error"; readonly error: Error };

/**
 * Reads a request body of at most maxBytes. A larger Content-Length is refused before reading;
 * past the limit it stops reading at once (the caller answers 413 and closes, see
 * closeAfterAnswer), so an oversized body is never buffered.
 */
export function readLimitedBody(req: IncomingMessage, maxBytes: number): Promise<BodyRead> {
  const declared = Number(req.headers["content-length"] ?? 0);
  if (declared > maxBytes) return Promise.resolve({ kind: "too-large", declared });
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > maxBytes) {
        req.off("data", onData);
        req.pause();
        resolve({ kind: "too-large", declared: null });
        return;
      }
      chunks.push(chunk);
    };
    req.on("data", onData);
    req.on("end", () => resolve({ kind: "body", bytes: Buffer.concat(chunks) }));
    req.on("error", (error) => resolve({ kind: "error", error }));
  });
}

/**
 * For an answer that stops reading the request (413, a cut-off body): no further request on
 * this connection, which closes once the answer is out. Send it with `connection: close`.
 */
export function closeAfterAnswer(res: ServerResponse): void {
  res.shouldKeepAlive = false;
  res.once("finish", () => res.req.socket.destroySoon());
}

/** A JSON object (not an array, not null). */
export function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** The body as JSON: `{ value }`, or null when it is not valid JSON. */
export function parseJson(bytes: Buffer): { value: unknown } | null {
  try {
    return { value: JSON.parse(bytes.toString("utf8")) };
  } catch {
    return null;
  }
}

/** Whether a Content-Type is JSON in UTF-8 (the only charset JSON has). */
export function isJsonType(header: string | undefined): boolean {
  if (!header) return false;
  const [type, ...params] = header.split(";").map((part) => part.trim().toLowerCase());
  if (type !== "application/json") return false;
  return params.every(
    (param) => !param.startsWith("charset=") || /^charset="?utf-8"?$/.test(param),
  );
}

/** Starts listening; resolves once it does, rejects with the listen error (EADDRINUSE...). */
export function listen(
  server: Server,
  options: { host: string; port: number; exclusive?: boolean },
): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options, () => {
      server.off("error", reject);
      resolve();
    });
  });
}
