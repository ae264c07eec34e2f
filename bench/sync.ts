/**
 * HOOK for the Plaid sync row (row 7 of the bench issue). Not implemented yet: the Plaid work
 * adds its measurement here (e.g. `networth sync` against test/support/fake-plaid.ts) and
 * returns its rows; run.ts already calls this after the other server rows and prints whatever
 * it returns. Until then it returns nothing and the table has no sync row.
 */

import type { BenchRow } from "./lib.js";

/** What a sync row can use: the server database the bench created, and its logged-in home. */
export interface SyncBenchContext {
  /** postgres:// URL of the bench's fresh server database. */
  readonly databaseUrl: string;
  /** NETWORTH_HOME of a session logged in to it (bench@example.com). */
  readonly home: string;
}

export async function benchSync(_context: SyncBenchContext): Promise<BenchRow[]> {
  return [];
}
