import { arch, platform } from "node:os";
import { hashToken, newSessionToken, SESSION_DAYS } from "../core/session.js";
import { VERSION } from "../version.js";
import type { Database } from "./connection.js";
import { deleteSession, loginUser } from "./users.js";

/** Where a session's token is kept, per database (the config file: ConfigStore). */
export interface SessionTokens {
  sessionToken(databaseKey: string): string | undefined;
  setSessionToken(databaseKey: string, token: string | undefined): Promise<void> | void;
}

/**
 * Logs in as `email` on this database (creating the user when new): a new session whose token
 * only `tokens` keeps (the database holds its hash), replacing the previous session `tokens`
 * held for this database. Shared by `login` and `demo`.
 */
export async function startSession(
  db: Database,
  tokens: SessionTokens,
  email: string,
  options: { readonly now: Date; readonly days?: number | undefined },
) {
  const token = newSessionToken();
  const days = options.days ?? SESSION_DAYS;
  const result = await loginUser(db.sql, {
    email,
    tokenHash: hashToken(token),
    userAgent: `networth/${VERSION} ${platform()}-${arch()}`,
    expiresAt: new Date(options.now.getTime() + days * 86_400_000),
  });
  const previous = tokens.sessionToken(db.target.key);
  if (previous) await deleteSession(db.sql, hashToken(previous));
  await tokens.setSessionToken(db.target.key, token);
  return result;
}
