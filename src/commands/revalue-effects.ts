import type { TransactionSql } from "postgres";
import { revalue } from "../db/revalue.js";
import type { UserRun } from "./app.js";

type Run = Pick<UserRun, "user" | "today">;

/**
 * After the user's own values of these accounts changed from `from` (null: none changed):
 * their valuation methods re-anchor on them, in the same transaction. Returns the date the
 * snapshots must be refreshed from (the earlier of `from` and the first regenerated value).
 * A method that cannot run (an index that lost its values) is left for revalue to report.
 */
export async function revalueAfter(
  tx: TransactionSql,
  run: Run,
  accountIds: readonly string[],
  from: string | null,
): Promise<string | null> {
  if (from === null || accountIds.length === 0) return from;
  const done = await revalue(tx, { accountIds }, { today: run.today });
  const regenerated = done.earliestByUser.get(run.user.id) ?? null;
  return regenerated !== null && regenerated < from ? regenerated : from;
}
