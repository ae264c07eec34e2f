import { randomBytes } from "node:crypto";
import postgres from "postgres";
import { connectionOptions } from "./connection.js";
import { type EmbeddedServer, startEmbedded } from "./embedded.js";
import { migrateUp } from "./migrator.js";
import type { DatabaseTarget } from "./target.js";

/**
 * The line `networth db serve` prints on stderr before anything else: the URL holds the
 * password, which is made for this run and printed this once, so it is said where it goes.
 */
export function passwordNotice(): string {
  return (
    "the URL holds a password made for this run and shown only here: whoever has it can read " +
    "and change every user's data until you stop the server (Ctrl-C)"
  );
}

/**
 * Serves the embedded database (migrated first) on 127.0.0.1 only, where every connection
 * must give a random password made for this run, and returns the running server and its URL
 * (with the password). While it runs it holds the database and serves the other networth
 * processes on its private socket, as any holder does.
 */
export async function serveEmbedded(
  target: Extract<DatabaseTarget, { kind: "embedded" }>,
  port: number,
): Promise<{ server: EmbeddedServer; url: string }> {
  const password = randomBytes(18).toString("base64url");
  const server = await startEmbedded(target, { tcp: { port, password } });
  try {
    const sql = postgres({
      ...connectionOptions(),
      path: server.connect.path,
      max: 1,
      username: "postgres",
      database: "postgres",
    });
    try {
      await migrateUp(sql);
    } finally {
      await sql.end({ timeout: 5 });
    }
    const tcp = server.tcp as { host: string; port: number };
    return { server, url: `postgres://postgres:${password}@127.0.0.1:${tcp.port}/postgres` };
  } catch (error) {
    await server.stop();
    throw error;
  }
}
