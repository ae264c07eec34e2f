/**
 * Rows 8 and 9: backup and restore of the 10-year, 50-account history (bench/README.md).
 *
 * The history is generated with the triggers off, so it has no audit trail; a real one has an
 * INSERT entry per balance. Before timing, one such entry per balance is added (as the
 * trigger would write it), so the file holds what a real user's would: 182,500 balances and
 * 182,500 audit rows. Backup: backupToFile for the user (to a temporary directory). Restore:
 * inspectBackup (the whole-file check) then restoreFromFile into a fresh, migrated database of
 * the same kind, the work `networth restore` does. N = 1 each (a second restore would need
 * another fresh database; the figures are seconds, not milliseconds).
 *
 * Run alone: `node --import tsx bench/backup.ts` (after `npm run build`), with
 * BENCH_DATABASE_URL / BENCH_SERVER=0 / BENCH_EMBEDDED=0 as for run.ts.
 */

import { mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import postgres from "postgres";
import { addDays, todayIn } from "../src/core/dates.js";
import { backupToFile, inspectBackup, restoreFromFile } from "../src/db/backup-run.js";
import { type Database, openDatabase } from "../src/db/connection.js";
import { resolveTarget } from "../src/db/target.js";
import { resolvePaths } from "../src/paths.js";
import { analyze, generateDailyHistory } from "./data.js";
import {
  type BenchRow,
  type DatabaseKind,
  formatTable,
  measured,
  newRow,
  progress,
  timed,
} from "./lib.js";

const REPORT = { kind: "report", text: "seconds; reported" } as const;

/** Adds the audit trail the triggers would have written for the user's balances. */
async function addAuditTrail(db: Database, userId: string): Promise<number> {
  const rows = await db.sql`
    INSERT INTO audit_log (user_id, table_name, row_id, action, new_row, changed_at)
    SELECT ${userId}, 'account_balances', b.id, 'INSERT', to_jsonb(b), b.created_at
    FROM account_balances b JOIN accounts a ON a.id = b.account_id
    WHERE a.user_id = ${userId}
    ORDER BY b.date, b.id
    RETURNING 1`;
  return rows.length;
}

/**
 * The user's balance fingerprint to check the restore: count, exact sum, audit rows. The
 * user's only: the backup is of one user, and the source database holds others (row 7's).
 */
async function fingerprint(db: Database, email: string): Promise<string> {
  const [row] = await db.sql<{ n: number; total: string; audit: number }[]>`
    WITH u AS (SELECT id FROM users WHERE email = ${email})
    SELECT count(*)::int AS n, sum(b.balance)::text AS total,
           (SELECT count(*)::int FROM audit_log WHERE user_id IN (SELECT id FROM u)) AS audit
    FROM account_balances b JOIN accounts a ON a.id = b.account_id
    WHERE a.user_id IN (SELECT id FROM u)`;
  return `${row?.n} balances, sum ${row?.total}, ${row?.audit} audit rows`;
}

/**
 * Times the backup of `userId` on `db` and its restore into the database `fresh()` opens
 * (fresh, migrated, same kind). Returns rows 8 and 9.
 */
export async function backupRows(
  db: Database,
  kind: DatabaseKind,
  userId: string,
  email: string,
  fresh: () => Promise<Database>,
): Promise<BenchRow[]> {
  const backup = newRow("8", "backup", "backup 10 years, 1 user", kind, REPORT);
  const restore = newRow("9", "restore", "restore 10 years, 1 user", kind, REPORT);
  const audit = await addAuditTrail(db, userId);
  await analyze(db.sql);
  const dir = mkdtempSync(join(tmpdir(), "networth-bench-backup-"));
  try {
    const file = join(dir, "history.backup.gz");
    const written = await timed(() => backupToFile(db.sql, { kind: "user", userId, email }, file));
    measured(backup, [written.ms]);
    const bytes = statSync(file).size;
    backup.details = { rows: written.value.trailer.rows, bytes, auditRows: audit };
    backup.notes.push(
      `${written.value.trailer.rows.toLocaleString("en-US")} rows (${audit.toLocaleString("en-US")} of them audit), ${(bytes / 1e6).toFixed(1)} MB gzip'd`,
    );
    progress(`${kind}: backup in ${Math.round(written.ms)} ms, ${bytes} bytes`);

    const target = await fresh();
    try {
      const restored = await timed(async () =>
        restoreFromFile(target.sql, file, await inspectBackup(file)),
      );
      measured(restore, [restored.ms]);
      const [a, b] = [await fingerprint(db, email), await fingerprint(target, email)];
      restore.details = { rows: restored.value.rows, same: a === b };
      restore.notes.push(a === b ? `restored: ${b}` : `DIFFERS: ${a} vs ${b}`);
      progress(`${kind}: restore in ${Math.round(restored.ms)} ms (${b})`);
    } finally {
      await target.close();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return [backup, restore];
}

/** A fresh, migrated server database beside the admin URL; dropped by the returned cleanup. */
export async function freshServer(adminUrl: string) {
  const admin = postgres(adminUrl, { max: 1, onnotice: () => {} });
  const name = `networth_bench_restore_${Math.random().toString(36).slice(2, 10)}`;
  await admin.unsafe(`CREATE DATABASE ${name}`);
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  const db = await openDatabase(resolveTarget({ flag: url.toString(), dataDir: tmpdir() }), {
    migrations: "auto",
  });
  return {
    db,
    async drop() {
      await admin.unsafe(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await admin.end();
    },
  };
}

/** A fresh embedded database in a temporary home; removed by the returned cleanup. */
export async function freshEmbedded() {
  const home = mkdtempSync(join(tmpdir(), "networth-bench-restore-"));
  const target = resolveTarget({ dataDir: resolvePaths({ NETWORTH_HOME: home }).dataDir });
  const db = await openDatabase(target, { migrations: "auto" });
  return {
    db,
    async drop() {
      await db.close();
      rmSync(home, { recursive: true, force: true });
    },
  };
}

async function standalone(): Promise<void> {
  const adminUrl = process.env.BENCH_DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/postgres";
  const to = todayIn();
  const from = addDays(to, -3_649);
  const rows: BenchRow[] = [];
  const kinds: DatabaseKind[] = [];
  if (process.env.BENCH_SERVER !== "0") kinds.push("server");
  if (process.env.BENCH_EMBEDDED !== "0") kinds.push("embedded");
  for (const kind of kinds) {
    const source = kind === "server" ? await freshServer(adminUrl) : await freshEmbedded();
    const drops: (() => Promise<void>)[] = [source.drop];
    try {
      const [user] = await source.db.sql<{ id: string }[]>`
        INSERT INTO users (email) VALUES ('bench@example.com') RETURNING id`;
      const userId = user?.id as string;
      await generateDailyHistory(source.db.sql, userId, 50, from, to);
      await analyze(source.db.sql);
      rows.push(
        ...(await backupRows(source.db, kind, userId, "bench@example.com", async () => {
          const target = kind === "server" ? await freshServer(adminUrl) : await freshEmbedded();
          drops.push(target.drop);
          return target.db;
        })),
      );
    } finally {
      if (kind === "server") await source.db.close();
      for (const drop of drops.reverse()) await drop().catch(() => {});
    }
  }
  process.stdout.write(`${formatTable(rows)}\n`);
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) await standalone();
