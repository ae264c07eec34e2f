import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { cli } from "../support/cli.js";
import { DATABASE_KINDS, type TestTarget } from "../support/databases.js";

// Each test runs the CLI several times: on a loaded two-core machine that takes minutes.
vi.setConfig({ testTimeout: 240_000 });

// Every command's text (not --json) read through the built CLI, under a far-east and a
// far-west zone, with a fixed today: commands whose text no other suite reads are here.
const TODAY = "2026-03-15";
const ZONES = [
  ["Pacific/Kiritimati", "+14:00"],
  ["Pacific/Pago_Pago", "-11:00"],
] as const;
const TIME = (offset: string) => `\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d \\${offset}`;

const embedded = DATABASE_KINDS.find((k) => k.name === "embedded");

describe.each(ZONES)("text output under TZ=%s", (tz, offset) => {
  let t: TestTarget;
  let run: (...args: string[]) => ReturnType<typeof cli>;
  beforeAll(async () => {
    if (!embedded) throw new Error("no embedded database kind");
    t = await embedded.create();
    run = (...args) => cli(args, { ...t.env, TZ: tz, NETWORTH_TODAY: TODAY });
  });
  afterAll(async () => {
    await t?.dispose();
  });

  it("login, whoami, config list, db status, logout", async () => {
    const login = await run("login", "me@example.com");
    expect(login.stdout).toMatch(
      new RegExp(
        `^Created user me@example.com and logged in \\(embedded .*\\); session expires \\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d \\${offset}\\.$`,
      ),
    );
    const who = await run("whoami");
    expect(who.stdout).toMatch(/^me@example\.com {2}\(user [0-9a-f-]{36}\)$/m);
    expect(who.stdout).toMatch(new RegExp(`^session expires ${TIME(offset)}$`, "m"));
    const list = await run("config", "list");
    expect(list.stdout).toMatch(/^preferences\.dateFormat +MM\/DD\/YYYY/m);
    const status = await run("db", "status");
    expect(status.stdout).toMatch(/^database: embedded /);
    expect(status.stdout).toMatch(new RegExp(`^ {2}0001_schema +applied ${TIME(offset)}$`, "m"));
    expect((await run("logout")).stdout).toBe("Logged out.");
    expect((await run("login", "me@example.com")).stdout).toMatch(/^Logged in as me@example\.com/);
  });

  it("add-asset, add-liability, history, edit, archive, delete", async () => {
    const house = await run(
      ...["add-asset", "--type", "real_estate", "--name", "House", "--value", "450,000"],
      ...["--date", "2026-01-31"],
    );
    expect(house.stdout).toMatch(
      /^Added real estate "House" \([0-9a-f]{8}\) at \$450,000\.00 on 01\/31\/2026\.$/,
    );
    const loan = await run(
      "add-liability",
      "--type",
      "auto",
      "--name",
      "Car loan",
      "--balance",
      "9000",
    );
    expect(loan.stdout).toMatch(
      /^Added auto loan "Car loan" \([0-9a-f]{8}\) at \$9,000\.00 on 03\/15\/2026\.$/i,
    );
    expect((await run("set-balance", "House", "460000")).exitCode).toBe(0);
    const history = await run("history", "House");
    expect(history.stdout.split("\n")[0]).toBe("House (Real Estate, manual)");
    expect(history.stdout).toMatch(/^03\/15\/2026 \* +\$460,000\.00 +\+\$10,000\.00 +manual$/m);
    expect(history.stdout).toMatch(/^01\/31\/2026 +\$450,000\.00 +manual$/m);
    expect(history.stdout.trim().split("\n").at(-1)).toBe("* current value");
    expect((await run("edit", "House", "--name", "Home")).stdout).toBe('Updated "Home".');
    expect((await run("archive", "Car loan")).stdout).toBe(
      'Archived "Car loan"; its 1 balance(s) stay in its history.',
    );
    const refused = await run("delete", "Car loan");
    expect(refused.exitCode).toBe(1);
    expect(refused.stderr).toMatch(
      /^networth: not deleted: "Car loan" has 1 balance\(s\) from 03\/15\/2026 to 03\/15\/2026 /,
    );
    expect((await run("delete", "Car loan", "--yes")).stdout).toBe(
      'Deleted "Car loan" and its 1 balance(s).',
    );
  });

  it("logs, snapshot, report, cron", async () => {
    expect((await run("logs")).stdout).toBe(
      "No data refreshes yet (they come with networth link and networth sync).",
    );
    const audit = await run("logs", "--audit", "--limit", "10");
    expect(audit.stdout).toMatch(/^When +Action +Table +What$/m);
    expect(audit.stdout).toMatch(new RegExp(`^${TIME(offset)} +DELETE +accounts +"Car loan"`, "m"));
    const snapshot = await run("snapshot");
    expect(snapshot.stdout).toMatch(
      /^Net worth on 03\/15\/2026: \$460,000\.00 \(assets \$460,000\.00, liabilities \$0\.00\)$/m,
    );
    const report = await run("report", "--from", "2026-03-01");
    expect(report.exitCode).toBe(0);
    expect(report.stdout).toMatch(/Net worth \$460,000\.00 on 03\/15\/2026/);
    const cron = await run("cron");
    expect(cron.stdout).toMatch(/^# >>> networth \(managed by `networth cron --install`\) >>>$/m);
    expect(cron.stdout).toMatch(/ sync .*snapshot --all-users/);
  });
});
