/**
 * Colour, and its absence under NO_COLOR. Ink colours only when its chalk finds a colour
 * terminal, which a test worker is not: FORCE_COLOR is set before Ink loads (so everything
 * Ink-related is imported dynamically below), so that the plain view's lack of escape codes is
 * the theme's doing and the coloured view shows the difference.
 */

import { afterEach, describe, expect, it } from "vitest";
import type { DashboardLoaders, SyncProgress } from "../../src/tui/loaders.js";
import type { Theme } from "../../src/tui/theme.js";
import { fakeLoaders, frameWhere, KEY, reportOf, SNAPSHOTS, TODAY, tick } from "./fixtures.js";

const saved = process.env.FORCE_COLOR;
process.env.FORCE_COLOR = "1";
const { cleanup, render } = await import("ink-testing-library");
const { Dashboard } = await import("../../src/tui/dashboard.js");
const { resolveTheme } = await import("../../src/tui/theme.js");
if (saved === undefined) delete process.env.FORCE_COLOR;
else process.env.FORCE_COLOR = saved;

afterEach(() => cleanup());

const ESC = "\u001B";
/** A colour code, to read a coloured frame's text. */
const SGR = new RegExp(`${ESC}\\[[0-9;]*m`, "g");

function mount(theme: Theme, overrides: Partial<DashboardLoaders> = {}) {
  const { loaders } = fakeLoaders(overrides);
  const app = render(
    <Dashboard
      email="me@example.com"
      today={() => TODAY}
      dateFormat="YYYY-MM-DD"
      currency="USD"
      theme={theme}
      loaders={loaders}
    />,
  );
  const until = (ok: (frame: string) => boolean, what: string) =>
    frameWhere(app.lastFrame, (f) => ok(f.replaceAll(SGR, "")), what);
  const press = async (...keys: string[]) => {
    for (const key of keys) {
      app.stdin.write(key);
      await tick();
    }
  };
  return { ...app, until, press };
}

describe("colour", () => {
  it("shows a rise in green and a fall in red", async () => {
    const rising = mount(resolveTheme("dark", {}));
    const up = await rising.until((f) => f.includes("▲ +$94,900.00"), "the rise");
    expect(up).toContain(`${ESC}[92m  ▲ +$94,900.00`);
    const falling = [...SNAPSHOTS]
      .reverse()
      .map((s, i) => ({ ...s, date: SNAPSHOTS[i]?.date ?? "" }));
    const dropping = mount(resolveTheme("dark", {}), {
      report: async () => reportOf(falling, undefined),
    });
    const down = await dropping.until((f) => f.includes("▼ -$94,900.00"), "the fall");
    expect(down).toContain(`${ESC}[91m  ▼ -$94,900.00`);
  });

  it("under NO_COLOR, draws every view with no escape code at all, and all it says", async () => {
    let report: (progress: SyncProgress) => void = () => {};
    const sync = (onProgress: (progress: SyncProgress) => void) => {
      report = onProgress;
      return new Promise<void>(() => {});
    };
    const app = mount(resolveTheme("dark", { NO_COLOR: "1" }), {
      sync,
      history: async () => {
        throw new Error("history is unavailable");
      },
    });
    await app.until((f) => f.includes("▲ +$94,900.00") && f.includes("Checking"), "the load");
    const seen: string[] = [];
    const look = async (ok: (f: string) => boolean, what: string) => {
      seen.push(await app.until(ok, what));
    };
    await look(
      (f) => f.includes("▸ Net worth · ALL") && /Cash +[█▉▊▋▌▍▎▏]/.test(f),
      "the dashboard",
    );
    await app.press("a");
    await look((f) => f.includes("━ assets  ━ liabilities"), "two lines");
    await app.press(KEY.tab, KEY.tab, KEY.down);
    await look((f) => f.includes("▸ Accounts") && /› {2}House/.test(f), "the selection");
    await app.press("r");
    report({ itemId: "1", label: "Test Bank", status: "failed", detail: "login required" });
    await look((f) => f.includes("✗ Test Bank: failed · login required"), "a sync line");
    await app.press(KEY.enter);
    await look((f) => f.includes("could not load the account's history"), "an error line");
    await app.press("?");
    await look((f) => f.includes("▸ Help"), "the help");
    for (const frame of seen) expect(frame).not.toContain(ESC);
    expect(app.frames.filter((f) => f.includes(ESC))).toEqual([]);

    // The same views in colour do carry escape codes: the check above can fail.
    const coloured = mount(resolveTheme("dark", {}));
    const frame = await coloured.until((f) => f.includes("Checking"), "the coloured load");
    expect(frame).toContain(ESC);
  });
});
