import { Command } from "commander";
import type { Sql } from "postgres";
import { allTokens, setToken } from "../db/plaid.js";
import { type App, examples } from "./app.js";

/** The key ids the stored tokens use now (read after a commit or a rollback). */
async function keyIdsInUse(sql: Sql): Promise<string[]> {
  const { ciphertextKeyId } = await import("../plaid/crypto.js");
  const rows = await sql.begin((tx) => allTokens(tx));
  return rows.flatMap((r) => ciphertextKeyId(r.accessToken) ?? []);
}

export function keysCommand(app: App): Command {
  const keys = new Command("keys").description("manage the key that encrypts Plaid access tokens");
  keys
    .command("rotate")
    .description("re-encrypt every stored access token under a new key, in one transaction")
    .option("--json", "print the result as JSON")
    .action(async (raw: { json?: boolean }, cmd: Command) => {
      const ctx = app.context(cmd);
      const out = app.output(raw);
      const { rotateKeyFile } = await import("../plaid/crypto.js");
      const db = await ctx.database();
      // Every user's tokens: a cross-user job on the system connection. The key file changes
      // in three atomic steps, so the file on disk can decrypt every token at every moment.
      const rotation = rotateKeyFile({ env: ctx.env, keysDir: ctx.paths.keysDir });
      let count = 0;
      try {
        count = await db.sql.begin(async (tx) => {
          const tokens = await allTokens(tx);
          for (const t of tokens) {
            const plain = rotation.oldKeyring.decrypt(t.accessToken, t.itemId);
            await setToken(tx, t.id, rotation.newKeyring.encrypt(plain, t.itemId));
          }
          return tokens.length;
        });
      } catch (error) {
        rotation.abort(await keyIdsInUse(db.sql));
        throw error;
      }
      rotation.commit(await keyIdsInUse(db.sql));
      const keyId = rotation.newKeyring.currentKeyId;
      if (out.json) out.result({ reencrypted: count, keyId });
      else out.line(`Re-encrypted ${count} access token(s) under the new key ${keyId}.`);
    });
  return examples(keys, ["networth keys rotate"]);
}
