import { createCipheriv, createDecipheriv, randomBytes } from "node:crypto";
import { ENCRYPTION_KEY_ENV } from "../core/token-key.js";
import { UserError } from "../errors.js";
import { displayPath } from "../paths.js";
import {
  decodeBase64Key,
  generateKey,
  type KeyFileContents,
  keyFilePath,
  keyIdOf,
  readKeyFile,
  writeKeyFile,
} from "./keyfile.js";

export { checkKeyFilePermissions, type KeyFileStatus, keyFilePath, keyIdOf } from "./keyfile.js";

export { ENCRYPTION_KEY_ENV };

// nw1:<base64url of [version][key id][nonce][tag][ciphertext]>
const PREFIX = "nw1:";
const VERSION = 0x01;
const KID_BYTES = 4;
const NONCE_BYTES = 12;
const TAG_BYTES = 16;
const HEADER_BYTES = 1 + KID_BYTES + NONCE_BYTES + TAG_BYTES;

/**
 * The keys that can decrypt stored access tokens, and the one that encrypts new ones. Key
 * material lives in a private field: it never shows in JSON, util.inspect or an error.
 */
export class Keyring {
  readonly #keys: ReadonlyMap<string, Buffer>;
  /** Where the keys came from, for error messages. */
  readonly #sources: string;
  /** Id (8 hex digits) of the key that encrypt() uses. */
  readonly currentKeyId: string;

  constructor(keys: ReadonlyMap<string, Uint8Array>, currentKeyId: string, sources: string) {
    const copy = new Map<string, Buffer>();
    for (const [kid, key] of keys) copy.set(kid, Buffer.from(key));
    if (!copy.has(currentKeyId))
      throw new Error(`current key ${currentKeyId} is not in the keyring`);
    this.#keys = copy;
    this.currentKeyId = currentKeyId;
    this.#sources = sources;
  }

  /** Ids of every key this keyring can decrypt with. */
  get keyIds(): string[] {
    return [...this.#keys.keys()];
  }

  /** Encrypts an access token under the current key, bound to its item (AAD = item id). */
  encrypt(plaintext: string, itemId: string): string {
    if (!itemId) throw new TypeError("encrypt needs the item id the token belongs to");
    const key = this.#keys.get(this.currentKeyId) as Buffer;
    const nonce = randomBytes(NONCE_BYTES);
    const cipher = createCipheriv("aes-256-gcm", key, nonce);
    cipher.setAAD(Buffer.from(itemId, "utf8"));
    const body = Buffer.concat([cipher.update(plaintext, "utf8"), cipher.final()]);
    const header = Buffer.concat([
      Buffer.of(VERSION),
      Buffer.from(this.currentKeyId, "hex"),
      nonce,
      cipher.getAuthTag(),
    ]);
    return PREFIX + Buffer.concat([header, body]).toString("base64url");
  }

  /**
   * Decrypts a token stored for itemId. Any failure (unknown format or version, a key not in
   * the keyring, wrong item, tampering) is a UserError that names the item and the key id but
   * never the token or the key.
   */
  decrypt(ciphertext: string, itemId: string): string {
    const fail = (why: string) =>
      new UserError(`cannot decrypt the access token of item ${itemId}: ${why}`);
    const bytes = decodePayload(ciphertext);
    if (!bytes || bytes.length < HEADER_BYTES) {
      throw fail("it is not an encrypted token (damaged data)");
    }
    if (bytes[0] !== VERSION) {
      throw fail(`unknown format version ${bytes[0]} (written by a newer networth?)`);
    }
    const kid = bytes.subarray(1, 1 + KID_BYTES).toString("hex");
    const key = this.#keys.get(kid);
    if (!key) {
      throw fail(
        `it was encrypted with key ${kid}, which is not in the keyring (${this.#sources})`,
      );
    }
    const nonce = bytes.subarray(1 + KID_BYTES, 1 + KID_BYTES + NONCE_BYTES);
    const tag = bytes.subarray(1 + KID_BYTES + NONCE_BYTES, HEADER_BYTES);
    try {
      const decipher = createDecipheriv("aes-256-gcm", key, nonce, { authTagLength: TAG_BYTES });
      decipher.setAAD(Buffer.from(itemId, "utf8"));
      decipher.setAuthTag(tag);
      const body = bytes.subarray(HEADER_BYTES);
      return Buffer.concat([decipher.update(body), decipher.final()]).toString("utf8");
    } catch {
      throw fail(`key ${kid} failed authentication (wrong key, wrong item or damaged data)`);
    }
  }

  /** Only ids: a keyring printed or logged by mistake shows no key material. */
  toJSON(): { currentKeyId: string; keyIds: string[] } {
    return { currentKeyId: this.currentKeyId, keyIds: this.keyIds };
  }
}

/** The raw bytes after "nw1:", or null when the text is not canonical base64url. */
function decodePayload(ciphertext: string): Buffer | null {
  if (!ciphertext.startsWith(PREFIX)) return null;
  const text = ciphertext.slice(PREFIX.length);
  if (!/^[A-Za-z0-9_-]*$/.test(text)) return null;
  const bytes = Buffer.from(text, "base64url");
  // Node ignores the unused low bits of the last character; insisting on the canonical
  // encoding makes every changed character of the stored string detectable.
  return bytes.toString("base64url") === text ? bytes : null;
}

/** The id of the key a stored ciphertext was encrypted with, or null when it is not one. */
export function ciphertextKeyId(ciphertext: string): string | null {
  const bytes = decodePayload(ciphertext);
  if (!bytes || bytes.length < HEADER_BYTES || bytes[0] !== VERSION) return null;
  return bytes.subarray(1, 1 + KID_BYTES).toString("hex");
}

/** The key from NETWORTH_ENCRYPTION_KEY, null when unset, a UserError (without the value) when invalid. */
export function envEncryptionKey(env: NodeJS.ProcessEnv): Buffer | null {
  const value = env[ENCRYPTION_KEY_ENV];
  if (value === undefined || value.trim() === "") return null;
  const key = decodeBase64Key(value);
  if (!key) {
    throw new UserError(
      `${ENCRYPTION_KEY_ENV} must be the base64 encoding of exactly 32 bytes ` +
        "(generate one with: openssl rand -base64 32)",
    );
  }
  return key;
}

function sourcesOf(keysDir: string): string {
  return `${ENCRYPTION_KEY_ENV} or ${displayPath(keyFilePath(keysDir))}`;
}

/** Options of loadKeyring. */
export interface LoadKeyringOptions {
  readonly env: NodeJS.ProcessEnv;
  readonly keysDir: string;
  /** Create the key file when there is none (commands that store a new token); else refuse. */
  readonly create: boolean;
}

/**
 * The keyring of this run. NETWORTH_ENCRYPTION_KEY, when set, is the current key; the key
 * file's keys (if the file exists) stay available for decryption, so tokens written before the
 * variable was set still open. Otherwise the key file, created on first use when `create`.
 */
export function loadKeyring(options: LoadKeyringOptions): Keyring {
  const { env, keysDir } = options;
  const sources = sourcesOf(keysDir);
  const envKey = envEncryptionKey(env);
  let file = readKeyFile(keysDir);
  if (envKey) {
    const keys = new Map(file?.keys ?? []);
    const kid = keyIdOf(envKey);
    keys.set(kid, envKey);
    return new Keyring(keys, kid, sources);
  }
  if (!file && options.create) {
    const key = generateKey();
    const kid = keyIdOf(key);
    const fresh: KeyFileContents = { current: kid, keys: new Map([[kid, key]]) };
    // Another process may have created the file meanwhile: then use its key, not ours.
    file = writeKeyFile(keysDir, fresh, "create") ? fresh : readKeyFile(keysDir);
  }
  if (!file) {
    throw new UserError(
      `no token encryption key: ${displayPath(keyFilePath(keysDir))} does not exist and ` +
        `${ENCRYPTION_KEY_ENV} is not set (restore the key file, or set the key you used)`,
    );
  }
  return new Keyring(file.keys, file.current, sources);
}

/**
 * A key rotation in progress. The key file already holds the new key (not yet current), so
 * tokens re-encrypted with newKeyring can be decrypted from the file at every moment.
 */
export interface KeyRotation {
  /** The keyring as it was: current = the old key. */
  readonly oldKeyring: Keyring;
  /** Current = the new key; also holds the old keys, so it can decrypt every stored token. */
  readonly newKeyring: Keyring;
  /**
   * After the re-encrypting transaction committed: makes the new key current and drops every
   * other key not listed in keyIdsInUse (ciphertextKeyId of each stored token, read after the
   * commit). A key some token still uses is never dropped.
   */
  commit(keyIdsInUse: Iterable<string>): void;
  /** After a rollback: removes the staged key unless keyIdsInUse lists it; the old key stays current. */
  abort(keyIdsInUse: Iterable<string>): void;
}

/**
 * Starts rotating the key file's key. The caller re-encrypts every token with newKeyring in one
 * database transaction, then calls commit(); on failure, abort(). Crash safety: the key file
 * goes old -> old+new (old current) -> new (+ keys still in use), each step an atomic rename,
 * and the database only ever holds tokens under keys present in the file at that moment.
 * Refused when NETWORTH_ENCRYPTION_KEY is set: that key is the user's to manage.
 */
export function rotateKeyFile(options: { env: NodeJS.ProcessEnv; keysDir: string }): KeyRotation {
  const { env, keysDir } = options;
  const path = displayPath(keyFilePath(keysDir));
  if (envEncryptionKey(env)) {
    throw new UserError(
      `the token key comes from ${ENCRYPTION_KEY_ENV}, which you manage: networth cannot ` +
        `rotate it (rotation applies to the key file ${path})`,
    );
  }
  const before = readKeyFile(keysDir);
  if (!before) {
    throw new UserError(`nothing to rotate: ${path} does not exist (no token was encrypted yet)`);
  }
  let key = generateKey();
  while (before.keys.has(keyIdOf(key))) key = generateKey();
  const kid = keyIdOf(key);
  const staged = new Map(before.keys).set(kid, key);
  writeKeyFile(keysDir, { current: before.current, keys: staged }, "replace");

  const sources = sourcesOf(keysDir);
  let done = false;
  const finish = (current: string, inUse: Iterable<string>) => {
    if (done) throw new Error("this key rotation is already finished");
    const disk = readKeyFile(keysDir);
    // Another rotation ran meanwhile: writing our view back could drop its keys.
    if (!disk?.keys.has(kid) || disk.current !== before.current) {
      throw new UserError(`${path} changed during the key rotation; run the rotation again`);
    }
    const keep = new Set([current, ...inUse]);
    const keys = new Map([...disk.keys].filter(([id]) => keep.has(id)));
    writeKeyFile(keysDir, { current, keys }, "replace");
    done = true;
  };
  return {
    oldKeyring: new Keyring(before.keys, before.current, sources),
    newKeyring: new Keyring(staged, kid, sources),
    commit: (inUse) => finish(kid, inUse),
    abort: (inUse) => finish(before.current, [...before.keys.keys(), ...inUse]),
  };
}
