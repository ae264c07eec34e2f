/**
 * `npm run bench`: measures the snapshot engine, the naive baselines, and whole CLI processes
 * on a fresh server database (created and dropped here) and a fresh embedded database (temp
 * NETWORTH_HOME), prints a table, and writes bench/results/latest.json. bench/README.md says
 * what each row measures. A report: it never fails on a missed target.
 *
 * Environment:
 *   BENCH_DATABASE_URL  server to create the bench database on
 *                       (default postgres://postgres@127.0.0.1:5432/postgres)
 *   BENCH_SERVER=0      skip the server rows
 *   BENCH_EMBEDDED=0    skip the embedded rows (the slow ones)
 */

import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { cpus, tmpdir, totalmem } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import postgres from "postgres";
import { addDays, todayIn } from "../src/core/dates.js";
import { type Database, openDatabase } from "../src/db/connection.js";
import { resolveTarget } from "../src/db/target.js";
import { resolvePaths } from "../src/paths.js";
import { backupRows, freshEmbedded, freshServer } from "./backup.js";
import { currencyRows } from "./currencies.js";
import { analyze, generateDailyHistory } from "./data.js";
import { durabilityRows } from "./durability.js";
import { ALL_USERS, allUsersRows, userRows } from "./engine.js";
import { hledgerRows } from "./hledger.js";
import { type BenchRow, formatTable, progress, timed } from "./lib.js";
import { marketRows } from "./market.js";
import { cliEnv, IMPORT, importRow, login, reportRow } from "./processes.js";
import { REVALUE, revalueRows } from "./revalue.js";
import { startupRows } from "./startup.js";
import { benchSync } from "./sync.js";

const DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/postgres";
/** Row 1's history: one user, 50 accounts, a balance every day for 10 years. */
const HISTORY = { accounts: 50, days: 3_650, email: "bench@example.com" };
/** Row 3 on the embedded database runs only when generating its data takes less than this. */
const EMBEDDED_GENERATION_BUDGET_MS = 120_000;

const flag = (name: string) => process.env[name] !== "0" && process.env[name] !== "false";

/** Work to undo on exit, Ctrl-C included: dropping the database, removing temp dirs. */
const cleanups: (() => Promise<void>)[] = [];
async function cleanup(): Promise<void> {
  for (const fn of cleanups.splice(0).reverse()) await fn().catch(() => {});
}
process.once("SIGINT", () => {
  progress("interrupted: cleaning up");
  void cleanup().finally(() => process.exit(130));
});

function tempHome(label: string): string {
  const home = mkdtempSync(join(tmpdir(), `networth-bench-${label}-`));
  cleanups.push(async () => rmSync(home, { recursive: true, force: true }));
  return home;
}

async function generateHistory(db: Database, userId: string, from: string, to: string) {
  const { ms, value } = await timed(() =>
    generateDailyHistory(db.sql, userId, HISTORY.accounts, from, to),
  );
  await analyze(db.sql);
  progress(
    `${db.target.kind}: generated ${value.toLocaleString("en-US")} balances in ${Math.round(ms)} ms`,
  );
  return { rows: value, ms };
}

async function serverRows(adminUrl: string, from: string, to: string) {
  const rows: BenchRow[] = [];
  const setup: Record<string, number | string> = {};
  const admin = postgres(adminUrl, { max: 1, onnotice: () => {} });
  const name = `networth_bench_${Math.random().toString(36).slice(2, 10)}`;
  const [version] = await admin<{ server_version: string }[]>`SHOW server_version`.catch(
    (error: unknown) => {
      throw new Error(`cannot reach the server at BENCH_DATABASE_URL: ${String(error)}`);
    },
  );
  setup.serverVersion = version?.server_version ?? "";
  await admin.unsafe(`CREATE DATABASE ${name}`);
  progress(`server: created database ${name}`);
  cleanups.push(async () => {
    await admin.unsafe(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    await admin.end();
    progress(`server: dropped database ${name}`);
  });
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  const databaseUrl = url.toString();
  const target = resolveTarget({ flag: databaseUrl, dataDir: tmpdir() });
  const db = await openDatabase(target, { migrations: "auto" });
  cleanups.push(() => db.close());

  // The logged-in CLI user owns row 1's history, so the report (row 5) reads it.
  const home = tempHome("server");
  const env = cliEnv(home, databaseUrl);
  const { userId } = login(HISTORY.email, env);
  const history = await generateHistory(db, userId, from, to);
  setup.serverHistoryGenerationMs = Math.round(history.ms);

  rows.push(...(await userRows(db, "server", userId, from, to, history.rows)));
  const serverUsd = rows.find((r) => r.id === "backfill")?.ms ?? null;
  rows.push(...(await currencyRows(db, "server", userId, from, to, serverUsd)));
  rows.push(reportRow(env, databaseUrl, userId, from, to));
  if (flag("BENCH_EMBEDDED")) rows.push(...(await startupRows(databaseUrl)));
  rows.push(...(await benchSync({ databaseUrl, home })));
  // Rows 8 and 9 before the all-users set: the restore target is a fresh database anyway.
  rows.push(
    ...(await backupRows(db, "server", userId, HISTORY.email, async () => {
      const fresh = await freshServer(adminUrl);
      cleanups.push(fresh.drop);
      return fresh.db;
    })),
  );
  rows.push(...(await revalueRows(db, "server", to)));
  rows.push(...(await marketRows(db, "server", to)));
  const allUsers = await allUsersRows(db, "server", to, null);
  rows.push(...allUsers.rows);
  if (allUsers.generationMs !== null)
    setup.serverAllUsersGenerationMs = Math.round(allUsers.generationMs);

  // Row 6 on the server too, for comparison with the embedded figure (another user and home).
  const importHome = tempHome("server-import");
  const importEnv = cliEnv(importHome, databaseUrl);
  login("bench-import@example.com", importEnv);
  rows.push(importRow("server", importEnv, importHome, to));
  return { rows, setup };
}

async function embeddedRows(from: string, to: string) {
  const rows: BenchRow[] = [];
  const setup: Record<string, number | string> = {};
  const home = tempHome("embedded");
  const target = resolveTarget({ dataDir: resolvePaths({ NETWORTH_HOME: home }).dataDir });
  const opened = await timed(() => openDatabase(target, { migrations: "auto" }));
  const db = opened.value;
  setup.embeddedCreateMs = Math.round(opened.ms);
  progress(`embedded: created and migrated in ${Math.round(opened.ms)} ms (${home})`);
  try {
    const [user] = await db.sql<{ id: string }[]>`
      INSERT INTO users (email) VALUES (${HISTORY.email}) RETURNING id`;
    if (!user) throw new Error("no user");
    const history = await generateHistory(db, user.id, from, to);
    setup.embeddedHistoryGenerationMs = Math.round(history.ms);
    rows.push(...(await userRows(db, "embedded", user.id, from, to, history.rows)));
    const embeddedUsd = rows.find((r) => r.id === "backfill")?.ms ?? null;
    rows.push(...(await currencyRows(db, "embedded", user.id, from, to, embeddedUsd)));
    rows.push(
      ...(await backupRows(db, "embedded", user.id, HISTORY.email, async () => {
        const fresh = await freshEmbedded();
        cleanups.push(fresh.drop);
        return fresh.db;
      })),
    );
    rows.push(...(await revalueRows(db, "embedded", to)));
    const allUsers = await allUsersRows(db, "embedded", to, EMBEDDED_GENERATION_BUDGET_MS);
    rows.push(...allUsers.rows);
    if (allUsers.generationMs !== null)
      setup.embeddedAllUsersGenerationMs = Math.round(allUsers.generationMs);
  } finally {
    await db.close();
  }

  // Row 6: a fresh home whose embedded database the CLI creates on login.
  const importHome = tempHome("embedded-import");
  const env = cliEnv(importHome, null);
  setup.embeddedLoginCreateMs = Math.round(login("bench@example.com", env).ms);
  rows.push(importRow("embedded", env, importHome, to));
  rows.push(...(await durabilityRows()));
  rows.push(...(await hledgerRows()));
  return { rows, setup };
}

const ORDER = [
  "1",
  "1c",
  "2",
  "3",
  "4a",
  "4b",
  "5",
  "6",
  "7",
  "8",
  "9",
  "10",
  "11",
  "11u",
  "11n",
  "12",
  "13",
  "16a",
  "16b",
  "16d",
  "16e",
  "16f",
];
const byRow = (a: BenchRow, b: BenchRow) =>
  ORDER.indexOf(a.num) - ORDER.indexOf(b.num) ||
  (a.database === b.database ? 0 : a.database === "server" ? -1 : 1);

async function main(): Promise<void> {
  const started = performance.now();
  const adminUrl = process.env.BENCH_DATABASE_URL?.trim() || DEFAULT_URL;
  const to = todayIn();
  const from = addDays(to, -(HISTORY.days - 1));
  const rows: BenchRow[] = [];
  let setup: Record<string, number | string> = {};
  try {
    if (flag("BENCH_SERVER")) {
      const server = await serverRows(adminUrl, from, to);
      rows.push(...server.rows);
      setup = { ...setup, ...server.setup };
    } else progress("server rows skipped (BENCH_SERVER=0)");
    if (flag("BENCH_EMBEDDED")) {
      const embedded = await embeddedRows(from, to);
      rows.push(...embedded.rows);
      setup = { ...setup, ...embedded.setup };
    } else progress("embedded rows skipped (BENCH_EMBEDDED=0)");
  } finally {
    await cleanup();
  }
  rows.sort(byRow);
  const totalMs = Math.round(performance.now() - started);

  const cpu = cpus();
  const machine = {
    cpus: cpu.length,
    cpuModel: cpu[0]?.model ?? "unknown",
    memoryGiB: Math.round(totalmem() / 2 ** 30),
    node: process.version,
    platform: `${process.platform} ${process.arch}`,
  };
  const table = formatTable(rows);
  process.stdout.write(
    `\nnetworth bench, ${new Date().toISOString()}, ${machine.cpus} cores (${machine.cpuModel}), ` +
      `node ${machine.node}${setup.serverVersion ? `, PostgreSQL ${setup.serverVersion}` : ""}\n` +
      `history ${from}..${to}; total ${Math.round(totalMs / 1000)} s\n\n${table}\n`,
  );
  const missed = rows.filter((row) => row.met === false);
  if (missed.length > 0)
    process.stdout.write(
      `\nmissed: ${missed.map((row) => `${row.num} ${row.name} (${row.database})`).join(", ")}\n`,
    );

  const dir = fileURLToPath(new URL("results/", import.meta.url));
  mkdirSync(dir, { recursive: true });
  const file = join(dir, "latest.json");
  const json = {
    date: new Date().toISOString(),
    machine,
    sizes: { history: HISTORY, allUsers: ALL_USERS, import: IMPORT, revalue: REVALUE },
    range: { from, to },
    setup,
    totalMs,
    rows,
  };
  writeFileSync(file, `${JSON.stringify(json, null, 2)}\n`);
  process.stdout.write(`\nwrote ${file}\n`);
}

main().catch(async (error: unknown) => {
  await cleanup();
  process.stderr.write(
    `bench failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
  );
  process.exit(1);
});
