import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { cli, json } from "../support/cli.js";
import { DATABASE_KINDS, type TestTarget } from "../support/databases.js";
import { type FakePlaid, startFakePlaid } from "../support/fake-plaid.js";
import { plaidEnv, startLink } from "../support/link-cli.js";

const embedded = DATABASE_KINDS[0] as (typeof DATABASE_KINDS)[number];

/**
 * Runs `networth link ...` as a process, waits for the Link page's address on stderr, then
 * plays the browser: finishes Link at the fake and posts the result to the loopback server.
 */
async function linkThroughPage(
  args: string[],
  env: Record<string, string>,
  fake: FakePlaid,
  before?: () => void,
) {
  const { url, done } = await startLink(args, env);
  const page = await fetch(url);
  expect(page.status).toBe(200);
  before?.();
  const linkToken = fake.linkTokens.at(-1)?.linkToken as string;
  const { publicToken } = fake.completeLink(linkToken);
  const state = url.split("/").at(-1) as string;
  const posted = await fetch(`${url}/callback`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({
      state,
      publicToken,
      metadata: { institution: { institution_id: "ins_109508" } },
    }),
  });
  expect(posted.status).toBeLessThan(300);
  return done;
}

describe("Plaid Link through the loopback page, driven as a browser would", () => {
  let t: TestTarget;
  let fake: FakePlaid;
  let env: Record<string, string>;
  beforeAll(async () => {
    t = await embedded.create();
    fake = await startFakePlaid();
    env = plaidEnv(fake, t.env);
    expect((await cli(["login", "me@example.com"], env)).exitCode).toBe(0);
    expect(
      (await cli(["config", "set", "plaid.webhookUrl", "https://hooks.example.com/plaid"], env))
        .exitCode,
    ).toBe(0);
  });
  afterAll(async () => {
    await fake?.close();
    await t?.dispose();
  });

  it("links through the page, with the user's id, the products and the webhook on the link token", async () => {
    const result = await linkThroughPage(["--json"], env, fake);
    expect(result.exitCode, result.stderr).toBe(0);
    expect(json<{ item: { institutionName: string } }>(result).item.institutionName).toBe(
      "First Platypus Bank",
    );
    const options = fake.linkTokens.at(-1)?.options as Record<string, unknown>;
    const whoami = json<{ user: { id: string } }>(await cli(["whoami", "--json"], env));
    expect(options.user).toEqual({ client_user_id: whoami.user.id });
    expect(options.products).toEqual(["transactions"]);
    expect(options.optional_products).toEqual(["investments", "liabilities"]);
    expect(options.webhook).toBe("https://hooks.example.com/plaid");
  });

  it("repairs an item in update mode and adds the accounts the user newly shared", async () => {
    const db = await t.open("none");
    await db.sql`UPDATE plaid_items SET status = 'error', error_code = 'ITEM_LOGIN_REQUIRED'`;
    await db.close();
    const items = json<{ items: { id: string; advice: string }[] }>(
      await cli(["items", "--json"], env),
    );
    expect(items.items[0]?.advice).toMatch(/networth link --update [0-9a-f]{8}/);
    const [item] = [...fake.items.values()];
    const result = await linkThroughPage(
      ["--update", items.items[0]?.id.slice(0, 8) as string, "--json"],
      env,
      fake,
      () => {
        fake.addAccount(item?.itemId as string, {
          name: "Plaid New Savings",
          type: "depository",
          subtype: "savings",
          current: 5,
          mask: "7777",
        });
      },
    );
    expect(result.exitCode, result.stderr).toBe(0);
    const options = fake.linkTokens.at(-1)?.options as Record<string, unknown>;
    expect(typeof options.access_token).toBe("string");
    expect(options.products).toBeUndefined();
    const after = json<{
      items: { status: string; errorCode: string | null; accountCount: number }[];
    }>(await cli(["items", "--json"], env));
    expect(after.items[0]).toMatchObject({ status: "active", errorCode: null });
    const accounts = json<{ assets: { name: string }[] }>(await cli(["accounts", "--json"], env));
    expect(accounts.assets.map((a) => a.name)).toContain("Plaid New Savings");
  });

  it("gives up after the timeout with a clear message, and closes its server", async () => {
    const started = Date.now();
    const result = await cli(["link", "--no-browser", "--timeout", "1"], env);
    expect(result.exitCode).toBe(1);
    expect(result.stderr).toMatch(/gave up waiting for Plaid Link after 1 s/);
    expect(Date.now() - started).toBeLessThan(20_000);
  });
});
