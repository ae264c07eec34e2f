import { Command } from "commander";
import type { PlaidApi } from "plaid";
import { z } from "zod";
import { UsageError, UserError } from "../errors.js";
import type { Output } from "../output/output.js";
import { startSpinner } from "../output/spinner.js";
import type { LinkOutcome } from "../plaid/link-flow.js";
import { type App, examples, parseOptions, userRun, wholeNumber } from "./app.js";
import { plaidDeps, resolveItem } from "./plaid-deps.js";

const SANDBOX_INSTITUTION = "ins_109508";

const Input = z.object({
  sandbox: z.boolean().optional(),
  institution: z.string().trim().min(1).optional(),
  update: z.string().optional(),
  browser: z.boolean().default(true),
  timeout: wholeNumber("--timeout", 1, 86_400).default(600),
  json: z.boolean().optional(),
});

/**
 * Opens Plaid Link in the browser through a loopback server and waits for its one result;
 * returns the public token. The server is closed in every case.
 */
async function runLink(
  out: Output,
  linkToken: string,
  options: { browser: boolean; timeoutSeconds: number },
): Promise<string> {
  const { startLinkServer } = await import("../plaid/link-server.js");
  const server = await startLinkServer({ linkToken, timeoutMs: options.timeoutSeconds * 1000 });
  try {
    let opened = false;
    if (options.browser) {
      try {
        const { default: open } = await import("open");
        await open(server.url);
        opened = true;
      } catch {
        opened = false;
      }
    }
    out.notice(
      opened
        ? `Opened Plaid Link in your browser: ${server.url}`
        : `Open this page in your browser to link your bank: ${server.url}`,
    );
    const stop = startSpinner(out, "waiting for Plaid Link (Ctrl-C to give up)");
    try {
      const result = await server.result;
      if (result.kind === "exit") {
        const error = result.error as {
          error_code?: string;
          display_message?: string;
          error_message?: string;
        } | null;
        throw new UserError(
          error?.error_code
            ? `Plaid Link ended with ${error.error_code}: ${error.display_message || error.error_message || "no details"}`
            : "Plaid Link was closed before a bank was linked; nothing changed",
        );
      }
      return result.publicToken;
    } finally {
      stop();
    }
  } finally {
    await server.close();
  }
}

function linkTokenRequest(userId: string, webhook: string | undefined, accessToken?: string) {
  return {
    user: { client_user_id: userId },
    client_name: "networth",
    country_codes: ["US"],
    language: "en",
    ...(webhook ? { webhook } : {}),
    // Update mode takes the item's token and no products.
    ...(accessToken
      ? { access_token: accessToken }
      : { products: ["transactions"], optional_products: ["investments", "liabilities"] }),
  } as unknown as Parameters<PlaidApi["linkTokenCreate"]>[0];
}

function report(out: Output, verb: string, outcome: LinkOutcome): void {
  for (const s of outcome.skipped) out.warn(`skipped ${s.name} (${s.currency}): ${s.reason}`);
  if (out.json) {
    out.result({
      item: {
        id: outcome.itemId,
        institutionId: outcome.institutionId,
        institutionName: outcome.institutionName,
      },
      accounts: outcome.accounts,
      skipped: outcome.skipped,
    });
    return;
  }
  out.line(
    `${verb} ${outcome.institutionName} (item ${outcome.itemId.slice(0, 8)}): ${outcome.accounts.length} account(s)`,
  );
  for (const a of outcome.accounts)
    out.line(
      `  ${a.name}${a.mask ? ` ••${a.mask}` : ""}  (${a.type}${a.subtype ? `/${a.subtype}` : ""})`,
    );
}

export function linkCommand(app: App): Command {
  const command = new Command("link")
    .description("link a bank, card, loan or investment institution through Plaid Link")
    .option("--sandbox", "sandbox only: link a test institution without a browser")
    .option(
      "--institution <id>",
      `with --sandbox: the institution (default ${SANDBOX_INSTITUTION})`,
    )
    .option("--update <item>", "repair or change an existing connection (update mode)")
    .option("--no-browser", "print the Link page's address instead of opening a browser")
    .option("--timeout <seconds>", "give up waiting for Link after this long (default 600)")
    .option("--json", "print what was linked as JSON")
    .action(async (raw: Record<string, unknown>, cmd: Command) => {
      const input = parseOptions(Input, raw);
      if (input.institution && !input.sandbox)
        throw new UsageError("--institution applies only with --sandbox");
      if (input.sandbox && input.update)
        throw new UsageError("--sandbox and --update do not go together");
      const run = await userRun(app, cmd);
      const out = app.output(input);
      const { client, keyring, settings } = await plaidDeps(run);
      const [{ completeLink, completeUpdate }, { plaid }] = await Promise.all([
        import("../plaid/link-flow.js"),
        import("../plaid/client.js"),
      ]);
      const deps = { db: run.db, userId: run.user.id, client, keyring, today: run.today };
      const webhook = run.ctx.config.get("plaid.webhookUrl");

      if (input.update) {
        const item = await resolveItem(run.db, run.user.id, input.update);
        const { itemToken } = await import("../db/plaid.js");
        const stored = await run.db.asUser(run.user.id, (tx) => itemToken(tx, item.id));
        if (!stored.accessToken)
          throw new UserError(
            `${item.institutionName} is unlinked: run networth link to connect it again`,
          );
        const accessToken = keyring.decrypt(stored.accessToken, stored.itemId);
        const token = await plaid(() =>
          client.linkTokenCreate(linkTokenRequest(run.user.id, webhook, accessToken)),
        );
        await runLink(out, token.link_token, {
          browser: input.browser,
          timeoutSeconds: input.timeout,
        });
        report(out, "Updated", await completeUpdate(deps, item.id, accessToken));
        return;
      }

      let publicToken: string;
      if (input.sandbox) {
        if (settings.env !== "sandbox")
          throw new UserError(
            "--sandbox needs Plaid's sandbox: set PLAID_ENV=sandbox (or networth config set plaid.env sandbox)",
          );
        const stop = startSpinner(out, "creating a sandbox connection");
        try {
          const created = await plaid(() =>
            client.sandboxPublicTokenCreate({
              institution_id: input.institution ?? SANDBOX_INSTITUTION,
              initial_products: ["transactions"] as never,
              ...(webhook ? { options: { webhook } } : {}),
            }),
          );
          publicToken = created.public_token;
        } finally {
          stop();
        }
      } else {
        const token = await plaid(() =>
          client.linkTokenCreate(linkTokenRequest(run.user.id, webhook)),
        );
        publicToken = await runLink(out, token.link_token, {
          browser: input.browser,
          timeoutSeconds: input.timeout,
        });
      }
      const stop = startSpinner(out, "storing the accounts");
      let outcome: LinkOutcome;
      try {
        outcome = await completeLink(deps, publicToken);
      } finally {
        stop();
      }
      report(out, "Linked", outcome);
    });
  return examples(command, [
    "PLAID_ENV=sandbox networth link --sandbox",
    "networth link",
    "networth link --no-browser --timeout 300",
    "networth link --update 3f2a1b9c",
  ]);
}
