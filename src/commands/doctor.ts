import { Command } from "commander";
import { z } from "zod";
import { DATE_FORMATS, type DateFormat } from "../config.js";
import type { Context, SessionUser } from "../context.js";
import { addDays, daysBetween, formatDate } from "../core/dates.js";
import { formatInstant } from "../core/instant.js";
import { itemAdvice } from "../core/item-advice.js";
import type { Database } from "../db/connection.js";
import {
  type SnapshotPresence,
  type StaleManualAccount,
  snapshotPresence,
  staleManualAccounts,
} from "../db/doctor.js";
import { describeDatabaseError } from "../db/errors.js";
import { migrationLabel, migrationStatus } from "../db/migrator.js";
import { type ItemRow, listItems } from "../db/plaid.js";
import type { DatabaseTarget } from "../db/target.js";
import { UserError } from "../errors.js";
import { displayPath } from "../paths.js";
import {
  checkKeyFilePermissions,
  ENCRYPTION_KEY_ENV,
  envEncryptionKey,
  type KeyFileStatus,
} from "../plaid/crypto.js";
import { readKeyFile } from "../plaid/keyfile.js";
import { type App, examples, parseOptions } from "./app.js";

/** An active item not updated for longer than this needs a sync. */
const SYNC_STALE_HOURS = 48;
/** A manual account whose current value is older than this many days needs a new one. */
const MANUAL_STALE_DAYS = 90;
const HOUR_MS = 3_600_000;

/** The checks, in the order they are printed. */
const CHECK_NAMES = [
  "database",
  "key-file",
  "login",
  "items",
  "sync",
  "manual-values",
  "snapshot",
] as const;
type CheckName = (typeof CHECK_NAMES)[number];

/** One check as --json prints it. */
export interface DoctorCheck {
  name: CheckName;
  status: "ok" | "fail";
  /** One line: what was found. */
  message: string;
  /** One line: what to run or do about it; null when nothing (or nothing known) fixes it. */
  fix: string | null;
  /** What the check found, one object per thing (an item, an account, a migration...). */
  details: Record<string, unknown>[];
}

/** A check and the lines that show its details on a terminal. */
interface Finding {
  check: DoctorCheck;
  lines: string[];
}

const ok = (
  name: CheckName,
  message: string,
  details: Record<string, unknown>[] = [],
  lines: string[] = [],
): Finding => ({ check: { name, status: "ok", message, fix: null, details }, lines });

const fail = (
  name: CheckName,
  message: string,
  fix: string | null,
  details: Record<string, unknown>[] = [],
  lines: string[] = [],
): Finding => ({ check: { name, status: "fail", message, fix, details }, lines });

/** A word for a shell command line: as is when safe, else single-quoted. */
function shellWord(value: string): string {
  return /^[\w@%+=:,./-]+$/.test(value) ? value : `'${value.replace(/'/g, "'\\''")}'`;
}

/** A displayed path for a shell command line: a leading ~/ stays outside the quotes. */
function shellPath(shown: string): string {
  return shown.startsWith("~/") ? `~/${shellWord(shown.slice(2))}` : shellWord(shown);
}

const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;
const octal = (mode: number) => `0${mode.toString(8).padStart(3, "0")}`;
const ref = (item: { id: string }) => item.id.slice(0, 8);

/**
 * Opens the database for doctor. A server is opened as is, so that pending migrations become a
 * failed check instead of the refusal every other command gives; the embedded database
 * migrates itself on opening, as always. A database that cannot be opened is a failed check
 * too (an unreachable server, a held lock), unless the error is not one we can explain.
 * Returns the database only when it is up to date: the checks of the user's data need it.
 */
async function databaseCheck(ctx: Context): Promise<{ finding: Finding; db: Database | null }> {
  let target: DatabaseTarget | undefined;
  try {
    target = ctx.target();
    const db = await ctx.database(target.kind === "server" ? "none" : "auto");
    const status = await migrationStatus(db.sql);
    const labels = (list: readonly { version: number; name: string }[]) =>
      list.map(migrationLabel).join(", ");
    const details = [
      ...status.pending.map((m) => ({ migration: migrationLabel(m), state: "pending" })),
      ...status.modified.map((m) => ({ migration: migrationLabel(m), state: "modified" })),
      ...status.unknown.map((m) => ({ migration: migrationLabel(m), state: "unknown" })),
    ];
    const later = "; the checks of your accounts run once that is fixed";
    if (status.unknown.length > 0)
      return {
        db: null,
        finding: fail(
          "database",
          `${target.display} has ${plural(status.unknown.length, "migration")} this version of networth does not know (${labels(status.unknown)})${later}`,
          "upgrade networth",
          details,
        ),
      };
    if (status.modified.length > 0)
      return {
        db: null,
        finding: fail(
          "database",
          `${plural(status.modified.length, "migration")} of ${target.display} changed after being applied (${labels(status.modified)})${later}`,
          "restore the original migration files (or roll back with the networth that applied them)",
          details,
        ),
      };
    if (status.pending.length > 0)
      return {
        db: null,
        finding: fail(
          "database",
          `${target.display} is not up to date: ${plural(status.pending.length, "pending migration")} (${labels(status.pending)})${later}`,
          "networth db migrate",
          details,
        ),
      };
    return {
      db,
      finding: ok(
        "database",
        `${target.display}: migrations up to date (${status.applied.length} applied)`,
      ),
    };
  } catch (error) {
    // A bad --database-url is bad usage, as in every command.
    if (error instanceof UserError && error.exitCode !== 1) throw error;
    const message =
      error instanceof UserError ? error.message : describeDatabaseError(error, target);
    if (!message) throw error;
    return { db: null, finding: fail("database", message, null) };
  }
}

/**
 * The token key: NETWORTH_ENCRYPTION_KEY when set (it must be valid), and the key file's
 * permissions whether or not it is (its older keys still decrypt older tokens). A missing
 * file is fine until something was linked: `linkedItems` (null when unknown) says whether
 * stored tokens need a key that is not there.
 */
function keyFileCheck(ctx: Context, linkedItems: readonly ItemRow[] | null): Finding {
  const fromEnv = Boolean(ctx.env[ENCRYPTION_KEY_ENV]?.trim());
  const keysDir = ctx.paths.keysDir;
  let status: KeyFileStatus;
  try {
    status = checkKeyFilePermissions(keysDir);
  } catch (error) {
    return fail(
      "key-file",
      `cannot inspect the token key file in ${displayPath(keysDir)}: ${(error as Error).message}`,
      `make ${shellPath(displayPath(keysDir))} readable by you (chmod 700)`,
    );
  }
  const shown = displayPath(status.path);
  const details = [
    {
      path: status.path,
      exists: status.exists,
      mode: status.mode === null ? null : octal(status.mode),
      keySource: fromEnv ? "environment" : "file",
    },
  ];
  if (fromEnv) {
    try {
      envEncryptionKey(ctx.env);
    } catch (error) {
      if (!(error instanceof UserError)) throw error;
      return fail(
        "key-file",
        `${ENCRYPTION_KEY_ENV} is set but is not the base64 encoding of 32 bytes`,
        `set ${ENCRYPTION_KEY_ENV} to the key your tokens were encrypted with (base64 of 32 bytes)`,
        details,
      );
    }
  }
  if (!status.secure) {
    if (status.mode === null)
      return fail(
        "key-file",
        `${shown} is not a file`,
        "move it away and restore the key file from a backup",
        details,
      );
    return fail(
      "key-file",
      `${shown} can be read by group or others (mode ${octal(status.mode)}): it holds the key to every stored bank token`,
      `chmod 600 ${shellPath(shown)}`,
      details,
    );
  }
  const envNote = `the token key comes from ${ENCRYPTION_KEY_ENV}`;
  if (!status.exists) {
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
  try {
    readKeyFile(keysDir);
  } catch (error) {
    if (!(error instanceof UserError)) throw error;
    return fail("key-file", error.message, `restore ${shellPath(shown)} from a backup`, details);
  }
  return ok(
    "key-file",
    fromEnv
      ? `${envNote}; the key file ${shown} (older keys) is private (mode ${octal(status.mode ?? 0o600)})`
      : `${shown} is private (mode ${octal(status.mode ?? 0o600)})`,
    details,
  );
}

function loginCheck(ctx: Context, found: SessionUser | null, display: string): Finding {
  if (!found) return fail("login", `not logged in to ${display}`, "networth login <email>");
  const { user, session } = found;
  const details = [{ email: user.email, expiresAt: session.expiresAt }];
  if (session.expiresAt.getTime() <= ctx.now().getTime())
    return fail(
      "login",
      `the session of ${user.email} expired at ${formatInstant(session.expiresAt)}`,
      `networth login ${shellWord(user.email)}`,
      details,
    );
  return ok(
    "login",
    `logged in as ${user.email} (session until ${session.expiresAt.toISOString().slice(0, 10)})`,
    details,
  );
}

/**
 * Items in error, and items Plaid disconnected (status disconnected with an error code: sync
 * found the item gone). An item the user unlinked (disconnected, no error code) is the end of
 * a deliberate act, not a problem: it is named in the message but never fails the check, or a
 * cron job would alert for ever after a `networth unlink`.
 */
function itemsCheck(items: readonly ItemRow[]): Finding {
  const failing = items.filter(
    (i) => i.status === "error" || (i.status === "disconnected" && i.errorCode !== null),
  );
  const unlinked = items.filter((i) => i.status === "disconnected" && i.errorCode === null);
  const fixOf = (i: ItemRow) =>
    i.status === "disconnected"
      ? `${itemAdvice({ ...i, status: "error" })}, then networth unlink ${ref(i)} to retire this connection`
      : (itemAdvice(i) ?? `networth link --update ${ref(i)}`);
  if (failing.length === 0) {
    const active = items.length - unlinked.length;
    const note = unlinked.length
      ? `; unlinked by you, history kept: ${unlinked.map((i) => i.institutionName).join(", ")}`
      : "";
    return ok(
      "items",
      items.length === 0
        ? "no linked institutions"
        : `${plural(active, "connection")} working${note}`,
    );
  }
  const details = failing.map((i) => ({
    id: i.id,
    institutionName: i.institutionName,
    status: i.status,
    errorCode: i.errorCode,
    fix: fixOf(i),
  }));
  const lines = failing.map((i) =>
    `- ${i.institutionName} (${ref(i)}): ${i.status} ${i.errorCode ?? ""}`.trimEnd(),
  );
  const [only] = failing;
  const message =
    only && failing.length === 1
      ? `${only.institutionName} (${ref(only)}) needs you: ${only.status === "error" ? "in error" : "disconnected by Plaid"}${only.errorCode ? ` (${only.errorCode})` : ""}`
      : `${failing.length} connections need you: ${failing.map((i) => i.institutionName).join(", ")}`;
  const fixes = [...new Set(failing.map(fixOf))];
  return fail("items", message, fixes.join("; "), details, failing.length > 1 ? lines : []);
}

/** Active items whose last successful update is older than SYNC_STALE_HOURS, or never. */
function syncCheck(items: readonly ItemRow[], now: Date): Finding {
  const active = items.filter((i) => i.status === "active");
  const msSince = (i: ItemRow) =>
    i.lastSuccessfulUpdate === null ? null : now.getTime() - i.lastSuccessfulUpdate.getTime();
  const hoursSince = (i: ItemRow) => {
    const ms = msSince(i);
    return ms === null ? null : Math.floor(ms / HOUR_MS);
  };
  const stale = active.filter((i) => {
    const ms = msSince(i);
    return ms === null || ms > SYNC_STALE_HOURS * HOUR_MS;
  });
  if (stale.length === 0)
    return ok(
      "sync",
      active.length === 0
        ? "no active connection to sync"
        : `every active connection synced in the last ${SYNC_STALE_HOURS} hours`,
    );
  const age = (i: ItemRow) => {
    const hours = hoursSince(i);
    return hours === null ? "never synced" : `last synced ${Math.floor(hours / 24)} days ago`;
  };
  const details = stale.map((i) => ({
    id: i.id,
    institutionName: i.institutionName,
    lastSuccessfulUpdate: i.lastSuccessfulUpdate,
    hoursSinceUpdate: hoursSince(i),
  }));
  const [only] = stale;
  const message =
    only && stale.length === 1
      ? `${only.institutionName} (${ref(only)}) has not synced for more than ${SYNC_STALE_HOURS / 24} days (${age(only)})`
      : `${stale.length} connections have not synced for more than ${SYNC_STALE_HOURS / 24} days: ${stale.map((i) => `${i.institutionName} (${age(i)})`).join(", ")}`;
  return fail(
    "sync",
    message,
    "networth sync (networth cron --install runs it every day)",
    details,
  );
}

/** Active manual accounts whose current value is more than MANUAL_STALE_DAYS old, or absent. */
function manualCheck(
  stale: readonly StaleManualAccount[],
  today: string,
  dateFormat: DateFormat,
): Finding {
  if (stale.length === 0)
    return ok(
      "manual-values",
      `every manual account has a value from the last ${MANUAL_STALE_DAYS} days`,
    );
  const ageOf = (a: StaleManualAccount) =>
    a.balanceDate === null ? null : daysBetween(a.balanceDate, today);
  const describe = (a: StaleManualAccount) =>
    a.balanceDate === null
      ? "no value at all"
      : `last valued ${formatDate(a.balanceDate, dateFormat)}, ${ageOf(a)} days ago`;
  const details = stale.map((a) => ({
    id: a.id,
    name: a.name,
    balanceDate: a.balanceDate,
    ageDays: ageOf(a),
  }));
  const [only] = stale;
  if (only && stale.length === 1)
    return fail(
      "manual-values",
      `${only.name} has no value from the last ${MANUAL_STALE_DAYS} days (${describe(only)})`,
      `networth set-balance ${shellWord(only.name)} <amount> (the same amount again if it has not changed)`,
      details,
    );
  return fail(
    "manual-values",
    `${stale.length} manual accounts have no value from the last ${MANUAL_STALE_DAYS} days`,
    "networth set-balance <account> <amount> for each (the same amount again if it has not changed)",
    details,
    stale.map((a) => `- ${a.name}: ${describe(a)}`),
  );
}

function snapshotCheck(presence: SnapshotPresence, today: string, dateFormat: DateFormat): Finding {
  const shown = formatDate(today, dateFormat);
  const details = [{ date: today, expected: presence.expected, exists: presence.exists }];
  if (presence.exists)
    return ok("snapshot", `today's net worth snapshot (${shown}) exists`, details);
  if (!presence.expected)
    return ok("snapshot", "no account has a value yet: there is nothing to snapshot", details);
  return fail(
    "snapshot",
    `no net worth snapshot for today (${shown})`,
    "networth snapshot (networth cron --install takes one every day)",
    details,
  );
}

/** Every check that applies, in CHECK_NAMES order. */
async function runChecks(ctx: Context): Promise<Finding[]> {
  const { finding: database, db } = await databaseCheck(ctx);
  if (!db) return [database, keyFileCheck(ctx, null)];
  const found = await ctx.currentSession();
  const login = loginCheck(ctx, found, db.target.display);
  if (!found || login.check.status === "fail") return [database, keyFileCheck(ctx, null), login];
  const { user } = found;
  const today = ctx.today();
  const format = user.preferences.dateFormat;
  const dateFormat: DateFormat = (DATE_FORMATS as readonly string[]).includes(format)
    ? (format as DateFormat)
    : "MM/DD/YYYY";
  const facts = await db.asUser(user.id, async (tx) => ({
    items: await listItems(tx),
    manual: await staleManualAccounts(tx, addDays(today, -MANUAL_STALE_DAYS)),
    snapshot: await snapshotPresence(tx, user.id, today),
  }));
  return [
    database,
    keyFileCheck(ctx, facts.items),
    login,
    itemsCheck(facts.items),
    syncCheck(facts.items, ctx.now()),
    manualCheck(facts.manual, today, dateFormat),
    snapshotCheck(facts.snapshot, today, dateFormat),
  ];
}

const NAME_WIDTH = Math.max(...CHECK_NAMES.map((n) => n.length)) + 2;

export function doctorCommand(app: App): Command {
  const command = new Command("doctor")
    .description(
      "check your connections, values, snapshots, the database and the token key; exit 1 when a check fails",
    )
    .option("--json", "print the checks as JSON")
    .addHelpText(
      "after",
      `
Checks, each ok or FAIL with what was found and the fix:
  database       reachable, and every migration applied (networth db migrate); the embedded
                 database migrates itself
  key-file       the token key file is mode 0600 (or does not exist yet); notes when the key
                 comes from ${ENCRYPTION_KEY_ENV}
  login          you are logged in and the session has not expired
  items          no linked institution in error or disconnected by Plaid (one you unlinked
                 yourself is named but does not fail)
  sync           every active connection synced in the last ${SYNC_STALE_HOURS} hours
  manual-values  every manual account has a value from the last ${MANUAL_STALE_DAYS} days
  snapshot       today's net worth snapshot exists (when any account has a value)

Without a login (or with an expired session) the login check fails and the checks of your
data are left out; when the database cannot be opened or is not up to date, only the
database and key-file checks run. Either way the report is printed (--json included) and the
exit code is 1, so a cron job notices. Exit code 0 only when every check passes.

--json: { "ok": boolean, "checks": [{ "name", "status": "ok"|"fail", "message", "fix", "details": [...] }] }`,
    )
    .action(async (raw: Record<string, unknown>, cmd: Command) => {
      const input = parseOptions(z.object({ json: z.boolean().optional() }), raw);
      const ctx = app.context(cmd);
      const out = app.output(input);
      const findings = await runChecks(ctx);
      const failed = findings.filter((f) => f.check.status === "fail");
      if (out.json) {
        out.result({ ok: failed.length === 0, checks: findings.map((f) => f.check) });
      } else {
        const indent = " ".repeat(6 + NAME_WIDTH);
        for (const { check, lines } of findings) {
          const status = check.status === "ok" ? "ok" : "FAIL";
          out.line(`${status.padEnd(6)}${check.name.padEnd(NAME_WIDTH)}${check.message}`);
          for (const line of lines) out.line(`${indent}${line}`);
          if (check.fix) out.line(`${indent}fix: ${check.fix}`);
        }
        if (failed.length === 0) out.line(`All ${findings.length} checks passed.`);
      }
      if (failed.length > 0)
        throw new UserError(
          `${failed.length} of ${findings.length} checks failed: ${failed.map((f) => f.check.name).join(", ")}`,
        );
    });
  return examples(command, [
    "networth doctor",
    "networth doctor --json | jq '.checks[] | select(.status == \"fail\")'",
    "networth doctor > /dev/null || echo 'networth needs attention'   # from cron",
  ]);
}
