import { describe, expect, it } from "vitest";
import { keySpec, maskValue, redactUrl, validateValue } from "../../src/config.js";
import { resolveTarget } from "../../src/db/target.js";
import { UsageError } from "../../src/errors.js";

describe("config keys", () => {
  it("refuses unknown keys as bad usage, naming the known ones", () => {
    expect(() => keySpec("database.host")).toThrow(UsageError);
    expect(() => keySpec("database.host")).toThrow(/known keys: database.url/);
    expect(() => keySpec("__proto__")).toThrow(UsageError);
  });

  it("validates values per key", () => {
    expect(validateValue("plaid.env", "sandbox")).toBe("sandbox");
    expect(() => validateValue("plaid.env", "development")).toThrow(
      /invalid value "development" for plaid.env/,
    );
    // Any currency code's form (whether rates exist is the command's check, against the data).
    expect(validateValue("preferences.currency", "eur")).toBe("EUR");
    expect(() => validateValue("preferences.currency", "EURO")).toThrow(UsageError);
    expect(() => validateValue("preferences.currency", "€")).toThrow(UsageError);
    expect(() => validateValue("preferences.dateFormat", "YYYY/MM/DD")).toThrow(UsageError);
    expect(validateValue("database.url", "postgres://u@h:5432/d")).toBe("postgres://u@h:5432/d");
    expect(() => validateValue("database.url", "http://h/d")).toThrow(UsageError);
  });

  it("never shows a secret, nor a database password", () => {
    expect(maskValue("plaid.secret", "abc123")).toBe("********");
    expect(() => validateValue("plaid.secret", "")).toThrow(/invalid value \(hidden\)/);
    expect(redactUrl("postgres://me:hunter2@db:5432/x")).toBe("postgres://me:****@db:5432/x");
    expect(maskValue("database.url", "postgres://me:hunter2@db/x")).not.toContain("hunter2");
  });
});

describe("database resolution", () => {
  const dataDir = "/home/me/.local/share/networth";

  it("prefers the flag, then DATABASE_URL, then the config, then the embedded database", () => {
    const flag = "postgres://a@flag:1/f";
    const env = "postgres://a@env:2/e";
    const config = "postgres://a@conf:3/c";
    expect(resolveTarget({ flag, env, config, dataDir })).toMatchObject({
      kind: "server",
      host: "flag",
      port: 1,
    });
    expect(resolveTarget({ env, config, dataDir })).toMatchObject({
      kind: "server",
      host: "env",
      database: "e",
    });
    expect(resolveTarget({ config, dataDir })).toMatchObject({ kind: "server", host: "conf" });
    expect(resolveTarget({ dataDir })).toMatchObject({ kind: "embedded", dir: `${dataDir}/db` });
  });

  it("keeps passwords out of what it displays", () => {
    const target = resolveTarget({ env: "postgres://me:hunter2@db.example:5432/money", dataDir });
    expect(target.display).toBe("db.example:5432/money");
    expect(target.key).not.toContain("hunter2");
  });

  it("rejects a malformed URL: bad usage from the flag, a failure from the environment", () => {
    expect(() => resolveTarget({ flag: "nope", dataDir })).toThrow(
      expect.objectContaining({ exitCode: 2 }),
    );
    expect(() => resolveTarget({ env: "mysql://x/y", dataDir })).toThrow(
      expect.objectContaining({ exitCode: 1 }),
    );
  });
});
