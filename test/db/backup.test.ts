import { mkdtempSync, rmSync } from "node:fs";
import { open as openFile, readdir, readFile, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gunzipSync, gzipSync } from "node:zlib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readBackupFile } from "../../src/core/backup-file.js";
import { backupToFile, inspectBackup, restoreFromFile } from "../../src/db/backup-run.js";
import type { Database } from "../../src/db/connection.js";
import { migrateUp } from "../../src/db/migrator.js";
import { DATABASE_KINDS, type TestTarget } from "../support/databases.js";

/** Money as text, per account and date, exactly as stored. */
const balances = (db: Database) =>
  db.sql<{ name: string; date: string; balance: string; isCurrent: boolean }[]>`
    SELECT a.name, b.date, b.balance::text AS balance, b.is_current
    FROM account_balances b JOIN accounts a ON a.id = b.account_id ORDER BY a.name, b.date`;

for (const kind of DATABASE_KINDS) {
  describe.skipIf(!kind.available)(`backup files on the ${kind.name} database`, () => {
    const targets: TestTarget[] = [];
    let dir: string;
    const fresh = async (migrations: "auto" | "none" = "auto") => {
      const t = await kind.create();
      targets.push(t);
      return t.open(migrations);
    };
    beforeAll(() => {
      dir = mkdtempSync(join(tmpdir(), "networth-backup-test-"));
    });
    afterAll(async () => {
      for (const t of targets) await t.dispose();
      rmSync(dir, { recursive: true, force: true });
    });

    it("restores a backup taken at an older schema (migration 3) into the current one", async () => {
      const old = await fresh("none");
      await migrateUp(old.sql, { to: 3 });
      // Migration 3's shape: accounts without archived_on (0004 added it).
      const [user] = await old.sql<{ id: string }[]>`
        INSERT INTO users (email) VALUES ('old@example.com') RETURNING id`;
      const userId = user?.id as string;
      await old.asUser(userId, async (tx) => {
        const [acct] = await tx<{ id: string }[]>`
          INSERT INTO accounts (user_id, name, type, subtype, category, is_manual)
          VALUES (${userId}, 'Gold', 'manual_asset', 'precious_metal', 'precious_metal', TRUE)
          RETURNING id`;
        await tx`INSERT INTO account_balances (account_id, balance, date, source) VALUES
          (${acct?.id as string}, 1234567890.12, '2020-02-29', 'manual'),
          (${acct?.id as string}, 0.10, '2021-03-01', 'manual')`;
      });
      const file = join(dir, "old.gz");
      const written = await backupToFile(
        old.sql,
        { kind: "user", userId, email: "old@example.com" },
        file,
      );
      expect(written.header.schemaVersion).toBe(3);
      expect(written.trailer.tables.accounts).toBe(1);

      const current = await fresh();
      const backup = await inspectBackup(file);
      const result = await restoreFromFile(current.sql, file, backup);
      expect(result.fromSchemaVersion).toBe(3);
      expect(result.schemaVersion).toBeGreaterThan(3);
      expect(await balances(current)).toEqual(await balances(old));
      const [acct] = await current.sql`SELECT archived_on, is_active FROM accounts`;
      expect(acct).toEqual({ archivedOn: null, isActive: true });
      // The audit trail came across once: 1 user + 1 account + 2 balances.
      const [audit] = await current.sql<{ n: number }[]>`SELECT count(*)::int AS n FROM audit_log`;
      expect(audit?.n).toBe(4);
      // And the triggers are back on after the restore.
      await current.sql`UPDATE users SET email = 'renamed@example.com'`;
      const [after] = await current.sql<{ n: number }[]>`SELECT count(*)::int AS n FROM audit_log`;
      expect(after?.n).toBe(5);
    });

    it("refuses a newer schema, and content changed under a valid gzip (checksum)", async () => {
      const db = await fresh();
      const [user] = await db.sql<{ id: string }[]>`
        INSERT INTO users (email) VALUES ('sum@example.com') RETURNING id`;
      const file = join(dir, "sum.gz");
      await backupToFile(
        db.sql,
        { kind: "user", userId: user?.id as string, email: "sum@example.com" },
        file,
      );
      const text = gunzipSync(await readFile(file)).toString("utf8");
      // One byte of the content changed, the file recompressed: only the checksum sees it.
      const tampered = join(dir, "tampered.gz");
      await writeFile(tampered, gzipSync(text.replace("sum@example.com", "sun@example.com")));
      await expect(readBackupFile(tampered)).rejects.toThrow(/checksum mismatch/);
      // A backup from a schema newer than the code: refused before any write.
      const header = text.split("\n")[0] as string;
      const newer = text.replace(
        header,
        header.replace(/"schemaVersion":\d+/, '"schemaVersion":999'),
      );
      const lines = newer.split("\n");
      const { createHash } = await import("node:crypto");
      const body = `${lines.slice(0, -2).join("\n")}\n`;
      const trailer = JSON.parse((lines.at(-2) as string).slice(2));
      trailer.sha256 = createHash("sha256").update(body).digest("hex");
      const future = join(dir, "future.gz");
      await writeFile(future, gzipSync(`${body}E ${JSON.stringify(trailer)}\n`));
      const target = await fresh();
      await expect(
        restoreFromFile(target.sql, future, await inspectBackup(future)),
      ).rejects.toThrow(/newer schema \(migration 999/);
      const [count] = await target.sql<{ n: number }[]>`SELECT count(*)::int AS n FROM users`;
      expect(count?.n).toBe(0);
    });

    it("a full disk is a clear error and leaves no file behind", async () => {
      const db = await fresh();
      const [user] = await db.sql<{ id: string }[]>`
        INSERT INTO users (email) VALUES ('full@example.com') RETURNING id`;
      const out = mkdtempSync(join(dir, "full-"));
      // The temporary file is created as usual, but its writes go to /dev/full, which answers
      // every write with ENOSPC as a full file system does.
      const fs = {
        openTemp: async (path: string) => {
          await (await openFile(path, "wx", 0o600)).close();
          return openFile("/dev/full", "w");
        },
      };
      await expect(
        backupToFile(
          db.sql,
          { kind: "user", userId: user?.id as string, email: "full@example.com" },
          join(out, "x.gz"),
          { fs },
        ),
      ).rejects.toThrow(/^no space left on the device for the backup in .*; nothing was written$/);
      expect(await readdir(out)).toEqual([]);
    });
  });
}
