import { Command } from "commander";
import { z } from "zod";
import { syncableItems } from "../db/sync.js";
import { UserError } from "../errors.js";
import type { Output } from "../output/output.js";
import { renderTable } from "../output/table.js";
import type { SyncItemResult, SyncProgress } from "../plaid/sync.js";
import type { SyncFn } from "../tui/loaders.js";
import { type App, examples, parseOptions, type UserRun, userRun } from "./app.js";
import { plaidClientAndKeys, resolveItem } from "./plaid-deps.js";

const Input = z.object({
  item: z.string().optional(),
  live: z.boolean().optional(),
  allUsers: z.boolean().optional(),
  scheduled: z.boolean().optional(),
  json: z.boolean().optional(),
  quiet: z.boolean().optional(),
});

/** A line per item as it starts, retries and ends (a terminal only). */
function progressPrinter(out: Output) {
  return (event: SyncProgress) => {
    if (event.kind === "start") out.info(`… ${event.item.institutionName}`);
    else if (event.kind === "retry") {
      out.info(
        `  ${event.item.institutionName}: ${event.reason}, retrying in ${(event.delayMs / 1000).toFixed(1)} s (attempt ${event.attempt + 1})`,
      );
    } else {
      const r = event.result;
      const mark = r.status === "success" ? "✓" : r.status === "skipped" ? "-" : "✗";
      out.info(
        `${mark} ${r.institutionName}: ${r.status === "failed" ? (r.errorCode ?? "failed") : `${r.accountsUpdated} account(s)`}${r.status === "skipped" ? " (skipped: another sync holds it)" : ""}`,
      );
    }
  };
}

function summary(out: Output, results: readonly SyncItemResult[]): void {
  if (results.length === 0) {
    out.line("No linked institutions to sync. Link one with networth link.");
    return;
  }
  out.line(
    renderTable(
      ["Institution", "Item", "Result", "Accounts", "New", "Gone", "What to do"],
      results.map((r) => [
        r.institutionName,
        r.id.slice(0, 8),
        r.errorCode ? `${r.status} (${r.errorCode})` : r.status,
        String(r.accountsUpdated),
        String(r.accountsAdded),
        String(r.accountsDeactivated),
        r.advice ?? r.message ?? "",
      ]),
    ),
  );
}

/** Whether anything is linked: without items, no Plaid keys or key file are needed. */
async function hasItems(
  sql: Parameters<typeof syncableItems>[0],
  filter: Parameters<typeof syncableItems>[1],
) {
  return (await syncableItems(sql, filter)).length > 0;
}

function nothingToSync(out: Output): void {
  if (out.json) out.result({ ok: true, results: [] });
  else if (!out.quiet) out.line("No linked institutions to sync. Link one with networth link.");
}

export function syncCommand(app: App): Command {
  const command = new Command("sync")
    .description("fetch today's balances for every linked institution")
    .option("--item <item>", "only this item (id prefix, Plaid item id or institution name)")
    .option("--live", "ask the banks in real time (/accounts/balance/get: slower, billed per call)")
    .option("--all-users", "every user's items (the cron job; needs no login)")
    .option("--scheduled", "record the refresh as scheduled (used by the cron line)")
    .option("--json", "print per-item results as JSON")
    .option("--quiet", "print nothing but errors")
    .action(async (raw: Record<string, unknown>, cmd: Command) => {
      const input = parseOptions(Input, raw);
      const ctx = app.context(cmd);
      const out = app.output(input);
      const refreshType = input.scheduled ? "scheduled" : "manual";
      const { syncItems } = await import("../plaid/sync.js");
      let results: SyncItemResult[];
      if (input.allUsers) {
        if (input.item) throw new UserError("--item and --all-users do not go together", 2);
        const db = await ctx.database();
        if (!(await hasItems(db.sql, {}))) return nothingToSync(out);
        const { client, keyring } = await plaidClientAndKeys(ctx);
        results = await syncItems(
          { db, client, keyring, today: ctx.today() },
          { live: input.live, refreshType, onProgress: progressPrinter(out) },
        );
      } else {
        const run = await userRun(app, cmd);
        const itemIds = input.item
          ? [(await resolveItem(run.db, run.user.id, input.item)).id]
          : undefined;
        if (!(await hasItems(run.db.sql, { userId: run.user.id, itemIds }))) {
          return nothingToSync(out);
        }
        const { client, keyring } = await plaidClientAndKeys(ctx);
        results = await syncItems(
          { db: run.db, client, keyring, today: run.today },
          {
            userId: run.user.id,
            itemIds,
            live: input.live,
            refreshType,
            onProgress: progressPrinter(out),
          },
        );
      }
      const failed = results.filter((r) => r.status !== "success");
      if (out.json) out.result({ ok: failed.length === 0, results });
      else if (!out.quiet) summary(out, results);
      // Cron notices: anything short of every item synced is a failure.
      if (failed.length > 0) {
        throw new UserError(
          `${failed.length} of ${results.length} item(s) did not sync: ${failed.map((r) => `${r.institutionName} (${r.errorCode ?? r.status})`).join(", ")}`,
        );
      }
    });
  return examples(command, [
    "networth sync",
    'networth sync --item "First Platypus Bank" --live',
    "networth sync --all-users --scheduled --quiet   # from cron",
  ]);
}

/** The dashboard's `r` key: sync the user's items, a progress line per item. */
export function dashboardSync(run: UserRun): SyncFn {
  return async (onProgress) => {
    if (!(await hasItems(run.db.sql, { userId: run.user.id }))) return;
    const { client, keyring } = await plaidClientAndKeys(run.ctx);
    const { syncItems } = await import("../plaid/sync.js");
    await syncItems(
      { db: run.db, client, keyring, today: run.today },
      {
        userId: run.user.id,
        refreshType: "manual",
        onProgress: (event) => {
          if (event.kind === "done") {
            const r = event.result;
            const ok = r.status === "success" || r.status === "partial_success";
            onProgress({
              itemId: r.id,
              label: r.institutionName,
              status: ok ? "done" : "failed",
              detail: ok
                ? `${r.accountsUpdated} account(s)`
                : (r.advice ?? r.errorCode ?? r.status),
            });
          } else {
            onProgress({
              itemId: event.item.id,
              label: event.item.institutionName,
              status: "syncing",
              ...(event.kind === "retry" ? { detail: `${event.reason}, retrying` } : {}),
            });
          }
        },
      },
    );
  };
}
