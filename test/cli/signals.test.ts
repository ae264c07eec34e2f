import { readdirSync, readlinkSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { execa } from "execa";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { addDays, todayIn } from "../../src/core/dates.js";
import { cli, json } from "../support/cli.js";
import { DATABASE_KINDS, type TestTarget } from "../support/databases.js";

const BIN = fileURLToPath(new URL("../../bin/networth", import.meta.url));

/** Polls until check() holds, or fails after the deadline. */
async function until(check: () => boolean, what: string, ms = 30_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

function start(args: string[], env: Record<string, string>) {
  return execa(BIN, args, {
    env: { PATH: process.env.PATH ?? "", NO_COLOR: "1", ...env },
    extendEnv: false,
    reject: false,
    timeout: 60_000,
  });
}

for (const kind of DATABASE_KINDS) {
  describe.skipIf(!kind.available)(`Ctrl-C and SIGTERM on the ${kind.name} database`, () => {
    let t: TestTarget;
    const today = todayIn(undefined, new Date());
    beforeAll(async () => {
      t = await kind.create();
      await (await t.open("auto")).close();
      const login = await cli(["login", "me@example.com"], t.env);
      expect(login.exitCode, login.stderr).toBe(0);
      const added = await cli(
        [
          "add-asset",
          "--type",
          "other",
          "--name",
          "Gold",
          "--value",
          "1",
          "--date",
          addDays(today, -400),
        ],
        t.env,
      );
      expect(added.exitCode, added.stderr).toBe(0);
    });
    afterAll(async () => {
      await t?.dispose();
    });

    it("a signal at any point of set-balance: it says cancelled and saved nothing, or it saved and says so", async () => {
      const run = (n: number) =>
        start(["set-balance", "Gold", `${1000 + n}`, "--date", addDays(today, -n)], t.env);
      // How long one uninterrupted run takes here: the signals are spread over it.
      const started = Date.now();
      const first = await run(1);
      expect(first.exitCode, first.stderr).toBe(0);
      const duration = Date.now() - started;
      const outcomes: { n: number; said: "cancelled" | "saved" | "killed early"; code: number }[] =
        [];
      // Six runs spread the signal over one run's length; if none of them landed inside the
      // command (a loaded machine makes the first run's length a poor guide), more runs bisect
      // between the latest signal that came too early and the earliest that came too late.
      const spread = 5;
      const most = 16;
      let early = 0;
      let late = Math.max(duration, 500) * 2;
      for (let n = 2; n < 2 + most; n++) {
        if (n >= 2 + 1 + spread && outcomes.some((o) => o.said === "cancelled")) break;
        const child = run(n);
        const signal = n % 2 ? "SIGTERM" : "SIGINT";
        let delay = -1;
        if (n === 2) {
          // Once the command has printed its result, its commit is done.
          child.stdout?.once("data", () => child.kill(signal));
        } else {
          delay =
            n < 3 + spread
              ? 250 + ((duration - 250) * (n - 3)) / (spread - 1)
              : Math.round((early + late) / 2);
          setTimeout(() => child.kill(signal), delay);
        }
        const result = await child;
        const code = signal === "SIGINT" ? 130 : 143;
        if (result.stderr.includes("networth: cancelled, nothing saved")) {
          expect(result.exitCode).toBe(code);
          expect(result.stdout).toBe("");
          outcomes.push({ n, said: "cancelled", code });
        } else if (result.stderr.includes("networth: interrupted after saving")) {
          // "…: the change was saved", or (the signal came as the command finished) "… 1 change".
          expect(result.exitCode).toBe(code);
          expect(result.stdout).toMatch(/^Gold: \$1,00\d\.00 on /);
          outcomes.push({ n, said: "saved", code });
          if (delay >= 0) late = Math.min(late, delay);
        } else if (result.exitCode === 0 || result.stdout) {
          // The signal came after the command had printed its result and closed everything:
          // a plain success, or (in the last instant of the process's exit, when Node no
          // longer runs handlers) killed by the signal with its result printed.
          expect(result.stdout).toMatch(/^Gold: \$1,00\d\.00 on /);
          expect(result.exitCode === 0 || result.signal === signal).toBe(true);
          outcomes.push({ n, said: "saved", code: 0 });
          if (delay >= 0) late = Math.min(late, delay);
        } else {
          // Before Node ran any of the CLI (its first tens of ms): killed by the signal itself.
          expect(result.signal, JSON.stringify(result.stderr)).toBe(signal);
          expect(result.stderr).toBe("");
          outcomes.push({ n, said: "killed early", code: -1 });
          if (delay >= 0) early = Math.max(early, delay);
        }
      }
      const history = json<{ balances: { date: string; balance: number }[] }>(
        await cli(["history", "Gold", "--json"], t.env),
      );
      const saved = new Map(history.balances.map((b) => [b.date, b.balance]));
      for (const outcome of outcomes) {
        const value = saved.get(addDays(today, -outcome.n));
        expect({ ...outcome, value }).toEqual({
          ...outcome,
          value: outcome.said === "saved" ? 1000 + outcome.n : undefined,
        });
      }
      // The first run was interrupted after its result: it must have said it saved.
      expect(outcomes[0]?.said).toBe("saved");
      expect(outcomes.some((o) => o.said === "cancelled")).toBe(true);
    }, 240_000);

    it.skipIf(kind.name !== "embedded")(
      "a signal while waiting for the embedded database's lock ends the wait at once",
      async () => {
        const db = await t.open("auto");
        try {
          const child = start(["set-balance", "Gold", "5"], {
            ...t.env,
            NETWORTH_LOCK_TIMEOUT_MS: "30000",
          });
          const lock = join((t.target as { dir: string }).dir, "lock");
          // Waiting: the process has the lock file open (and cannot lock it).
          await until(() => {
            try {
              const fds = `/proc/${child.pid}/fd`;
              return readdirSync(fds).some((fd) => readlinkSync(join(fds, fd)) === lock);
            } catch {
              return false;
            }
          }, "the second process to wait for the lock");
          const signalled = Date.now();
          child.kill("SIGINT");
          const result = await child;
          expect(Date.now() - signalled).toBeLessThan(2_000);
          expect(result.exitCode).toBe(130);
          expect(result.stderr.trim()).toBe("networth: cancelled, nothing saved");
        } finally {
          await db.close();
        }
      },
    );
  });
}
