import { Command } from "commander";
import { z } from "zod";
import { formatInstant } from "../core/instant.js";
import { itemAdvice } from "../core/item-advice.js";
import { disconnectItem, itemToken, listItems, purgeItem } from "../db/plaid.js";
import { UserError } from "../errors.js";
import { renderTable } from "../output/table.js";
import { type App, examples, parseOptions, userRun } from "./app.js";
import { refreshFrom } from "./effects.js";
import { plaidDeps, resolveItem } from "./plaid-deps.js";

export function itemsCommand(app: App): Command {
  const command = new Command("items")
    .description("list the bank connections made with networth link, and what each needs")
    .option("--json", "print as JSON")
    .action(async (raw: { json?: boolean }, cmd: Command) => {
      const run = await userRun(app, cmd);
      const out = app.output(raw);
      const items = await run.db.asUser(run.user.id, (tx) => listItems(tx));
      if (out.json) {
        out.result({
          items: items.map(({ masks: _masks, ...item }) => ({ ...item, advice: itemAdvice(item) })),
        });
        return;
      }
      if (items.length === 0) {
        out.line(
          "No linked institutions. Link one with networth link (or networth link --sandbox).",
        );
        return;
      }
      out.line(
        renderTable(
          ["Institution", "Status", "Accounts", "Last update", "Id", "What to do"],
          items.map((i) => [
            i.institutionName,
            i.errorCode ? `${i.status} (${i.errorCode})` : i.status,
            String(i.accountCount),
            i.lastSuccessfulUpdate
              ? formatInstant(i.lastSuccessfulUpdate, { precision: "minute" })
              : "never",
            i.id.slice(0, 8),
            itemAdvice(i) ?? "",
          ]),
        ),
      );
    });
  return examples(command, [
    "networth items",
    "networth items --json | jq '.items[] | select(.status != \"active\")'",
  ]);
}

export function unlinkCommand(app: App): Command {
  const command = new Command("unlink")
    .description(
      "disconnect a linked institution; its accounts and history are kept unless --purge --yes",
    )
    .argument("<item>", "item id prefix, Plaid item id or institution name")
    .option("--purge", "also delete its accounts and their whole history (needs --yes)")
    .option("--yes", "confirm --purge")
    .option("--json", "print the result as JSON")
    .action(async (ref: string, raw: Record<string, unknown>, cmd: Command) => {
      const input = parseOptions(
        z.object({
          purge: z.boolean().optional(),
          yes: z.boolean().optional(),
          json: z.boolean().optional(),
        }),
        raw,
      );
      const run = await userRun(app, cmd);
      const out = app.output(input);
      const item = await resolveItem(run.db, run.user.id, ref);
      if (input.purge && !input.yes) {
        throw new UserError(
          `not purged: ${item.institutionName} has ${item.accountCount} account(s) whose whole history would be lost. ` +
            "Run again with --purge --yes, or without --purge to keep the history.",
        );
      }
      const { accessToken, itemId } = await run.db.asUser(run.user.id, (tx) =>
        itemToken(tx, item.id),
      );
      if (accessToken) {
        // Tell Plaid first: a token we dropped could never be revoked afterwards.
        const { client, keyring } = await plaidDeps(run);
        const { plaid } = await import("../plaid/client.js");
        await plaid(() =>
          client.itemRemove({ access_token: keyring.decrypt(accessToken, itemId) }),
        ).catch((error) => {
          const code = (error as { errorCode?: string }).errorCode;
          // Already gone at Plaid: nothing left to revoke.
          if (code !== "ITEM_NOT_FOUND" && code !== "INVALID_ACCESS_TOKEN") throw error;
        });
      }
      await run.db.asUser(run.user.id, async (tx) => {
        if (input.purge) await refreshFrom(tx, run, await purgeItem(tx, item.id));
        else {
          await disconnectItem(tx, item.id, run.today);
          await refreshFrom(tx, run, run.today);
        }
      });
      const result = {
        item: item.id,
        institutionName: item.institutionName,
        purged: Boolean(input.purge),
        accounts: item.accountCount,
      };
      if (out.json) out.result(result);
      else if (input.purge)
        out.line(
          `Removed ${item.institutionName} with its ${item.accountCount} account(s) and their history.`,
        );
      else
        out.line(
          `Unlinked ${item.institutionName}; its ${item.accountCount} account(s) are archived with their history kept.`,
        );
    });
  return examples(command, [
    'networth unlink "First Platypus Bank"',
    "networth unlink 3f2a1b9c --purge --yes",
  ]);
}
