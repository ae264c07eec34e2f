/**
 * Rows 16a–16e (issue 16): how fast a plain command starts. Whole `networth` processes
 * (bin/networth), interleaved run by run with what they are compared to; medians of
 * PROCESS_RUNS, every sample printed.
 *
 *   16a  embedded `accounts --json`, opening the database itself, vs the same on the server
 *   16b  embedded `accounts --json` attached to a running holder (`db serve`) vs the server
 *   16d  `--help` vs `node -e 0`
 *   16e  peak RSS of an embedded `accounts --json` (GNU time's %M), when /usr/bin/time exists
 *
 * (16c, server `report --json` over ten daily years vs node -e 0 + psql, is row 5.)
 */

import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import {
  type BenchRow,
  measured,
  median,
  newRow,
  progress,
  round1,
  runProcess,
  skip,
} from "./lib.js";
import { cliEnv, networth, PROCESS_RUNS } from "./processes.js";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
const BIN = join(ROOT, "bin", "networth");
const ACCOUNTS = ["accounts", "--json"];

const run = (args: readonly string[], env: NodeJS.ProcessEnv) =>
  runProcess(process.execPath, [BIN, ...args], { env, cwd: ROOT });

function ratioRow(row: BenchRow, mine: number[], theirs: number[], what: string): BenchRow {
  const ratio = median(mine) / median(theirs);
  measured(row, mine, ratio);
  row.notes.push(
    `${what} median ${round1(median(theirs))} ms`,
    `samples ${mine.map(round1).join(", ")} vs ${theirs.map(round1).join(", ")}`,
  );
  return row;
}

/**
 * A home with a user and a few accounts, on the embedded database (databaseUrl null) or on
 * the server: the two sides of rows 16a and 16b hold the same data, so that the ratio is of
 * the databases, not of the work (the server's history user has 50 accounts).
 */
function startupHome(databaseUrl: string | null): { home: string; env: NodeJS.ProcessEnv } {
  const home = mkdtempSync(join(tmpdir(), "networth-bench-startup-"));
  const env = cliEnv(home, databaseUrl);
  networth(["login", `startup-${Math.random().toString(36).slice(2, 8)}@example.com`], env);
  for (const name of ["Gold", "House", "Car"])
    networth(["add-asset", "--type", "other", "--name", name, "--value", "1000"], env);
  return { home, env };
}

async function untilServing(child: ReturnType<typeof spawn>): Promise<void> {
  let out = "";
  await new Promise<void>((resolve, reject) => {
    child.stdout?.on("data", (chunk: Buffer) => {
      out += chunk.toString();
      if (out.includes("Serving the embedded database")) resolve();
    });
    child.once("exit", () => reject(new Error("db serve exited early")));
  });
}

export async function startupRows(serverUrl: string | null): Promise<BenchRow[]> {
  const rows: BenchRow[] = [];
  const { home, env } = startupHome(null);
  const server = serverUrl ? startupHome(serverUrl) : null;
  const serverEnv = server?.env ?? null;
  try {
    const direct = newRow(
      "16a",
      "embedded-direct",
      "embedded accounts --json vs server",
      "embedded",
      {
        kind: "ratio-at-most",
        value: 2,
      },
    );
    const attached = newRow(
      "16b",
      "embedded-attached",
      "embedded accounts --json attached vs server",
      "embedded",
      {
        kind: "ratio-at-most",
        value: 1.2,
      },
    );
    if (!serverEnv) {
      rows.push(
        skip(direct, "no server (BENCH_SERVER=0)"),
        skip(attached, "no server (BENCH_SERVER=0)"),
      );
    } else {
      progress(`startup: row 16a, ${PROCESS_RUNS} runs each`);
      run(ACCOUNTS, env);
      const mine: number[] = [];
      const theirs: number[] = [];
      for (let i = 0; i < PROCESS_RUNS; i++) {
        mine.push(run(ACCOUNTS, env).ms);
        theirs.push(run(ACCOUNTS, serverEnv).ms);
      }
      rows.push(ratioRow(direct, mine, theirs, "server"));
      progress(`startup: row 16b, ${PROCESS_RUNS} runs each, db serve holding the database`);
      const holder = spawn(process.execPath, [BIN, "db", "serve"], {
        env,
        cwd: ROOT,
        stdio: ["ignore", "pipe", "ignore"],
      });
      try {
        await untilServing(holder);
        const mineAttached: number[] = [];
        const theirsAttached: number[] = [];
        for (let i = 0; i < PROCESS_RUNS; i++) {
          mineAttached.push(run(ACCOUNTS, env).ms);
          theirsAttached.push(run(ACCOUNTS, serverEnv).ms);
        }
        rows.push(ratioRow(attached, mineAttached, theirsAttached, "server"));
      } finally {
        holder.kill("SIGINT");
        await new Promise((resolve) => holder.once("exit", resolve));
      }
    }

    progress(`startup: row 16d, ${PROCESS_RUNS} runs each`);
    const help = newRow("16d", "help", "--help vs node -e 0", "embedded", {
      kind: "ratio-at-most",
      value: 2,
    });
    const helpMs: number[] = [];
    const nodeMs: number[] = [];
    for (let i = 0; i < PROCESS_RUNS; i++) {
      helpMs.push(run(["--help"], env).ms);
      nodeMs.push(runProcess(process.execPath, ["-e", "0"]).ms);
    }
    rows.push(ratioRow(help, helpMs, nodeMs, "node -e 0"));

    const rss = newRow(
      "16e",
      "embedded-rss",
      "peak RSS of embedded accounts --json (MB)",
      "embedded",
      {
        kind: "report",
        text: "<= 200 MB",
      },
    );
    if (!existsSync("/usr/bin/time")) rows.push(skip(rss, "no /usr/bin/time"));
    else {
      const mb: number[] = [];
      for (let i = 0; i < PROCESS_RUNS; i++) {
        const timed = runProcess(
          "/usr/bin/time",
          ["-f", "%M", process.execPath, BIN, ...ACCOUNTS],
          { env, cwd: ROOT },
        );
        mb.push(Number(timed.stderr.trim().split("\n").pop()) / 1024);
      }
      measured(rss, mb);
      rss.notes.push(`MB, not ms: samples ${mb.map(round1).join(", ")}`);
      rss.met = median(mb) <= 200;
      rows.push(rss);
    }
  } finally {
    rmSync(home, { recursive: true, force: true });
    if (server) rmSync(server.home, { recursive: true, force: true });
  }
  return rows;
}
