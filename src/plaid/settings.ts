import type { FileKey } from "../config.js";
import { type PlaidSettings, plaidSettings } from "./client.js";

/** Where a run's Plaid settings come from: its environment and the config file. */
export interface PlaidSettingsSource {
  readonly env: NodeJS.ProcessEnv;
  readonly config: { get(key: FileKey): string | undefined };
}

/**
 * The Plaid settings of a run: PLAID_* variables over the config file's plaid.* keys (see
 * plaidSettings). The one place that reads them, for every command that talks to Plaid.
 */
export function readPlaidSettings(source: PlaidSettingsSource): PlaidSettings {
  const { env, config } = source;
  return plaidSettings(env, {
    clientId: config.get("plaid.clientId"),
    secret: config.get("plaid.secret"),
    env: config.get("plaid.env"),
  });
}
