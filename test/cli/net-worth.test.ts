import { chmodSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { cli, json } from "../support/cli.js";
import { DATABASE_KINDS, type TestTarget } from "../support/databases.js";

interface ReportJson {
  from: string;
  to: string;
  interval: string;
  current: {
    date: string;
    netWorth: number;
    totalAssets: number;
    totalLiabilities: number;
    assetBreakdown: Record<string, number>;
  } | null;
  changes: Record<string, { from: string; amount: number; percent: string | null } | null>;
  series: { date: string; totalAssets: number; totalLiabilities: number; netWorth: number }[];
  breakdown: {
    assets: { bucket: string; amount: number; share: string | null }[];
    liabilities: { bucket: string; amount: number; share: string | null }[];
  };
  movers: { name: string; change: number; effect: number }[];
}

for (const kind of DATABASE_KINDS) {
  describe.skipIf(!kind.available)(
    `snapshots and the report through the CLI on the ${kind.name} database`,
    () => {
      let t: TestTarget;
      let run: (...args: string[]) => ReturnType<typeof cli>;
      beforeAll(async () => {
        t = await kind.create();
        if (kind.name === "server") await (await t.open("auto")).close();
        run = (...args) => cli(args, t.env);
        expect((await run("login", "me@example.com")).exitCode).toBe(0);
      });
      afterAll(async () => {
        await t?.dispose();
      });

      it("reports a hand-computed history to the cent", async () => {
        const csv = join(t.home, "history.csv");
        writeFileSync(
          csv,
          [
            "account,date,balance,type",
            "House,2026-01-01,100000.00,real_estate",
            "House,2026-03-15,110000.00,real_estate",
            "Car loan,2026-02-01,20000.00,auto",
            "Car loan,2026-06-01,0.00,auto",
          ].join("\n"),
        );
        expect((await run("import", "balances", csv, "--create-missing")).exitCode).toBe(0);
        const report = json<ReportJson>(
          await run(
            "report",
            "--from",
            "2026-01-01",
            "--to",
            "2026-06-30",
            "--interval",
            "month",
            "--json",
          ),
        );
        expect(
          report.series.map((p) => [p.date, p.totalAssets, p.totalLiabilities, p.netWorth]),
        ).toEqual([
          ["2026-01-31", 100000, 0, 100000],
          ["2026-02-28", 100000, 20000, 80000],
          ["2026-03-31", 110000, 20000, 90000],
          ["2026-04-30", 110000, 20000, 90000],
          ["2026-05-31", 110000, 20000, 90000],
          ["2026-06-30", 110000, 0, 110000],
        ]);
        expect(report.current).toMatchObject({ date: "2026-06-30", netWorth: 110000 });
        expect(report.changes.range).toEqual({
          from: "2026-01-01",
          amount: 10000,
          percent: "10.00",
        });
        expect(report.changes["1M"]).toEqual({
          from: "2026-05-30",
          amount: 20000,
          percent: "22.22",
        });
        expect(report.breakdown.assets.find((b) => b.bucket === "property")).toEqual({
          bucket: "property",
          amount: 110000,
          share: "100.0",
        });
        expect(report.breakdown.liabilities.find((b) => b.bucket === "loans")).toEqual({
          bucket: "loans",
          amount: 0,
          share: null,
        });
        expect(report.movers).toEqual([
          expect.objectContaining({ name: "House", change: 10000, effect: 10000 }),
        ]);

        const csvOut = await run(
          "report",
          "--from",
          "2026-01-01",
          "--to",
          "2026-02-28",
          "--interval",
          "month",
          "--csv",
        );
        expect(csvOut.stdout).toBe(
          "date,total_assets,total_liabilities,net_worth\n2026-01-31,100000.00,0.00,100000.00\n2026-02-28,100000.00,20000.00,80000.00",
        );

        const text = await run("report", "--from", "2026-01-01", "--to", "2026-06-30");
        expect(text.exitCode).toBe(0);
        expect(text.stdout).toMatch(/Net worth \$110,000\.00 on 06\/30\/2026/);
        expect(text.stdout).toMatch(/┤/); // the chart
      });

      it("keeps snapshots current when a value is back-dated, and backfills on demand", async () => {
        expect((await run("set-balance", "House", "90000", "--date", "2026-02-10")).exitCode).toBe(
          0,
        );
        const report = json<ReportJson>(
          await run(
            "report",
            "--from",
            "2026-01-01",
            "--to",
            "2026-03-31",
            "--interval",
            "month",
            "--json",
          ),
        );
        expect(report.series.map((p) => p.netWorth)).toEqual([100000, 70000, 90000]);
        const snap = json<{ upserted: number; days: number; snapshot: { netWorth: number } }>(
          await run("snapshot", "--from", "2026-01-01", "--to", "2026-03-31", "--json"),
        );
        // Already current: nothing to rewrite.
        expect(snap).toMatchObject({ days: 90, upserted: 0, snapshot: { netWorth: 90000 } });
        const one = json<{ snapshot: { date: string; netWorth: number } }>(
          await run("snapshot", "--date", "2026-02-15", "--json"),
        );
        expect(one.snapshot).toMatchObject({ date: "2026-02-15", netWorth: 70000 });
        expect((await run("snapshot", "--all-users", "--json")).exitCode).toBe(0);
      });

      it("rejects bad report and snapshot options as usage errors", async () => {
        for (const args of [
          ["report", "--interval", "fortnight"],
          ["report", "--from", "2026-03-01", "--to", "2026-01-01"],
          ["report", "--csv", "--json"],
          ["snapshot", "--date", "2026-01-01", "--from", "2026-01-01"],
          ["snapshot", "--to", "2026-01-01"],
          ["snapshot", "--date", "tomorrow"],
        ]) {
          const result = await run(...args);
          expect(result.exitCode, args.join(" ")).toBe(2);
          expect(result.stderr.trim().split("\n"), args.join(" ")).toHaveLength(1);
        }
      });
    },
  );
}

describe("networth demo", () => {
  const embedded = DATABASE_KINDS[0] as (typeof DATABASE_KINDS)[number];
  let t: TestTarget;
  beforeAll(async () => {
    t = await embedded.create();
  });
  afterAll(async () => {
    await t?.dispose();
  });

  it("creates two years of history in every bucket, logs in, and matches report and accounts", {
    timeout: 180_000,
  }, async () => {
    const demo = await cli(["demo", "--json"], t.env);
    expect(demo.exitCode).toBe(0);
    const shown = json<ReportJson>(demo);
    const report = json<ReportJson>(await cli(["report", "--json"], t.env));
    expect(report).toEqual(shown);
    expect(Date.parse(report.to) - Date.parse(report.from)).toBeGreaterThanOrEqual(
      730 * 86_400_000,
    );
    for (const bucket of [...report.breakdown.assets, ...report.breakdown.liabilities]) {
      expect(bucket.amount, bucket.bucket).toBeGreaterThan(0);
    }
    const accounts = json<{
      netWorth: number;
      assets: { name: string; valuation: { method: string } | null }[];
      liabilities: { name: string; valuation: { method: string } | null }[];
    }>(await cli(["accounts", "--json"], t.env));
    expect(accounts.netWorth).toBe(report.current?.netWorth);
    const whoami = json<{ user: { email: string } }>(await cli(["whoami", "--json"], t.env));
    expect(whoami.user.email).toBe("demo@networth.local");
    // An overdrawn day and a loan paid off are in the history.
    const checking = json<{ balances: { balance: number }[] }>(
      await cli(["history", "Everyday Checking", "--json"], t.env),
    );
    expect(checking.balances.some((b) => b.balance < 0)).toBe(true);
    const loan = json<{ account: { currentBalance: { balance: number } } }>(
      await cli(["history", "Car loan", "--json"], t.env),
    );
    expect(loan.account.currentBalance.balance).toBe(0);
    // Valuation methods (issue 11): the car loses value every month and the loans fall with
    // every payment, back to the first day; the home follows its rule between appraisals.
    const methods = Object.fromEntries(
      [...accounts.assets, ...accounts.liabilities].map((a) => [a.name, a.valuation?.method]),
    );
    expect(methods).toMatchObject({
      Car: "depreciation",
      Home: "appreciation",
      Mortgage: "amortization",
      "Car loan": "amortization",
      Bitcoin: "holdings",
      "Gold coins": "holdings",
    });
    // Holdings (issue 12): a value every day from the demo's shipped prices, none from the
    // network; 0.2 BTC and 4 oz of gold at those prices exactly.
    const prices = json<{
      prices: { asset: string; date: string; price: string; source: string }[];
    }>(await cli(["prices", "--json"], t.env));
    expect(new Set(prices.prices.map((p) => p.source))).toEqual(new Set(["demo"]));
    const { balances } = json<{
      balances: { account: string; balance: number; source: string; date: string }[];
    }>(await cli(["export", "balances", "--format", "json"], t.env));
    for (const name of ["Car", "Mortgage", "Car loan", "Home"]) {
      const values = balances
        .filter((b) => b.account === name)
        .sort((a, b) => (a.date < b.date ? -1 : 1));
      expect(values.filter((b) => b.source === "rule").length, name).toBeGreaterThanOrEqual(
        name === "Car loan" ? 20 : 24,
      );
      if (name === "Home") continue;
      for (let i = 1; i < values.length; i++) {
        expect(values[i]?.balance, name).toBeLessThanOrEqual(values[i - 1]?.balance ?? 0);
      }
    }
    for (const [name, asset, quantity] of [
      ["Bitcoin", "bitcoin", 2n],
      ["Gold coins", "XAU", 40n],
    ] as const) {
      const values = balances.filter((b) => b.account === name);
      expect(values.length, name).toBeGreaterThan(730);
      const priceOn = new Map(
        prices.prices.filter((p) => p.asset === asset).map((p) => [p.date, p.price]),
      );
      for (const v of values) {
        // quantity/10 × price, in cents: the price has at most 2 decimals here.
        const [w, f = ""] = (priceOn.get(v.date) ?? "").split(".");
        const cents = (BigInt(`${w}${f.padEnd(2, "0")}`) * quantity + 5n) / 10n;
        expect(Math.round(v.balance * 100), `${name} ${v.date}`).toBe(Number(cents));
      }
    }
    // Running it again resets the demo user rather than adding to it.
    expect((await cli(["demo", "--json"], t.env)).exitCode).toBe(0);
    const again = json<{ assets: unknown[]; liabilities: unknown[] }>(
      await cli(["accounts", "--json"], t.env),
    );
    expect(again.assets.length + again.liabilities.length).toBe(14);
  });
});

describe("networth cron", () => {
  it("prints absolute, logged lines and installs them once", async () => {
    const home = join(process.env.TMPDIR ?? "/tmp", `networth-cron-${process.pid}`);
    const bin = join(home, "bin");
    mkdirSync(bin, { recursive: true });
    const table = join(home, "crontab.txt");
    // A stand-in crontab(1) that keeps the table in a file.
    writeFileSync(
      join(bin, "crontab"),
      `#!/bin/sh\nif [ "$1" = "-l" ]; then [ -f ${table} ] && cat ${table} && exit 0; echo "no crontab for you" >&2; exit 1; fi\ncat > ${table}\n`,
    );
    chmodSync(join(bin, "crontab"), 0o755);
    writeFileSync(table, "MAILTO=me\n0 1 * * * backup\n");
    const env = { NETWORTH_HOME: home, PATH: `${bin}:${process.env.PATH}` };
    const printed = await cli(["cron"], env);
    expect(printed.exitCode).toBe(0);
    const networth = `NETWORTH_HOME=${home} /\\S+/node /\\S+/bin/networth`;
    const log = `>> ${home}/data/cron.log 2>&1`;
    expect(printed.stdout).toMatch(
      new RegExp(
        `^15 6 \\* \\* \\* ${networth} sync --all-users --scheduled --quiet ${log}; ${networth} revalue --all-users --quiet ${log}; ${networth} snapshot --all-users --quiet ${log}$`,
        "m",
      ),
    );
    expect((await cli(["cron", "--install"], env)).exitCode).toBe(0);
    const once = readFileSync(table, "utf8");
    expect(once.startsWith("MAILTO=me\n0 1 * * * backup\n")).toBe(true);
    expect(once).toContain(printed.stdout.split("\n")[1]);
    const second = await cli(["cron", "--install", "--json"], env);
    expect(json<{ installed: string }>(second).installed).toBe("unchanged");
    expect(readFileSync(table, "utf8")).toBe(once);
    rmSync(home, { recursive: true, force: true });
  });
});
