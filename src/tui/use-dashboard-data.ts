/**
 * The dashboard's data: one hook over the loaders, so the view never awaits anything. Each
 * piece loads once; a refresh (after a sync or a snapshot) reloads it while the old data stays
 * on screen until the new arrives, so nothing flickers. A loader that fails leaves an error
 * line for the view and the rest of the dashboard working.
 */

import { useCallback, useEffect, useMemo, useReducer, useRef } from "react";
import type { Report } from "../core/build-report.js";
import type { AccountRow } from "../db/accounts.js";
import type { BalanceRow } from "../db/balances.js";
import {
  type DataAction,
  dataReducer,
  FAILED,
  initialData,
  type Source,
} from "./dashboard-data.js";
import type { DashboardLoaders, SyncProgress } from "./loaders.js";
import type { RangeKey } from "./ranges.js";

/** How often the dashboard asks whether another command changed the data. */
const CHANGE_POLL_MS = 2_000;

const messageOf = (error: unknown) => (error instanceof Error ? error.message : String(error));

/** The dashboard's data for a range and (when one is open) an account, and what changes it. */
export interface DashboardData {
  /** The range's report, or an older one while it loads; null before the first arrives. */
  readonly report: Report | null;
  readonly accounts: readonly AccountRow[] | null;
  /** The open account's balances, newest first; null while they first load. */
  readonly history: readonly BalanceRow[] | null;
  readonly loading: boolean;
  readonly busy: "sync" | "snapshot" | null;
  /** One line per item while a sync runs. */
  readonly progress: readonly SyncProgress[];
  /** One line per failing loader or action. */
  readonly errors: readonly string[];
  readonly notice: string | null;
  /** Reloads everything, keeping the current data on screen meanwhile. */
  refresh(): void;
  /** Takes today's snapshot, then refreshes. */
  snapshot(): void;
  /** Syncs every linked item (when the loaders can), then refreshes. */
  sync(): void;
}

export function useDashboardData(
  loaders: DashboardLoaders,
  view: { readonly range: RangeKey; readonly accountId: string | null },
  describeDate: (iso: string) => string = (iso) => iso,
): DashboardData {
  const [state, dispatch] = useReducer(dataReducer, initialData);
  // The latest loaders and options without making every effect depend on their identity.
  const current = useRef({ loaders, describeDate });
  current.current = { loaders, describeDate };
  const requested = useRef(new Set<string>());
  const { generation } = state;
  const { range, accountId } = view;

  const load = useCallback(
    <T>(key: string, source: Source, task: () => Promise<T>, done: (v: T) => DataAction) => {
      if (requested.current.has(key)) return;
      requested.current.add(key);
      dispatch({ type: "loadStarted" });
      Promise.resolve()
        .then(task)
        .then(
          (value) => dispatch(done(value)),
          (error: unknown) => {
            // Asked for again (the range chosen again, say), it is tried again.
            requested.current.delete(key);
            dispatch({
              type: "loadFailed",
              source,
              message: `${FAILED[source]}: ${messageOf(error)}`,
            });
          },
        );
    },
    [],
  );

  const haveReport = state.reports[range] !== undefined;
  useEffect(() => {
    if (haveReport) return;
    load(
      `${generation}:report:${range}`,
      "report",
      () => current.current.loaders.report(range),
      (report) => ({ type: "reportLoaded", generation, range, report }),
    );
  }, [load, generation, range, haveReport]);

  useEffect(() => {
    load(
      `${generation}:accounts`,
      "accounts",
      () => current.current.loaders.accounts(),
      (accounts) => ({ type: "accountsLoaded", generation, accounts }),
    );
  }, [load, generation]);

  useEffect(() => {
    if (accountId === null) return;
    load(
      `${generation}:history:${accountId}`,
      "history",
      () => current.current.loaders.history(accountId),
      (rows) => ({ type: "historyLoaded", generation, accountId, rows }),
    );
  }, [load, generation, accountId]);

  const refresh = useCallback(() => dispatch({ type: "refreshed" }), []);

  // Changes written by other commands (a cron sync, a set-balance in another shell) appear
  // within a few seconds, without a key: the loaders' change token is watched.
  useEffect(() => {
    const changes = current.current.loaders.changes;
    if (!changes) return;
    let seen: string | undefined;
    let asking = false;
    // A failure (the database lost, and opening it again failed too) leaves one line, until
    // a later poll gets through.
    let failing = false;
    const poll = () => {
      if (asking) return;
      asking = true;
      changes()
        .then(
          (token) => {
            if (seen !== undefined && token !== seen) dispatch({ type: "refreshed" });
            seen = token;
            if (failing) dispatch({ type: "succeeded", source: "changes" });
            failing = false;
          },
          (error: unknown) => {
            failing = true;
            dispatch({
              type: "failed",
              source: "changes",
              message: `${FAILED.changes}: ${messageOf(error)}`,
            });
          },
        )
        .finally(() => {
          asking = false;
        });
    };
    poll();
    const timer = setInterval(poll, CHANGE_POLL_MS);
    return () => clearInterval(timer);
  }, []);

  // Only one sync or snapshot at a time; a ref, since two keys can arrive before a render.
  const busy = useRef<"sync" | "snapshot" | null>(null);
  const exclusive = useCallback(async (kind: "sync" | "snapshot", work: () => Promise<string>) => {
    if (busy.current) {
      dispatch({ type: "noticed", notice: `wait: a ${busy.current} is running` });
      return;
    }
    busy.current = kind;
    dispatch({ type: "busyStarted", busy: kind });
    let notice: string | null = null;
    try {
      notice = await work();
      dispatch({ type: "succeeded", source: kind });
    } catch (error) {
      dispatch({ type: "failed", source: kind, message: `${FAILED[kind]}: ${messageOf(error)}` });
    } finally {
      busy.current = null;
      dispatch({ type: "busyEnded", notice });
      dispatch({ type: "refreshed" });
    }
  }, []);

  const snapshot = useCallback(() => {
    void exclusive("snapshot", async () => {
      const date = await current.current.loaders.snapshot();
      return `snapshot taken for ${current.current.describeDate(date)}`;
    });
  }, [exclusive]);

  const sync = useCallback(() => {
    const run = current.current.loaders.sync;
    if (!run) {
      dispatch({ type: "noticed", notice: "sync is not available yet" });
      return;
    }
    void exclusive("sync", async () => {
      const final = new Map<string, SyncProgress>();
      await run((progress) => {
        final.set(progress.itemId, progress);
        dispatch({ type: "progressed", progress });
      });
      const failed = [...final.values()].filter((p) => p.status === "failed").length;
      const items = `${final.size} item${final.size === 1 ? "" : "s"}`;
      return `sync finished: ${items}${failed ? `, ${failed} failed` : ""}`;
    });
  }, [exclusive]);

  const history =
    accountId === null
      ? null
      : (state.histories[accountId] ?? state.staleHistories[accountId] ?? null);
  const report = state.reports[range] ?? state.staleReports[range] ?? state.latest;
  const errors = useMemo(
    () => Object.values(state.errors).filter((e): e is string => e !== undefined),
    [state.errors],
  );
  return {
    report,
    accounts: state.accounts,
    history,
    loading: state.inFlight > 0,
    busy: state.busy,
    progress: state.progress,
    errors,
    notice: state.notice,
    refresh,
    snapshot,
    sync,
  };
}
