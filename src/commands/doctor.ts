import { Command } from "commander";
import { z } from "zod";
import type { Context } from "../context.js";
import { addDays, dateFormatOf } from "../core/dates.js";
import {
  budgetFinding,
  itemsFinding,
  manualFinding,
  marketFinding,
  ratesFinding,
  snapshotFinding,
  syncFinding,
} from "../core/doctor/data.js";
import {
  CHECK_NAMES,
  type CheckStatus,
  type Finding,
  MANUAL_STALE_DAYS,
  SYNC_STALE_HOURS,
} from "../core/doctor/finding.js";
import {
  type DatabaseFacts,
  databaseFinding,
  keyFileFinding,
  loginFinding,
} from "../core/doctor/setup.js";
import { missingRates } from "../core/incomplete.js";
import { ENCRYPTION_KEY_ENV } from "../core/token-key.js";
import { listAccounts } from "../db/accounts.js";
import type { Database } from "../db/connection.js";
import { snapshotPresence, staleManualAccounts } from "../db/doctor.js";
import { describeDatabaseError } from "../db/errors.js";
import { migrationLabel, migrationStatus } from "../db/migrator.js";
import { listItems } from "../db/plaid.js";
import { snapshotsLeftOut } from "../db/snapshots.js";
import type { DatabaseTarget } from "../db/target.js";
import { valuationsByAccount } from "../db/valuations.js";
import { UserError } from "../errors.js";
import { probeKeyFile } from "../plaid/keyfile.js";
import { type App, examples, parseOptions } from "./app.js";
import { budgets } from "./market.js";

export type { DoctorCheck } from "../core/doctor/finding.js";

/**
 * Opens the database for doctor. A server is opened as is, so that pending migrations become a
 * failed check instead of the refusal every other command gives; the embedded database
 * migrates itself on opening, as always. A database that cannot be opened is a failed check
 * too (an unreachable server, a held lock), unless the error is not one we can explain.
 */
async function databaseFacts(ctx: Context): Promise<{ facts: DatabaseFacts; db: Database | null }> {
  let target: DatabaseTarget | undefined;
  try {
    target = ctx.target();
    const db = await ctx.database(target.kind === "server" ? "none" : "auto");
    const status = await migrationStatus(db.sql);
    const labels = (list: readonly { version: number; name: string }[]) => list.map(migrationLabel);
    return {
      db,
      facts: {
        kind: "opened",
        display: target.display,
        applied: status.applied.length,
        pending: labels(status.pending),
        modified: labels(status.modified),
        unknown: labels(status.unknown),
      },
    };
  } catch (error) {
    // A bad --database-url is bad usage, as in every command.
    if (error instanceof UserError && error.exitCode !== 1) throw error;
    const message =
      error instanceof UserError ? error.message : describeDatabaseError(error, target);
    if (!message) throw error;
    return { db: null, facts: { kind: "unavailable", message } };
  }
}

/** Every check that applies, in CHECK_NAMES order: the facts gathered, each judged in core. */
async function runChecks(ctx: Context): Promise<Finding[]> {
  const opened = await databaseFacts(ctx);
  const database = databaseFinding(opened.facts);
  const keyFile = probeKeyFile(ctx.paths.keysDir, ctx.env);
  // The checks of the user's data need an up-to-date database.
  const db = database.check.status === "ok" ? opened.db : null;
  if (!db) return [database, keyFileFinding(keyFile, null)];
  const found = await ctx.currentSession();
  const dateFormat = dateFormatOf(found?.user.preferences.dateFormat);
  const login = loginFinding(
    found && { email: found.user.email, expiresAt: found.session.expiresAt },
    db.target.display,
    ctx.now(),
    dateFormat,
  );
  if (!found || login.check.status === "fail")
    return [database, keyFileFinding(keyFile, null), login];
  const { user } = found;
  const today = ctx.today();
  const facts = await db.asUser(user.id, async (tx) => ({
    items: await listItems(tx),
    manual: await staleManualAccounts(tx, addDays(today, -MANUAL_STALE_DAYS)),
    snapshot: await snapshotPresence(tx, user.id, today),
    market: await staleMarket(tx),
    leftOut: await snapshotsLeftOut(tx, user.id),
  }));
  const used = await budgets(ctx, db, today);
  return [
    database,
    keyFileFinding(keyFile, facts.items),
    login,
    itemsFinding(facts.items),
    syncFinding(facts.items, ctx.now()),
    manualFinding(facts.manual, today, dateFormat),
    marketFinding(facts.market, dateFormat),
    budgetFinding(used),
    snapshotFinding(facts.snapshot, today, dateFormat),
    ratesFinding(missingRates(facts.leftOut), today, dateFormat),
  ];
}

/** The user's market methods that are stale (their reasons hold no address or VIN). */
async function staleMarket(tx: Parameters<Parameters<Database["asUser"]>[1]>[0]) {
  const names = new Map(
    (await listAccounts(tx, { includeArchived: false })).map((a) => [a.id, a.name]),
  );
  return [...(await valuationsByAccount(tx))].flatMap(([id, v]) =>
    v.stale && names.has(id)
      ? [
          {
            id,
            name: names.get(id) as string,
            method: v.rule.method,
            reason: v.stale.reason,
            since: v.stale.since,
            lastGood: v.stale.lastGood,
          },
        ]
      : [],
  );
}

/** How a status shows on a terminal: the column is 6 wide, the loud ones in capitals. */
const STATUS_MARKS: Record<CheckStatus, string> = { ok: "ok", warn: "WARN", fail: "FAIL" };

const NAME_WIDTH = Math.max(...CHECK_NAMES.map((n) => n.length)) + 2;

export function doctorCommand(app: App): Command {
  const command = new Command("doctor")
    .description(
      "check your connections, values, snapshots, the database and the token key; exit 1 when a check fails (a warning alone exits 0)",
    )
    .option("--json", "print the checks as JSON")
    .addHelpText(
      "after",
      `
Checks, each ok, WARN or FAIL with what was found and the fix:
  database       reachable, and every migration applied (networth db migrate); the embedded
                 database migrates itself
  key-file       the token key file is mode 0600 (or does not exist yet); notes when the key
                 comes from ${ENCRYPTION_KEY_ENV}
  login          you are logged in and the session has not expired
  items          no linked institution in error or disconnected by Plaid (one you unlinked
                 yourself is named but does not fail)
  sync           every active connection synced in the last ${SYNC_STALE_HOURS} hours
  manual-values  every manual account has a value from the last ${MANUAL_STALE_DAYS} days
  market-values  no holdings (or other market method) is stale: its provider answered today
  budgets        every price provider is under 80% of its monthly request budget; WARN at
                 80% or more, FAIL when a budget is spent (no request left)
  snapshot       today's net worth snapshot exists (when any account has a value)

Without a login (or with an expired session) the login check fails and the checks of your
data are left out; when the database cannot be opened or is not up to date, only the
database and key-file checks run. Either way the report is printed (--json included) and the
exit code is 1, so a cron job notices. Exit code 0 only when no check fails: a WARN is
something to see to soon (its fix says what), and alone it exits 0 with "ok": true.

--json: { "ok": boolean, "checks": [{ "name", "status": "ok"|"warn"|"fail", "message", "fix", "details": [...] }] }`,
    )
    .action(async (raw: Record<string, unknown>, cmd: Command) => {
      const input = parseOptions(z.object({ json: z.boolean().optional() }), raw);
      const ctx = app.context(cmd);
      const out = app.output(input);
      const findings = await runChecks(ctx);
      const failed = findings.filter((f) => f.check.status === "fail");
      const warned = findings.filter((f) => f.check.status === "warn");
      if (out.json) {
        out.result({ ok: failed.length === 0, checks: findings.map((f) => f.check) });
      } else {
        const indent = " ".repeat(6 + NAME_WIDTH);
        for (const { check, lines } of findings) {
          const status = STATUS_MARKS[check.status];
          out.line(`${status.padEnd(6)}${check.name.padEnd(NAME_WIDTH)}${check.message}`);
          for (const line of lines) out.line(`${indent}${line}`);
          if (check.fix) out.line(`${indent}fix: ${check.fix}`);
        }
        if (failed.length === 0)
          out.line(
            warned.length === 0
              ? `All ${findings.length} checks passed.`
              : `All ${findings.length} checks passed, ${warned.length} with ${warned.length === 1 ? "a warning" : "warnings"}: ${warned.map((f) => f.check.name).join(", ")}.`,
          );
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
