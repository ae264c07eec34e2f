import { Command } from "commander";
import { z } from "zod";
import type { WebhookDatabase } from "../db/webhook-database.js";
import { UserError } from "../errors.js";
import type { Output } from "../output/output.js";
import {
  DEFAULT_WEBHOOK_HOST,
  DEFAULT_WEBHOOK_PORT,
  DEFAULT_WEBHOOK_URL,
} from "../plaid/webhook-defaults.js";
import type { WebhookEvent, WebhookServer } from "../plaid/webhooks.js";
import { type App, examples, parseOptions, wholeNumber } from "./app.js";
import { plaidClientAndKeys } from "./plaid-deps.js";

const Input = z.object({
  port: wholeNumber("--port", 0, 65_535).optional(),
  host: z.string().trim().min(1, "--host takes an address").default(DEFAULT_WEBHOOK_HOST),
  json: z.boolean().optional(),
});

function isLoopback(host: string): boolean {
  return host === "localhost" || host === "::1" || /^127\.\d+\.\d+\.\d+$/.test(host);
}

/** A listen failure as one line saying what to do. */
function listenError(error: unknown, host: string, port: number): unknown {
  const code = (error as NodeJS.ErrnoException).code;
  if (code === "EADDRINUSE") {
    return new UserError(`port ${port} on ${host} is in use: pick another with --port`);
  }
  if (code === "EACCES") {
    return new UserError(`not allowed to listen on port ${port}: pick one above 1023 with --port`);
  }
  if (code === "EADDRNOTAVAIL" || code === "ENOTFOUND" || code === "EAI_AGAIN") {
    return new UserError(`cannot listen on ${host}: not an address of this machine`, 2);
  }
  return error;
}

/** One compact JSON object a line (--json): the server's output is a stream, not a document. */
function jsonLine(out: Output, value: unknown): void {
  out.write(`${JSON.stringify(value)}\n`);
}

/** One line per event: what happened on stdout, refused requests and failures on stderr. */
function printer(out: Output) {
  return (event: WebhookEvent) => {
    if (out.json) jsonLine(out, event);
    else if (event.level === "warn") out.notice(event.message);
    else out.line(event.message);
  };
}

export function webhooksCommand(app: App): Command {
  const webhooks = new Command("webhooks").description(
    "receive Plaid webhooks: bank connections that need you, and new data to sync",
  );

  webhooks
    .command("serve")
    .description(
      "receive Plaid webhooks (behind your tunnel) until Ctrl-C: item errors are recorded, new data synced",
    )
    .option("--port <n>", `TCP port (default ${DEFAULT_WEBHOOK_PORT}; 0: one the system picks)`)
    .option("--host <address>", `address to listen on (default ${DEFAULT_WEBHOOK_HOST})`)
    .option("--json", "print one JSON object a line: the address, then each webhook")
    .action(async (raw: Record<string, unknown>, cmd: Command) => {
      const input = parseOptions(Input, raw);
      const ctx = app.context(cmd);
      const out = app.output(input);
      // Plaid settings first: without them nothing can be verified, let alone synced.
      const { client, keyring } = await plaidClientAndKeys(ctx);
      const [server, held, verify, { syncItems }] = await Promise.all([
        import("../plaid/webhooks.js"),
        import("../db/webhook-database.js"),
        import("../plaid/webhook-verify.js"),
        import("../plaid/sync.js"),
      ]);

      const target = ctx.target();
      let database: WebhookDatabase;
      if (target.kind === "embedded") {
        // Held only while a webhook is handled: other networth commands (the cron line's sync)
        // need the embedded database too.
        const { openDatabase } = await import("../db/connection.js");
        const lease = held.leasedDatabase(() => openDatabase(target, ctx.openOptions("require")));
        ctx.onClose(() => lease.close());
        database = lease;
      } else {
        database = held.sharedDatabase(await ctx.database());
      }
      // An unreachable or unmigrated database is said now, not at the first webhook.
      await database.use(async () => {});

      const port = input.port ?? DEFAULT_WEBHOOK_PORT;
      let running: WebhookServer;
      try {
        running = await server.serveWebhooks({
          host: input.host,
          port,
          verifier: verify.createWebhookVerifier({
            fetchKey: verify.plaidKeyFetcher(client),
            now: () => ctx.now(),
          }),
          database,
          syncItem: (itemRowId) =>
            database.use((db) =>
              syncItems(
                // Today is taken per sync: the server runs across midnights.
                { db, client, keyring, today: ctx.today() },
                { itemIds: [itemRowId], refreshType: "webhook" },
              ),
            ),
          onEvent: printer(out),
          now: () => ctx.now(),
        });
      } catch (error) {
        throw listenError(error, input.host, port);
      }
      ctx.onClose(() => running.close());

      const webhookUrl = ctx.config.get("plaid.webhookUrl");
      if (out.json) {
        jsonLine(out, {
          kind: "listening",
          url: running.url,
          host: running.host,
          port: running.port,
          webhookUrl: webhookUrl ?? null,
        });
      } else {
        out.line(`Receiving Plaid webhooks at ${running.url}`);
        if (webhookUrl) {
          out.line(
            `Plaid sends them to ${webhookUrl} (plaid.webhookUrl): your tunnel must forward it here.`,
          );
        } else {
          out.line("Plaid must reach it from the internet: run a tunnel to it, then");
          out.line("  networth config set plaid.webhookUrl https://<your-tunnel>/");
          out.line("(institutions linked from then on send their webhooks there).");
        }
        out.line("Press Ctrl-C to stop.");
      }
      if (!isLoopback(running.host)) {
        out.notice(
          `listening on ${running.host}: other machines can reach it (only webhooks Plaid signed are acted on)`,
        );
      }
      // Runs until Ctrl-C or SIGTERM: the CLI's signal handler closes the context, and with it
      // the server (then the database), before the process exits.
      await new Promise<never>(() => {});
    });

  return examples(webhooks, [
    "networth webhooks serve",
    "networth webhooks serve --port 9000 --json",
    `cloudflared tunnel --url ${DEFAULT_WEBHOOK_URL}   # in another terminal, then:`,
    "networth config set plaid.webhookUrl https://<name>.trycloudflare.com/",
  ]);
}
