import { accessSync, constants, statSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { execa } from "execa";
import { chromium } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { cli, json } from "../support/cli.js";
import { DATABASE_KINDS, type TestTarget } from "../support/databases.js";
import { type FakePlaid, startFakePlaid } from "../support/fake-plaid.js";

const BIN = fileURLToPath(new URL("../../bin/networth", import.meta.url));
const CHROMIUM = process.env.NETWORTH_CHROMIUM || "/usr/bin/chromium";
const HAVE_CHROMIUM = (() => {
  try {
    accessSync(CHROMIUM, constants.X_OK);
    return statSync(CHROMIUM).isFile();
  } catch {
    return false;
  }
})();
if (!HAVE_CHROMIUM) {
  console.warn(
    `!! Chromium is missing (${CHROMIUM}): the CLI's Plaid Link BROWSER test is SKIPPED.`,
  );
}
const embedded = DATABASE_KINDS[0] as (typeof DATABASE_KINDS)[number];

describe.skipIf(!HAVE_CHROMIUM)("networth link in a real browser", () => {
  let t: TestTarget;
  let fake: FakePlaid;
  let env: Record<string, string>;
  beforeAll(async () => {
    t = await embedded.create();
    fake = await startFakePlaid();
    env = {
      ...t.env,
      PATH: process.env.PATH ?? "",
      NO_COLOR: "1",
      PLAID_CLIENT_ID: fake.clientId,
      PLAID_SECRET: fake.secret,
      PLAID_ENV: "sandbox",
      PLAID_BASE_URL: fake.url,
    };
    expect((await cli(["login", "me@example.com"], env)).exitCode).toBe(0);
  });
  afterAll(async () => {
    await fake?.close();
    await t?.dispose();
  });

  it("completes through the page the CLI serves, and the item lands in the database", async () => {
    const child = execa(BIN, ["link", "--no-browser", "--json"], {
      env,
      extendEnv: false,
      reject: false,
      timeout: 60_000,
      input: "",
    });
    let stderr = "";
    const url = await new Promise<string>((resolve, reject) => {
      child.stderr?.on("data", (chunk: Buffer) => {
        stderr += chunk.toString();
        const match = /http:\/\/127\.0\.0\.1:\d+\/link\/[\w-]+/.exec(stderr);
        if (match) resolve(match[0]);
      });
      child.then(() => reject(new Error(stderr)), reject);
    });
    // What the user does inside Plaid's Link, answered by the fake; the page's own code runs.
    const { publicToken } = fake.completeLink(fake.linkTokens.at(-1)?.linkToken as string);
    const browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
      ],
    });
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
    const result = await child;
    expect(result.exitCode, `${stderr}${result.stderr}`).toBe(0);
    expect(
      json<{ item: { institutionName: string } }>({
        exitCode: 0,
        stdout: result.stdout,
        stderr: "",
      }).item.institutionName,
    ).toBe("First Platypus Bank");
    const items = json<{ items: { status: string; accountCount: number }[] }>(
      await cli(["items", "--json"], env),
    );
    expect(items.items).toEqual([expect.objectContaining({ status: "active", accountCount: 9 })]);
    // The server closed: the page's address answers no more.
    await expect(fetch(url)).rejects.toThrow();
  });
});
