import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { haveChromium, launchChromium } from "../support/browser.js";
import { cli, json } from "../support/cli.js";
import { DATABASE_KINDS, type TestTarget } from "../support/databases.js";
import { type FakePlaid, startFakePlaid } from "../support/fake-plaid.js";
import { plaidEnv, startLink } from "../support/link-cli.js";

const HAVE_CHROMIUM = haveChromium("the CLI's Plaid Link BROWSER test");
const embedded = DATABASE_KINDS[0] as (typeof DATABASE_KINDS)[number];

describe.skipIf(!HAVE_CHROMIUM)("networth link in a real browser", () => {
  let t: TestTarget;
  let fake: FakePlaid;
  let env: Record<string, string>;
  beforeAll(async () => {
    t = await embedded.create();
    fake = await startFakePlaid();
    env = plaidEnv(fake, t.env);
    expect((await cli(["login", "me@example.com"], env)).exitCode).toBe(0);
  });
  afterAll(async () => {
    await fake?.close();
    await t?.dispose();
  });

  it("completes through the page the CLI serves, and the item lands in the database", async () => {
    const { url, done } = await startLink(["--json"], env);
    // What the user does inside Plaid's Link, answered by the fake; the page's own code runs.
    const { publicToken } = fake.completeLink(fake.linkTokens.at(-1)?.linkToken as string);
    const browser = await launchChromium();
    try {
      const page = await browser.newPage();
      await page.route("https://cdn.plaid.com/link/v2/stable/link-initialize.js", (route) =>
        route.fulfill({
          contentType: "application/javascript",
          body: `window.Plaid = { create(o) { return { open() { o.onSuccess(${JSON.stringify(publicToken)}, { institution: { institution_id: "ins_109508" } }); } }; } };`,
        }),
      );
      await page.goto(url);
      await page.getByText("Linked. You can close this window.").waitFor({ timeout: 20_000 });
    } finally {
      await browser.close();
    }
    const result = await done;
    expect(result.exitCode, result.stderr).toBe(0);
    expect(json<{ item: { institutionName: string } }>(result).item.institutionName).toBe(
      "First Platypus Bank",
    );
    const items = json<{ items: { status: string; accountCount: number }[] }>(
      await cli(["items", "--json"], env),
    );
    expect(items.items).toEqual([expect.objectContaining({ status: "active", accountCount: 9 })]);
    // The server closed: the page's address answers no more.
    await expect(fetch(url)).rejects.toThrow();
  });
});
