import { createHash, randomBytes } from "node:crypto";

/** How long a session lasts unless the user asks otherwise. */
export const SESSION_DAYS = 30;

/** A fresh random session token (256 bits, base64url). Kept only in the local config file. */
export function newSessionToken(): string {
  return randomBytes(32).toString("base64url");
}

/** The SHA-256 of a token, hex: the only form the database ever holds. */
export function hashToken(token: string): string {
  return createHash("sha256").update(token).digest("hex");
}
