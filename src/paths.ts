import { mkdirSync, statSync } from "node:fs";
import { homedir } from "node:os";
import { join, resolve } from "node:path";
import envPaths from "env-paths";
import { UserError } from "./errors.js";

/** Every place on disk the tool uses. */
export interface Paths {
  /** Directory of the config file (config.json, mode 0600). */
  readonly configDir: string;
  /** Directory of the embedded database and its lock. */
  readonly dataDir: string;
  /** Directory of the token encryption key file. */
  readonly keysDir: string;
}

/**
 * NETWORTH_HOME overrides every path (config, data, keys live under it), resolved to an
 * absolute path (a relative one would give each working directory its own database);
 * otherwise the platform's usual config and data directories.
 */
export function resolvePaths(env: NodeJS.ProcessEnv = process.env): Paths {
  const raw = env.NETWORTH_HOME?.trim();
  if (raw) {
    const home = resolve(raw);
    return { configDir: home, dataDir: join(home, "data"), keysDir: join(home, "keys") };
  }
  const platform = envPaths("networth", { suffix: "" });
  return {
    configDir: platform.config,
    dataDir: platform.data,
    keysDir: join(platform.data, "keys"),
  };
}

/** Shortens a path under the home directory to ~/... for display. */
export function displayPath(path: string): string {
  const home = homedir();
  return path.startsWith(`${home}/`) ? `~${path.slice(home.length)}` : path;
}

/**
 * Creates a directory the tool keeps private (0700, and so every parent it creates), or says
 * in one line why it cannot: `what` names it for the message.
 */
export function ensurePrivateDir(path: string, what: string): void {
  try {
    mkdirSync(path, { recursive: true, mode: 0o700 });
    if (!statSync(path).isDirectory()) throw Object.assign(new Error(), { code: "ENOTDIR" });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const shown = displayPath(path);
    const env = process.env.NETWORTH_HOME ? " (check NETWORTH_HOME)" : "";
    if (code === "ENOTDIR" || code === "EEXIST")
      throw new UserError(`${what} ${shown} cannot be created: a file is in its way${env}`);
    if (code === "EACCES" || code === "EPERM" || code === "EROFS")
      throw new UserError(`${what} ${shown} cannot be created or written: permission denied${env}`);
    throw error;
  }
}
