import { join } from "node:path";
import { parseDatabaseUrl } from "../config.js";
import { UserError } from "../errors.js";
import { displayPath } from "../paths.js";

/** Which database a command uses. `key` identifies it for the session store. */
export type DatabaseTarget =
  | {
      readonly kind: "server";
      readonly url: string;
      readonly host: string;
      readonly port: number;
      readonly database: string;
      readonly user: string;
      readonly key: string;
      /** host:port/database, never a password. */
      readonly display: string;
    }
  | {
      readonly kind: "embedded";
      /** Directory holding the PGlite data directory and its lock. */
      readonly dir: string;
      readonly key: string;
      readonly display: string;
    };

export interface TargetSources {
  readonly flag?: string | undefined;
  readonly env?: string | undefined;
  readonly config?: string | undefined;
  readonly dataDir: string;
}

/**
 * Resolution order: --database-url, DATABASE_URL, config database.url, else the embedded
 * database under the data directory.
 */
export function resolveTarget(sources: TargetSources): DatabaseTarget {
  const candidates: [string, string | undefined][] = [
    ["--database-url", sources.flag],
    ["DATABASE_URL", sources.env],
    ["config database.url", sources.config],
  ];
  for (const [origin, raw] of candidates) {
    const value = raw?.trim();
    if (!value) continue;
    const url = parseDatabaseUrl(value);
    if (!url) {
      throw new UserError(
        `${origin} is not a valid PostgreSQL URL (expected postgres://user@host:5432/dbname)`,
        origin === "--database-url" ? 2 : 1,
      );
    }
    const host = url.hostname || url.searchParams.get("host") || "localhost";
    const port = Number(url.port || 5432);
    const database = decodeURIComponent(url.pathname.replace(/^\//, "")) || "postgres";
    const user = decodeURIComponent(url.username) || process.env.USER || "postgres";
    const display = `${host}:${port}/${database}`;
    return {
      kind: "server",
      url: value,
      host,
      port,
      database,
      user,
      display,
      key: `server:${user}@${display}`,
    };
  }
  const dir = join(sources.dataDir, "db");
  return {
    kind: "embedded",
    dir,
    display: `embedded ${displayPath(dir)}`,
    key: `embedded:${dir}`,
  };
}
