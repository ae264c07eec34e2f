import type { IncomingMessage } from "node:http";

/** A request body as read: its bytes, too large (reading stopped there), or the stream's error. */
export type BodyRead =
  | { readonly kind: "body"; readonly bytes: Buffer }
  | { readonly kind: "too-large" }
  | { readonly kind: "error"; readonly error: Error };

/**
 * Reads a request body of at most maxBytes. Past that it stops reading at once (the caller
 * answers 413 and closes), so an oversized body is never buffered.
 */
export function readLimitedBody(req: IncomingMessage, maxBytes: number): Promise<BodyRead> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > maxBytes) {
        req.off("data", onData);
        req.pause();
        resolve({ kind: "too-large" });
        return;
      }
      chunks.push(chunk);
    };
    req.on("data", onData);
    req.on("end", () => resolve({ kind: "body", bytes: Buffer.concat(chunks) }));
    req.on("error", (error) => resolve({ kind: "error", error }));
  });
}
