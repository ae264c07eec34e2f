import type { Sql } from "postgres";
import { CancelledError } from "../errors.js";

/**
 * How a run's database work is stopped by Ctrl-C or SIGTERM, and what the signal handler
 * needs to know to say what happened: whether work is under way (a transaction, a lock wait,
 * the opening of the database) and how many transactions were committed.
 */
export interface Cancellation {
  readonly signal: AbortSignal;
  /** Transactions and database openings under way. */
  busy: number;
  /** Transactions that changed something and were committed, so far in this run. */
  commits: number;
}

/** A cancellation that is never signalled (tests, benchmarks, library use). */
export function noCancellation(): Cancellation {
  return { signal: new AbortController().signal, busy: 0, commits: 0 };
}

/** Runs fn as busy work: the signal handler waits for it instead of closing under it. */
export async function busy<T>(cancel: Cancellation, fn: () => Promise<T>): Promise<T> {
  cancel.busy += 1;
  try {
    return await fn();
  } finally {
    cancel.busy -= 1;
  }
}

type BeginArgs = [(tx: Sql) => unknown] | [string, (tx: Sql) => unknown];

/**
 * The connection (or a transaction on it) as seen by the commands: once the signal is
 * aborted, every new query throws a CancelledError, so an open transaction rolls back at its
 * next statement. A transaction whose body finished after the signal rolls back too; one whose
 * COMMIT was already sent is let finish and counted.
 */
export function guarded<T extends Sql>(sql: T, cancel: Cancellation): T {
  const check = () => {
    if (cancel.signal.aborted) throw new CancelledError();
  };
  const begin =
    (method: "begin" | "savepoint") =>
    async (...args: BeginArgs): Promise<unknown> => {
      check();
      const fn = args[args.length - 1] as (tx: Sql) => unknown;
      let wrote = false;
      const body = async (tx: Sql) => {
        const result = await fn(guarded(tx, cancel));
        check();
        if (method === "begin") {
          // Whether this transaction changed anything (it has a transaction id only then).
          const [row] = await tx`SELECT txid_current_if_assigned() IS NOT NULL AS wrote`;
          wrote = row?.wrote === true;
        }
        return result;
      };
      const call = (sql[method as "begin"] as (...a: unknown[]) => Promise<unknown>).bind(sql);
      if (method === "savepoint") return call(...args.slice(0, -1), body);
      return busy(cancel, async () => {
        const result = await call(...args.slice(0, -1), body);
        if (wrote) cancel.commits += 1;
        return result;
      });
    };
  return new Proxy(sql, {
    apply(target, self, args) {
      check();
      return Reflect.apply(target, self, args);
    },
    get(target, property, receiver) {
      if (property === "begin" || property === "savepoint") return begin(property);
      if (property === "reserve") {
        return async () => guarded(await target.reserve(), cancel);
      }
      if (property === "unsafe") {
        return (...args: unknown[]) => {
          check();
          return (target.unsafe as (...a: unknown[]) => unknown)(...args);
        };
      }
      return Reflect.get(target, property, receiver);
    },
  });
}
