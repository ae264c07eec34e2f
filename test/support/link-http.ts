import { request } from "node:http";
import { connect } from "node:net";

/** What came back from rawRequest. */
export interface RawResponse {
  readonly status: number;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly body: string;
  /** Resolves when the connection has closed (by either side). */
  readonly socketClosed: Promise<void>;
}

/** A request to send with rawRequest: every header as given (Host and Origin included). */
export interface RawRequest {
  readonly port: number;
  readonly path: string;
  readonly method?: string;
  readonly headers?: Record<string, string | number>;
  /** A body sent whole, or chunks sent one by one until the server answers. */
  readonly body?: string | Buffer | readonly Buffer[];
}

/**
 * One HTTP request on a fresh connection with exactly the given headers (fetch does not let a
 * test set Host or Origin). Resolves with the answer even when the server answers before the
 * body is sent in full; rejects only when no answer came.
 */
export function rawRequest(options: RawRequest): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const req = request({
      host: "127.0.0.1",
      port: options.port,
      path: options.path,
      method: options.method ?? "GET",
      headers: options.headers ?? {},
      agent: false,
      setHost: options.headers?.Host === undefined && options.headers?.host === undefined,
    });
    let answered = false;
    const socketClosed = new Promise<void>((done) => {
      req.once("socket", (socket) => socket.once("close", () => done()));
    });
    req.on("response", (res) => {
      answered = true;
      const chunks: Buffer[] = [];
      res.on("data", (chunk: Buffer) => chunks.push(chunk));
      res.on("end", () =>
        resolve({
          status: res.statusCode ?? 0,
          headers: res.headers,
          body: Buffer.concat(chunks).toString("utf8"),
          socketClosed,
        }),
      );
      res.on("error", reject);
    });
    req.on("error", (error) => {
      if (!answered) reject(error);
    });
    const body = options.body;
    if (body === undefined || typeof body === "string" || Buffer.isBuffer(body)) {
      req.end(body);
      return;
    }
    const chunks = [...(body as readonly Buffer[])];
    const next = () => {
      if (answered || req.destroyed) return;
      const chunk = chunks.shift();
      if (chunk === undefined) {
        req.end();
        return;
      }
      req.write(chunk, () => setImmediate(next));
    };
    next();
  });
}

/** Whether something accepts TCP connections on 127.0.0.1:port. */
export function isListening(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: "127.0.0.1", port });
    socket.once("connect", () => {
      socket.destroy();
      resolve(true);
    });
    socket.once("error", () => resolve(false));
  });
}

/** Whether a promise is still pending after everything queued so far has run. */
export async function isPending(promise: Promise<unknown>): Promise<boolean> {
  const marker = Symbol("pending");
  const winner = await Promise.race([
    promise.then(
      () => "settled",
      () => "settled",
    ),
    new Promise((resolve) => setTimeout(() => resolve(marker), 10)),
  ]);
  return winner === marker;
}

/**
 * Writes `data` on a plain TCP connection and never writes again nor ends: resolves with all
 * the server sent once the server closes the connection; rejects when it has not within
 * `withinMs`.
 */
export function untilServerCloses(port: number, data: string, withinMs = 5_000): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: "127.0.0.1", port });
    const chunks: Buffer[] = [];
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`the server kept the connection open for ${withinMs} ms`));
    }, withinMs);
    socket.on("data", (chunk: Buffer) => chunks.push(chunk));
    socket.on("error", () => {});
    socket.once("close", () => {
      clearTimeout(timer);
      resolve(Buffer.concat(chunks).toString("utf8"));
    });
    socket.write(data);
  });
}
