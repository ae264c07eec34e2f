/**
 * Row 8: what a durable commit costs on the embedded database. Two fresh embedded databases in
 * one process, one as the CLI runs it (fsync on, every commit synced) and one as PGlite ships
 * (fsync off), take small committed transactions in alternating rounds, so that both see the
 * same load; the ratio is per commit, durable / fsync off.
 * Runnable alone: node --import tsx bench/durability.ts
 */

import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { type Database, openDatabase } from "../src/db/connection.js";
import { resolveTarget } from "../src/db/target.js";
import { type BenchRow, measured, newRow, progress, timed } from "./lib.js";

const ROUNDS = 10;
const COMMITS_PER_ROUND = 20;

async function open(durable: boolean): Promise<{ db: Database; home: string }> {
  const home = mkdtempSync(join(tmpdir(), `networth-bench-durable-${durable}-`));
  const db = await openDatabase(resolveTarget({ dataDir: join(home, "data") }), {
    migrations: "none",
    durable,
  });
  await db.sql`CREATE TABLE bench_commits (id serial PRIMARY KEY, amount numeric(19,2), at timestamptz DEFAULT now())`;
  return { db, home };
}

/** One commit like a set-balance's in size: an insert and an update of an indexed row. */
async function commit(db: Database, n: number): Promise<void> {
  await db.sql.begin(async (tx) => {
    await tx`INSERT INTO bench_commits (amount) VALUES (${n})`;
    await tx`UPDATE bench_commits SET amount = amount + 1 WHERE id = 1`;
  });
}

export async function durabilityRows(): Promise<BenchRow[]> {
  const durable = await open(true);
  const fast = await open(false);
  const samples = { durable: [] as number[], fast: [] as number[] };
  try {
    for (let round = 0; round < ROUNDS; round++) {
      for (const [kind, side] of [
        ["durable", durable],
        ["fast", fast],
      ] as const) {
        const { ms } = await timed(async () => {
          for (let i = 0; i < COMMITS_PER_ROUND; i++) await commit(side.db, i);
        });
        samples[kind].push(ms / COMMITS_PER_ROUND);
      }
    }
  } finally {
    for (const side of [durable, fast]) {
      await side.db.close();
      rmSync(side.home, { recursive: true, force: true });
    }
  }
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0;
  const ratio = median(samples.durable) / median(samples.fast);
  const durableRow = measured(
    newRow("10", "durable-commit", "commit, durable (fsync on)", "embedded", {
      kind: "report",
      text: "reported",
    }),
    samples.durable,
    ratio,
  );
  durableRow.notes.push(
    `ms per commit, median of ${ROUNDS} rounds of ${COMMITS_PER_ROUND}; ratio = durable / fsync off`,
  );
  const fastRow = measured(
    newRow("10", "fast-commit", "commit, fsync off (PGlite's default)", "embedded", {
      kind: "report",
      text: "baseline",
    }),
    samples.fast,
  );
  progress(
    `embedded: durable commit ${durableRow.ms} ms, fsync off ${fastRow.ms} ms (${durableRow.ratio}x)`,
  );
  return [durableRow, fastRow];
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  const rows = await durabilityRows();
  for (const row of rows)
    process.stdout.write(`${row.name}: ${row.ms} ms/commit (samples ${row.samples.join(", ")})\n`);
  process.stdout.write(`ratio ${rows[0]?.ratio}\n`);
}
