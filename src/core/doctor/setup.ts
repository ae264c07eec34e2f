import type { DateFormat } from "../../config.js";
import { formatDate } from "../dates.js";
import { formatInstant } from "../instant.js";
import { octalMode, shellPath, shellWord } from "../shell.js";
import { ENCRYPTION_KEY_ENV } from "../token-key.js";
import { type Finding, fail, ok, plural } from "./finding.js";

/**
 * The checks of the setup: the database, the token key file, the login. Each takes the facts
 * the command gathered and returns its finding.
 */

/** What opening the database found: its migrations by label ("0003_audit_log"), or why not. */
export type DatabaseFacts =
  | { readonly kind: "unavailable"; readonly message: string }
  | {
      readonly kind: "opened";
      /** The database as the user knows it (a path or a URL without its password). */
      readonly display: string;
      readonly applied: number;
      readonly pending: readonly string[];
      readonly modified: readonly string[];
      readonly unknown: readonly string[];
    };

/** The database check: ok only when every migration this networth knows is applied, unchanged. */
export function databaseFinding(facts: DatabaseFacts): Finding {
  if (facts.kind === "unavailable") return fail("database", facts.message, null);
  const { display, pending, modified, unknown } = facts;
  const details = [
    ...pending.map((migration) => ({ migration, state: "pending" })),
    ...modified.map((migration) => ({ migration, state: "modified" })),
    ...unknown.map((migration) => ({ migration, state: "unknown" })),
  ];
  const later = "; the checks of your accounts run once that is fixed";
  if (unknown.length > 0)
    return fail(
      "database",
      `${display} has ${plural(unknown.length, "migration")} this version of networth does not know (${unknown.join(", ")})${later}`,
      "upgrade networth",
      details,
    );
  if (modified.length > 0)
    return fail(
      "database",
      `${plural(modified.length, "migration")} of ${display} changed after being applied (${modified.join(", ")})${later}`,
      "restore the original migration files (or roll back with the networth that applied them)",
      details,
    );
  if (pending.length > 0)
    return fail(
      "database",
      `${display} is not up to date: ${plural(pending.length, "pending migration")} (${pending.join(", ")})${later}`,
      "networth db migrate",
      details,
    );
  return ok("database", `${display}: migrations up to date (${facts.applied} applied)`);
}

/** What probing the token key file found (plaid/keyfile.ts probeKeyFile gathers it). */
export type KeyFileFacts =
  | {
      readonly kind: "uninspectable";
      /** The keys directory as shown to the user (~/ for the home directory). */
      readonly keysDirShown: string;
      readonly error: string;
    }
  | {
      readonly kind: "inspected";
      readonly path: string;
      readonly shown: string;
      readonly exists: boolean;
      /** Permission bits, or null when it does not exist or is not a file. */
      readonly mode: number | null;
      /** False when group or others can reach it, or it is not a file. */
      readonly secure: boolean;
      /** NETWORTH_ENCRYPTION_KEY is set (to anything). */
      readonly fromEnv: boolean;
      /** When set: whether it is the base64 encoding of 32 bytes. */
      readonly envKeyValid: boolean;
      /** Why the file, present and private, cannot be used (damaged), or null. */
      readonly damage: string | null;
    };

/**
 * The token key: NETWORTH_ENCRYPTION_KEY when set (it must be valid), and the key file's
 * permissions whether or not it is (its older keys still decrypt older tokens). A missing
 * file is fine until something was linked: `linkedItems` (null when unknown) says whether
 * stored tokens need a key that is not there.
 */
export function keyFileFinding(
  facts: KeyFileFacts,
  linkedItems: readonly { status: string }[] | null,
): Finding {
  if (facts.kind === "uninspectable")
    return fail(
      "key-file",
      `cannot inspect the token key file in ${facts.keysDirShown}: ${facts.error}`,
      `make ${shellPath(facts.keysDirShown)} readable by you (chmod 700)`,
    );
  const { shown, fromEnv, mode } = facts;
  const details = [
    {
      path: facts.path,
      exists: facts.exists,
      mode: mode === null ? null : octalMode(mode),
      keySource: fromEnv ? "environment" : "file",
    },
  ];
  if (fromEnv && !facts.envKeyValid)
    return fail(
      "key-file",
      `${ENCRYPTION_KEY_ENV} is set but is not the base64 encoding of 32 bytes`,
      `set ${ENCRYPTION_KEY_ENV} to the key your tokens were encrypted with (base64 of 32 bytes)`,
      details,
    );
  if (!facts.secure) {
    if (mode === null)
      return fail(
        "key-file",
        `${shown} is not a file`,
        "move it away and restore the key file from a backup",
        details,
      );
    return fail(
      "key-file",
      `${shown} can be read by group or others (mode ${octalMode(mode)}): it holds the key to every stored bank token`,
      `chmod 600 ${shellPath(shown)}`,
      details,
    );
  }
  const envNote = `the token key comes from ${ENCRYPTION_KEY_ENV}`;
  if (!facts.exists) {
    const connected = linkedItems?.filter((i) => i.status !== "disconnected") ?? [];
    if (!fromEnv && connected.length > 0)
      return fail(
        "key-file",
        `${shown} does not exist and ${ENCRYPTION_KEY_ENV} is not set, but ${plural(connected.length, "linked institution")} ha${connected.length === 1 ? "s" : "ve"} an encrypted token: sync cannot decrypt it`,
        `restore ${shellPath(shown)} from a backup, or set ${ENCRYPTION_KEY_ENV} to the key you used`,
        details,
      );
    return ok(
      "key-file",
      fromEnv
        ? `${envNote} (there is no key file)`
        : `${shown} does not exist yet (it is created when you first link an institution)`,
      details,
    );
  }
  if (facts.damage)
    return fail("key-file", facts.damage, `restore ${shellPath(shown)} from a backup`, details);
  const private_ = `is private (mode ${octalMode(mode ?? 0o600)})`;
  return ok(
    "key-file",
    fromEnv ? `${envNote}; the key file ${shown} (older keys) ${private_}` : `${shown} ${private_}`,
    details,
  );
}

/** The login: whose session this config holds for the database, and until when. */
export interface LoginFacts {
  readonly email: string;
  readonly expiresAt: Date;
}

export function loginFinding(
  found: LoginFacts | null,
  display: string,
  now: Date,
  dateFormat: DateFormat,
): Finding {
  if (!found) return fail("login", `not logged in to ${display}`, "networth login <email>");
  const { email, expiresAt } = found;
  const details = [{ email, expiresAt }];
  if (expiresAt.getTime() <= now.getTime())
    return fail(
      "login",
      `the session of ${email} expired at ${formatInstant(expiresAt)}`,
      `networth login ${shellWord(email)}`,
      details,
    );
  return ok(
    "login",
    `logged in as ${email} (session until ${formatDate(expiresAt.toISOString().slice(0, 10), dateFormat)})`,
    details,
  );
}
