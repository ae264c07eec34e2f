import { cleanup, render } from "ink-testing-library";
import { afterEach, describe, expect, it } from "vitest";
import { AccountsPanel, accountOrder } from "../../src/tui/accounts-panel.js";
import { BreakdownPanel, breakdownLines } from "../../src/tui/breakdown-panel.js";
import { ChartPanel } from "../../src/tui/chart-panel.js";
import { Footer, Status } from "../../src/tui/footer.js";
import { Header } from "../../src/tui/header.js";
import { HelpOverlay } from "../../src/tui/help-overlay.js";
import { HistoryView } from "../../src/tui/history-view.js";
import { PLAIN } from "../../src/tui/theme.js";
import {
  ACCOUNTS,
  account,
  HOUSE_HISTORY,
  rangeReport,
  reportOf,
  SNAPSHOTS,
  TODAY,
} from "./fixtures.js";

afterEach(() => cleanup());

const describeDate = (iso: string) => iso;
const common = { theme: PLAIN, currency: "USD", describeDate } as const;
const lines = (frame: string | undefined) => (frame ?? "").split("\n");
/** A bar: whole blocks and an eighth. */
const BAR = "[█▏▎▍▌▋▊▉]+";

describe("the header", () => {
  it("shows who, the range, net worth and its change over the range", () => {
    const { lastFrame } = render(
      <Header
        email="me@example.com"
        report={rangeReport("1M")}
        range="1M"
        loading={false}
        {...common}
      />,
    );
    const [top, figures] = lines(lastFrame());
    expect(top).toContain("me@example.com");
    expect(top).toContain("[1M]");
    expect(figures).toContain("Net worth $243,900.00");
    expect(figures).toContain("▲ +$4,030.00 (+1.68%) since 2026-05-30");
  });

  it("marks a fall with ▼ and a minus", () => {
    const falling = reportOf(
      [...SNAPSHOTS].reverse().map((s, i) => ({ ...s, date: SNAPSHOTS[i]?.date ?? s.date })),
      undefined,
    );
    const { lastFrame } = render(
      <Header email="me@example.com" report={falling} range="ALL" loading={false} {...common} />,
    );
    expect(lastFrame()).toContain("▼ -$94,900.00 (-38.91%)");
  });

  it("says when there is nothing to show yet", () => {
    const empty = reportOf([], undefined);
    const { lastFrame } = render(
      <Header email="me@example.com" report={empty} range="ALL" loading={false} {...common} />,
    );
    expect(lastFrame()).toContain("No snapshots yet");
  });
});

describe("the chart panel", () => {
  it("plots the range at the size given, y-axis in the currency, dates under it", () => {
    const { lastFrame } = render(
      <ChartPanel
        report={rangeReport("1Y")}
        mode="netWorth"
        range="1Y"
        focused
        width={80}
        height={8}
        {...common}
      />,
    );
    const frame = lines(lastFrame());
    expect(frame).toHaveLength(10);
    expect(frame[0]).toMatch(/^▸ Net worth · 1Y ─+$/);
    expect(frame[1]).toMatch(/^\$243,900\.00 ┤/);
    expect(frame[8]).toMatch(/^\$196,450\.00 ┼/);
    expect(frame[9]).toMatch(/^ +2025-06-30 +2026-06-30$/);
    expect(Math.max(...frame.map((l) => l.length))).toBe(80);
  });

  it("draws assets and liabilities as two lines, with a legend in words", () => {
    const { lastFrame } = render(
      <ChartPanel
        report={rangeReport("ALL")}
        mode="sides"
        range="ALL"
        focused={false}
        width={80}
        height={8}
        {...common}
      />,
    );
    const frame = lines(lastFrame());
    expect(frame[0]).toContain("Assets vs liabilities · ALL");
    expect(frame[0]).toContain("━ assets  ━ liabilities");
    // The scale spans both series: the liabilities' low to the assets' high.
    expect(frame[1]).toMatch(/^\$480,300\.00 ┤/);
    expect(frame[8]).toMatch(/^\$236,400\.00 ┼/);
  });
});

describe("the breakdown panel", () => {
  it("shows each bucket's bar, amount and share, and scrolls", () => {
    const breakdown = breakdownLines(rangeReport("ALL").breakdown);
    const { lastFrame, rerender } = render(
      <BreakdownPanel
        lines={breakdown}
        focused={false}
        width={50}
        height={6}
        scroll={0}
        {...common}
      />,
    );
    const frame = lines(lastFrame());
    expect(frame[1]).toMatch(/^ Assets +\$480,300\.00$/);
    expect(frame[2]).toMatch(new RegExp(`^ {2}Cash +${BAR} +\\$27,300\\.00 +5\\.7%$`));
    expect(frame[4]).toMatch(new RegExp(`^ {2}Property +${BAR} +\\$336,500\\.00 +70\\.1%$`));
    expect(frame[6]).toMatch(new RegExp(`^ {2}Credit cards ${BAR} +\\$1,000\\.00 +0\\.4%$`));
    expect(Math.max(...frame.map((l) => l.length))).toBe(50);
    expect(frame[0]).toContain("↓");
    rerender(
      <BreakdownPanel lines={breakdown} focused width={50} height={6} scroll={5} {...common} />,
    );
    const scrolled = lines(lastFrame());
    expect(scrolled[0]).toMatch(/^▸ Breakdown ↑/);
    expect(scrolled.at(-1)).toMatch(new RegExp(`Mortgages +${BAR} +\\$235,400\\.00 +99\\.6%$`));
  });
});

describe("the accounts panel", () => {
  const props = { width: 60, height: 8, today: TODAY, ...common };

  it("groups assets and liabilities with balance, institution or manual, and age in days", () => {
    const { lastFrame } = render(
      <AccountsPanel
        accounts={accountOrder(ACCOUNTS)}
        selected={1}
        focused
        needsAttention={() => false}
        {...props}
      />,
    );
    const frame = lines(lastFrame());
    expect(frame[0]).toMatch(/^▸ Accounts \(4\) ─+$/);
    expect(frame[1]).toBe(" Assets");
    expect(frame[2]).toMatch(/^ {3}Checking +\$27,300\.00 Test Bank +0d$/);
    expect(frame[3]).toMatch(/^› {2}House +\$336,000\.00 manual +121d$/);
    expect(frame[4]).toBe(" Liabilities");
    expect(frame[6]).toMatch(/^ {3}Visa +\$1,000\.00 Test Bank +5d$/);
  });

  it("marks the accounts whose linked item needs the user", () => {
    const { lastFrame } = render(
      <AccountsPanel
        accounts={accountOrder(ACCOUNTS)}
        selected={0}
        focused={false}
        needsAttention={(row) => row.plaidItemId === "item-2"}
        {...props}
      />,
    );
    const frame = lines(lastFrame());
    expect(frame.find((l) => l.includes("Visa"))).toMatch(/^ ! Visa/);
    expect(frame.filter((l) => l.includes("!"))).toHaveLength(1);
  });

  it("marks a market value its provider could not give today, and says since when", () => {
    const rows = [
      account({ id: "c1", name: "Crypto", category: "digital_asset", side: "asset" }),
      account({ id: "g1", name: "Gold", category: "precious_metal", side: "asset" }),
    ].map((r, i) => ({
      ...r,
      valuationMethod: "holdings",
      valuationStaleSince: i === 0 ? "2025-06-01" : null,
    }));
    const { lastFrame } = render(
      <AccountsPanel
        accounts={rows}
        selected={1}
        focused={false}
        needsAttention={() => false}
        {...props}
        width={80}
      />,
    );
    const frame = lines(lastFrame());
    expect(frame.find((l) => l.includes("Crypto"))).toMatch(/^ ! Crypto .*stale since 2025/);
    expect(frame.find((l) => l.includes("Gold"))).toMatch(/^. {2}Gold .*market prices/);
  });

  it("says since when a market value is stale in the user's date format", () => {
    const rows = [
      {
        ...account({ id: "c1", name: "Crypto", category: "digital_asset", side: "asset" }),
        valuationMethod: "holdings",
        valuationStaleSince: "2025-06-01",
      },
    ];
    const { lastFrame } = render(
      <AccountsPanel
        accounts={rows}
        selected={0}
        focused={false}
        needsAttention={() => false}
        {...props}
        describeDate={(iso: string) => iso.split("-").reverse().join(".")}
        width={120}
      />,
    );
    expect(lines(lastFrame()).find((l) => l.includes("Crypto"))).toMatch(
      /stale since 01\.06\.2025/,
    );
  });

  it("scrolls to keep the selection in view", () => {
    const many = Array.from({ length: 20 }, (_, i) =>
      account({
        id: `a${i}`,
        name: `Account ${String(i).padStart(2, "0")}`,
        category: "cash",
        side: "asset",
      }),
    );
    const { lastFrame } = render(
      <AccountsPanel
        accounts={many}
        selected={15}
        focused
        needsAttention={() => false}
        {...props}
      />,
    );
    const frame = lines(lastFrame());
    expect(frame).toHaveLength(9);
    expect(frame.find((l) => l.startsWith("›"))).toContain("Account 15");
    expect(lastFrame()).not.toContain("Account 00");
  });

  it("says how to add accounts when there are none", () => {
    const { lastFrame } = render(
      <AccountsPanel
        accounts={[]}
        selected={0}
        focused={false}
        needsAttention={() => false}
        {...props}
      />,
    );
    expect(lastFrame()).toContain("No accounts yet");
  });
});

describe("the history view, status, footer and help", () => {
  it("charts an account over the range and lists its values with changes", () => {
    const house = ACCOUNTS[1];
    const { lastFrame } = render(
      <HistoryView
        account={house}
        rows={HOUSE_HISTORY}
        from="2025-06-30"
        range="1Y"
        today={TODAY}
        width={80}
        chartHeight={6}
        listHeight={5}
        scroll={0}
        {...common}
      />,
    );
    const frame = lines(lastFrame());
    expect(frame[0]).toMatch(/^▸ House · Real Estate · manual · 121d old · 1Y ─+$/);
    expect(frame[1]).toMatch(/^\$336,000\.00 ┤/);
    expect(frame[6]).toMatch(/^\$320,000\.00 ┼/);
    expect(frame[7]).toContain("2025-06-30 … 2026-06-30");
    expect(frame[9]).toMatch(/^ {2}2026-03-01 \* +\$336,000\.00 +\+\$6,000\.00 +manual$/);
    expect(frame[11]).toMatch(/^ {2}2025-06-01 +\$320,000\.00 +manual$/);
  });

  it("shows status lines and the keys of each view", () => {
    const { lastFrame, rerender } = render(
      <Status
        lines={[{ key: "e", text: "✗ could not load the report: boom", tone: "error" }]}
        theme={PLAIN}
      />,
    );
    expect(lastFrame()).toBe("✗ could not load the report: boom");
    rerender(<Footer view="dashboard" theme={PLAIN} />);
    expect(lastFrame()).toContain("q quit");
    expect(lastFrame()).toContain("r sync");
    rerender(<Footer view="history" theme={PLAIN} />);
    expect(lastFrame()).toMatch(/^esc back/);
    rerender(<HelpOverlay width={80} height={16} theme={PLAIN} />);
    expect(lastFrame()).toContain("take today's snapshot");
    expect(lastFrame()).toContain("q, ctrl-c");
  });
});
