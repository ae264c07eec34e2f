import { randomBytes } from "node:crypto";
import {
  chmodSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { inspect } from "node:util";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { UserError } from "../../src/errors.js";
import {
  checkKeyFilePermissions,
  ciphertextKeyId,
  Keyring,
  keyFilePath,
  keyIdOf,
  loadKeyring,
  rotateKeyFile,
} from "../../src/plaid/crypto.js";
import { readKeyFile, writeKeyFile } from "../../src/plaid/keyfile.js";

const TOKEN = "access-sandbox-8ab976e6-64bc-4b38-98f7-731e7a349970";
const ITEM = "M5eVJqLnv3tbzdngLDp9FL5OlDNxlNhlE55op";

function keyringOf(key: Buffer): Keyring {
  const kid = keyIdOf(key);
  return new Keyring(new Map([[kid, key]]), kid, "test keys");
}

/** The error a function throws (fails the test when it does not throw). */
function thrown(fn: () => unknown): Error {
  try {
    fn();
  } catch (error) {
    return error as Error;
  }
  throw new Error("expected a throw");
}

let root: string;
let keysDir: string;
beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), "networth-keys-"));
  keysDir = join(root, "keys");
});
afterEach(() => rmSync(root, { recursive: true, force: true }));

describe("Keyring", () => {
  const key = randomBytes(32);
  const keyring = keyringOf(key);

  it("round-trips a token in the nw1 format with a fresh nonce each time", () => {
    const a = keyring.encrypt(TOKEN, ITEM);
    const b = keyring.encrypt(TOKEN, ITEM);
    expect(a).toMatch(/^nw1:[A-Za-z0-9_-]+$/);
    expect(a).not.toBe(b);
    expect(a).not.toContain("access-sandbox");
    expect(keyring.decrypt(a, ITEM)).toBe(TOKEN);
    expect(keyring.decrypt(b, ITEM)).toBe(TOKEN);
    const bytes = Buffer.from(a.slice(4), "base64url");
    expect(bytes[0]).toBe(1);
    expect(bytes.subarray(1, 5).toString("hex")).toBe(keyring.currentKeyId);
    expect(bytes.length).toBe(1 + 4 + 12 + 16 + Buffer.byteLength(TOKEN));
    expect(ciphertextKeyId(a)).toBe(keyring.currentKeyId);
  });

  it("binds the ciphertext to its item: another item id fails", () => {
    const stored = keyring.encrypt(TOKEN, ITEM);
    const error = thrown(() => keyring.decrypt(stored, "another-item"));
    expect(error).toBeInstanceOf(UserError);
    expect(error.message).toMatch(
      /^cannot decrypt the access token of item another-item: key [0-9a-f]{8} failed authentication/,
    );
  });

  it("names the missing key id when the key is not in the keyring", () => {
    const stored = keyring.encrypt(TOKEN, ITEM);
    const other = keyringOf(randomBytes(32));
    const error = thrown(() => other.decrypt(stored, ITEM));
    expect(error).toBeInstanceOf(UserError);
    expect(error.message).toContain(
      `it was encrypted with key ${keyring.currentKeyId}, which is not in the keyring (test keys)`,
    );
  });

  it("fails authentication with a different key under the same id", () => {
    const stored = keyring.encrypt(TOKEN, ITEM);
    const impostor = new Keyring(
      new Map([[keyring.currentKeyId, randomBytes(32)]]),
      keyring.currentKeyId,
      "x",
    );
    expect(() => impostor.decrypt(stored, ITEM)).toThrow(/failed authentication/);
  });

  it("detects a flipped bit anywhere in the payload, and a changed character of the text", () => {
    const stored = keyring.encrypt(TOKEN, ITEM);
    const bytes = Buffer.from(stored.slice(4), "base64url");
    for (let i = 0; i < bytes.length; i++) {
      for (let bit = 0; bit < 8; bit++) {
        const copy = Buffer.from(bytes);
        copy[i] = (copy[i] as number) ^ (1 << bit);
        const tampered = `nw1:${copy.toString("base64url")}`;
        const error = thrown(() => keyring.decrypt(tampered, ITEM));
        expect(error).toBeInstanceOf(UserError);
        expect(error.message).not.toContain(TOKEN);
      }
    }
    for (let i = 0; i < stored.length; i++) {
      const replacement = stored[i] === "A" ? "B" : "A";
      const tampered = stored.slice(0, i) + replacement + stored.slice(i + 1);
      expect(() => keyring.decrypt(tampered, ITEM), `position ${i}`).toThrow(UserError);
    }
    expect(() => keyring.decrypt(stored.slice(0, -1), ITEM)).toThrow(UserError);
    expect(() => keyring.decrypt(`${stored}A`, ITEM)).toThrow(UserError);
  });

  it("refuses an unknown version and text that is not a ciphertext", () => {
    const bytes = Buffer.from(keyring.encrypt(TOKEN, ITEM).slice(4), "base64url");
    bytes[0] = 2;
    expect(() => keyring.decrypt(`nw1:${bytes.toString("base64url")}`, ITEM)).toThrow(
      /unknown format version 2/,
    );
    expect(ciphertextKeyId(`nw1:${bytes.toString("base64url")}`)).toBeNull();
    for (const junk of [TOKEN, "", "nw1:", "nw1:abc", "nw2:AAAA", "nw1:!!!!"]) {
      expect(() => keyring.decrypt(junk, ITEM)).toThrow(/not an encrypted token/);
    }
  });

  it("never shows key material when printed", () => {
    const printed = `${JSON.stringify(keyring)} ${inspect(keyring, { showHidden: true })}`;
    expect(printed).not.toContain(key.toString("base64"));
    expect(printed).not.toContain(key.toString("hex"));
    expect(JSON.parse(JSON.stringify(keyring))).toEqual({
      currentKeyId: keyring.currentKeyId,
      keyIds: [keyring.currentKeyId],
    });
  });
});

describe("loadKeyring with the key file", () => {
  it("creates the key file with mode 0600 in a 0700 directory, then reuses it", () => {
    const first = loadKeyring({ env: {}, keysDir, create: true });
    const path = keyFilePath(keysDir);
    expect(statSync(path).mode & 0o777).toBe(0o600);
    expect(statSync(keysDir).mode & 0o777).toBe(0o700);
    const file = JSON.parse(readFileSync(path, "utf8"));
    expect(file.current).toBe(first.currentKeyId);
    expect(Object.keys(file.keys)).toEqual([first.currentKeyId]);
    expect(Buffer.from(file.keys[first.currentKeyId], "base64")).toHaveLength(32);

    const stored = first.encrypt(TOKEN, ITEM);
    const second = loadKeyring({ env: {}, keysDir, create: false });
    expect(second.currentKeyId).toBe(first.currentKeyId);
    expect(second.decrypt(stored, ITEM)).toBe(TOKEN);
    expect(checkKeyFilePermissions(keysDir)).toMatchObject({ exists: true, secure: true });
  });

  it("never lets a second creator replace the first key file", () => {
    const first = loadKeyring({ env: {}, keysDir, create: true });
    const other = randomBytes(32);
    const contents = { current: keyIdOf(other), keys: new Map([[keyIdOf(other), other]]) };
    expect(writeKeyFile(keysDir, contents, "create")).toBe(false);
    expect(readKeyFile(keysDir)?.current).toBe(first.currentKeyId);
    expect(readdirSync(keysDir)).toEqual(["token-keys.json"]);
  });

  it("refuses to create a key when asked not to", () => {
    expect(() => loadKeyring({ env: {}, keysDir, create: false })).toThrow(
      /no token encryption key: .*token-keys.json does not exist and NETWORTH_ENCRYPTION_KEY/,
    );
    expect(checkKeyFilePermissions(keysDir)).toMatchObject({ exists: false, problem: null });
  });

  it.skipIf(process.platform === "win32")("refuses a key file group or others can read", () => {
    loadKeyring({ env: {}, keysDir, create: true });
    chmodSync(keyFilePath(keysDir), 0o640);
    const status = checkKeyFilePermissions(keysDir);
    expect(status).toMatchObject({ exists: true, mode: 0o640, secure: false });
    expect(status.problem).toMatch(/accessible by group or others \(mode 0640\): run chmod 600 /);
    const error = thrown(() => loadKeyring({ env: {}, keysDir, create: false }));
    expect(error).toBeInstanceOf(UserError);
    expect(error.message).toMatch(/chmod 600/);
    chmodSync(keyFilePath(keysDir), 0o600);
    expect(() => loadKeyring({ env: {}, keysDir, create: false })).not.toThrow();
  });

  it("reports a damaged key file without printing its keys", () => {
    loadKeyring({ env: {}, keysDir, create: true });
    const path = keyFilePath(keysDir);
    const file = JSON.parse(readFileSync(path, "utf8"));
    const [kid] = Object.keys(file.keys);
    const other = randomBytes(32).toString("base64");
    writeFileSync(path, JSON.stringify({ current: kid, keys: { [kid as string]: other } }));
    const error = thrown(() => loadKeyring({ env: {}, keysDir, create: false }));
    expect(error.message).toMatch(/is damaged \(key [0-9a-f]{8} does not match its id\)/);
    expect(error.message).not.toContain(other);
    writeFileSync(path, "{");
    expect(() => loadKeyring({ env: {}, keysDir, create: false })).toThrow(/damaged \(not JSON\)/);
  });
});

describe("loadKeyring with NETWORTH_ENCRYPTION_KEY", () => {
  it("uses a valid key as current, without creating a key file", () => {
    const key = randomBytes(32);
    const env = { NETWORTH_ENCRYPTION_KEY: key.toString("base64") };
    const keyring = loadKeyring({ env, keysDir, create: true });
    expect(keyring.currentKeyId).toBe(keyIdOf(key));
    expect(checkKeyFilePermissions(keysDir).exists).toBe(false);
    const urlSafe = { NETWORTH_ENCRYPTION_KEY: key.toString("base64url") };
    expect(loadKeyring({ env: urlSafe, keysDir, create: false }).currentKeyId).toBe(
      keyring.currentKeyId,
    );
  });

  it("still decrypts tokens written with the key file before the variable was set", () => {
    const fromFile = loadKeyring({ env: {}, keysDir, create: true });
    const stored = fromFile.encrypt(TOKEN, ITEM);
    const env = { NETWORTH_ENCRYPTION_KEY: randomBytes(32).toString("base64") };
    const keyring = loadKeyring({ env, keysDir, create: false });
    expect(keyring.currentKeyId).not.toBe(fromFile.currentKeyId);
    expect(keyring.decrypt(stored, ITEM)).toBe(TOKEN);
  });

  it("rejects anything but base64 of exactly 32 bytes, naming the variable but not the value", () => {
    const bad = [
      "not base64 at all!",
      randomBytes(16).toString("base64"),
      randomBytes(33).toString("base64"),
      `${randomBytes(32).toString("hex")}`,
      "c2VjcmV0LXNlY3JldC1zZWNyZXQtc2VjcmV0LXNlY3JldA==",
    ];
    for (const value of bad) {
      const error = thrown(() =>
        loadKeyring({ env: { NETWORTH_ENCRYPTION_KEY: value }, keysDir, create: true }),
      );
      expect(error).toBeInstanceOf(UserError);
      expect(error.message).toContain("NETWORTH_ENCRYPTION_KEY must be the base64 encoding");
      expect(error.message).not.toContain(value);
    }
    expect(checkKeyFilePermissions(keysDir).exists).toBe(false);
  });
});

describe("rotateKeyFile", () => {
  const items = ["item-a", "item-b", "item-c"];

  it("re-encrypts under a new key, keeping the old key on disk until commit", () => {
    const original = loadKeyring({ env: {}, keysDir, create: true });
    let rows = items.map((item) => ({ item, token: original.encrypt(`${TOKEN}-${item}`, item) }));

    const rotation = rotateKeyFile({ env: {}, keysDir });
    expect(rotation.oldKeyring.currentKeyId).toBe(original.currentKeyId);
    expect(rotation.newKeyring.currentKeyId).not.toBe(original.currentKeyId);
    // Staged: both keys on disk, the old one still current (other processes keep using it).
    const staged = loadKeyring({ env: {}, keysDir, create: false });
    expect(staged.currentKeyId).toBe(original.currentKeyId);
    expect(staged.keyIds.sort()).toEqual(
      [original.currentKeyId, rotation.newKeyring.currentKeyId].sort(),
    );

    // "The transaction": every token re-encrypted with the new key.
    const { newKeyring } = rotation;
    rows = rows.map(({ item, token }) => ({
      item,
      token: newKeyring.encrypt(newKeyring.decrypt(token, item), item),
    }));
    // A crash here (after the commit of the transaction, before rotation.commit) is fine: the
    // file on disk holds the new key too.
    const crashed = loadKeyring({ env: {}, keysDir, create: false });
    for (const { item, token } of rows)
      expect(crashed.decrypt(token, item)).toBe(`${TOKEN}-${item}`);

    rotation.commit(rows.map(({ token }) => ciphertextKeyId(token) as string));
    const after = loadKeyring({ env: {}, keysDir, create: false });
    expect(after.currentKeyId).toBe(newKeyring.currentKeyId);
    expect(after.keyIds).toEqual([newKeyring.currentKeyId]);
    expect(statSync(keyFilePath(keysDir)).mode & 0o777).toBe(0o600);
    for (const { item, token } of rows) expect(after.decrypt(token, item)).toBe(`${TOKEN}-${item}`);
    // The old key is gone: an old ciphertext no longer opens.
    const old = original.encrypt(TOKEN, ITEM);
    expect(() => after.decrypt(old, ITEM)).toThrow(/not in the keyring/);
    expect(() => rotation.commit([])).toThrow(/already finished/);
    // No temp file is left behind.
    expect(readdirSync(keysDir)).toEqual(["token-keys.json"]);
  });

  it("keeps an old key that a stored token still uses", () => {
    const original = loadKeyring({ env: {}, keysDir, create: true });
    const leftover = original.encrypt(TOKEN, ITEM);
    const rotation = rotateKeyFile({ env: {}, keysDir });
    rotation.commit([original.currentKeyId]);
    const after = loadKeyring({ env: {}, keysDir, create: false });
    expect(after.currentKeyId).toBe(rotation.newKeyring.currentKeyId);
    expect(after.decrypt(leftover, ITEM)).toBe(TOKEN);
  });

  it("abort after a rollback drops the staged key and leaves the old one current", () => {
    const original = loadKeyring({ env: {}, keysDir, create: true });
    const rotation = rotateKeyFile({ env: {}, keysDir });
    rotation.abort([original.currentKeyId]);
    const after = loadKeyring({ env: {}, keysDir, create: false });
    expect(after.currentKeyId).toBe(original.currentKeyId);
    expect(after.keyIds).toEqual([original.currentKeyId]);
  });

  it("refuses when the key file changed under it", () => {
    loadKeyring({ env: {}, keysDir, create: true });
    const first = rotateKeyFile({ env: {}, keysDir });
    const second = rotateKeyFile({ env: {}, keysDir });
    second.commit([]);
    expect(() => first.commit([])).toThrow(/changed during the key rotation/);
  });

  it("refuses with NETWORTH_ENCRYPTION_KEY set, and without a key file", () => {
    const env = { NETWORTH_ENCRYPTION_KEY: randomBytes(32).toString("base64") };
    expect(() => rotateKeyFile({ env, keysDir })).toThrow(
      /comes from NETWORTH_ENCRYPTION_KEY, which you manage: networth cannot rotate it/,
    );
    expect(() => rotateKeyFile({ env: {}, keysDir })).toThrow(/nothing to rotate/);
  });
});
