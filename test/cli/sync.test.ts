import { fileURLToPath } from "node:url";
import { execa } from "execa";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { todayIn } from "../../src/core/dates.js";
import { cli, json } from "../support/cli.js";
import { DATABASE_KINDS, type TestTarget } from "../support/databases.js";
import { type FakePlaid, startFakePlaid } from "../support/fake-plaid.js";

const BIN = fileURLToPath(new URL("../../bin/networth", import.meta.url));
const embedded = DATABASE_KINDS[0] as (typeof DATABASE_KINDS)[number];

interface SyncJson {
  ok: boolean;
  results: {
    institutionName: string;
    status: string;
    errorCode: string | null;
    advice: string | null;
    accountsUpdated: number;
  }[];
}

describe("networth sync through the CLI", () => {
  let t: TestTarget;
  let fake: FakePlaid;
  let env: Record<string, string>;
  const run = (...args: string[]) => cli(args, env);
  beforeAll(async () => {
    t = await embedded.create();
    fake = await startFakePlaid();
    env = {
      ...t.env,
      PLAID_CLIENT_ID: fake.clientId,
      PLAID_SECRET: fake.secret,
      PLAID_ENV: "sandbox",
      PLAID_BASE_URL: fake.url,
    };
    expect((await run("login", "me@example.com")).exitCode).toBe(0);
  });
  afterAll(async () => {
    await fake?.close();
    await t?.dispose();
  });

  it("says there is nothing to sync before anything is linked, without needing Plaid keys", async () => {
    const result = await cli(["sync", "--json"], t.env);
    expect(result.exitCode).toBe(0);
    expect(json<SyncJson>(result)).toEqual({ ok: true, results: [] });
  });

  it("syncs, prints per-item results, and exits 1 naming the item that needs the user", async () => {
    expect((await run("link", "--sandbox")).exitCode).toBe(0);
    const ok = await run("sync", "--json");
    expect(ok.exitCode).toBe(0);
    expect(json<SyncJson>(ok).results).toEqual([
      expect.objectContaining({
        institutionName: "First Platypus Bank",
        status: "success",
        accountsUpdated: 9,
      }),
    ]);

    const [item] = [...fake.items.values()];
    fake.setItemError(item?.itemId as string, "ITEM_LOGIN_REQUIRED");
    const failed = await run("sync");
    expect(failed.exitCode).toBe(1);
    expect(failed.stdout).toMatch(/ITEM_LOGIN_REQUIRED[\s\S]*networth link --update [0-9a-f]{8}/);
    expect(failed.stderr).toMatch(
      /1 of 1 item\(s\) did not sync: First Platypus Bank \(ITEM_LOGIN_REQUIRED\)/,
    );
    const logs = json<{ logs: { status: string; refreshType: string }[] }>(
      await run("logs", "--item", "First Platypus Bank", "--limit", "1", "--json"),
    );
    expect(logs.logs).toEqual([
      expect.objectContaining({ status: "failed", refreshType: "manual" }),
    ]);
    fake.setItemError(item?.itemId as string, null);
    expect((await run("sync", "--scheduled", "--quiet")).exitCode).toBe(0);
  });

  it("survives being killed mid-sync: the next run closes the log and the data agrees", async () => {
    fake.setLatency("/accounts/get", 20_000);
    const calls = fake.calls("/accounts/get").length;
    const child = execa(BIN, ["sync"], {
      env: { ...env, PATH: process.env.PATH ?? "" },
      extendEnv: false,
      reject: false,
    });
    const deadline = Date.now() + 30_000;
    while (fake.calls("/accounts/get").length === calls && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 50));
    expect(fake.calls("/accounts/get").length).toBeGreaterThan(calls);
    child.kill("SIGKILL");
    await child;
    fake.setLatency("/accounts/get", 0);

    const next = await run("sync", "--json");
    expect(next.exitCode, next.stderr).toBe(0);
    const logs = json<{ logs: { status: string; errorMessage: string | null }[] }>(
      await run("logs", "--json"),
    );
    expect(logs.logs.some((l) => l.status === "failed" && l.errorMessage === "interrupted")).toBe(
      true,
    );
    expect(logs.logs.some((l) => l.status === "pending")).toBe(false);
    const db = await t.open("none");
    try {
      const today = todayIn();
      const [row] =
        await db.sql`SELECT count(*)::int AS n, count(DISTINCT account_id)::int AS accounts FROM account_balances WHERE date = ${today}`;
      expect(row?.n).toBe(row?.accounts);
      const current =
        await db.sql`SELECT account_id FROM account_balances WHERE is_current GROUP BY account_id HAVING count(*) > 1`;
      expect(current).toHaveLength(0);
      const [snapshot] =
        await db.sql`SELECT 1 AS present FROM net_worth_snapshots WHERE date = ${today}`;
      expect(snapshot?.present).toBe(1);
    } finally {
      await db.close();
    }
  });
});
