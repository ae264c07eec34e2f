import { type Key, useInput } from "ink";
import { useRef } from "react";
import { RANGES } from "./ranges.js";
import type { DashboardData } from "./use-dashboard-data.js";
import type { DashboardActions, DashboardState, Extents } from "./use-dashboard-state.js";

/** What the keys act on: the UI state, its actions, the data's actions and the panels' sizes. */
export interface InputTarget {
  readonly state: DashboardState;
  readonly actions: DashboardActions;
  readonly data: Pick<DashboardData, "sync" | "snapshot">;
  /** The accounts panel's account ids, in its order. */
  readonly accountIds: readonly string[];
  readonly extents: Extents;
  /** Lines that page up and page down move. */
  readonly page: number;
  readonly exit: () => void;
}

/** One key: the text typed (one character) and Ink's flags. */
type Press = readonly [input: string, key: Partial<Key>];

/**
 * Ink hands over plain characters typed faster than it reads them (a paste, tmux send-keys,
 * a quick double tap) as one string, "\t\t" or "55": taken apart here, so each is a key.
 */
function presses(input: string, key: Key): Press[] {
  const chars = [...input];
  if (chars.length <= 1 || key.ctrl || key.meta) return [[input, key]];
  return chars.map((char) => [
    char,
    char === "\t" ? { tab: true } : char === "\r" ? { return: true } : {},
  ]);
}

/**
 * The dashboard's keys: 1-6 and left/right the range, a the chart, tab the focus, up/down the
 * focused panel, enter an account's history and esc back, r sync, s snapshot, ? help, q quit.
 */
export function useDashboardInput(target: InputTarget): void {
  // Ink swaps in a new handler only after the render's effects, so a key that arrives just
  // after a render would meet the previous one's state: every key reads the latest instead.
  const latest = useRef(target);
  latest.current = target;
  useInput((raw, rawKey) => {
    const { state, actions, data, extents, page, accountIds } = latest.current;
    for (const [input, key] of presses(raw, rawKey)) {
      if (input === "q" || (key.ctrl && input === "c")) {
        latest.current.exit();
        return;
      }
      if (key.escape) actions.back();
      else if (input === "?") actions.toggleHelp();
      else if (state.help) continue;
      else if (input.length === 1 && input >= "1" && input <= String(RANGES.length))
        actions.chooseRange(RANGES[Number(input) - 1] ?? "ALL");
      else if (key.leftArrow || key.rightArrow) actions.stepRange(key.leftArrow ? -1 : 1);
      else if (input === "a") actions.toggleChart();
      else if (input === "r") data.sync();
      else if (input === "s") data.snapshot();
      else if (key.tab) actions.moveFocus(key.shift ? -1 : 1);
      else if (key.upArrow || key.downArrow) actions.move(key.upArrow ? -1 : 1, extents);
      else if (key.pageUp || key.pageDown) actions.move(key.pageUp ? -page : page, extents);
      else if (key.return) actions.open(accountIds);
    }
  });
}
