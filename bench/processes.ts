/**
 * Rows 5 and 6: whole `networth` processes (bin/networth, which loads dist/), timed from
 * spawn to exit.
 */

import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { addDays } from "../src/core/dates.js";
import {
  type BenchRow,
  type DatabaseKind,
  formatMs,
  lastLine,
  measured,
  median,
  newRow,
  progress,
  round1,
  runProcess,
  skip,
} from "./lib.js";
import { reportQuery } from "./queries.js";

export const PROCESS_RUNS = 5;
/** Row 6: accounts x days = rows of the generated CSV. */
export const IMPORT = { accounts: 100, days: 1_000 };

const ROOT = fileURLToPath(new URL("..", import.meta.url));
const BIN = join(ROOT, "bin", "networth");

/** The environment of a CLI process: a home, and a server URL or (null) the embedded database. */
export function cliEnv(home: string, databaseUrl: string | null): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, NETWORTH_HOME: home, NO_COLOR: "1" };
  delete env.DATABASE_URL;
  delete env.NETWORTH_DEBUG;
  if (databaseUrl) env.DATABASE_URL = databaseUrl;
  return env;
}

/** Runs `networth <args>`; throws with its stderr when it fails. */
export function networth(args: readonly string[], env: NodeJS.ProcessEnv) {
  const run = runProcess(process.execPath, [BIN, ...args], { env, cwd: ROOT });
  if (run.status !== 0) {
    throw new Error(`networth ${args.join(" ")} exited ${run.status}: ${lastLine(run.stderr)}`);
  }
  return run;
}

/** `networth login <email> --json`: the user's id. */
export function login(email: string, env: NodeJS.ProcessEnv): { userId: string; ms: number } {
  const run = networth(["login", email, "--json"], env);
  const parsed = JSON.parse(run.stdout) as { user: { id: string } };
  return { userId: parsed.user.id, ms: run.ms };
}

/**
 * Row 5: `networth report --json` over the whole history as a process, beside `node -e 0` and
 * psql running the report's snapshot read, interleaved run by run; medians of PROCESS_RUNS.
 */
export function reportRow(
  env: NodeJS.ProcessEnv,
  databaseUrl: string,
  userId: string,
  from: string,
  to: string,
): BenchRow {
  const row = newRow("5", "report", "report --json, 10 years", "server", {
    kind: "ratio-at-most",
    value: 2.5,
  });
  const reportArgs = ["report", "--json", "--from", from, "--to", to];
  const psqlArgs = [databaseUrl, "-X", "-q", "-A", "-t", "-c", reportQuery(userId, from, to)];
  progress(`server: row 5, report process (probe, then ${PROCESS_RUNS} runs of each process)`);
  const probe = runProcess(process.execPath, [BIN, ...reportArgs], { env, cwd: ROOT });
  const available = probe.status === 0;
  const reason = /unknown command/i.test(probe.stderr)
    ? "report command not available"
    : `report failed (exit ${probe.status}): ${lastLine(probe.stderr)}`;
  const node: number[] = [];
  const psql: number[] = [];
  const report: number[] = [];
  for (let i = 0; i < PROCESS_RUNS; i++) {
    node.push(runProcess(process.execPath, ["-e", "0"]).ms);
    const query = runProcess("psql", psqlArgs);
    if (query.status !== 0) throw new Error(`psql failed: ${lastLine(query.stderr)}`);
    psql.push(query.ms);
    if (available) {
      const run = runProcess(process.execPath, [BIN, ...reportArgs], { env, cwd: ROOT });
      if (run.status !== 0) throw new Error(`networth report failed: ${lastLine(run.stderr)}`);
      report.push(run.ms);
    }
  }
  const nodeMs = round1(median(node));
  const psqlMs = round1(median(psql));
  row.details = {
    nodeMs,
    psqlMs,
    nodeSamples: node.map(round1).join(", "),
    psqlSamples: psql.map(round1).join(", "),
  };
  if (!available) return skip(row, reason);
  measured(row, report, median(report) / (nodeMs + psqlMs));
  const psqlRows = runProcess("psql", psqlArgs).stdout.trim().split("\n").length;
  row.notes.push(
    `node -e 0 ${formatMs(nodeMs)} ms + psql ${formatMs(psqlMs)} ms (medians of ${PROCESS_RUNS}); ` +
      `ratio = report / (node + psql); report prints ${Math.round(probe.stdout.length / 1024)} kB, psql ${psqlRows.toLocaleString("en-US")} rows`,
  );
  row.details.reportBytes = probe.stdout.length;
  row.details.psqlRows = psqlRows;
  return row;
}

/**
 * Row 6: `networth import balances <file> --create-missing --type other` of a generated
 * IMPORT.accounts x IMPORT.days CSV (one balance per account per day, ending `to`), as one
 * process on a fresh, logged-in home. One run: a second would import an unchanged file.
 */
export function importRow(
  database: DatabaseKind,
  env: NodeJS.ProcessEnv,
  dir: string,
  to: string,
): BenchRow {
  const { accounts, days } = IMPORT;
  const rows = accounts * days;
  const row = newRow("6", "import", `import ${rows.toLocaleString("en-US")}-row CSV`, database, {
    kind: "ms",
    below: 60_000,
  });
  const lines = ["account,date,balance"];
  const first = addDays(to, -(days - 1));
  for (let a = 1; a <= accounts; a++) {
    const name = `Import ${String(a).padStart(3, "0")}`;
    for (let d = 0, date = first; d < days; d++, date = addDays(date, 1)) {
      const cents = 100_000 + ((a * 7_919 + d * 104_729) % 10_000_000);
      lines.push(`${name},${date},${(cents / 100).toFixed(2)}`);
    }
  }
  const file = join(dir, "balances.csv");
  writeFileSync(file, `${lines.join("\n")}\n`);
  progress(`${database}: row 6, import of ${rows.toLocaleString("en-US")} rows (1 run)`);
  const run = runProcess(
    process.execPath,
    [BIN, "import", "balances", file, "--create-missing", "--type", "other", "--json"],
    { env, cwd: ROOT },
  );
  if (run.status !== 0) return skip(row, `import failed: ${lastLine(run.stderr)}`);
  const summary = JSON.parse(run.stdout) as { inserted: number; accountsCreated: string[] };
  measured(row, [run.ms]);
  row.notes.push(
    `whole process: ${summary.inserted.toLocaleString("en-US")} rows inserted, ` +
      `${summary.accountsCreated.length} accounts created, snapshots of ${days} days refreshed`,
  );
  row.details = {
    rows,
    inserted: summary.inserted,
    accountsCreated: summary.accountsCreated.length,
  };
  return row;
}
