import { chmodSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { addDays, todayIn } from "../../src/core/dates.js";
import type { Database } from "../../src/db/connection.js";
import { displayPath } from "../../src/paths.js";
import { type CliResult, cli, json } from "../support/cli.js";
import { DATABASE_KINDS, type TestTarget } from "../support/databases.js";
import { type FakePlaid, startFakePlaid } from "../support/fake-plaid.js";

interface DoctorJson {
  ok: boolean;
  checks: {
    name: string;
    status: "ok" | "warn" | "fail";
    message: string;
    fix: string | null;
    details: Record<string, unknown>[];
  }[];
}

const ALL_CHECKS = [
  "database",
  "key-file",
  "login",
  "items",
  "sync",
  "manual-values",
  "market-values",
  "budgets",
  "snapshot",
  "rates",
];

/** The one failed check of a doctor run that must fail exactly it: exit 1, named on stderr. */
function onlyFailure(result: CliResult, name: string): DoctorJson["checks"][number] {
  expect(result.exitCode, result.stderr).toBe(1);
  const report = json<DoctorJson>(result);
  expect(report.ok).toBe(false);
  expect(report.checks.filter((c) => c.status === "fail").map((c) => c.name)).toEqual([name]);
  expect(result.stderr).toMatch(new RegExp(`checks failed: ${name}\\n?$`));
  const check = report.checks.find((c) => c.name === name);
  if (!check) throw new Error(`no check ${name}`);
  return check;
}

for (const kind of DATABASE_KINDS) {
  describe.skipIf(!kind.available)(`networth doctor on the ${kind.name} database`, () => {
    let t: TestTarget;
    let fake: FakePlaid;
    let env: Record<string, string>;
    const run = (...args: string[]) => cli(args, env);
    const today = todayIn();

    /** Runs SQL beside the CLI (as the connecting role), closing before the next CLI run. */
    async function withDb(fn: (db: Database) => Promise<unknown>): Promise<void> {
      const db = await t.open("none");
      try {
        await fn(db);
      } finally {
        await db.close();
      }
    }

    async function expectHealthy(): Promise<DoctorJson> {
      const result = await run("doctor", "--json");
      expect(result.exitCode, `${result.stdout}\n${result.stderr}`).toBe(0);
      const report = json<DoctorJson>(result);
      expect(report.ok).toBe(true);
      expect(report.checks.map((c) => [c.name, c.status])).toEqual(
        ALL_CHECKS.map((name) => [name, "ok"]),
      );
      return report;
    }

    beforeAll(async () => {
      t = await kind.create();
      if (kind.name === "server") await (await t.open("auto")).close();
      fake = await startFakePlaid();
      env = {
        ...t.env,
        PLAID_CLIENT_ID: fake.clientId,
        PLAID_SECRET: fake.secret,
        PLAID_ENV: "sandbox",
        PLAID_BASE_URL: fake.url,
      };
      expect((await run("login", "me@example.com")).exitCode).toBe(0);
      // A fresh manual account valued today: its value also writes today's snapshot.
      const added = await run(
        "add-asset",
        "--type",
        "real_estate",
        "--name",
        "Home",
        "--value",
        "450000",
      );
      expect(added.exitCode, added.stderr).toBe(0);
    });
    afterAll(async () => {
      await fake?.close();
      await t?.dispose();
    });

    it("passes every check for a healthy user, and exits 0", async () => {
      const report = await expectHealthy();
      expect(report.checks.every((c) => c.fix === null)).toBe(true);
      expect(report.checks.find((c) => c.name === "snapshot")?.details).toEqual([
        { date: today, expected: true, exists: true },
      ]);
      const text = await run("doctor");
      expect(text.exitCode).toBe(0);
      expect(text.stderr).toBe("");
      for (const name of ALL_CHECKS) expect(text.stdout).toMatch(new RegExp(`^ok +${name} `, "m"));
      expect(text.stdout).toMatch(/All 10 checks passed\.$/);
    });

    it("fails manual-values for a value 100 days old, with set-balance as the fix", async () => {
      const date = addDays(today, -100);
      const added = await run(
        "add-asset",
        "--type",
        "vehicle",
        "--name",
        "Old car",
        "--value",
        "9000",
        "--date",
        date,
      );
      expect(added.exitCode, added.stderr).toBe(0);
      const check = onlyFailure(await run("doctor", "--json"), "manual-values");
      expect(check.message).toMatch(/^Old car has no value from the last 90 days .*100 days ago/);
      expect(check.fix).toMatch(/^networth set-balance 'Old car' <amount>/);
      expect(check.details).toEqual([
        expect.objectContaining({ name: "Old car", balanceDate: date, ageDays: 100 }),
      ]);
      const text = await run("doctor");
      expect(text.exitCode).toBe(1);
      expect(text.stdout).toMatch(/^FAIL +manual-values +Old car has no value/m);
      expect(text.stdout).toMatch(/^ +fix: networth set-balance 'Old car' <amount>/m);

      expect((await run("set-balance", "Old car", "9000")).exitCode).toBe(0);
      await expectHealthy();
    });

    it("fails snapshot when today's is missing, with networth snapshot as the fix", async () => {
      await withDb((db) => db.sql`DELETE FROM net_worth_snapshots WHERE date = ${today}`);
      const check = onlyFailure(await run("doctor", "--json"), "snapshot");
      expect(check.message).toMatch(/^no net worth snapshot for today/);
      expect(check.fix).toMatch(/^networth snapshot\b/);
      const text = await run("doctor");
      expect(text.stdout).toMatch(/^FAIL +snapshot +no net worth snapshot for today/m);
      expect(text.stdout).toMatch(/^ +fix: networth snapshot/m);

      expect((await run("snapshot")).exitCode).toBe(0);
      await expectHealthy();
    });

    it("warns at 80 % of a budget and exits 0; fails a spent budget and exits 1", async () => {
      const month = today.slice(0, 7);
      const setUsed = (n: number) =>
        withDb(
          (db) => db.sql`INSERT INTO provider_requests (provider, month, requests)
            VALUES ('rentcast', ${month}, ${n})
            ON CONFLICT (provider, month) DO UPDATE SET requests = EXCLUDED.requests`,
        );
      const fix = "networth config set budget.rentcast <n> to allow more, or wait for next month";
      // RentCast's default budget is 50 requests a month: 40 is 80 %.
      await setUsed(40);
      const warned = await run("doctor", "--json");
      expect(warned.exitCode, warned.stderr).toBe(0);
      expect(warned.stderr).toBe("");
      const report = json<DoctorJson>(warned);
      expect(report.ok).toBe(true);
      expect(report.checks.map((c) => [c.name, c.status])).toEqual(
        ALL_CHECKS.map((name) => [name, name === "budgets" ? "warn" : "ok"]),
      );
      expect(report.checks.find((c) => c.name === "budgets")).toEqual({
        name: "budgets",
        status: "warn",
        message: "rentcast has used 40 of 50 requests this month (80% or more)",
        fix,
        details: expect.arrayContaining([{ provider: "rentcast", limit: 50, used: 40, left: 10 }]),
      });
      const text = await run("doctor");
      expect(text.exitCode).toBe(0);
      expect(text.stderr).toBe("");
      expect(text.stdout).toMatch(/^WARN +budgets +rentcast has used 40 of 50 requests/m);
      expect(text.stdout).toMatch(/^ +fix: networth config set budget\.rentcast <n>/m);
      expect(text.stdout).toMatch(/^ok +snapshot /m);
      expect(text.stdout).toMatch(/All 10 checks passed, 1 with a warning: budgets\.$/);

      await setUsed(50);
      const check = onlyFailure(await run("doctor", "--json"), "budgets");
      expect(check.message).toBe("rentcast has used 50 of 50 requests this month (none left)");
      expect(check.fix).toBe(fix);
      const spent = await run("doctor");
      expect(spent.exitCode).toBe(1);
      expect(spent.stdout).toMatch(/^FAIL +budgets +rentcast has used 50 of 50 requests/m);

      await withDb((db) => db.sql`DELETE FROM provider_requests WHERE provider = 'rentcast'`);
      await expectHealthy();
    });

    it("fails items for an item in error or disconnected by Plaid, each with its fix", async () => {
      const linked = await run("link", "--sandbox", "--json");
      expect(linked.exitCode, linked.stderr).toBe(0);
      const itemId = json<{ item: { id: string } }>(linked).item.id;
      const ref = itemId.slice(0, 8);
      await expectHealthy();

      await withDb(
        (db) =>
          db.sql`UPDATE plaid_items SET status = 'error', error_code = 'ITEM_LOGIN_REQUIRED'
                 WHERE id = ${itemId}`,
      );
      const check = onlyFailure(await run("doctor", "--json"), "items");
      expect(check.message).toMatch(/^First Platypus Bank .*ITEM_LOGIN_REQUIRED/);
      expect(check.fix).toBe(`the bank needs you to log in again: networth link --update ${ref}`);
      expect(check.details).toEqual([
        expect.objectContaining({
          id: itemId,
          institutionName: "First Platypus Bank",
          status: "error",
          errorCode: "ITEM_LOGIN_REQUIRED",
        }),
      ]);
      const text = await run("doctor");
      expect(text.stdout).toMatch(/^FAIL +items +First Platypus Bank/m);
      expect(text.stdout).toMatch(new RegExp(`^ +fix: .*networth link --update ${ref}$`, "m"));

      // Plaid no longer knows the item (sync marks it so): link again, then retire it.
      await withDb(
        (db) =>
          db.sql`UPDATE plaid_items SET status = 'disconnected', error_code = 'ITEM_NOT_FOUND'
                 WHERE id = ${itemId}`,
      );
      const gone = onlyFailure(await run("doctor", "--json"), "items");
      expect(gone.message).toMatch(/disconnected by Plaid/);
      expect(gone.fix).toMatch(/networth link to connect the bank again.*networth unlink/);

      await withDb(
        (db) =>
          db.sql`UPDATE plaid_items SET status = 'active', error_code = NULL WHERE id = ${itemId}`,
      );
      await expectHealthy();
    });

    it("fails sync for an item not synced for 3 days, with networth sync as the fix", async () => {
      await withDb(
        (db) => db.sql`UPDATE plaid_items SET last_successful_update = NOW() - interval '3 days'`,
      );
      const check = onlyFailure(await run("doctor", "--json"), "sync");
      expect(check.message).toMatch(
        /^First Platypus Bank \([0-9a-f]{8}\) has not synced for more than 2 days \(last synced 3 days ago\)/,
      );
      expect(check.fix).toMatch(/^networth sync\b/);
      expect(check.details).toEqual([
        expect.objectContaining({ institutionName: "First Platypus Bank", hoursSinceUpdate: 72 }),
      ]);
      const text = await run("doctor");
      expect(text.stdout).toMatch(/^FAIL +sync +First Platypus Bank/m);
      expect(text.stdout).toMatch(/^ +fix: networth sync/m);

      await withDb((db) => db.sql`UPDATE plaid_items SET last_successful_update = NOW()`);
      await expectHealthy();
    });

    it("fails key-file at mode 0644, with chmod 600 as the fix", async () => {
      const path = join(t.home, "keys", "token-keys.json");
      chmodSync(path, 0o644);
      try {
        const check = onlyFailure(await run("doctor", "--json"), "key-file");
        expect(check.message).toMatch(/mode 0644/);
        expect(check.fix).toBe(`chmod 600 ${displayPath(path)}`);
        const text = await run("doctor");
        expect(text.stdout).toMatch(/^FAIL +key-file +.*mode 0644/m);
        expect(text.stdout).toContain(`fix: chmod 600 ${displayPath(path)}`);
      } finally {
        chmodSync(path, 0o600);
      }
      const healthy = await expectHealthy();
      expect(healthy.checks.find((c) => c.name === "key-file")?.details).toEqual([
        { path, exists: true, mode: "0600", keySource: "file" },
      ]);

      // A key from the environment is named; the file (older keys) is still checked.
      const fromEnv = await cli(["doctor", "--json"], {
        ...env,
        NETWORTH_ENCRYPTION_KEY: Buffer.alloc(32, 7).toString("base64"),
      });
      expect(fromEnv.exitCode).toBe(0);
      expect(json<DoctorJson>(fromEnv).checks.find((c) => c.name === "key-file")?.message).toMatch(
        /comes from NETWORTH_ENCRYPTION_KEY.*mode 0600/,
      );
    });

    it("without a login, fails the login check and still checks the database and key file", async () => {
      expect((await run("logout")).exitCode).toBe(0);
      const result = await run("doctor", "--json");
      const check = onlyFailure(result, "login");
      expect(check.fix).toBe("networth login <email>");
      expect(json<DoctorJson>(result).checks.map((c) => c.name)).toEqual([
        "database",
        "key-file",
        "login",
      ]);
      expect((await run("login", "me@example.com")).exitCode).toBe(0);
      await expectHealthy();
    });

    // Several CLI runs each (the embedded database opens in every one): the 180 s bound is for
    // a loaded machine; each run still has its own hard timeout.
    it("fails login for an expired session, and says so in the text output", async () => {
      await withDb(
        (db) =>
          db.sql`UPDATE user_sessions SET expires_at = NOW() - interval '1 minute'
                 WHERE user_id = (SELECT id FROM users WHERE email = 'me@example.com')`,
      );
      const text = await run("doctor");
      expect(text.exitCode).toBe(1);
      expect(text.stdout).toMatch(/^FAIL +login +the session of me@example\.com expired at /m);
      expect(text.stdout).toMatch(/^ +fix: networth login me@example\.com$/m);
      expect(text.stdout).toMatch(/^ok +database /m);
      // The checks of the user's data need a login: they are left out, not passed.
      expect(text.stdout).not.toMatch(/^\S+ +(items|sync|manual-values|snapshot|rates) /m);
      expect(text.stdout).not.toContain("checks passed");
      expect(text.stderr.trim()).toBe("networth: 1 of 3 checks failed: login");
      expect((await run("login", "me@example.com")).exitCode).toBe(0);
      await expectHealthy();
    }, 180_000);

    it("reports several failures at once in the text output: a damaged key file, a stale value, no snapshot", async () => {
      const path = join(t.home, "keys", "token-keys.json");
      const saved = readFileSync(path, "utf8");
      const added = await run(
        "add-asset",
        ...["--type", "other", "--name", "Old boat", "--value", "1200"],
        ...["--date", addDays(today, -120)],
      );
      expect(added.exitCode, added.stderr).toBe(0);
      await withDb((db) => db.sql`DELETE FROM net_worth_snapshots WHERE date = ${today}`);
      writeFileSync(path, "{ not json");
      try {
        const text = await run("doctor");
        expect(text.exitCode).toBe(1);
        expect(text.stderr.trim()).toBe(
          "networth: 3 of 10 checks failed: key-file, manual-values, snapshot",
        );
        const status = (name: string) =>
          new RegExp(`^(ok|FAIL) +${name} `, "m").exec(text.stdout)?.[1];
        expect(ALL_CHECKS.map((name) => [name, status(name)])).toEqual([
          ["database", "ok"],
          ["key-file", "FAIL"],
          ["login", "ok"],
          ["items", "ok"],
          ["sync", "ok"],
          ["manual-values", "FAIL"],
          ["market-values", "ok"],
          ["budgets", "ok"],
          ["snapshot", "FAIL"],
          ["rates", "ok"],
        ]);
        expect(text.stdout).toMatch(/^FAIL +key-file +the key file .* is damaged \(not JSON\)/m);
        expect(text.stdout).toContain(`fix: restore ${displayPath(path)} from a backup`);
        expect(text.stdout).toMatch(/^FAIL +manual-values +Old boat has no value .*120 days ago/m);
        expect(text.stdout).toMatch(/^FAIL +snapshot +no net worth snapshot for today/m);
        expect(text.stdout).not.toContain("checks passed");

        // An invalid key in the environment is the key-file failure, named as such.
        const badKey = await cli(["doctor"], { ...env, NETWORTH_ENCRYPTION_KEY: "not-a-key" });
        expect(badKey.exitCode).toBe(1);
        expect(badKey.stdout).toMatch(
          /^FAIL +key-file +NETWORTH_ENCRYPTION_KEY is set but is not the base64 encoding of 32 bytes$/m,
        );
        expect(badKey.stdout).not.toContain("not-a-key");
      } finally {
        writeFileSync(path, saved);
      }
      expect((await run("set-balance", "Old boat", "1200")).exitCode).toBe(0);
      await expectHealthy();
    }, 180_000);
  });
}

// Pending migrations can only happen on a server: the embedded database migrates itself
// whenever it is opened, so there is no embedded variant of this test.
const server = DATABASE_KINDS.find((k) => k.name === "server");
describe.skipIf(!server?.available)("networth doctor on a server with pending migrations", () => {
  let t: TestTarget;
  beforeAll(async () => {
    t = await (server as NonNullable<typeof server>).create();
    const migrated = await cli(["db", "migrate", "--to", "2"], t.env);
    expect(migrated.exitCode, migrated.stderr).toBe(0);
  });
  afterAll(async () => {
    await t?.dispose();
  });

  it("reports them as a failed check with networth db migrate as the fix, and exits 1", async () => {
    const result = await cli(["doctor", "--json"], t.env);
    const check = onlyFailure(result, "database");
    expect(check.message).toMatch(/is not up to date: \d+ pending migrations? \(0003_/);
    expect(check.fix).toBe("networth db migrate");
    expect(check.details[0]).toEqual({
      migration: expect.stringMatching(/^0003_/),
      state: "pending",
    });
    // The checks of the user's data need an up-to-date database: only these two ran.
    expect(json<DoctorJson>(result).checks.map((c) => c.name)).toEqual(["database", "key-file"]);
    const text = await cli(["doctor"], t.env);
    expect(text.exitCode).toBe(1);
    expect(text.stdout).toMatch(/^FAIL +database +.*pending migration/m);
    expect(text.stdout).toMatch(/^ +fix: networth db migrate$/m);

    expect((await cli(["db", "migrate"], t.env)).exitCode).toBe(0);
    const after = await cli(["doctor", "--json"], t.env);
    expect(json<DoctorJson>(after).checks.find((c) => c.name === "database")?.status).toBe("ok");
  });
});
