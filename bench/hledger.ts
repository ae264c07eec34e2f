/**
 * Row 16f (issue 16): on the embedded database, `networth snapshot --from <10 years ago>` then
 * `networth report --json` (two whole processes, the daily history of 50 accounts over ten
 * years already stored), against `hledger bs -D -H` over the same history written as a journal
 * (one transaction a day moving each account by that day's change, against equity). Interleaved
 * run by run, medians of RUNS (3); ratio = hledger / networth (above 1: networth faster).
 * Skipped when hledger is not installed.
 *
 *   node --import tsx bench/hledger.ts      (alone; `npm run bench` runs it with the rest)
 */

import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { addDays, todayIn } from "../src/core/dates.js";
import { centsFromDecimal, fixedFromCents } from "../src/core/money.js";
import { openDatabase } from "../src/db/connection.js";
import { resolveTarget } from "../src/db/target.js";
import { resolvePaths } from "../src/paths.js";
import { analyze, generateDailyHistory } from "./data.js";
import {
  type BenchRow,
  formatTable,
  measured,
  median,
  newRow,
  progress,
  round1,
  runProcess,
  skip,
} from "./lib.js";
import { cliEnv, login } from "./processes.js";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
const BIN = join(ROOT, "bin", "networth");
const ACCOUNTS = 50;
const DAYS = 3_650;
const EMAIL = "bench-hledger@example.com";
/** Each run is seconds long on both sides: fewer runs than the other process rows. */
const RUNS = 3;

function hledgerPath(): string | null {
  const found = spawnSync("sh", ["-c", "command -v hledger"], { encoding: "utf8" });
  return found.status === 0 ? found.stdout.trim() : null;
}

/** The journal: per day one transaction with each account's change from the day before. */
function journal(
  rows: readonly { name: string; side: "asset" | "liability"; date: string; balance: string }[],
): string {
  const last = new Map<string, bigint>();
  const byDay = new Map<string, string[]>();
  for (const r of rows) {
    const cents = centsFromDecimal(r.balance);
    const change = cents - (last.get(r.name) ?? 0n);
    last.set(r.name, cents);
    if (change === 0n) continue;
    // A liability is owed: a negative balance in hledger's convention.
    const signed = r.side === "liability" ? -change : change;
    const account = `${r.side === "liability" ? "liabilities" : "assets"}:${r.name}`;
    const lines = byDay.get(r.date) ?? [];
    lines.push(`    ${account}  $${fixedFromCents(signed)}`);
    byDay.set(r.date, lines);
  }
  const out: string[] = [];
  for (const [date, lines] of [...byDay].sort(([a], [b]) => (a < b ? -1 : 1))) {
    out.push(`${date} balances`, ...lines, "    equity:adjustments", "");
  }
  return out.join("\n");
}

export async function hledgerRows(): Promise<BenchRow[]> {
  const row = newRow(
    "16f",
    "vs-hledger",
    "embedded snapshot+report vs hledger bs -D -H",
    "embedded",
    {
      kind: "ratio-at-least",
      value: 2,
    },
  );
  const hledger = hledgerPath();
  if (!hledger) return [skip(row, "hledger is not installed (Debian: apt-get install hledger)")];
  const home = mkdtempSync(join(tmpdir(), "networth-bench-hledger-"));
  try {
    const to = todayIn();
    const from = addDays(to, -(DAYS - 1));
    const env = cliEnv(home, null);
    const { userId } = login(EMAIL, env);
    progress(`hledger: row 16f, generating ${ACCOUNTS} accounts x ${DAYS} days`);
    const target = resolveTarget({ dataDir: resolvePaths({ NETWORTH_HOME: home }).dataDir });
    const db = await openDatabase(target, { migrations: "auto" });
    let text: string;
    try {
      await generateDailyHistory(db.sql, userId, ACCOUNTS, from, to);
      await analyze(db.sql);
      const rows = await db.sql<
        { name: string; side: "asset" | "liability"; date: string; balance: string }[]
      >`
        SELECT a.name, CASE WHEN a.type IN ('credit', 'loan', 'manual_liability') THEN 'liability'
                            ELSE 'asset' END AS side, b.date, b.balance::text AS balance
        FROM account_balances b JOIN accounts a ON a.id = b.account_id
        WHERE a.user_id = ${userId} ORDER BY b.date, a.name`;
      text = journal(rows);
    } finally {
      await db.close();
    }
    const file = join(home, "history.journal");
    writeFileSync(file, text);
    const ours: number[] = [];
    const theirs: number[] = [];
    for (let i = 0; i < RUNS; i++) {
      progress(`hledger: row 16f, run ${i + 1} of ${RUNS}`);
      const snap = runProcess(process.execPath, [BIN, "snapshot", "--from", from, "--quiet"], {
        env,
        cwd: ROOT,
      });
      const report = runProcess(
        process.execPath,
        [BIN, "report", "--json", "--from", from, "--to", to],
        { env, cwd: ROOT },
      );
      if (snap.status !== 0 || report.status !== 0)
        throw new Error(`networth failed: ${snap.stderr}${report.stderr}`);
      ours.push(snap.ms + report.ms);
      const bs = runProcess(hledger, ["-f", file, "bs", "-D", "-H"], { cwd: home });
      if (bs.status !== 0) throw new Error(`hledger failed: ${bs.stderr}`);
      theirs.push(bs.ms);
    }
    measured(row, ours, median(theirs) / median(ours));
    row.notes.push(
      `hledger median ${round1(median(theirs))} ms; ratio = hledger / networth`,
      `samples ${ours.map(round1).join(", ")} vs ${theirs.map(round1).join(", ")}`,
      `journal ${Math.round(text.length / 1024)} kB`,
    );
    return [row];
  } finally {
    rmSync(home, { recursive: true, force: true });
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  process.stdout.write(`${formatTable(await hledgerRows())}\n`);
}
