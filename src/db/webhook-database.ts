import type { Database } from "./connection.js";

/**
 * How a long-running server (networth webhooks serve) holds the database: a PostgreSQL server
 * shared all along, or the embedded database leased only while there is work.
 */

/** The database, however the server holds it (see leasedDatabase). */
export interface WebhookDatabase {
  use<T>(fn: (db: Database) => Promise<T>): Promise<T>;
}

/** A database held open all along (a PostgreSQL server: nobody else is locked out). */
export function sharedDatabase(db: Database): WebhookDatabase {
  return { use: (fn) => fn(db) };
}

/**
 * A database opened when work comes and closed once none is left for idleMs: the embedded
 * database belongs to one process at a time, and a server that held it for days would lock out
 * every other networth command (the cron line's sync among them).
 */
export function leasedDatabase(
  open: () => Promise<Database>,
  options: { idleMs?: number } = {},
): WebhookDatabase & { close(): Promise<void> } {
  const idleMs = options.idleMs ?? 1_000;
  let current: Promise<Database> | null = null;
  let users = 0;
  let timer: NodeJS.Timeout | null = null;
  let closing: Promise<void> = Promise.resolve();
  let closed = false;

  const release = () => {
    timer = null;
    const held = current;
    current = null;
    if (!held) return;
    closing = closing.then(() =>
      held.then(
        (db) => db.close(),
        () => {},
      ),
    );
  };

  return {
    async use(fn) {
      if (closed) throw new Error("the server holding the database is stopping");
      if (timer) clearTimeout(timer);
      timer = null;
      users++;
      try {
        if (!current) {
          // A close under way must let go of the embedded database's lock first.
          await closing;
          if (!current) {
            const opening = open();
            current = opening;
            opening.catch(() => {
              if (current === opening) current = null;
            });
          }
        }
        return await fn(await current);
      } finally {
        users--;
        if (users === 0 && !closed) {
          timer = setTimeout(release, idleMs);
          timer.unref();
        }
      }
    },
    async close() {
      closed = true;
      if (timer) clearTimeout(timer);
      release();
      await closing;
    },
  };
}
