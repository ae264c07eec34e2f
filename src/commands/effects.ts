import type { TransactionSql } from "postgres";
import { refreshSnapshots } from "../db/snapshots.js";
import type { UserRun } from "./app.js";

type Run = Pick<UserRun, "user" | "today">;

/**
 * Keeps the user's snapshots current after a change that takes effect on `from` (null: nothing
 * changed), inside the same transaction: only the days from `from` through today.
 */
export async function refreshFrom(
  tx: TransactionSql,
  run: Run,
  from: string | null,
): Promise<void> {
  if (from === null || from > run.today) return;
  await refreshSnapshots(tx, { userId: run.user.id }, from, run.today);
}
