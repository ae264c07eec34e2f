import { createHash, generateKeyPairSync, type KeyObject, sign } from "node:crypto";
import { fileURLToPath } from "node:url";
import { execa, type ResultPromise } from "execa";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import type { Database } from "../../src/db/connection.js";
import { createPlaidClient, plaidSettings } from "../../src/plaid/client.js";
import type { SyncItemResult } from "../../src/plaid/sync.js";
import { createWebhookVerifier, plaidKeyFetcher } from "../../src/plaid/webhook-verify.js";
import {
  leasedDatabase,
  serveWebhooks,
  sharedDatabase,
  type WebhookDatabase,
  type WebhookEvent,
  type WebhookServer,
} from "../../src/plaid/webhooks.js";
import { cli, json } from "../support/cli.js";
import { DATABASE_KINDS, type TestTarget } from "../support/databases.js";
import { type FakePlaid, startFakePlaid } from "../support/fake-plaid.js";
import { plaidEnv } from "../support/link-cli.js";
import { rawRequest, untilServerCloses } from "../support/link-http.js";

const BIN = fileURLToPath(new URL("../../bin/networth", import.meta.url));
const KID = "b1e2c3d4-webhook-key";

function b64(value: unknown): string {
  return Buffer.from(JSON.stringify(value)).toString("base64url");
}

/** A Plaid-Verification header for the body, as Plaid signs it. */
function signWebhook(
  body: string | Buffer,
  options: { key: KeyObject; kid?: string; iat?: number; alg?: string },
): string {
  const header = b64({ alg: options.alg ?? "ES256", kid: options.kid ?? KID, typ: "JWT" });
  const payload = b64({
    iat: options.iat ?? Math.floor(Date.now() / 1000),
    request_body_sha256: createHash("sha256").update(body).digest("hex"),
  });
  const signature = sign("sha256", Buffer.from(`${header}.${payload}`), {
    key: options.key,
    dsaEncoding: "ieee-p1363",
  });
  return `${header}.${payload}.${signature.toString("base64url")}`;
}

interface ItemsJson {
  items: { id: string; status: string; errorCode: string | null; advice: string | null }[];
}

for (const kind of DATABASE_KINDS) {
  describe.skipIf(!kind.available)(`networth webhooks serve on the ${kind.name} database`, () => {
    let t: TestTarget;
    let fake: FakePlaid;
    let env: Record<string, string>;
    let server: WebhookServer;
    let database: WebhookDatabase & { close?: () => Promise<void> };
    let itemRowId: string;
    let plaidItemId: string;
    const keys = generateKeyPairSync("ec", { namedCurve: "P-256" });
    const events: WebhookEvent[] = [];
    const sentHeaders: string[] = [];
    const syncCalls: string[] = [];
    let syncGate: Promise<void> | null = null;
    let syncing = 0;
    let mostAtOnce = 0;
    const run = (...args: string[]) => cli(args, env);

    async function fakeSync(id: string): Promise<SyncItemResult[]> {
      syncCalls.push(id);
      syncing++;
      mostAtOnce = Math.max(mostAtOnce, syncing);
      try {
        await syncGate;
      } finally {
        syncing--;
      }
      return [
        {
          id,
          userId: "",
          institutionName: "First Platypus Bank",
          status: "success",
          accountsUpdated: 9,
          accountsAdded: 0,
          accountsDeactivated: 0,
          errorCode: null,
          message: null,
          advice: null,
        },
      ];
    }

    beforeAll(async () => {
      t = await kind.create();
      if (kind.name === "server") await (await t.open("auto")).close();
      fake = await startFakePlaid();
      env = plaidEnv(fake, t.env);
      expect((await run("login", "me@example.com")).exitCode).toBe(0);
      const linked = json<{ item: { id: string } }>(await run("link", "--sandbox", "--json"));
      itemRowId = linked.item.id;
      plaidItemId = [...fake.items.values()][0]?.itemId as string;
      const jwk = keys.publicKey.export({ format: "jwk" });
      fake.setWebhookVerificationKey(KID, jwk);

      const client = await createPlaidClient(plaidSettings(env, {}));
      database =
        kind.name === "embedded"
          ? leasedDatabase(() => t.open("require"), { idleMs: 0 })
          : sharedDatabase(await t.open("none"));
      server = await serveWebhooks({
        host: "127.0.0.1",
        port: 0,
        verifier: createWebhookVerifier({ fetchKey: plaidKeyFetcher(client) }),
        database,
        syncItem: fakeSync,
        onEvent: (event) => events.push(event),
      });
    });
    afterAll(async () => {
      await server?.close();
      await database?.close?.();
      await fake?.close();
      await t?.dispose();
    });

    const withDb = <T>(fn: (db: Database) => Promise<T>) => database.use(fn);

    async function itemState() {
      const [row] = await withDb(
        (db) => db.sql<{ status: string; errorCode: string | null }[]>`
          SELECT status::text AS status, error_code FROM plaid_items WHERE id = ${itemRowId}`,
      );
      return row;
    }

    /** Everything a webhook could change, to compare before and after. */
    async function dump(): Promise<string> {
      const rows = await withDb(
        (db) => db.sql`
          SELECT (SELECT json_agg(p ORDER BY p.id) FROM plaid_items p)::text AS items,
                 (SELECT count(*) FROM audit_log)::int AS audits,
                 (SELECT count(*) FROM data_refresh_logs)::int AS refreshes,
                 (SELECT count(*) FROM account_balances)::int AS balances`,
      );
      return JSON.stringify(rows);
    }

    function webhookBody(fields: Record<string, unknown>): string {
      return JSON.stringify({ environment: "sandbox", item_id: plaidItemId, ...fields });
    }

    async function post(
      body: string | Buffer,
      header: string | null,
    ): Promise<{ status: number; text: string }> {
      if (header) sentHeaders.push(header);
      const response = await fetch(server.url, {
        method: "POST",
        body,
        headers: {
          "content-type": "application/json",
          ...(header === null ? {} : { "plaid-verification": header }),
        },
      });
      return { status: response.status, text: await response.text() };
    }

    /** A webhook Plaid signed. */
    function send(fields: Record<string, unknown>) {
      const body = webhookBody(fields);
      return post(body, signWebhook(body, { key: keys.privateKey }));
    }

    const itemError = (code: string) => ({
      webhook_type: "ITEM",
      webhook_code: "ERROR",
      error: {
        error_type: "ITEM_ERROR",
        error_code: code,
        error_message: "the login details of this item have changed",
        display_message: null,
        status: 400,
      },
    });
    const ref = () => itemRowId.slice(0, 8);

    it("records ITEM_LOGIN_REQUIRED, says what to do, and networth items advises it", async () => {
      const answer = await send(itemError("ITEM_LOGIN_REQUIRED"));
      expect(answer.status).toBe(200);
      expect(await itemState()).toEqual({ status: "error", errorCode: "ITEM_LOGIN_REQUIRED" });
      expect(events.at(-1)).toMatchObject({
        kind: "item",
        level: "info",
        webhookType: "ITEM",
        webhookCode: "ERROR",
        item: { id: itemRowId, status: "error", errorCode: "ITEM_LOGIN_REQUIRED" },
        message: `First Platypus Bank needs you to log in again: networth link --update ${ref()}`,
      });
      const items = json<ItemsJson>(await run("items", "--json"));
      expect(items.items[0]).toMatchObject({
        id: itemRowId,
        status: "error",
        errorCode: "ITEM_LOGIN_REQUIRED",
        advice: `the bank needs you to log in again: networth link --update ${ref()}`,
      });
    });

    it("LOGIN_REPAIRED makes the item active again", async () => {
      expect((await send({ webhook_type: "ITEM", webhook_code: "LOGIN_REPAIRED" })).status).toBe(
        200,
      );
      expect(await itemState()).toEqual({ status: "active", errorCode: null });
      expect(events.at(-1)?.message).toMatch(/^First Platypus Bank works again/);
      const items = json<ItemsJson>(await run("items", "--json"));
      expect(items.items[0]).toMatchObject({ status: "active", errorCode: null, advice: null });
    });

    it("records the other ITEM webhooks that need the user", async () => {
      const cases: [Record<string, unknown>, { status: string; errorCode: string }, RegExp][] = [
        [
          {
            webhook_type: "ITEM",
            webhook_code: "PENDING_EXPIRATION",
            consent_expiration_time: "2026-04-01T00:00:00Z",
          },
          { status: "error", errorCode: "PENDING_EXPIRATION" },
          /access expires on 2026-04-01: renew it with networth link --update [0-9a-f]{8}$/,
        ],
        [
          {
            webhook_type: "ITEM",
            webhook_code: "PENDING_DISCONNECT",
            reason: "INSTITUTION_MIGRATION",
          },
          { status: "error", errorCode: "PENDING_DISCONNECT" },
          /will be disconnected soon: reconnect it with networth link --update [0-9a-f]{8}$/,
        ],
        [
          {
            webhook_type: "ITEM",
            webhook_code: "USER_PERMISSION_REVOKED",
            error: { error_code: "USER_PERMISSION_REVOKED" },
          },
          { status: "error", errorCode: "USER_PERMISSION_REVOKED" },
          /access was revoked .*networth link --update [0-9a-f]{8}/,
        ],
        [
          { webhook_type: "ITEM", webhook_code: "NEW_ACCOUNTS_AVAILABLE" },
          { status: "active", errorCode: "NEW_ACCOUNTS_AVAILABLE" },
          /has new accounts: share them with networth link --update [0-9a-f]{8}$/,
        ],
      ];
      for (const [fields, state, says] of cases) {
        expect((await send({ webhook_type: "ITEM", webhook_code: "LOGIN_REPAIRED" })).status).toBe(
          200,
        );
        expect((await send(fields)).status).toBe(200);
        expect(await itemState(), String(fields.webhook_code)).toEqual(state);
        expect(events.at(-1)?.message).toMatch(says);
      }
      const items = json<ItemsJson>(await run("items", "--json"));
      expect(items.items[0]?.errorCode).toBe("NEW_ACCOUNTS_AVAILABLE");

      // New accounts on an item that needs a login keep the login's error: update mode fixes both.
      await send(itemError("ITEM_LOGIN_REQUIRED"));
      await send({ webhook_type: "ITEM", webhook_code: "NEW_ACCOUNTS_AVAILABLE" });
      expect(await itemState()).toEqual({ status: "error", errorCode: "ITEM_LOGIN_REQUIRED" });
      await send({ webhook_type: "ITEM", webhook_code: "LOGIN_REPAIRED" });
      expect(await itemState()).toEqual({ status: "active", errorCode: null });
    });

    it("answers a DEFAULT_UPDATE at once, then syncs the item, never twice at once", async () => {
      let release!: () => void;
      syncGate = new Promise<void>((resolve) => {
        release = resolve;
      });
      syncCalls.length = 0;
      mostAtOnce = 0;
      try {
        // Answered while the sync is still blocked.
        const first = await send({
          webhook_type: "TRANSACTIONS",
          webhook_code: "DEFAULT_UPDATE",
          new_transactions: 3,
        });
        expect(first.status).toBe(200);
        // vitest's default deadline (1 s) is too short on a loaded machine.
        await vi.waitFor(() => expect(syncCalls).toEqual([itemRowId]), { timeout: 10_000 });
        // Two more while it runs: one more sync after it, not two, and not alongside.
        for (const type of ["HOLDINGS", "LIABILITIES"]) {
          expect((await send({ webhook_type: type, webhook_code: "DEFAULT_UPDATE" })).status).toBe(
            200,
          );
        }
        expect(syncCalls).toHaveLength(1);
      } finally {
        release();
        syncGate = null;
      }
      await server.idle();
      expect(syncCalls).toEqual([itemRowId, itemRowId]);
      expect(mostAtOnce).toBe(1);
      expect(events.filter((e) => e.kind === "sync").map((e) => e.message)).toEqual([
        "First Platypus Bank: new transactions data; synced 9 account(s)",
        "First Platypus Bank: new liabilities data; synced 9 account(s)",
      ]);

      await send({ webhook_type: "INVESTMENTS_TRANSACTIONS", webhook_code: "DEFAULT_UPDATE" });
      await server.idle();
      expect(syncCalls).toEqual([itemRowId, itemRowId, itemRowId]);
    });

    it("refuses with 401 anything that fails verification, changing nothing", async () => {
      const other = generateKeyPairSync("ec", { namedCurve: "P-256" });
      const before = await dump();
      const syncsBefore = syncCalls.length;
      const eventsBefore = events.length;
      for (const fields of [
        itemError("ITEM_LOGIN_REQUIRED"),
        { webhook_type: "TRANSACTIONS", webhook_code: "DEFAULT_UPDATE" },
      ]) {
        const body = webhookBody(fields);
        const stale = Math.floor(Date.now() / 1000) - 6 * 60;
        const changed = body.replace('"sandbox"', '"sandboy"');
        const refused: [string, string | Buffer, string | null][] = [
          ["another key", body, signWebhook(body, { key: other.privateKey })],
          ["stale iat", body, signWebhook(body, { key: keys.privateKey, iat: stale })],
          ["body changed", changed, signWebhook(body, { key: keys.privateKey })],
          ["unknown kid", body, signWebhook(body, { key: keys.privateKey, kid: "nope" })],
          ["alg none", body, `${b64({ alg: "none", kid: KID })}.${b64({ iat: 1 })}.`],
          ["no header", body, null],
          ["garbage", body, "garbage"],
        ];
        for (const [name, sent, header] of refused) {
          const answer = await post(sent, header);
          expect(answer.status, name).toBe(401);
          expect(answer.text, name).toBe('{"error":"webhook verification failed"}\n');
        }
      }
      await server.idle();
      expect(await dump()).toBe(before);
      expect(syncCalls.length).toBe(syncsBefore);
      const refusals = events.slice(eventsBefore);
      expect(refusals.every((e) => e.kind === "rejected" && e.httpStatus === 401)).toBe(true);
      expect(refusals.map((e) => e.reason)).toEqual(
        expect.arrayContaining(["bad_signature", "stale", "body_mismatch", "unknown_key"]),
      );
    });

    it("refuses a body over 64 KiB with 413, declared or streamed", async () => {
      const before = await dump();
      const big = webhookBody({ ...itemError("ITEM_LOGIN_REQUIRED"), padding: "x".repeat(70_000) });
      const header = signWebhook(big, { key: keys.privateKey });
      const declared = await rawRequest({
        port: server.port,
        path: "/",
        method: "POST",
        headers: { "content-type": "application/json", "plaid-verification": header },
        body: big,
      });
      expect(declared.status).toBe(413);
      expect(declared.headers.connection).toBe("close");
      const streamed = await rawRequest({
        port: server.port,
        path: "/",
        method: "POST",
        headers: {
          "content-type": "application/json",
          "transfer-encoding": "chunked",
          "plaid-verification": header,
        },
        body: Array.from({ length: 1_000 }, () => Buffer.alloc(1024, " ")),
      });
      expect(streamed.status).toBe(413);
      // Declared 10 MiB, sent 1 KiB: answered and closed without waiting for the rest.
      const raw = await untilServerCloses(
        server.port,
        `POST / HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: ${10 * 1024 * 1024}\r\n\r\n${"x".repeat(1024)}`,
      );
      expect(raw).toMatch(/^HTTP\/1\.1 413 /);
      expect(await dump()).toBe(before);
    });

    it("answers 405 to anything but POST", async () => {
      for (const method of ["GET", "PUT", "DELETE"]) {
        const response = await fetch(server.url, { method });
        expect(response.status, method).toBe(405);
        expect(response.headers.get("allow")).toBe("POST");
      }
    });

    it("acknowledges and logs unknown webhooks and unknown items, changing nothing", async () => {
      const before = await dump();
      const syncsBefore = syncCalls.length;
      const auth = await send({ webhook_type: "AUTH", webhook_code: "AUTOMATICALLY_VERIFIED" });
      expect(auth.status).toBe(200);
      expect(events.at(-1)).toMatchObject({
        kind: "ignored",
        message: `AUTH AUTOMATICALLY_VERIFIED for ${plaidItemId} (not handled): ignored`,
      });
      const itemCode = await send({
        webhook_type: "ITEM",
        webhook_code: "WEBHOOK_UPDATE_ACKNOWLEDGED",
      });
      expect(itemCode.status).toBe(200);
      expect(events.at(-1)?.kind).toBe("ignored");
      const unknownItem = await send({
        ...itemError("ITEM_LOGIN_REQUIRED"),
        item_id: "someoneElsesItem",
      });
      expect(unknownItem.status).toBe(200);
      expect(events.at(-1)).toMatchObject({
        kind: "unknown_item",
        message: "ITEM ERROR for an item networth does not know (someoneElsesItem): ignored",
      });
      await send({ webhook_type: "TRANSACTIONS", webhook_code: "DEFAULT_UPDATE", item_id: "nope" });
      await server.idle();
      expect(events.at(-1)?.kind).toBe("unknown_item");
      // Signed, but not JSON: refused without a change.
      const notJson = "not json";
      expect((await post(notJson, signWebhook(notJson, { key: keys.privateKey }))).status).toBe(
        400,
      );
      expect(await dump()).toBe(before);
      expect(syncCalls.length).toBe(syncsBefore);
    });

    it("never logs a header", () => {
      const logged = JSON.stringify(events);
      expect(sentHeaders.length).toBeGreaterThan(10);
      for (const header of sentHeaders) {
        expect(logged).not.toContain(header.split(".")[2] || header);
      }
    });

    describe("the command", () => {
      const base = () =>
        Object.fromEntries(
          Object.entries(process.env).filter(
            ([key]) =>
              !key.startsWith("NETWORTH_") && !key.startsWith("PLAID_") && key !== "DATABASE_URL",
          ),
        ) as Record<string, string>;

      function start(args: string[]) {
        const child: ResultPromise = execa(BIN, ["webhooks", "serve", ...args], {
          env: { ...base(), NO_COLOR: "1", ...env },
          extendEnv: false,
          reject: false,
          timeout: 60_000,
          input: "",
        });
        let stdout = "";
        let stderr = "";
        child.stdout?.on("data", (chunk: Buffer) => {
          stdout += chunk.toString();
        });
        child.stderr?.on("data", (chunk: Buffer) => {
          stderr += chunk.toString();
        });
        const lines = () =>
          stdout
            .split("\n")
            .filter((line) => line.trim() !== "")
            .map((line) => JSON.parse(line) as Record<string, unknown>);
        const output = () => ({ stdout, stderr });
        return { child, lines, output };
      }

      it("refuses to start without Plaid settings, and with a bad port", async () => {
        const unconfigured = await cli(["webhooks", "serve", "--port", "0"], t.env);
        expect(unconfigured.exitCode).toBe(1);
        expect(unconfigured.stderr).toMatch(/Plaid is not configured/);
        const bad = await run("webhooks", "serve", "--port", "70000");
        expect(bad.exitCode).toBe(2);
        const taken = await run("webhooks", "serve", "--port", String(server.port));
        expect(taken.exitCode).toBe(1);
        expect(taken.stderr.trim()).toBe(
          `networth: port ${server.port} on 127.0.0.1 is in use: pick another with --port`,
        );
      });

      it("prints its address and the plaid.webhookUrl hint, and stops on Ctrl-C", async () => {
        const { child, output } = start(["--port", "0"]);
        await vi.waitFor(() => expect(output().stdout).toMatch(/Press Ctrl-C to stop/), {
          timeout: 30_000,
          interval: 50,
        });
        expect(output().stdout).toMatch(
          /^Receiving Plaid webhooks at http:\/\/127\.0\.0\.1:\d+\/$/m,
        );
        expect(output().stdout).toContain(
          "networth config set plaid.webhookUrl https://<your-tunnel>/",
        );
        child.kill("SIGINT");
        expect((await child).exitCode).toBe(130);
      });

      it("serves webhooks end to end: a signed error is recorded, new data synced as webhook", async () => {
        const { child, lines, output } = start(["--port", "0", "--json"]);
        try {
          const listening = await vi.waitFor(
            () => {
              const found = lines().find((l) => l.kind === "listening");
              if (!found) throw new Error(`not listening yet: ${JSON.stringify(output())}`);
              return found as { url: string };
            },
            { timeout: 30_000, interval: 50 },
          );
          const body = webhookBody(itemError("ITEM_LOGIN_REQUIRED"));
          const header = signWebhook(body, { key: keys.privateKey });
          sentHeaders.push(header);
          const answer = await fetch(listening.url, {
            method: "POST",
            body,
            headers: { "plaid-verification": header },
          });
          expect(answer.status).toBe(200);
          expect(lines().find((l) => l.kind === "item")).toMatchObject({
            message: `First Platypus Bank needs you to log in again: networth link --update ${ref()}`,
          });
          // The server holds no lock between webhooks: other commands run meanwhile.
          const items = json<ItemsJson>(await run("items", "--json"));
          expect(items.items[0]).toMatchObject({
            status: "error",
            errorCode: "ITEM_LOGIN_REQUIRED",
          });

          const update = webhookBody({
            webhook_type: "TRANSACTIONS",
            webhook_code: "DEFAULT_UPDATE",
          });
          const synced = await fetch(listening.url, {
            method: "POST",
            body: update,
            headers: { "plaid-verification": signWebhook(update, { key: keys.privateKey }) },
          });
          expect(synced.status).toBe(200);
          const done = await vi.waitFor(
            () => {
              const found = lines().find((l) => l.kind === "sync");
              if (!found) throw new Error(`no sync yet: ${JSON.stringify(output())}`);
              return found as { results: SyncItemResult[] };
            },
            { timeout: 30_000, interval: 100 },
          );
          expect(done.results).toEqual([
            expect.objectContaining({ id: itemRowId, status: "success" }),
          ]);
          const logs = json<{ logs: { refreshType: string; status: string }[] }>(
            await run("logs", "--json"),
          );
          expect(logs.logs[0]).toMatchObject({ refreshType: "webhook", status: "success" });
        } finally {
          child.kill("SIGINT");
        }
        const ended = await child;
        expect(ended.exitCode).toBe(130);
        for (const header of sentHeaders) {
          expect(`${ended.stdout}${ended.stderr}`).not.toContain(header.split(".")[2] || header);
        }
        // The sync succeeded: the item is active again, and the database was let go.
        const items = json<ItemsJson>(await run("items", "--json"));
        expect(items.items[0]).toMatchObject({ status: "active", errorCode: null });
      });
    });
  });
}
