import { Command } from "commander";
import {
  CONFIG_KEYS,
  type ConfigKey,
  type FileKey,
  keySpec,
  maskValue,
  PREFERENCE_DEFAULTS,
  validateValue,
} from "../config.js";
import type { Context } from "../context.js";
import { parseCurrency } from "../core/currency.js";
import { accountCurrencies, ratedCurrencies } from "../db/rates.js";
import { lockUserWrites, rebuildSnapshots } from "../db/snapshots.js";
import { setPreference } from "../db/users.js";
import { UserError } from "../errors.js";
import { type App, examples } from "./app.js";

interface Entry {
  key: ConfigKey;
  value: string | null;
  source: "file" | "user" | "env" | "unset";
}

const ENV_OVERRIDES: Partial<Record<ConfigKey, string>> = {
  "database.url": "DATABASE_URL",
  "plaid.clientId": "PLAID_CLIENT_ID",
  "plaid.secret": "PLAID_SECRET",
  "plaid.env": "PLAID_ENV",
  "prices.coingeckoKey": "COINGECKO_API_KEY",
  "prices.rentcastKey": "RENTCAST_API_KEY",
  "prices.marketcheckKey": "MARKETCHECK_API_KEY",
};

function preferenceName(key: ConfigKey): keyof typeof PREFERENCE_DEFAULTS {
  return key.slice("preferences.".length) as keyof typeof PREFERENCE_DEFAULTS;
}

/** One key's effective value, masked. Preferences need the logged-in user. */
async function readEntry(ctx: Context, key: ConfigKey): Promise<Entry> {
  const spec = CONFIG_KEYS[key];
  if (spec.where === "user") {
    const { user } = await ctx.requireUser();
    const value = user.preferences[preferenceName(key)];
    return {
      key,
      value: value === undefined ? null : String(value),
      source: value === undefined ? "unset" : "user",
    };
  }
  const envName = ENV_OVERRIDES[key];
  const fromEnv = envName ? ctx.env[envName] : undefined;
  const fromFile = ctx.config.get(key as FileKey);
  const value = fromEnv || fromFile;
  return {
    key,
    value: maskValue(key, value) ?? null,
    source: fromEnv ? "env" : fromFile !== undefined ? "file" : "unset",
  };
}

export function configCommand(app: App): Command {
  const config = new Command("config").description(
    "read and change settings (preferences are stored with your user in the database)",
  );

  config
    .command("list")
    .description("show every setting and where its value comes from (secrets masked)")
    .option("--json", "print as JSON")
    .action(async (raw: { json?: boolean }, cmd: Command) => {
      const ctx = app.context(cmd);
      const out = app.output(raw);
      const session = await ctx.currentSession().catch(() => null);
      const entries: Entry[] = [];
      for (const key of Object.keys(CONFIG_KEYS) as ConfigKey[]) {
        if (CONFIG_KEYS[key].where === "user" && !session) continue;
        entries.push(await readEntry(ctx, key));
      }
      if (out.json) {
        out.result({ path: ctx.config.path, settings: entries });
        return;
      }
      const width = Math.max(...entries.map((e) => e.key.length));
      for (const e of entries) {
        out.line(
          `${e.key.padEnd(width)}  ${e.value ?? "(unset)"}${e.source === "env" ? "  (from environment)" : ""}`,
        );
      }
      if (!session) out.line("(log in to see your preferences)");
    });

  config
    .command("get")
    .description("print one setting (secrets masked)")
    .argument("<key>", `one of: ${Object.keys(CONFIG_KEYS).join(", ")}`)
    .option("--json", "print as JSON")
    .action(async (key: string, raw: { json?: boolean }, cmd: Command) => {
      const spec = keySpec(key);
      const ctx = app.context(cmd);
      const out = app.output(raw);
      const entry = await readEntry(ctx, spec.key);
      if (out.json) out.result(entry);
      else out.line(entry.value ?? "(unset)");
    });

  config
    .command("set")
    .description("change one setting")
    .argument("<key>", "the setting")
    .argument("<value>", "its new value")
    .option("--json", "print the result as JSON")
    .action(async (key: string, value: string, raw: { json?: boolean }, cmd: Command) => {
      const spec = keySpec(key);
      const valid = validateValue(key, value);
      const ctx = app.context(cmd);
      const out = app.output(raw);
      if (spec.where === "user") {
        const { user } = await ctx.requireUser();
        const db = await ctx.database();
        if (spec.key === "preferences.currency") {
          const rebuilt = await setCurrency(app, cmd, user.id, valid);
          if (out.json) out.result({ key, value: valid, snapshots: rebuilt });
          else out.line(`${key} = ${valid} (${rebuilt} snapshots rebuilt in ${valid})`);
          return;
        }
        await db.asUser(user.id, (tx) =>
          setPreference(tx, user.id, preferenceName(spec.key), valid),
        );
      } else {
        await ctx.config.set(spec.key as FileKey, valid);
      }
      const shown = maskValue(key, valid);
      if (out.json) out.result({ key, value: shown });
      else out.line(`${key} = ${shown}`);
    });

  config
    .command("unset")
    .description("remove one setting (a preference returns to its default)")
    .argument("<key>", "the setting")
    .option("--json", "print the result as JSON")
    .action(async (key: string, raw: { json?: boolean }, cmd: Command) => {
      const spec = keySpec(key);
      const ctx = app.context(cmd);
      const out = app.output(raw);
      if (spec.where === "user") {
        const { user } = await ctx.requireUser();
        const db = await ctx.database();
        const name = preferenceName(spec.key);
        if (spec.key === "preferences.currency") {
          await setCurrency(app, cmd, user.id, PREFERENCE_DEFAULTS.currency);
        } else {
          await db.asUser(user.id, (tx) =>
            setPreference(tx, user.id, name, PREFERENCE_DEFAULTS[name]),
          );
        }
      } else {
        await ctx.config.unset(spec.key as FileKey);
      }
      if (out.json) out.result({ key, value: null });
      else out.line(`${key} unset`);
    });

  config
    .command("path")
    .description("print the config file's path")
    .option("--json", "print as JSON")
    .action((raw: { json?: boolean }, cmd: Command) => {
      const ctx = app.context(cmd);
      const out = app.output(raw);
      if (out.json) out.result({ path: ctx.config.path });
      else out.line(ctx.config.path);
    });

  return examples(config, [
    "networth config list",
    "networth config set database.url postgres://me@localhost:5432/networth",
    "networth config set preferences.dateFormat DD/MM/YYYY",
    "networth config unset plaid.secret",
  ]);
}

/**
 * preferences.currency: a known ISO 4217 code that rates exist for (or that every account is
 * in), set and every snapshot
 * rebuilt in it in the same transaction (one statement, as the backfill). Returns the number
 * of snapshot days rebuilt.
 */
async function setCurrency(app: App, cmd: Command, userId: string, code: string): Promise<number> {
  const currency = parseCurrency(code, "preferences.currency");
  const ctx = app.context(cmd);
  const db = await ctx.database();
  const today = ctx.today();
  return db.asUser(userId, async (tx) => {
    await lockUserWrites(tx, userId);
    const rated = await ratedCurrencies(tx);
    const own = await accountCurrencies(tx);
    // Without rates only a currency that every account is already in needs none.
    if (!rated.has(currency) && own.some((c) => c !== currency)) {
      throw new UserError(
        `no exchange rates for ${currency}: run networth rates update (or rates import) first, nothing changed`,
      );
    }
    await setPreference(tx, userId, "currency", currency);
    const result = await rebuildSnapshots(tx, userId, today);
    return result.upserted;
  });
}
