/**
 * What the user is looking at, as a reducer with named actions: the range, the chart's mode,
 * the focused panel, the selected account, the open account's history and the help overlay.
 * Pure, so every key's effect is testable without a terminal. The range starts at ALL, as
 * `networth report` does without --from.
 */

import { useMemo, useReducer } from "react";
import { RANGES, type RangeKey } from "./ranges.js";

/** The panels tab moves between, in order. */
export const PANELS = ["chart", "breakdown", "accounts"] as const;
export type Panel = (typeof PANELS)[number];

/** The chart's two modes: net worth, or assets and liabilities as two lines. */
export type ChartMode = "netWorth" | "sides";

export interface DashboardState {
  readonly range: RangeKey;
  readonly chart: ChartMode;
  readonly focus: Panel;
  /** Index into the accounts panel's accounts (assets first, then liabilities). */
  readonly selected: number;
  /** First line shown of the breakdown, when it is taller than its panel. */
  readonly breakdownScroll: number;
  /** The account whose history is open, or null for the dashboard itself. */
  readonly openAccount: string | null;
  /** First row shown of the open account's history table. */
  readonly historyScroll: number;
  readonly help: boolean;
}

/** How far each scrollable part can go: the panels' sizes, which the state does not know. */
export interface Extents {
  readonly accounts: number;
  readonly breakdownMax: number;
  readonly historyMax: number;
}

/**
 * The actions. Those whose meaning depends on the view (moved, opened, back) are decided here,
 * not where the key is read: keys typed faster than a render all see the current state.
 */
export type DashboardAction =
  | { readonly type: "rangeChosen"; readonly range: RangeKey }
  | { readonly type: "rangeStepped"; readonly by: 1 | -1 }
  | { readonly type: "chartToggled" }
  | { readonly type: "focusMoved"; readonly by: 1 | -1 }
  | { readonly type: "moved"; readonly by: number; readonly extents: Extents }
  | { readonly type: "opened"; readonly accountIds: readonly string[] }
  | { readonly type: "back" }
  | { readonly type: "helpToggled" };

export const initialState: DashboardState = {
  range: "ALL",
  chart: "netWorth",
  focus: "chart",
  selected: 0,
  breakdownScroll: 0,
  openAccount: null,
  historyScroll: 0,
  help: false,
};

const clamp = (value: number, max: number) => Math.max(0, Math.min(max, value));

export function dashboardReducer(state: DashboardState, action: DashboardAction): DashboardState {
  // The help covers the panels: until it closes, nothing changes behind it.
  if (state.help && action.type !== "helpToggled" && action.type !== "back") return state;
  switch (action.type) {
    case "rangeChosen":
      return { ...state, range: action.range };
    case "rangeStepped": {
      const index = RANGES.indexOf(state.range) + action.by;
      return { ...state, range: RANGES[clamp(index, RANGES.length - 1)] as RangeKey };
    }
    case "chartToggled":
      return { ...state, chart: state.chart === "netWorth" ? "sides" : "netWorth" };
    case "focusMoved": {
      if (state.openAccount !== null) return state;
      const index = (PANELS.indexOf(state.focus) + action.by + PANELS.length) % PANELS.length;
      return { ...state, focus: PANELS[index] as Panel };
    }
    case "moved": {
      const { by, extents } = action;
      if (state.openAccount !== null)
        return { ...state, historyScroll: clamp(state.historyScroll + by, extents.historyMax) };
      if (state.focus === "accounts")
        return { ...state, selected: clamp(state.selected + by, extents.accounts - 1) };
      if (state.focus === "breakdown")
        return {
          ...state,
          breakdownScroll: clamp(state.breakdownScroll + by, extents.breakdownMax),
        };
      return state;
    }
    case "opened": {
      if (state.openAccount !== null || state.focus !== "accounts") return state;
      const id = action.accountIds[clamp(state.selected, action.accountIds.length - 1)];
      return id === undefined ? state : { ...state, openAccount: id, historyScroll: 0 };
    }
    case "back":
      if (state.help) return { ...state, help: false };
      return state.openAccount === null ? state : { ...state, openAccount: null };
    case "helpToggled":
      return { ...state, help: !state.help };
  }
}

/** The actions by name, bound to the reducer's dispatch. */
export interface DashboardActions {
  chooseRange(range: RangeKey): void;
  stepRange(by: 1 | -1): void;
  toggleChart(): void;
  moveFocus(by: 1 | -1): void;
  /** Up or down in what has the focus: the selection, the breakdown or the history table. */
  move(by: number, extents: Extents): void;
  /** Opens the selected account's history, when the accounts panel has the focus. */
  open(accountIds: readonly string[]): void;
  /** Closes the help, else the account's history. */
  back(): void;
  toggleHelp(): void;
}

/** The dashboard's UI state and its named actions. */
export function useDashboardState(
  initial: Partial<DashboardState> = {},
): [DashboardState, DashboardActions] {
  const [state, dispatch] = useReducer(dashboardReducer, { ...initialState, ...initial });
  const actions = useMemo<DashboardActions>(
    () => ({
      chooseRange: (range) => dispatch({ type: "rangeChosen", range }),
      stepRange: (by) => dispatch({ type: "rangeStepped", by }),
      toggleChart: () => dispatch({ type: "chartToggled" }),
      moveFocus: (by) => dispatch({ type: "focusMoved", by }),
      move: (by, extents) => dispatch({ type: "moved", by, extents }),
      open: (accountIds) => dispatch({ type: "opened", accountIds }),
      back: () => dispatch({ type: "back" }),
      toggleHelp: () => dispatch({ type: "helpToggled" }),
    }),
    [],
  );
  return [state, actions];
}
