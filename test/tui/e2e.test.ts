/**
 * The built CLI's dashboard in a real terminal: tmux runs a shell, the shell runs
 * `networth dashboard` on the demo data, keys go in with send-keys and the screen comes back
 * with capture-pane. The figures on screen are checked against `networth report --json` for
 * the same range, and after q the shell's own screen must be back.
 */

import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { execa } from "execa";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { formatAmount } from "../../src/core/amount.js";
import { centsFromDecimal } from "../../src/core/money.js";
import { windowStart } from "../../src/core/report.js";
import { cli, json } from "../support/cli.js";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const BIN = join(ROOT, "bin", "networth");

function tmuxVersion(): string | null {
  try {
    return execFileSync("tmux", ["-V"], { encoding: "utf8" }).trim();
  } catch {
    return null;
  }
}

const version = tmuxVersion();
if (!version) {
  const bar = "!".repeat(78);
  console.warn(
    `\n${bar}\n!! tmux is not installed: the dashboard's END-TO-END test is SKIPPED.\n` +
      `!! Install it (apt-get install -y tmux) to run it; .ci/run does.\n${bar}\n`,
  );
}

/** An exact JSON number of the report (two decimals at most) as cents. */
const cents = (value: number) => centsFromDecimal(String(value));

interface ReportJson {
  to: string;
  current: { netWorth: number } | null;
  changes: { range: { from: string; amount: number; percent: string | null } | null };
}

describe.skipIf(!version)(`the dashboard in a terminal (${version ?? "no tmux"})`, () => {
  // Made in beforeAll: a skipped suite's body still runs, and its afterAll does not.
  let home = "";
  // A server of our own: nothing of the user's tmux is touched, and killing it cleans up.
  const socket = `networth-e2e-${process.pid}`;
  beforeAll(() => {
    home = mkdtempSync(join(tmpdir(), "networth-e2e-"));
  });
  const tmux = (...args: string[]) =>
    execFileSync("tmux", ["-L", socket, "-f", "/dev/null", ...args], {
      encoding: "utf8",
      env: {
        PATH: process.env.PATH ?? "/usr/bin:/bin",
        HOME: home,
        TERM: "xterm-256color",
        LANG: "C.UTF-8",
        NETWORTH_HOME: home,
        // No CI here: under CI, Ink draws only the last frame, on exit.
      },
    });
  const screen = () => tmux("capture-pane", "-p", "-t", "e2e");
  /** Polls the screen until `ok`; the last screen is in the failure's message. */
  const until = async (ok: (screen: string) => boolean, what: string, timeoutMs = 30_000) => {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const shown = screen();
      if (ok(shown)) return shown;
      if (Date.now() > deadline) throw new Error(`no ${what} on the screen:\n${shown}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  };
  const keys = (...names: string[]) => tmux("send-keys", "-t", "e2e", ...names);

  afterAll(() => {
    try {
      tmux("kill-server");
    } catch {
      // Already gone.
    }
    if (home) rmSync(home, { recursive: true, force: true });
  });

  it("opens, follows the range, opens an account and goes back, and quits cleanly", async () => {
    const env = { NETWORTH_HOME: home };
    const demo = await cli(["demo", "--json"], env, { timeoutMs: 120_000 });
    expect(demo.exitCode, demo.stderr).toBe(0);
    const today = json<ReportJson>(demo).to;
    const from = windowStart(today, "1Y");
    const report = json<ReportJson>(await cli(["report", "--json", "--from", from], env));
    const netWorth = formatAmount(cents(report.current?.netWorth ?? Number.NaN));
    const change = report.changes.range;
    if (!change) throw new Error("the demo has no 1Y change");
    const amount = formatAmount(cents(Math.abs(change.amount)));
    const sign = change.amount < 0 ? "-" : "+";

    tmux("new-session", "-d", "-s", "e2e", "-x", "100", "-y", "30", "-c", ROOT, "sh");
    // A prompt the test knows (a login shell's profile may have set its own).
    keys("-l", "PS1='e2e$ '; clear");
    keys("Enter");
    await until((s) => s.trimEnd() === "e2e$", "shell prompt");
    keys("-l", `${process.execPath} ${BIN} dashboard; echo "exited with $?"`);
    keys("Enter");

    let shown = await until(
      (s) => s.includes("[ALL]") && s.includes("Net worth $") && s.includes("Accounts (14)"),
      "dashboard",
    );
    expect(shown).toContain("demo@networth.local");

    keys("5");
    shown = await until((s) => s.includes("[1Y]") && s.includes(`${sign}${amount}`), "1Y change");
    expect(shown).toContain(`Net worth ${netWorth}`);
    const percent = change.percent === null ? "" : ` (${sign}${change.percent.replace("-", "")}%)`;
    expect(shown).toContain(`${change.amount < 0 ? "▼" : "▲"} ${sign}${amount}${percent}`);
    expect(shown).toContain("▸ Net worth · 1Y");

    keys("Tab");
    await until((s) => s.includes("▸ Breakdown"), "breakdown focus");
    keys("Tab");
    shown = await until((s) => s.includes("▸ Accounts"), "accounts focus");
    expect(shown).toMatch(/› {2}401\(k\)/);
    keys("Enter");
    shown = await until(
      (s) => s.includes("▸ 401(k) · ") && /\* +\$144,775\.81/.test(s),
      "the account's history",
    );
    expect(shown).toMatch(/Date +Balance +Change +Source/);
    expect(shown).toContain("esc back");

    keys("Escape");
    await until((s) => s.includes("▸ Accounts") && !s.includes("esc back"), "dashboard again");

    keys("q");
    shown = await until((s) => s.includes("exited with 0"), "the exit");
    // The shell's screen is back: no dashboard left on it, not in the alternate screen.
    expect(shown).not.toContain("Net worth");
    expect(shown.trimEnd().split("\n").at(-1)).toBe("e2e$");
    expect(tmux("display-message", "-p", "-t", "e2e", "#{alternate_on}").trim()).toBe("0");
  }, 180_000);

  it("shows a change written by another command (set-balance in another shell) without a key", async () => {
    const env = { NETWORTH_HOME: home };
    const demo = await cli(["demo", "--json"], env, { timeoutMs: 120_000 });
    expect(demo.exitCode, demo.stderr).toBe(0);
    try {
      tmux("kill-session", "-t", "e2e");
    } catch {
      // The first test's session is gone already (or that test did not run).
    }
    tmux("new-session", "-d", "-s", "e2e", "-x", "100", "-y", "40", "-c", ROOT, "sh");
    keys("-l", "PS1='e2e$ '; clear");
    keys("Enter");
    await until((s) => s.trimEnd() === "e2e$", "shell prompt");
    keys("-l", `${process.execPath} ${BIN} dashboard; echo "exited with $?"`);
    keys("Enter");
    await until((s) => s.includes("Net worth $") && s.includes("Accounts (14)"), "dashboard");
    expect(screen()).not.toContain("1,234,567.89");
    // Another shell, while the dashboard holds the embedded database: it attaches and writes.
    // (The dashboard never lets go of the database: a command that waited for it would fail.)
    const set = await cli(["set-balance", "Gold coins", "1234567.89"], env);
    expect(set.exitCode, set.stderr).toBe(0);
    const report = json<ReportJson>(await cli(["report", "--json"], env));
    const netWorth = formatAmount(cents(report.current?.netWorth ?? Number.NaN));
    const shown = await until(
      (s) => s.includes("1,234,567.89") && s.includes(`Net worth ${netWorth}`),
      "the new balance and net worth",
      15_000,
    );
    expect(shown).toContain("Gold coins");
    keys("q");
    await until((s) => s.includes("exited with 0"), "the exit");
    tmux("kill-session", "-t", "e2e");
  }, 180_000);

  it("attached to another process's database (db serve) that stops: r and the change poll go on, on the database opened again", async () => {
    // A home of its own, with no linked item: r then syncs nothing, and says so.
    const own = mkdtempSync(join(tmpdir(), "networth-e2e-attached-"));
    const env = { NETWORTH_HOME: own };
    try {
      expect((await cli(["login", "me@example.com"], env)).exitCode).toBe(0);
      const added = await cli(
        [
          "add-asset",
          "--type",
          "other",
          "--name",
          "Gold",
          "--value",
          "100",
          "--date",
          "2026-01-01",
        ],
        env,
      );
      expect(added.exitCode, added.stderr).toBe(0);
      const holder = execa(BIN, ["db", "serve"], {
        env: { PATH: process.env.PATH ?? "", NO_COLOR: "1", ...env },
        extendEnv: false,
        reject: false,
        timeout: 170_000,
      });
      let stdout = "";
      await new Promise<void>((resolve, reject) => {
        holder.stdout?.on("data", (chunk: Buffer) => {
          stdout += chunk.toString();
          if (stdout.includes("Press Ctrl-C to stop.")) resolve();
        });
        holder.then((r) => reject(new Error(`db serve exited early: ${r.stderr}`)), reject);
      });
      try {
        tmux("kill-session", "-t", "e2e");
      } catch {
        // No session left by the tests before.
      }
      tmux("new-session", "-d", "-s", "e2e", "-x", "100", "-y", "30", "-c", ROOT, "sh");
      keys("-l", "PS1='e2e$ '; clear");
      keys("Enter");
      await until((s) => s.trimEnd() === "e2e$", "shell prompt");
      keys(
        "-l",
        `NETWORTH_HOME=${own} ${process.execPath} ${BIN} dashboard; echo "exited with $?"`,
      );
      keys("Enter");
      await until((s) => s.includes("Accounts (1)") && s.includes("$100.00"), "dashboard");
      // The holder stops: it lets the dashboard's connection go on for its grace, then ends it.
      holder.kill("SIGINT");
      await holder;
      keys("r");
      const shown = await until(
        (s) => s.includes("sync finished: 0 items") || s.includes("sync failed"),
        "the sync's outcome",
        30_000,
      );
      expect(shown).not.toContain("sync failed");
      // Another shell writes; the dashboard, holding the database now, shows it within 2 s.
      const set = await cli(["set-balance", "Gold", "4321"], {
        ...env,
        NETWORTH_LOCK_TIMEOUT_MS: "2000",
      });
      expect(set.exitCode, set.stderr).toBe(0);
      await until((s) => s.includes("$4,321.00"), "the new balance", 15_000);
      expect(screen()).not.toContain("could not");
      keys("q");
      await until((s) => s.includes("exited with 0"), "the exit");
      tmux("kill-session", "-t", "e2e");
    } finally {
      rmSync(own, { recursive: true, force: true });
    }
  }, 180_000);
});
