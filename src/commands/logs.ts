import { Command } from "commander";
import { z } from "zod";
import { formatInstant } from "../core/instant.js";
import { type AuditEntry, recentAudit, recentRefreshes } from "../db/logs.js";
import { renderTable } from "../output/table.js";
import { type App, examples, parseOptions, userRun, wholeNumber } from "./app.js";
import { resolveItem } from "./plaid-deps.js";

const Input = z.object({
  audit: z.boolean().optional(),
  item: z.string().optional(),
  limit: wholeNumber("--limit", 1, 1_000_000).default(50),
  json: z.boolean().optional(),
});

/** One line saying what an audit entry changed. */
function summarize(entry: AuditEntry): string {
  const row = entry.newRow ?? entry.oldRow ?? {};
  const what =
    entry.tableName === "account_balances"
      ? `${row.date} ${row.balance}`
      : typeof row.name === "string"
        ? `"${row.name}"`
        : typeof row.email === "string"
          ? row.email
          : (entry.rowId ?? "").slice(0, 8);
  if (entry.action !== "UPDATE" || !entry.oldRow || !entry.newRow) return what;
  const changed = Object.keys(entry.newRow).filter(
    (k) =>
      k !== "updated_at" &&
      k !== "is_current" &&
      JSON.stringify(entry.oldRow?.[k]) !== JSON.stringify(entry.newRow?.[k]),
  );
  return `${what}: ${changed.map((k) => `${k} ${JSON.stringify(entry.oldRow?.[k])} -> ${JSON.stringify(entry.newRow?.[k])}`).join(", ")}`;
}

export function logsCommand(app: App): Command {
  const command = new Command("logs")
    .description("show data refreshes, or with --audit every change made to your data")
    .option("--audit", "show the audit trail of changes instead")
    .option("--item <item>", "only this item's refreshes (id prefix, Plaid item id or institution)")
    .option("--limit <n>", "how many entries (default 50)")
    .option("--json", "print as JSON")
    .action(async (raw: Record<string, unknown>, cmd: Command) => {
      const input = parseOptions(Input, raw);
      const run = await userRun(app, cmd);
      const out = app.output(input);
      if (input.audit) {
        const entries = await run.db.asUser(run.user.id, (tx) => recentAudit(tx, input.limit));
        if (out.json) {
          out.result({ entries });
          return;
        }
        if (entries.length === 0) out.line("No changes recorded yet.");
        else
          out.line(
            renderTable(
              ["When", "Action", "Table", "What"],
              entries.map((e) => [formatInstant(e.changedAt), e.action, e.tableName, summarize(e)]),
            ),
          );
        return;
      }
      const itemId = input.item ? (await resolveItem(run.db, run.user.id, input.item)).id : null;
      const logs = await run.db.asUser(run.user.id, (tx) =>
        recentRefreshes(tx, input.limit, itemId),
      );
      if (out.json) {
        out.result({ logs });
        return;
      }
      if (logs.length === 0) {
        out.line("No data refreshes yet (they come with networth link and networth sync).");
        return;
      }
      out.line(
        renderTable(
          ["Started", "Institution", "Type", "Status", "Accounts", "Error"],
          logs.map((l) => [
            formatInstant(l.startedAt),
            l.institutionName ?? "",
            l.refreshType,
            l.status,
            String(l.accountsUpdated ?? 0),
            l.errorMessage ?? "",
          ]),
        ),
      );
    });
  return examples(command, [
    "networth logs",
    "networth logs --audit --limit 20",
    "networth logs --audit --json | jq '.entries[0]'",
  ]);
}
