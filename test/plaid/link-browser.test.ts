import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { LINKED_MESSAGE, PLAID_LINK_SCRIPT_URL } from "../../src/plaid/link-page.js";
import { type LinkServer, startLinkServer } from "../../src/plaid/link-server.js";
import { haveChromium, launchChromium } from "../support/browser.js";
import { isPending } from "../support/link-http.js";

/**
 * The Link page in a real browser (Debian's Chromium through playwright-core): Plaid's script is
 * answered by a stand-in through page.route, so the page's own code runs against the server.
 * There is no network here but loopback.
 */

const HAVE_CHROMIUM = haveChromium("the Plaid Link BROWSER test");

const TOKEN = "link-sandbox-0b6e5c1a-2222-4c4c-8d8d-000000000002";
const METADATA = {
  institution: { institution_id: "ins_109508", name: "First Platypus Bank" },
  accounts: [
    {
      id: "acc_checking",
      name: "Plaid Checking",
      mask: "0000",
      type: "depository",
      subtype: "checking",
    },
    {
      id: "acc_card",
      name: "Plaid Credit Card",
      mask: "3333",
      type: "credit",
      subtype: "credit card",
    },
  ],
  link_session_id: "link-session-1",
};
const EXIT_ERROR = {
  error_type: "ITEM_ERROR",
  error_code: "INVALID_CREDENTIALS",
  error_message: "the provided credentials were not correct",
  display_message: "<img src=x onerror=alert(1)> The credentials were not correct.",
};

/** A stand-in for Plaid's link-initialize.js whose open() runs `open` (a function body). */
function standIn(open: string): string {
  return `window.Plaid = {
  create(opts) {
    window.plaidOptions = opts;
    return { open() { ${open} } };
  },
};`;
}

const SUCCEEDS = standIn(
  `opts.onEvent("OPEN", {}); opts.onSuccess("public-sandbox-123", ${JSON.stringify(METADATA)});`,
);
const FAILS = standIn(
  `opts.onExit(${JSON.stringify(EXIT_ERROR)}, { status: "requires_credentials", link_session_id: "s" });`,
);
/** Opens nothing: the test calls window.plaidOptions.onSuccess itself. */
const WAITS = standIn("window.plaidOpened = true;");

/** The few browser globals these tests touch (the project compiles without DOM types). */
interface PageGlobals {
  document: { getElementById(id: string): { textContent: string | null } | null };
  plaidOptions?: { token: string; onSuccess(publicToken: string, metadata: unknown): void };
  plaidOpened?: boolean;
}

let browser: Browser | undefined;
const cleanups: (() => Promise<unknown>)[] = [];

beforeAll(async () => {
  if (!HAVE_CHROMIUM) return;
  // For the DNS rebinding test: this name resolves to loopback, nothing else changes.
  browser = await launchChromium(["--host-resolver-rules=MAP rebind.test 127.0.0.1"]);
});

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

afterAll(async () => {
  await browser?.close();
});

interface Opened {
  readonly server: LinkServer;
  readonly context: BrowserContext;
  readonly page: Page;
  /** Every request the page made, in order. */
  readonly requests: string[];
  /** Page errors and console errors (CSP violations are reported there). */
  readonly problems: string[];
}

/** A server, and a page whose request for Plaid's script gets `script` (null: fails). */
async function open(script: string | null): Promise<Opened> {
  if (!browser) throw new Error("no browser");
  const server = await startLinkServer({ linkToken: TOKEN, timeoutMs: 30_000 });
  cleanups.push(() => server.close());
  const context = await browser.newContext();
  cleanups.push(() => context.close());
  const page = await context.newPage();
  const requests: string[] = [];
  const problems: string[] = [];
  page.on("request", (request) => requests.push(request.url()));
  page.on("pageerror", (error) => problems.push(error.message));
  page.on("console", (message) => {
    if (message.type() === "error") problems.push(message.text());
  });
  await page.route(PLAID_LINK_SCRIPT_URL, (route) =>
    script === null
      ? route.abort("internetdisconnected")
      : route.fulfill({ status: 200, contentType: "text/javascript", body: script }),
  );
  return { server, context, page, requests, problems };
}

function statusText(page: Page, text: string): Promise<unknown> {
  return page.waitForFunction(
    (expected) =>
      (globalThis as unknown as PageGlobals).document.getElementById("status")?.textContent ===
      expected,
    text,
    { timeout: 10_000 },
  );
}

describe("the Link page in Chromium", () => {
  it.skipIf(!HAVE_CHROMIUM)("posts Plaid's public token back and says it is linked", async () => {
    const { server, page, requests, problems } = await open(SUCCEEDS);
    await page.goto(server.url);
    await expect(server.result).resolves.toEqual({
      kind: "success",
      publicToken: "public-sandbox-123",
      metadata: METADATA,
    });
    await statusText(page, LINKED_MESSAGE);
    expect(
      await page.evaluate(() => (globalThis as unknown as PageGlobals).plaidOptions?.token),
    ).toBe(TOKEN);
    expect(requests).toEqual([server.url, PLAID_LINK_SCRIPT_URL, `${server.url}/callback`]);
    expect(problems).toEqual([]);
  });

  it.skipIf(!HAVE_CHROMIUM)("posts an exit with Plaid's error and shows it as text", async () => {
    const { server, page, requests, problems } = await open(FAILS);
    await page.goto(server.url);
    await expect(server.result).resolves.toEqual({
      kind: "exit",
      error: EXIT_ERROR,
      metadata: { status: "requires_credentials", link_session_id: "s" },
    });
    await statusText(
      page,
      `Plaid Link stopped: INVALID_CREDENTIALS: ${EXIT_ERROR.display_message}. You can close this window.`,
    );
    // The display message was shown as text: no element came of it.
    expect(await page.locator("#status *").count()).toBe(0);
    expect(await page.locator("img").count()).toBe(0);
    expect(requests).toEqual([server.url, PLAID_LINK_SCRIPT_URL, `${server.url}/exit`]);
    expect(problems).toEqual([]);
  });

  it.skipIf(!HAVE_CHROMIUM)("reports an exit when Plaid's script cannot load", async () => {
    const { server, page } = await open(null);
    await page.goto(server.url);
    await expect(server.result).resolves.toMatchObject({
      kind: "exit",
      error: { error_code: "LINK_SCRIPT_NOT_LOADED" },
    });
    await statusText(
      page,
      "Plaid Link stopped: LINK_SCRIPT_NOT_LOADED: Plaid's Link script could not be loaded. You can close this window.",
    );
  });

  it.skipIf(!HAVE_CHROMIUM)(
    "refuses forged callbacks from the page; the real one succeeds",
    async () => {
      const { server, page, problems } = await open(WAITS);
      await page.goto(server.url);
      await page.waitForFunction(() => (globalThis as unknown as PageGlobals).plaidOpened === true);
      const path = new URL(server.url).pathname;
      const state = path.split("/")[2] ?? "";

      const forge = (target: string, body: unknown) =>
        page.evaluate(
          async ([url, json]) => {
            const response = await fetch(url, {
              method: "POST",
              headers: { "content-type": "application/json" },
              body: json,
            });
            return { status: response.status, text: (await response.text()).trim() };
          },
          [target, JSON.stringify(body)] as const,
        );
      const wrong = "B".repeat(43);
      expect(
        await forge(`/link/${wrong}/callback`, { state: wrong, publicToken: "public-forged" }),
      ).toEqual({ status: 404, text: "not found" });
      expect(
        await forge(`${path}/callback`, { state: wrong, publicToken: "public-forged" }),
      ).toEqual({ status: 403, text: "wrong state" });
      expect(await forge(`${path}/callback`, { state, metadata: {} })).toEqual({
        status: 400,
        text: "publicToken is missing",
      });
      expect(await isPending(server.result)).toBe(true);
      // The console logs each refused fetch; nothing else went wrong.
      expect(problems.filter((line) => !/status of 40[034]/.test(line))).toEqual([]);

      // Now Link succeeds, through the page's own handler.
      await page.evaluate((metadata) => {
        (globalThis as unknown as PageGlobals).plaidOptions?.onSuccess(
          "public-sandbox-123",
          metadata,
        );
      }, METADATA);
      await expect(server.result).resolves.toEqual({
        kind: "success",
        publicToken: "public-sandbox-123",
        metadata: METADATA,
      });
      await statusText(page, LINKED_MESSAGE);
    },
  );

  it.skipIf(!HAVE_CHROMIUM)(
    "refuses a callback from another local origin, even one that knows the state",
    async () => {
      const { server, page, context } = await open(WAITS);
      // Another web server on this machine: its pages are another origin, on loopback.
      const other = createServer((_req, res) => {
        res.writeHead(200, { "content-type": "text/html" });
        res.end("<!doctype html><p>another local page</p>");
      });
      await new Promise<void>((resolve) => other.listen(0, "127.0.0.1", resolve));
      cleanups.push(() => new Promise((resolve) => other.close(resolve)));
      const otherPort = (other.address() as AddressInfo).port;
      await page.goto(`http://localhost:${otherPort}/`);
      const statuses: number[] = [];
      page.on("response", (response) => {
        if (response.url().startsWith(server.url)) statuses.push(response.status());
      });
      const state = new URL(server.url).pathname.split("/")[2] ?? "";
      // A "simple" cross-origin POST (no preflight): the browser sends it, the server refuses it.
      const outcome = await page.evaluate(
        async ([url, body]) => {
          await fetch(url, { method: "POST", mode: "no-cors", body });
          return "sent";
        },
        [
          `${server.url}/callback`,
          JSON.stringify({ state, publicToken: "public-forged" }),
        ] as const,
      );
      expect(outcome).toBe("sent");
      await expect.poll(() => statuses).toEqual([403]);
      expect(await isPending(server.result)).toBe(true);

      const real = await context.newPage();
      await real.route(PLAID_LINK_SCRIPT_URL, (route) =>
        route.fulfill({ status: 200, contentType: "text/javascript", body: SUCCEEDS }),
      );
      await real.goto(server.url);
      await expect(server.result).resolves.toMatchObject({ publicToken: "public-sandbox-123" });
      await statusText(real, LINKED_MESSAGE);
    },
  );

  it.skipIf(!HAVE_CHROMIUM)(
    "refuses the page and callbacks under another host name (DNS rebinding)",
    async () => {
      const { server, page } = await open(SUCCEEDS);
      // The browser resolves rebind.test to 127.0.0.1 (--host-resolver-rules), as a rebinding
      // attacker's DNS would: same address and port, but the attacker's origin and Host.
      const rebound = server.url.replace("127.0.0.1", "rebind.test");
      const response = await page.goto(rebound);
      expect(response?.status()).toBe(421);
      expect((await response?.text())?.trim()).toBe("wrong Host header");
      const forged = await page.evaluate(async (url) => {
        const answer = await fetch(url, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify({ publicToken: "public-forged" }),
        });
        return answer.status;
      }, `${rebound}/callback`);
      expect(forged).toBe(421);
      expect(await isPending(server.result)).toBe(true);

      await page.goto(server.url);
      await expect(server.result).resolves.toMatchObject({ publicToken: "public-sandbox-123" });
      await statusText(page, LINKED_MESSAGE);
    },
  );
});
