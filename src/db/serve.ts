import postgres from "postgres";
import { connectionOptions } from "./connection.js";
import { type EmbeddedServer, startEmbedded } from "./embedded.js";
import { migrateUp } from "./migrator.js";
import type { DatabaseTarget } from "./target.js";

/**
 * The line `networth db serve` prints on stderr before anything else: the served database has
 * no password (PGlite's socket server takes any user), so every local user and process can read
 * and change every networth user's data while it runs.
 */
export function noPasswordWarning(url: string): string {
  return (
    `${url} has no password: anyone on this machine can connect and read or change every ` +
    "user's data until you stop it (Ctrl-C); do not leave it running"
  );
}

/**
 * Serves the embedded database on 127.0.0.1 (migrated first) and returns the running server
 * and its URL. While it runs it holds the lock: other networth processes on the same data
 * directory wait for it.
 */
export async function serveEmbedded(
  target: Extract<DatabaseTarget, { kind: "embedded" }>,
  port: number,
): Promise<{ server: EmbeddedServer; url: string }> {
  const server = await startEmbedded(target, { listen: { host: "127.0.0.1", port } });
  try {
    const connect = server.connect as { host: string; port: number };
    const sql = postgres({
      ...connectionOptions(),
      ...connect,
      max: 1,
      username: "postgres",
      database: "postgres",
    });
    try {
      await migrateUp(sql);
    } finally {
      await sql.end({ timeout: 5 });
    }
    return { server, url: `postgres://postgres@127.0.0.1:${connect.port}/postgres` };
  } catch (error) {
    await server.stop();
    throw error;
  }
}
