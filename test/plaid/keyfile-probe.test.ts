import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { loadKeyring } from "../../src/plaid/crypto.js";
import { keyFilePath, probeKeyFile } from "../../src/plaid/keyfile.js";

describe("probeKeyFile (the facts doctor's key-file check judges)", () => {
  let keysDir: string;
  let root: string;
  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), "networth-probe-"));
    keysDir = join(root, "keys");
  });
  afterEach(() => {
    rmSync(root, { recursive: true, force: true });
  });

  it("reports a missing file, then a private valid one", () => {
    expect(probeKeyFile(keysDir, {})).toMatchObject({
      kind: "inspected",
      exists: false,
      mode: null,
      secure: true,
      fromEnv: false,
      damage: null,
    });
    loadKeyring({ env: {}, keysDir, create: true });
    expect(probeKeyFile(keysDir, {})).toMatchObject({
      kind: "inspected",
      path: keyFilePath(keysDir),
      exists: true,
      mode: 0o600,
      secure: true,
      damage: null,
    });
  });

  it("reports a damaged file, without its contents", () => {
    mkdirSync(keysDir, { mode: 0o700 });
    writeFileSync(keyFilePath(keysDir), '{"current":"secret-looking","keys":{}}', { mode: 0o600 });
    const facts = probeKeyFile(keysDir, {});
    expect(facts).toMatchObject({ kind: "inspected", exists: true, secure: true });
    expect(facts.kind === "inspected" && facts.damage).toMatch(
      /is damaged \(the current key secret-looking is missing\); restore it from a backup$/,
    );
    // A file others can read is reported as such, and not read at all.
    chmodSync(keyFilePath(keysDir), 0o644);
    expect(probeKeyFile(keysDir, {})).toMatchObject({ mode: 0o644, secure: false, damage: null });
  });

  it("says whether NETWORTH_ENCRYPTION_KEY is set and valid", () => {
    const good = Buffer.alloc(32, 9).toString("base64");
    expect(probeKeyFile(keysDir, { NETWORTH_ENCRYPTION_KEY: good })).toMatchObject({
      fromEnv: true,
      envKeyValid: true,
    });
    for (const bad of ["not-a-key", Buffer.alloc(31).toString("base64")]) {
      expect(probeKeyFile(keysDir, { NETWORTH_ENCRYPTION_KEY: bad })).toMatchObject({
        fromEnv: true,
        envKeyValid: false,
      });
    }
    expect(probeKeyFile(keysDir, { NETWORTH_ENCRYPTION_KEY: "  " })).toMatchObject({
      fromEnv: false,
    });
  });
});
