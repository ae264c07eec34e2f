import { Command } from "commander";
import type { Sql } from "postgres";
import { allSealedInputs, setSealedInputs } from "../db/lookups.js";
import { allTokens, setToken } from "../db/plaid.js";
import { type App, examples } from "./app.js";

/**
 * The key ids the stored ciphertexts use now (read after a commit or a rollback): access
 * tokens, and the valuation methods' addresses, VINs and ZIPs, which the same key seals.
 */
async function keyIdsInUse(sql: Sql): Promise<string[]> {
  const { ciphertextKeyId } = await import("../plaid/crypto.js");
  const [tokens, inputs] = await sql.begin((tx) =>
    Promise.all([allTokens(tx), allSealedInputs(tx)]),
  );
  const sealed = inputs.flatMap((i) => [i.addressEncrypted, i.vinEncrypted, i.zipEncrypted]);
  return [...tokens.map((t) => t.accessToken), ...sealed].flatMap((c) =>
    c === null ? [] : (ciphertextKeyId(c) ?? []),
  );
}

export function keysCommand(app: App): Command {
  const keys = new Command("keys").description(
    "manage the key that encrypts Plaid access tokens (and homes' addresses, cars' VINs)",
  );
  keys
    .command("rotate")
    .description(
      "re-encrypt every stored access token, address and VIN under a new key, in one transaction",
    )
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
          // A home's address and a car's VIN and ZIP, sealed with the account id.
          const reseal = (sealed: string | null, accountId: string) =>
            sealed === null
              ? null
              : rotation.newKeyring.encrypt(
                  rotation.oldKeyring.decrypt(sealed, accountId),
                  accountId,
                );
          for (const i of await allSealedInputs(tx)) {
            await setSealedInputs(tx, {
              accountId: i.accountId,
              addressEncrypted: reseal(i.addressEncrypted, i.accountId),
              vinEncrypted: reseal(i.vinEncrypted, i.accountId),
              zipEncrypted: reseal(i.zipEncrypted, i.accountId),
            });
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
