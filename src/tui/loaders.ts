import type { Report } from "../core/build-report.js";
import type { AccountRow } from "../db/accounts.js";
import type { BalanceRow } from "../db/balances.js";
import type { RangeKey } from "./ranges.js";

/** One linked item's line while a sync runs. */
export interface SyncProgress {
  /** Identifies the item; a later report with the same id replaces the line. */
  readonly itemId: string;
  /** What the user knows the item by, usually the institution's name. */
  readonly label: string;
  readonly status: "waiting" | "syncing" | "done" | "failed";
  /** A short detail: accounts updated, or why it failed. */
  readonly detail?: string;
}

/** Syncs every linked item, reporting each item's progress as it goes. */
export type SyncFn = (onProgress: (progress: SyncProgress) => void) => Promise<void>;

/**
 * Everything the dashboard reads or does, as functions: the command builds them on the open
 * database, tests pass fakes. No component touches the database.
 */
export interface DashboardLoaders {
  /** The report (as `networth report` builds it) over a range ending today. */
  report(range: RangeKey): Promise<Report>;
  /** The active accounts with their current balances. */
  accounts(): Promise<readonly AccountRow[]>;
  /** One account's balances, newest first. */
  history(accountId: string): Promise<readonly BalanceRow[]>;
  /** Takes (recomputes) today's snapshot; returns its date. */
  snapshot(): Promise<string>;
  /** Syncs linked items; absent until the sync command exists. */
  sync?: SyncFn;
  /**
   * A token that changes when the data does (another command wrote: a cron sync, a
   * set-balance from another shell): the dashboard asks every few seconds and reloads on a
   * change. Absent: no such watch.
   */
  changes?: () => Promise<string>;
}
