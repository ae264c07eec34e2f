/**
 * The state behind useDashboardData, as a reducer with named actions: what has loaded for
 * which range and account, what is loading, and the errors and notices to show.
 */

import type { Report } from "../core/build-report.js";
import type { AccountRow } from "../db/accounts.js";
import type { BalanceRow } from "../db/balances.js";
import type { SyncProgress } from "./loaders.js";
import type { RangeKey } from "./ranges.js";

/** What can fail, each with its own error line (cleared when it next succeeds). */
export type Source = "report" | "accounts" | "history" | "snapshot" | "sync" | "changes";

/** How each failure starts its line. */
export const FAILED: Record<Source, string> = {
  report: "could not load the report",
  accounts: "could not load the accounts",
  history: "could not load the account's history",
  snapshot: "could not take today's snapshot",
  sync: "sync failed",
  changes: "could not check for changes by other commands",
};

/** Everything loaded, loading and said, for the hook to show. */
export interface DataState {
  /** Bumped by a refresh: results of an older generation are stale. */
  readonly generation: number;
  readonly reports: Partial<Record<RangeKey, Report>>;
  /** The reports of before the last refresh, shown until their replacements arrive. */
  readonly staleReports: Partial<Record<RangeKey, Report>>;
  /** The last report to arrive, whatever its range: shown while a new range loads. */
  readonly latest: Report | null;
  readonly accounts: readonly AccountRow[] | null;
  readonly histories: Readonly<Record<string, readonly BalanceRow[]>>;
  readonly staleHistories: Readonly<Record<string, readonly BalanceRow[]>>;
  readonly inFlight: number;
  readonly busy: "sync" | "snapshot" | null;
  readonly progress: readonly SyncProgress[];
  readonly errors: Partial<Record<Source, string>>;
  readonly notice: string | null;
}

/** The data's actions: a load starting, arriving or failing; a refresh; a sync or snapshot. */
export type DataAction =
  | { readonly type: "loadStarted" }
  | {
      readonly type: "reportLoaded";
      readonly generation: number;
      readonly range: RangeKey;
      readonly report: Report;
    }
  | {
      readonly type: "accountsLoaded";
      readonly generation: number;
      readonly accounts: readonly AccountRow[];
    }
  | {
      readonly type: "historyLoaded";
      readonly generation: number;
      readonly accountId: string;
      readonly rows: readonly BalanceRow[];
    }
  | { readonly type: "loadFailed"; readonly source: Source; readonly message: string }
  | { readonly type: "refreshed" }
  | { readonly type: "busyStarted"; readonly busy: "sync" | "snapshot" }
  | { readonly type: "progressed"; readonly progress: SyncProgress }
  | { readonly type: "busyEnded"; readonly notice: string | null }
  | { readonly type: "failed"; readonly source: Source; readonly message: string }
  | { readonly type: "succeeded"; readonly source: Source }
  | { readonly type: "noticed"; readonly notice: string };

export const initialData: DataState = {
  generation: 0,
  reports: {},
  staleReports: {},
  latest: null,
  accounts: null,
  histories: {},
  staleHistories: {},
  inFlight: 0,
  busy: null,
  progress: [],
  errors: {},
  notice: null,
};

function without(errors: DataState["errors"], source: Source): DataState["errors"] {
  const { [source]: _, ...rest } = errors;
  return rest;
}

/** Pure: results of an older generation than the state's are dropped (a refresh came since). */
export function dataReducer(state: DataState, action: DataAction): DataState {
  switch (action.type) {
    case "loadStarted":
      return { ...state, inFlight: state.inFlight + 1 };
    case "reportLoaded": {
      const settled = { ...state, inFlight: state.inFlight - 1 };
      if (action.generation !== state.generation) return settled;
      return {
        ...settled,
        reports: { ...state.reports, [action.range]: action.report },
        latest: action.report,
        errors: without(state.errors, "report"),
      };
    }
    case "accountsLoaded": {
      const settled = { ...state, inFlight: state.inFlight - 1 };
      if (action.generation !== state.generation) return settled;
      return { ...settled, accounts: action.accounts, errors: without(state.errors, "accounts") };
    }
    case "historyLoaded": {
      const settled = { ...state, inFlight: state.inFlight - 1 };
      if (action.generation !== state.generation) return settled;
      return {
        ...settled,
        histories: { ...state.histories, [action.accountId]: action.rows },
        errors: without(state.errors, "history"),
      };
    }
    case "loadFailed":
      return {
        ...state,
        inFlight: state.inFlight - 1,
        errors: { ...state.errors, [action.source]: action.message },
      };
    case "refreshed":
      return {
        ...state,
        generation: state.generation + 1,
        reports: {},
        staleReports: { ...state.staleReports, ...state.reports },
        histories: {},
        staleHistories: { ...state.staleHistories, ...state.histories },
      };
    case "busyStarted":
      return { ...state, busy: action.busy, progress: [], notice: null };
    case "progressed": {
      const others = state.progress.filter((p) => p.itemId !== action.progress.itemId);
      const index = state.progress.findIndex((p) => p.itemId === action.progress.itemId);
      const progress = [...others];
      progress.splice(index === -1 ? others.length : index, 0, action.progress);
      return { ...state, progress };
    }
    case "busyEnded":
      return { ...state, busy: null, progress: [], notice: action.notice };
    case "failed":
      return { ...state, errors: { ...state.errors, [action.source]: action.message } };
    case "succeeded":
      return { ...state, errors: without(state.errors, action.source) };
    case "noticed":
      return { ...state, notice: action.notice };
  }
}
