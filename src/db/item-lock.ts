/**
 * A sync's hold on one Plaid item: two syncs at once never write the same item twice. On a
 * server an advisory lock on a reserved connection, held across the sync's transactions (the
 * pending log is committed before Plaid is asked); on the embedded database, which every
 * networth process shares through its holder (one PostgreSQL session), a file lock per item.
 */

import { join } from "node:path";
import type { ReservedSql, Sql, TransactionSql } from "postgres";
import { CancelledError, UserError } from "../errors.js";
import { type Database, userTransaction } from "./connection.js";
import { acquireFileLock, type FileLock } from "./lock.js";

/** A held item: its connection, transactions on it, and the release. */
export interface ItemLock {
  readonly sql: Sql;
  /** A transaction on the lock's connection, scoped to a user (as asUser) when one is given. */
  transaction<T>(userId: string | null, fn: (tx: TransactionSql) => Promise<T>): Promise<T>;
  release(): Promise<void>;
}

/** postgres.js has no begin() on a reserved connection: the same, spelled out on it. */
async function beginOn<T>(
  reserved: ReservedSql,
  fn: (tx: TransactionSql) => Promise<T>,
): Promise<T> {
  await reserved`BEGIN`;
  try {
    const value = await fn(reserved as unknown as TransactionSql);
    await reserved`COMMIT`;
    return value;
  } catch (error) {
    await reserved`ROLLBACK`.catch(() => {});
    throw error;
  }
}

/**
 * A transaction on the reserved connection, scoped to `userId` by userTransaction itself (it
 * only calls begin(), which is handed beginOn), so the user scoping is written once.
 */
function reservedTransaction<T>(
  reserved: ReservedSql,
  userId: string | null,
  fn: (tx: TransactionSql) => Promise<T>,
): Promise<T> {
  if (userId === null) return beginOn(reserved, fn);
  const begin = { begin: (body: typeof fn) => beginOn(reserved, body) } as unknown as Sql;
  return userTransaction(begin, userId, fn);
}

/**
 * Takes the item's lock, waiting up to `waitMs` for another sync holding it; null when it is
 * still held then (the caller skips the item and says so).
 */
export async function lockItem(
  db: Database,
  itemRowId: string,
  waitMs: number,
): Promise<ItemLock | null> {
  if (db.target.kind === "embedded") {
    // Shared by every networth process at once (one session: advisory locks would not
    // exclude), so a file lock per item beside the database's own.
    let lock: FileLock;
    try {
      lock = await acquireFileLock(
        join(db.target.dir, `item-${itemRowId.replace(/[^\w-]/g, "")}.lock`),
        {
          timeoutMs: waitMs,
          what: "the item",
          pollMs: 100,
        },
      );
    } catch (error) {
      if (error instanceof UserError && !(error instanceof CancelledError)) return null;
      throw error;
    }
    return {
      sql: db.sql,
      transaction: (userId, fn) =>
        userId ? userTransaction(db.sql, userId, fn) : (db.sql.begin(fn) as Promise<never>),
      release: async () => lock.release(),
    };
  }
  const reserved = await db.sql.reserve();
  const key = `networth.sync:${itemRowId}`;
  const deadline = Date.now() + waitMs;
  for (;;) {
    const [row] = await reserved<
      { locked: boolean }[]
    >`SELECT pg_try_advisory_lock(hashtext(${key})) AS locked`;
    if (row?.locked) {
      return {
        sql: reserved,
        transaction: (userId, fn) => reservedTransaction(reserved, userId, fn),
        release: async () => {
          await reserved`SELECT pg_advisory_unlock(hashtext(${key}))`.catch(() => {});
          reserved.release();
        },
      };
    }
    if (Date.now() >= deadline) {
      reserved.release();
      return null;
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
