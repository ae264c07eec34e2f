import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { cli, json } from "../support/cli.js";
import { DATABASE_KINDS, type TestTarget } from "../support/databases.js";

// Each test runs the CLI several times: on a loaded two-core machine that takes minutes.
vi.setConfig({ testTimeout: 240_000 });

// Fixed "today" (NETWORTH_TODAY) so nothing here races midnight, and two zones a day apart.
const TODAY = "2026-03-15";
const EAST = "Pacific/Kiritimati"; // UTC+14
const WEST = "Etc/GMT+12"; // UTC-12

/** The amount in the "Total" row that follows a section's title in `accounts` text. */
function sectionTotal(text: string, title: string): string | undefined {
  const section = text.split(/\n\s*\n/).find((block) => block.startsWith(`${title}\n`));
  return section?.match(/^Total\s+(\S+)/m)?.[1];
}

for (const kind of DATABASE_KINDS) {
  describe.skipIf(!kind.available)(`review defects on the ${kind.name} database`, () => {
    let t: TestTarget;
    let run: (args: string[], env?: Record<string, string>) => ReturnType<typeof cli>;

    beforeAll(async () => {
      t = await kind.create();
      if (kind.name === "server") await (await t.open("auto")).close();
      run = (args, env = {}) => cli(args, { ...t.env, NETWORTH_TODAY: TODAY, ...env });
      expect((await run(["login", "me@example.com"])).exitCode).toBe(0);
    });
    afterAll(async () => {
      await t?.dispose();
    });

    it("import --create-missing names the accounts it created", async () => {
      const file = join(t.home, "new.csv");
      writeFileSync(
        file,
        "account,date,balance,type\nHouse,2026-01-01,1000.00,real_estate\nCar,2026-01-01,200.00,vehicle\n",
      );
      const dry = await run(["import", "balances", file, "--create-missing", "--dry-run"]);
      expect(dry.stdout).toBe(
        "Would import 2 row(s): 2 inserted, 0 replaced, 0 unchanged; would create 2 account(s): House, Car.",
      );
      const result = await run(["import", "balances", file, "--create-missing"]);
      expect(result.exitCode).toBe(0);
      expect(result.stdout).toBe(
        "Imported 2 row(s): 2 inserted, 0 replaced, 0 unchanged; created 2 account(s): House, Car.",
      );
    });

    it("accounts: section totals agree with the net worth line when a card is in credit", async () => {
      expect(
        (
          await run([
            "add-liability",
            "--type",
            "credit_card",
            "--name",
            "Card",
            "--balance",
            "100",
            "--date",
            "2026-02-01",
          ])
        ).exitCode,
      ).toBe(0);
      expect((await run(["set-balance", "Card", "-50", "--date", "2026-02-02"])).exitCode).toBe(0);
      const text = await run(["accounts"]);
      expect(text.exitCode).toBe(0);
      const line = text.stdout.match(/^Net worth (\S+) {2}\(assets (\S+), liabilities (\S+)\)$/m);
      expect(line?.slice(1)).toEqual(["$1,250.00", "$1,250.00", "$0.00"]);
      // The card counts where its money is: with the assets, marked as in credit.
      expect(sectionTotal(text.stdout, "Assets")).toBe(line?.[2]);
      expect(sectionTotal(text.stdout, "Liabilities") ?? "$0.00").toBe(line?.[3]);
      expect(text.stdout).toMatch(/^Card \(in credit\) .* \$50\.00 /m);
      const body = json<{ totalAssets: number; totalLiabilities: number; netWorth: number }>(
        await run(["accounts", "--json"]),
      );
      expect(body).toMatchObject({ totalAssets: 1250, totalLiabilities: 0, netWorth: 1250 });
    });

    it("set-balance confirms dates in the user's date format", async () => {
      expect((await run(["config", "set", "preferences.dateFormat", "DD/MM/YYYY"])).exitCode).toBe(
        0,
      );
      try {
        const result = await run(["set-balance", "Car", "210", "--date", "2026-03-04"]);
        expect(result.exitCode).toBe(0);
        expect(result.stdout).toBe("Car: $210.00 on 04/03/2026 (inserted).");
        const older = await run(["set-balance", "Car", "205", "--date", "02/01/2026"]);
        expect(older.stdout).toBe(
          "Car: $205.00 on 02/01/2026 (inserted); the current value stays the one of 04/03/2026.",
        );
      } finally {
        await run(["config", "unset", "preferences.dateFormat"]);
      }
    });

    it("an age is never negative when the value was written in a zone already on tomorrow", async () => {
      // Real clocks here: Kiritimati's today is always a day or two after Etc/GMT+12's.
      const real = (args: string[], tz: string) =>
        cli(args, { ...t.env, TZ: tz, NETWORTH_TODAY: "" });
      expect((await real(["set-balance", "House", "1001"], EAST)).exitCode).toBe(0);
      const text = await real(["accounts"], WEST);
      expect(text.exitCode).toBe(0);
      expect(text.stdout).not.toMatch(/-\d+ days?/);
      expect(text.stdout).toMatch(/^House .* today /m);
      const body = json<{ assets: { name: string; balanceAgeDays: number }[] }>(
        await real(["accounts", "--json"], WEST),
      );
      expect(body.assets.find((a) => a.name === "House")?.balanceAgeDays).toBe(0);
    });

    it("times are shown in the user's zone, with its offset", async () => {
      for (const [tz, offset] of [
        [EAST, "+14:00"],
        [WEST, "-12:00"],
      ] as const) {
        const audit = await run(["logs", "--audit", "--limit", "1"], { TZ: tz });
        expect(audit.stdout).toMatch(
          new RegExp(
            `^\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d \\${offset} +(INSERT|UPDATE)`,
            "m",
          ),
        );
        const who = await run(["whoami"], { TZ: tz });
        expect(who.stdout).toMatch(
          new RegExp(
            `^session expires \\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d \\${offset}$`,
            "m",
          ),
        );
      }
      // The same instant, two zones: 26 hours apart on the wall clock.
      const [east, west] = await Promise.all(
        [EAST, WEST].map(async (tz) => {
          const line = (await run(["whoami"], { TZ: tz })).stdout.match(
            /^session expires (\S+ \S+) (\S+)$/m,
          );
          return Date.parse(`${line?.[1]?.replace(" ", "T")}${line?.[2]}`);
        }),
      );
      expect(east).toBe(west);
    });

    it("export balances takes --json like every read command", async () => {
      const viaFlag = await run(["export", "balances", "--json"]);
      expect(viaFlag.exitCode).toBe(0);
      const viaFormat = await run(["export", "balances", "--format", "json"]);
      expect(viaFlag.stdout).toBe(viaFormat.stdout);
      expect(json<{ balances: unknown[] }>(viaFlag).balances.length).toBeGreaterThan(0);
      const clash = await run(["export", "balances", "--json", "--format", "csv"]);
      expect(clash.exitCode).toBe(2);
      expect(clash.stderr).toMatch(/^networth: /);
    });
  });
}

describe("usage errors", () => {
  let t: TestTarget;
  let run: (...args: string[]) => ReturnType<typeof cli>;
  beforeAll(async () => {
    const embedded = DATABASE_KINDS.find((k) => k.name === "embedded");
    if (!embedded) throw new Error("no embedded database kind");
    t = await embedded.create();
    run = (...args) => cli(args, { ...t.env, NETWORTH_TODAY: TODAY });
  });
  afterAll(async () => {
    await t?.dispose();
  });

  it.each([
    [["login", "me@example.com", "--days", "999999999"], /^networth: --days must be at most \d/],
    [["logs", "--limit", "99999999999999999999"], /^networth: --limit must be at most \d/],
    [["db", "serve", "--port", "99999"], /^networth: --port must be at most 65535/],
    [["webhooks", "serve", "--port", "70000"], /^networth: --port must be at most 65535/],
    [["db", "rollback", "--steps", "1e3"], /^networth: --steps takes a whole number/],
  ])("%j is a usage error", async (args, message) => {
    const result = await run(...args);
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toMatch(message);
    expect(result.stderr.trim().split("\n")[0]).toMatch(/^networth: /);
  });

  it("commander's own errors begin networth: like all others", async () => {
    for (const args of [["accounts", "--bogus"], ["set-balance"], ["no-such-command"]]) {
      const result = await run(...args);
      expect(result.exitCode).toBe(2);
      expect(result.stderr).toMatch(/^networth: /);
      expect(result.stderr).not.toMatch(/^error:/m);
    }
  });

  it("an empty option value is refused, never taken as the default", async () => {
    expect((await run("login", "me@example.com")).exitCode).toBe(0);
    for (const args of [
      ["add-asset", "--type", "other", "--name", "X", "--value", "1", "--date", ""],
      ["add-asset", "--type", "other", "--name", "X", "--value", "1", "--date="],
      ["logs", "--limit", ""],
      ["report", "--from", ""],
    ]) {
      const result = await run(...args);
      expect(result.exitCode, args.join(" ")).toBe(2);
      expect(result.stderr).toMatch(/^networth: --[a-z-]+ must not be empty/);
    }
    const accounts = json<{ assets: unknown[] }>(await run("accounts", "--json"));
    expect(accounts.assets).toHaveLength(0);
  });

  it("NETWORTH_TODAY must be a date", async () => {
    const result = await cli(["accounts"], { ...t.env, NETWORTH_TODAY: "tomorrow" });
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toMatch(/^networth: NETWORTH_TODAY must be a YYYY-MM-DD date/);
  });
});
