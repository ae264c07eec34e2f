import { cleanup, render } from "ink-testing-library";
import { useEffect } from "react";
import { afterEach, describe, expect, it } from "vitest";
import { Dashboard } from "../../src/tui/dashboard.js";
import type { DashboardLoaders, SyncProgress } from "../../src/tui/loaders.js";
import { PLAIN } from "../../src/tui/theme.js";
import {
  ACCOUNTS,
  deferred,
  eventually,
  fakeLoaders,
  frameWhere,
  KEY,
  rangeReport,
  reportOf,
  SNAPSHOTS,
  snapshotOn,
  TODAY,
  tick,
} from "./fixtures.js";

afterEach(() => cleanup());

/** Calls back when the app unmounts: how a test sees that q or ctrl-c ended it. */
function OnUnmount({ run }: { readonly run: () => void }) {
  useEffect(() => run, [run]);
  return null;
}

function mount(overrides: Partial<DashboardLoaders> = {}) {
  const { loaders, calls } = fakeLoaders(overrides);
  let exited = false;
  const app = render(
    <>
      <Dashboard
        email="me@example.com"
        today={() => TODAY}
        dateFormat="MM/DD/YYYY"
        currency="USD"
        theme={PLAIN}
        loaders={loaders}
      />
      <OnUnmount run={() => (exited = true)} />
    </>,
  );
  const frame = () => app.lastFrame() ?? "";
  const until = (ok: (frame: string) => boolean, what: string) =>
    frameWhere(app.lastFrame, ok, what);
  const press = async (...keys: string[]) => {
    for (const key of keys) {
      app.stdin.write(key);
      await tick();
    }
  };
  const loaded = () =>
    until((f) => f.includes("Net worth $243,900.00") && f.includes("Checking"), "the first load");
  return { ...app, calls, frame, until, press, loaded, exited: () => exited };
}

/** The frame's line that starts with `prefix`. */
const line = (frame: string, prefix: string) =>
  frame.split("\n").find((l) => l.startsWith(prefix)) ?? "";

describe("the dashboard", () => {
  it("loads each piece once and shows header, chart, breakdown, accounts and keys", async () => {
    const app = mount();
    const frame = await app.loaded();
    expect(line(frame, "networth")).toContain("me@example.com");
    expect(frame).toContain("▲ +$94,900.00 (+63.69%) since 06/30/2024");
    expect(frame).toContain("▸ Net worth · ALL");
    expect(frame).toMatch(/^\$149,000\.00 ┼/m);
    expect(frame).toMatch(/Property +[█▉▊▋▌▍▎▏]+ +\$336,500\.00 +70\.1%/);
    expect(frame).toMatch(/House +\$336,000\.00 manual +121d/);
    expect(frame).toContain("q quit");
    // An absence (no second load) cannot be polled for: give effects a moment, then count.
    await tick(50);
    expect(app.calls).toEqual({ report: ["ALL"], accounts: 1, history: [], snapshot: 0 });
  });

  it("follows the range with the change figure and the chart: 1-6 and the arrows", async () => {
    const app = mount();
    await app.loaded();
    await app.press("1");
    let frame = await app.until((f) => f.includes("[1M]") && f.includes("+$4,030.00"), "1M");
    expect(frame).toContain("▲ +$4,030.00 (+1.68%) since 05/30/2026");
    expect(frame).toContain("▸ Net worth · 1M");
    expect(frame).toMatch(/^\$239,870\.00 ┼/m);
    await app.press(KEY.right);
    frame = await app.until((f) => f.includes("[3M]") && f.includes("+$11,960.00"), "3M");
    await app.press("5");
    frame = await app.until((f) => f.includes("[1Y]") && f.includes("+$47,450.00"), "1Y");
    expect(frame).toMatch(/^\$196,450\.00 ┼/m);
    expect(frame).toContain("06/30/2025");
    await app.press(KEY.left);
    frame = await app.until((f) => f.includes("[YTD]") && f.includes("since 12/31/2025"), "YTD");
    expect(frame).toContain("▲ +$23,530.00");
    // A range seen before comes from memory.
    await app.press("1");
    await app.until((f) => f.includes("[1M]") && f.includes("+$4,030.00"), "1M again");
    expect(app.calls.report).toEqual(["ALL", "1M", "3M", "1Y", "YTD"]);
  });

  it("toggles the chart between net worth and assets vs liabilities", async () => {
    const app = mount();
    await app.loaded();
    await app.press("a");
    let frame = await app.until((f) => f.includes("Assets vs liabilities"), "two lines");
    expect(frame).toMatch(/^\$480,300\.00 ┤/m);
    await app.press("a");
    frame = await app.until((f) => f.includes("▸ Net worth · ALL"), "net worth again");
  });

  it("moves the focus with tab, the selection with the arrows, opens history with enter, esc back", async () => {
    const app = mount();
    await app.loaded();
    await app.press(KEY.tab);
    await app.until((f) => f.includes("▸ Breakdown"), "breakdown focused");
    await app.press(KEY.tab, KEY.down);
    let frame = await app.until((f) => /› {2}House/.test(f), "House selected");
    expect(frame).toContain("▸ Accounts (4)");
    await app.press(KEY.enter);
    frame = await app.until(
      (f) => f.includes("2026-03-01") || f.includes("03/01/2026 *"),
      "history",
    );
    expect(frame).toContain("▸ House · Real Estate · manual · 121d old · ALL");
    expect(frame).toMatch(/03\/01\/2026 \* +\$336,000\.00 +\+\$6,000\.00 +manual/);
    expect(frame).toMatch(/^\$336,000\.00 ┤/m);
    expect(frame).toContain("esc back");
    expect(app.calls.history).toEqual(["acc-house"]);
    await app.press("5");
    frame = await app.until((f) => f.includes("06/30/2025 … 06/30/2026"), "history over 1Y");
    expect(frame).toContain("manual · 121d old · 1Y");
    await app.press(KEY.escape);
    frame = await app.until((f) => f.includes("▸ Accounts (4)"), "back to the dashboard");
    expect(frame).toMatch(/› {2}House/);
    await app.press(KEY.shiftTab);
    await app.until((f) => f.includes("▸ Breakdown"), "shift-tab goes back");
  });

  it("syncs with a line per item, then reloads everything", async () => {
    const steps = [deferred<void>(), deferred<void>()];
    const sync = async (onProgress: (p: SyncProgress) => void) => {
      onProgress({ itemId: "1", label: "Test Bank", status: "syncing" });
      onProgress({ itemId: "2", label: "Other Bank", status: "waiting" });
      await steps[0]?.promise;
      onProgress({ itemId: "1", label: "Test Bank", status: "done", detail: "2 accounts" });
      onProgress({ itemId: "2", label: "Other Bank", status: "syncing" });
      await steps[1]?.promise;
      onProgress({ itemId: "2", label: "Other Bank", status: "failed", detail: "login required" });
    };
    const app = mount({ sync });
    await app.loaded();
    await app.press("r");
    let frame = await app.until((f) => f.includes("⟳ Test Bank: syncing"), "the first line");
    expect(frame).toContain("· Other Bank: waiting");
    steps[0]?.resolve();
    frame = await app.until((f) => f.includes("✓ Test Bank: done · 2 accounts"), "item 1 done");
    expect(frame).toContain("⟳ Other Bank: syncing");
    await app.press("r");
    await app.until((f) => f.includes("wait: a sync is running"), "one sync at a time");
    steps[1]?.resolve();
    frame = await app.until((f) => f.includes("sync finished: 2 items, 1 failed"), "the summary");
    await eventually(() => app.calls.accounts === 2, "the accounts reload after the sync");
    expect(app.calls.report).toEqual(["ALL", "ALL"]);
  });

  it("says sync is not available yet when there is no sync", async () => {
    const app = mount();
    await app.loaded();
    await app.press("r");
    await app.until((f) => f.includes("sync is not available yet"), "the message");
    expect(app.calls.accounts).toBe(1);
  });

  it("takes today's snapshot and shows the new figures, keeping the old ones meanwhile", async () => {
    const later = [...SNAPSHOTS.slice(0, -1), { ...snapshotOn(730), netWorth: "250000.00" }];
    const reload = deferred<ReturnType<typeof rangeReport>>();
    const { loaders } = fakeLoaders();
    let reports = 0;
    const app = mount({
      report: (range) => (++reports === 1 ? loaders.report(range) : reload.promise),
    });
    await app.loaded();
    await app.press("s");
    let frame = await app.until((f) => f.includes("snapshot taken for 06/30/2026"), "the notice");
    expect(app.calls.snapshot).toBe(1);
    // Reloading: the old figures stay on screen, nothing blanks.
    expect(frame).toContain("Net worth $243,900.00");
    expect(frame).toMatch(/House +\$336,000\.00/);
    reload.resolve(reportOf(later, undefined));
    frame = await app.until((f) => f.includes("Net worth $250,000.00"), "the new figures");
  });

  it("shows a failing loader as a line and keeps working", async () => {
    const asked: string[] = [];
    const app = mount({
      report: async (range) => {
        asked.push(range);
        if (range === "ALL") throw new Error("the database is on fire");
        return rangeReport(range);
      },
    });
    let frame = await app.until(
      (f) => f.includes("✗ could not load the report: the database is on fire"),
      "the error line",
    );
    expect(frame).toMatch(/Checking +\$27,300\.00/);
    await app.press("1");
    frame = await app.until((f) => f.includes("+$4,030.00"), "another range loads");
    expect(frame).not.toContain("could not load the report");
    // Chosen again, the failing range is tried again, and fails again visibly.
    await app.press("6");
    await app.until((f) => f.includes("could not load the report"), "the retry's error");
    expect(asked).toEqual(["ALL", "1M", "ALL"]);
  });

  it("shows a failing accounts loader and history loader likewise", async () => {
    const app = mount({
      accounts: async () => {
        throw new Error("no accounts for you");
      },
    });
    const frame = await app.until((f) => f.includes("could not load the accounts"), "the error");
    expect(frame).toContain("Net worth $243,900.00");
    expect(frame).toContain("no accounts for you");
  });

  it("shows a failing change poll (the database lost, and not opened again) as a line, gone once a poll gets through", async () => {
    let polls = 0;
    const app = mount({
      changes: async () => {
        polls += 1;
        if (polls === 1) throw new Error("the database is in use by pid 4242");
        return "token";
      },
    });
    const frame = await app.until(
      (f) =>
        f.includes(
          "✗ could not check for changes by other commands: the database is in use by pid 4242",
        ),
      "the error line",
    );
    expect(frame).toContain("Net worth $243,900.00");
    // The next poll, 2 s later, gets through.
    await eventually(() => polls >= 2, "the next poll", 5_000);
    await app.until((f) => !f.includes("could not check for changes"), "the line gone");
  });

  it("opens and closes the help with ?; esc closes it too", async () => {
    const app = mount();
    await app.loaded();
    await app.press("?");
    await app.until((f) => f.includes("▸ Help") && f.includes("q, ctrl-c"), "help");
    await app.press("1");
    expect(app.frame()).toContain("[ALL]");
    await app.press(KEY.escape);
    await app.until((f) => f.includes("▸ Net worth · ALL"), "the dashboard");
    await app.press("?", "?");
    await app.until((f) => f.includes("▸ Net worth · ALL"), "the dashboard again");
  });

  it("quits with q, and with ctrl-c", async () => {
    for (const key of ["q", KEY.ctrlC]) {
      const app = mount();
      await app.loaded();
      expect(app.exited()).toBe(false);
      await app.press(key);
      await eventually(() => app.exited(), `the dashboard to exit on ${JSON.stringify(key)}`);
    }
  });

  it("fits 80x24 and redraws to the terminal's size on resize", async () => {
    const app = mount();
    await app.loaded();
    const resize = (columns: number, rows: number) => {
      Object.defineProperty(app.stdout, "columns", { value: columns, configurable: true });
      Object.defineProperty(app.stdout, "rows", { value: rows, configurable: true });
      app.stdout.emit("resize");
    };
    const widest = (frame: string) => Math.max(...frame.split("\n").map((l) => [...l].length));
    expect(widest(app.frame())).toBe(100);
    resize(80, 24);
    let frame = await app.until((f) => widest(f) === 80, "80 columns");
    expect(frame.split("\n")).toHaveLength(23);
    expect(frame).toContain("Net worth $243,900.00");
    expect(frame.split("\n").at(-1)).toContain("q quit");
    resize(120, 40);
    frame = await app.until((f) => f.split("\n").length === 39, "39 lines");
    expect(widest(frame)).toBe(120);
    resize(40, 10);
    await app.until(
      (f) => f.replace(/\s+/g, " ").includes("at least 60x16; this one is 40x10"),
      "the too-small note",
    );
  });

  it("shows every account of a long list by scrolling", async () => {
    const app = mount();
    await app.loaded();
    await app.press(KEY.tab, KEY.tab);
    await app.press(KEY.down, KEY.down, KEY.down, KEY.down, KEY.down);
    const frame = await app.until((f) => /› {2}Visa/.test(f), "the last account");
    expect(frame).toContain(ACCOUNTS.at(-1)?.name);
  });
});
