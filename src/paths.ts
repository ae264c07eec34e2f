import { homedir } from "node:os";
import { join } from "node:path";
import envPaths from "env-paths";

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
 * NETWORTH_HOME overrides every path (config, data, keys live under it); otherwise the
 * platform's usual config and data directories.
 */
export function resolvePaths(env: NodeJS.ProcessEnv = process.env): Paths {
  const home = env.NETWORTH_HOME?.trim();
  if (home) {
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
