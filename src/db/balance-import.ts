import type { TransactionSql } from "postgres";
import { type ImportPlan, MANUAL_TYPES } from "../core/balance-import.js";
import { createManualAccount } from "./accounts.js";
import { type BalanceInput, type WriteCounts, writeBalances } from "./balances.js";

/** Rows written per statement: large files go in chunks, each reported to onProgress. */
const CHUNK = 5_000;

export interface ApplyOptions {
  /** Count what would change and write nothing. */
  readonly dryRun: boolean;
  /** Called after each chunk with the rows done so far and the total (large files only). */
  readonly onProgress?: (done: number, total: number) => void;
}

function addCounts(into: WriteCounts, more: WriteCounts): void {
  into.inserted += more.inserted;
  into.replaced += more.replaced;
  into.unchanged += more.unchanged;
  if (more.earliestChange && (!into.earliestChange || more.earliestChange < into.earliestChange))
    into.earliestChange = more.earliestChange;
}

/**
 * Carries out a problem-free import plan inside the caller's transaction: creates the
 * accounts it names, then writes the rows in chunks. A dry run writes nothing: rows of
 * accounts that do not exist yet are new by definition, so they count as inserted without
 * an id; the others are classified against the stored history.
 */
export async function applyBalanceImport(
  tx: TransactionSql,
  userId: string,
  plan: ImportPlan,
  options: ApplyOptions,
): Promise<WriteCounts> {
  if (plan.problemCount > 0) throw new Error("applyBalanceImport: the plan has problems");
  const counts: WriteCounts = { inserted: 0, replaced: 0, unchanged: 0, earliestChange: null };
  const ids = new Map<string, string>();
  if (!options.dryRun) {
    for (const { name, type } of plan.create) {
      const { type: accountType, subtype } = MANUAL_TYPES[type];
      const id = await createManualAccount(tx, {
        userId,
        type: accountType,
        subtype,
        name,
        description: name,
        notes: null,
      });
      ids.set(name, id);
    }
  }
  const rows: BalanceInput[] = [];
  for (const r of plan.rows) {
    const accountId = "id" in r.account ? r.account.id : ids.get(r.account.create);
    if (accountId === undefined) {
      // Dry run, new account: nothing stored to compare with.
      addCounts(counts, { inserted: 1, replaced: 0, unchanged: 0, earliestChange: r.date });
      continue;
    }
    const { date, balance, available, limit } = r;
    rows.push({ accountId, date, balance, available, limit, source: "manual" });
  }
  for (let start = 0; start < rows.length; start += CHUNK) {
    const chunk = rows.slice(start, start + CHUNK);
    addCounts(counts, await writeBalances(tx, chunk, { dryRun: options.dryRun }));
    if (rows.length > CHUNK) options.onProgress?.(start + chunk.length, rows.length);
  }
  return counts;
}
