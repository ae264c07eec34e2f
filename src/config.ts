import { readFileSync } from "node:fs";
import { join } from "node:path";
import type Conf from "conf";
import { z } from "zod";
import { UsageError, UserError } from "./errors.js";
import { displayPath, ensurePrivateDir, resolvePaths } from "./paths.js";

/** Date formats a user can choose for display and input (besides ISO, always accepted). */
export const DATE_FORMATS = ["MM/DD/YYYY", "DD/MM/YYYY", "YYYY-MM-DD", "DD.MM.YYYY"] as const;
export type DateFormat = (typeof DATE_FORMATS)[number];

/** The seed's default users.preferences; `config unset` restores these. */
export const PREFERENCE_DEFAULTS = {
  theme: "system",
  currency: "USD",
  dateFormat: "MM/DD/YYYY",
} as const satisfies Record<string, string>;

const postgresUrl = z
  .string()
  .trim()
  .refine((value) => parseDatabaseUrl(value) !== null, {
    message: "expected a URL such as postgres://user@host:5432/dbname",
  });

/** How one config key is validated, where it lives, and whether it is a secret. */
interface KeySpec {
  readonly schema: z.ZodType<string>;
  readonly where: "file" | "user";
  readonly secret?: boolean;
  readonly description: string;
}

/** Every key `networth config` knows. Preferences live in users.preferences. */
export const CONFIG_KEYS = {
  "database.url": {
    schema: postgresUrl,
    where: "file",
    description: "PostgreSQL server to use instead of the embedded database",
  },
  "plaid.clientId": {
    schema: z.string().trim().min(1),
    where: "file",
    description: "Plaid client id (or PLAID_CLIENT_ID)",
  },
  "plaid.secret": {
    schema: z.string().trim().min(1),
    where: "file",
    secret: true,
    description: "Plaid secret (or PLAID_SECRET)",
  },
  "plaid.env": {
    schema: z.enum(["sandbox", "production"]),
    where: "file",
    description: "Plaid environment: sandbox or production (or PLAID_ENV)",
  },
  "plaid.webhookUrl": {
    schema: z.url({ protocol: /^https?$/ }),
    where: "file",
    description: "public URL of `networth webhooks serve`, registered by `link`",
  },
  "backup.keepDays": {
    schema: z.string().trim().regex(/^\d+$/, "expected a whole number of days"),
    where: "file",
    description:
      "maintain removes networth's backups older than this (default 30; the newest 4 stay)",
  },
  "archive.keepYears": {
    schema: z
      .string()
      .trim()
      .regex(/^[1-9]\d*$/, "expected a whole number of years, at least 1"),
    where: "file",
    description: "maintain --archive moves balances older than this into the archive (default 2)",
  },
  "prices.coingeckoKey": {
    schema: z.string().trim().min(1),
    where: "file",
    secret: true,
    description: "CoinGecko API key for coin and metal prices (or COINGECKO_API_KEY)",
  },
  "prices.coingeckoPlan": {
    schema: z.enum(["demo", "pro"]),
    where: "file",
    description: "CoinGecko plan of the key: demo (public host, default) or pro (pro host)",
  },
  "prices.coingeckoHistoryDays": {
    schema: z.string().trim().regex(/^\d+$/, "expected a whole number of days"),
    where: "file",
    description:
      "days back CoinGecko's plan gives history for (default 365 on demo, no limit on pro; 0: no limit)",
  },
  "budget.coingecko": {
    schema: z.string().trim().regex(/^\d+$/, "expected a whole number of requests"),
    where: "file",
    description: "CoinGecko requests allowed per month (default 10000)",
  },
  "prices.rentcastKey": {
    schema: z.string().trim().min(1),
    where: "file",
    secret: true,
    description: "RentCast API key for home values, --method avm (or RENTCAST_API_KEY)",
  },
  "budget.rentcast": {
    schema: z.string().trim().regex(/^\d+$/, "expected a whole number of requests"),
    where: "file",
    description: "RentCast requests allowed per month (default 50)",
  },
  "prices.marketcheckKey": {
    schema: z.string().trim().min(1),
    where: "file",
    secret: true,
    description:
      "MarketCheck API key for vehicle values, --method vehicle (or MARKETCHECK_API_KEY)",
  },
  "budget.marketcheck": {
    schema: z.string().trim().regex(/^\d+$/, "expected a whole number of requests"),
    where: "file",
    description: "MarketCheck requests allowed per month (default 500)",
  },
  "preferences.theme": {
    schema: z.enum(["light", "dark", "system"]),
    where: "user",
    description: "dashboard theme: light, dark or system",
  },
  "preferences.currency": {
    schema: z
      .string()
      .trim()
      .transform((code) => code.toUpperCase())
      .refine((code) => /^[A-Z]{3}$/.test(code), "expected a three-letter ISO 4217 code, e.g. EUR"),
    where: "user",
    description:
      "your currency: net worth, snapshots and reports are in it (any with rates; changing it rebuilds the snapshots)",
  },
  "preferences.dateFormat": {
    schema: z.enum(DATE_FORMATS),
    where: "user",
    description: `date format for display and input: ${DATE_FORMATS.join(", ")}`,
  },
} as const satisfies Record<string, KeySpec>;

export type ConfigKey = keyof typeof CONFIG_KEYS;
export type FileKey = {
  [K in ConfigKey]: (typeof CONFIG_KEYS)[K]["where"] extends "file" ? K : never;
}[ConfigKey];

/** Returns the key's spec, or a usage error naming the known keys. */
export function keySpec(key: string): KeySpec & { key: ConfigKey } {
  if (!Object.hasOwn(CONFIG_KEYS, key)) {
    throw new UsageError(
      `unknown config key "${key}"; known keys: ${Object.keys(CONFIG_KEYS).join(", ")}`,
    );
  }
  return { ...CONFIG_KEYS[key as ConfigKey], key: key as ConfigKey };
}

/** Validates a value for a key; the error quotes the key and what was expected. */
export function validateValue(key: string, value: string): string {
  const spec = keySpec(key);
  const parsed = spec.schema.safeParse(value);
  if (!parsed.success) {
    const shown = spec.secret ? "(hidden)" : `"${value}"`;
    throw new UsageError(
      `invalid value ${shown} for ${key}: ${parsed.error.issues[0]?.message ?? "invalid"}`,
    );
  }
  return parsed.data;
}

/** Masks a value for display: secrets entirely, passwords inside database URLs. */
export function maskValue(key: string, value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  if ((CONFIG_KEYS[key as ConfigKey] as KeySpec | undefined)?.secret) return "********";
  if (key === "database.url") return redactUrl(value);
  return value;
}

/** A postgres:// URL, or null when it is not one. */
export function parseDatabaseUrl(value: string): URL | null {
  try {
    const url = new URL(value);
    if (url.protocol !== "postgres:" && url.protocol !== "postgresql:") return null;
    if (!url.hostname && !url.searchParams.get("host")) return null;
    return url;
  } catch {
    return null;
  }
}

/** The URL with its password replaced, for display. */
export function redactUrl(value: string): string {
  const url = parseDatabaseUrl(value);
  if (!url) return "(invalid URL)";
  if (url.password) url.password = "****";
  return url.toString();
}

interface FileShape {
  database?: { url?: string };
  plaid?: { clientId?: string; secret?: string; env?: string; webhookUrl?: string };
  backup?: { keepDays?: string };
  archive?: { keepYears?: string };
  prices?: {
    coingeckoKey?: string;
    coingeckoPlan?: string;
    coingeckoHistoryDays?: string;
    rentcastKey?: string;
    marketcheckKey?: string;
  };
  budget?: { coingecko?: string; rentcast?: string; marketcheck?: string };
  /** Raw session tokens by database identity (see DatabaseTarget.key). */
  sessions?: Record<string, string>;
}

/**
 * The local config file: file-backed keys and the session tokens. Mode 0600, in a 0700
 * directory. Read on first use, so a command that does not need it (config path, help) runs
 * even when the file is damaged; one that does gets one line naming the file and the way out.
 * Reading is a plain read of the JSON file; `conf` (and its validator) is loaded only by the
 * commands that write it (login, logout, config set/unset), so the others start without it.
 */
export class ConfigStore {
  private read: FileShape | undefined;
  private writer: Conf<FileShape> | undefined;

  constructor(private readonly configDir = resolvePaths().configDir) {}

  /** The file's path (known without reading it). */
  get path(): string {
    return join(this.configDir, "config.json");
  }

  /** The file as it is (none yet: empty), read once. */
  private get data(): FileShape {
    if (this.writer) return this.writer.store;
    if (this.read) return this.read;
    ensurePrivateDir(this.configDir, "the config directory");
    let text: string | undefined;
    try {
      text = readFileSync(this.path, "utf8");
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw damaged(this.path, error);
    }
    try {
      // As conf reads it: no file is empty; an empty file is damaged.
      const parsed = text === undefined ? {} : (JSON.parse(text) as unknown);
      if (!parsed || typeof parsed !== "object" || Array.isArray(parsed))
        throw new SyntaxError("not an object");
      this.read = parsed as FileShape;
    } catch (error) {
      throw damaged(this.path, error);
    }
    return this.read;
  }

  /** conf on the same file, for a write (loaded on the first). */
  private async conf(): Promise<Conf<FileShape>> {
    if (this.writer) return this.writer;
    ensurePrivateDir(this.configDir, "the config directory");
    const { default: Conf } = await import("conf");
    try {
      this.writer = new Conf<FileShape>({
        projectName: "networth",
        cwd: this.configDir,
        configName: "config",
        configFileMode: 0o600,
        clearInvalidConfig: false,
      });
    } catch (error) {
      throw damaged(this.path, error);
    }
    return this.writer;
  }

  get(key: FileKey): string | undefined {
    let value: unknown = this.data;
    for (const part of key.split(".")) {
      value =
        value && typeof value === "object" ? (value as Record<string, unknown>)[part] : undefined;
    }
    return typeof value === "string" ? value : undefined;
  }

  async set(key: FileKey, value: string): Promise<void> {
    (await this.conf()).set(key, value);
  }

  async unset(key: FileKey): Promise<void> {
    const conf = await this.conf();
    conf.delete(key);
    // Leave no empty {} groups behind.
    const group = key.split(".")[0] as keyof FileShape;
    const rest = conf.get(group);
    if (rest && typeof rest === "object" && Object.keys(rest).length === 0) {
      conf.delete(group);
    }
  }

  sessionToken(databaseKey: string): string | undefined {
    const sessions = this.data.sessions;
    const token = sessions && typeof sessions === "object" ? sessions[databaseKey] : undefined;
    return typeof token === "string" ? token : undefined;
  }

  async setSessionToken(databaseKey: string, token: string | undefined): Promise<void> {
    const conf = await this.conf();
    const sessions = { ...(conf.get("sessions") ?? {}) };
    if (token === undefined) delete sessions[databaseKey];
    else sessions[databaseKey] = token;
    if (Object.keys(sessions).length === 0) conf.delete("sessions");
    else conf.set("sessions", sessions);
  }
}

/** A config file that cannot be read: its path, why, and how to go on. */
function damaged(path: string, error: unknown): UserError {
  const code = (error as NodeJS.ErrnoException).code;
  const shown = displayPath(path);
  if (code === "EACCES" || code === "EPERM")
    return new UserError(`cannot read the config file ${shown}: permission denied`);
  if (code === "EISDIR" || code === "ENOTDIR")
    return new UserError(`the config file ${shown} is not a file: move it aside`);
  const why = error instanceof SyntaxError ? "not valid JSON" : String((error as Error).message);
  return new UserError(
    `the config file ${shown} is damaged (${why}): move it aside (mv ${shown} ${shown}.bad) ` +
      "and log in again; it holds your settings and login sessions, nothing else",
  );
}
