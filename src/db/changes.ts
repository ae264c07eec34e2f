import type { TransactionSql } from "postgres";

/**
 * A token that changes whenever the user's data does, cheap enough to ask every few seconds:
 * the newest audit entry (every change to balances, accounts, items) and the snapshots' row
 * versions (recomputed snapshots are not audited). Run as the user: RLS keeps it to theirs.
 */
export async function changeToken(tx: TransactionSql): Promise<string> {
  const [row] = await tx<{ token: string }[]>`
    SELECT concat_ws(':',
      (SELECT max(id)::text FROM audit_log),
      (SELECT count(*)::text FROM net_worth_snapshots),
      (SELECT max(xmin::text::bigint)::text FROM net_worth_snapshots)) AS token`;
  return row?.token ?? "";
}
