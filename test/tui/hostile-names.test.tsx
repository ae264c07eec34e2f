import { cleanup, render } from "ink-testing-library";
import { afterEach, describe, expect, it } from "vitest";
import { AccountsPanel, accountOrder } from "../../src/tui/accounts-panel.js";
import { Status } from "../../src/tui/footer.js";
import { HistoryView } from "../../src/tui/history-view.js";
import { PLAIN } from "../../src/tui/theme.js";
import { account, HOUSE_HISTORY, TODAY } from "./fixtures.js";

afterEach(() => cleanup());

const common = { theme: PLAIN, currency: "USD", describeDate: (iso: string) => iso } as const;

/** Names as Plaid (which cannot be refused) or an old database may hold them. */
const HOSTILE = account({
  id: "acc-evil",
  name: "Evil\u001b[2J\rChecking",
  category: "cash",
  side: "asset",
  balance: "12.00",
  institutionName: "Bank\u001b]0;pwned\u0007\n",
});

/** No terminal control (ESC, CR, BEL, a newline inside a line) reached the frame. */
function expectInert(frame: string | undefined) {
  const controls = [...(frame ?? "")].filter((char) => {
    const code = char.codePointAt(0) ?? 0;
    return code !== 0x0a && (code < 0x20 || (code >= 0x7f && code <= 0x9f));
  });
  expect(controls).toEqual([]);
}

describe("the dashboard shows hostile names as visible text", () => {
  it("in the accounts panel", () => {
    const { lastFrame } = render(
      <AccountsPanel
        accounts={accountOrder([HOSTILE])}
        selected={0}
        focused
        needsAttention={() => false}
        width={100}
        height={6}
        today={TODAY}
        {...common}
      />,
    );
    expectInert(lastFrame());
    expect(lastFrame()).toContain("Evil\\x1b[2J\\rChecking");
    expect(lastFrame()).toContain("Bank\\x1b]0;pwn");
  });

  it("in the history view's title and in status lines", () => {
    const { lastFrame, rerender } = render(
      <HistoryView
        account={HOSTILE}
        rows={HOUSE_HISTORY}
        from="2025-06-30"
        range="1Y"
        today={TODAY}
        width={120}
        chartHeight={4}
        listHeight={3}
        scroll={0}
        {...common}
      />,
    );
    expectInert(lastFrame());
    expect(lastFrame()).toContain("Evil\\x1b[2J\\rChecking · Account · Bank\\x1b]0;pwned\\x07\\n");
    rerender(
      <Status
        lines={[{ key: "e", text: "✗ sync of Bank\u001b[31m failed\r", tone: "error" }]}
        theme={PLAIN}
      />,
    );
    expect(lastFrame()).toBe("✗ sync of Bank\\x1b[31m failed\\r");
  });
});
