import type { OutgoingHttpHeaders } from "node:http";
import { isObject } from "./http-body.js";

/** What the Link page posts back, checked field by field (link-server.ts receives it). */

/** A JSON object as Plaid's Link gave it to the page (snake_case keys, as Plaid sends them). */
export type LinkMetadata = Record<string, unknown>;

/** The error Link's onExit reported, in Plaid's shape; the four fields are always present. */
export interface LinkExitError {
  readonly error_type: string;
  readonly error_code: string;
  readonly error_message: string;
  readonly display_message: string | null;
}

/** What Link ended with. */
export type LinkResult =
  | { readonly kind: "success"; readonly publicToken: string; readonly metadata: LinkMetadata }
  | {
      readonly kind: "exit";
      /** null when the user closed Link without an error. */
      readonly error: LinkExitError | null;
      readonly metadata: LinkMetadata;
    };

/** A refused request: the status and the one line the page (or curl) is told. */
export class Refusal {
  constructor(
    readonly status: number,
    readonly text: string,
    readonly headers: OutgoingHttpHeaders = {},
  ) {}
}

function field(value: unknown): string {
  return typeof value === "string" ? value : "";
}

function exitError(value: unknown): LinkExitError | null | Refusal {
  if (value === null || value === undefined) return null;
  if (!isObject(value)) return new Refusal(400, "error must be an object or null");
  const display = value.display_message;
  return {
    error_type: field(value.error_type),
    error_code: field(value.error_code) || "UNKNOWN",
    error_message: field(value.error_message),
    display_message: typeof display === "string" && display !== "" ? display : null,
  };
}

function metadataOf(value: unknown): LinkMetadata | Refusal {
  if (value === null || value === undefined) return {};
  return isObject(value) ? value : new Refusal(400, "metadata must be an object");
}

/**
 * The result a POST from the page reports, from its JSON body (state already checked):
 * a success needs a public token; an exit carries Link's error, if any, in Plaid's shape.
 */
export function linkResultOf(
  data: Record<string, unknown>,
  action: "callback" | "exit",
): LinkResult | Refusal {
  const metadata = metadataOf(data.metadata);
  if (metadata instanceof Refusal) return metadata;
  if (action === "callback") {
    const publicToken = data.publicToken;
    if (typeof publicToken !== "string" || publicToken.trim() === "") {
      return new Refusal(400, "publicToken is missing");
    }
    return { kind: "success", publicToken, metadata };
  }
  const error = exitError(data.error);
  if (error instanceof Refusal) return error;
  return { kind: "exit", error, metadata };
}
