import { describe, expect, it } from "vitest";
import { bar, breakdownLines } from "../../src/tui/breakdown-panel.js";
import { statusLines } from "../../src/tui/footer.js";
import { dailyBalances } from "../../src/tui/history-view.js";
import { layoutFor } from "../../src/tui/layout.js";
import { RANGES, rangeStart } from "../../src/tui/ranges.js";
import { PLAIN, resolveTheme } from "../../src/tui/theme.js";
import {
  type DashboardState,
  dashboardReducer,
  initialState,
} from "../../src/tui/use-dashboard-state.js";
import { HOUSE_HISTORY, rangeReport, TODAY } from "./fixtures.js";

describe("ranges", () => {
  it("start where the report's change windows start, 6M likewise, ALL at the first snapshot", () => {
    expect(RANGES.map((r) => rangeStart("2026-08-31", r))).toEqual([
      "2026-07-31",
      "2026-05-31",
      "2026-02-28",
      "2025-12-31",
      "2025-08-31",
      undefined,
    ]);
    expect(rangeStart("2024-08-31", "6M")).toBe("2024-02-29");
    expect(rangeStart("2026-05-31", "6M")).toBe("2025-11-30");
    expect(rangeStart("2026-01-15", "6M")).toBe("2025-07-15");
  });
});

describe("the state reducer", () => {
  const extents = { accounts: 4, breakdownMax: 3, historyMax: 2 };
  const run = (...actions: Parameters<typeof dashboardReducer>[1][]) =>
    actions.reduce<DashboardState>(dashboardReducer, initialState);

  it("chooses and steps ranges, stopping at the ends", () => {
    expect(run({ type: "rangeChosen", range: "3M" }).range).toBe("3M");
    expect(run({ type: "rangeStepped", by: 1 }).range).toBe("ALL");
    expect(run({ type: "rangeChosen", range: "1M" }, { type: "rangeStepped", by: -1 }).range).toBe(
      "1M",
    );
    expect(run({ type: "rangeStepped", by: -1 }, { type: "rangeStepped", by: -1 }).range).toBe(
      "YTD",
    );
  });

  it("moves what has the focus: the selection, the breakdown, nothing on the chart", () => {
    expect(run({ type: "moved", by: 1, extents })).toEqual(initialState);
    const accounts = run({ type: "focusMoved", by: -1 });
    expect(accounts.focus).toBe("accounts");
    const down = [1, 1, 1, 1, 1].reduce(
      (s, by) => dashboardReducer(s, { type: "moved", by, extents }),
      accounts,
    );
    expect(down.selected).toBe(3);
    const breakdown = run({ type: "focusMoved", by: 1 }, { type: "moved", by: 9, extents });
    expect(breakdown.breakdownScroll).toBe(3);
  });

  it("opens the selected account only from the accounts panel; esc closes help, then history", () => {
    const ids = ["a", "b", "c"];
    expect(run({ type: "opened", accountIds: ids }).openAccount).toBeNull();
    const open = run(
      { type: "focusMoved", by: -1 },
      { type: "moved", by: 1, extents },
      { type: "opened", accountIds: ids },
    );
    expect(open.openAccount).toBe("b");
    expect(dashboardReducer(open, { type: "focusMoved", by: 1 }).focus).toBe("accounts");
    const helped = dashboardReducer(open, { type: "helpToggled" });
    const back = dashboardReducer(helped, { type: "back" });
    expect(back).toMatchObject({ help: false, openAccount: "b" });
    expect(dashboardReducer(back, { type: "back" }).openAccount).toBeNull();
  });

  it("changes nothing behind the help until ? or esc closes it", () => {
    const helped = run({ type: "helpToggled" });
    for (const action of [
      { type: "rangeChosen", range: "1M" },
      { type: "chartToggled" },
      { type: "focusMoved", by: 1 },
    ] as const)
      expect(dashboardReducer(helped, action)).toBe(helped);
    expect(dashboardReducer(helped, { type: "back" }).help).toBe(false);
  });
});

describe("charts", () => {
  it("an account's daily balance steps at each dated value, from the range's start", () => {
    const { dates, cents } = dailyBalances(HOUSE_HISTORY, "2026-02-27", TODAY);
    expect(dates[0]).toBe("2026-02-27");
    expect(dates.at(-1)).toBe(TODAY);
    expect(cents.slice(0, 3)).toEqual([33_000_000n, 33_000_000n, 33_600_000n]);
    expect(dailyBalances(HOUSE_HISTORY, undefined, TODAY).dates[0]).toBe("2025-06-01");
  });
});

describe("breakdown, status, layout and theme", () => {
  it("lists each side's total and its non-empty buckets, bars to an eighth", () => {
    const lines = breakdownLines(rangeReport("ALL").breakdown);
    expect(lines.map((l) => (l.kind === "side" ? l.side : l.share.bucket))).toEqual([
      "asset",
      "cash",
      "investments",
      "property",
      "liability",
      "creditCards",
      "mortgages",
    ]);
    expect(bar("50.0", 10)).toBe("█████");
    expect(bar("55.0", 10)).toBe("█████▌");
    expect(bar(null, 10)).toBe("");
  });

  it("says what is happening, errors included, and never nothing", () => {
    const idle = { busy: null, progress: [], errors: [], notice: null, loading: false } as const;
    expect(statusLines(idle)).toEqual([{ key: "empty", text: "", tone: "muted" }]);
    expect(
      statusLines({
        ...idle,
        busy: "sync",
        progress: [
          { itemId: "1", label: "Test Bank", status: "done", detail: "3 accounts" },
          { itemId: "2", label: "Other Bank", status: "failed", detail: "login required" },
        ],
        errors: ["could not load the report: boom"],
      }).map((l) => l.text),
    ).toEqual([
      "✓ Test Bank: done · 3 accounts",
      "✗ Other Bank: failed · login required",
      "✗ could not load the report: boom",
    ]);
  });

  it("fits 80x24 and gives a bigger terminal to the chart and the lists", () => {
    const small = layoutFor(80, 24, 1);
    expect(small).toMatchObject({ width: 80, height: 23, tooSmall: false });
    expect(6 + small.chartHeight + small.listHeight + 1).toBe(23);
    expect(small.breakdownWidth + 1 + small.accountsWidth).toBe(80);
    const big = layoutFor(160, 50, 1);
    expect(big.chartHeight).toBeGreaterThan(small.chartHeight);
    expect(big.listHeight).toBeGreaterThan(small.listHeight);
    expect(layoutFor(50, 12, 1).tooSmall).toBe(true);
  });

  it("takes the theme from the preference, and none at all under NO_COLOR", () => {
    expect(resolveTheme("dark", {}).up).toBe("greenBright");
    expect(resolveTheme("light", {}).up).toBe("green");
    expect(resolveTheme("system", { COLORFGBG: "0;15" }).accent).toBe("blue");
    expect(resolveTheme("system", { COLORFGBG: "15;0" }).accent).toBe("cyanBright");
    expect(resolveTheme("dark", { NO_COLOR: "1" })).toBe(PLAIN);
    expect(resolveTheme("dark", { NO_COLOR: "" }).color).toBe(true);
    expect(Object.values(PLAIN).every((v) => v === undefined || v === false)).toBe(true);
  });
});
