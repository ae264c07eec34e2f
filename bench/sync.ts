/**
 * Row 7: `syncItems` over 100 linked items whose Plaid answers each take 200 ms (the fake Plaid
 * server of the tests, on loopback), with the default bound of 4 items in flight, beside the
 * same sync one item at a time. In-process, on the bench's server database.
 */

import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { todayIn } from "../src/core/dates.js";
import { openDatabase } from "../src/db/connection.js";
import { resolveTarget } from "../src/db/target.js";
import { createPlaidClient, plaidSettings } from "../src/plaid/client.js";
import { loadKeyring } from "../src/plaid/crypto.js";
import { completeLink } from "../src/plaid/link-flow.js";
import { syncItems } from "../src/plaid/sync.js";
import { startFakePlaid } from "../test/support/fake-plaid.js";
import { type BenchRow, measured, newRow, progress, timed } from "./lib.js";

/** What a sync row can use: the server database the bench created, and its logged-in home. */
export interface SyncBenchContext {
  /** postgres:// URL of the bench's fresh server database. */
  readonly databaseUrl: string;
  /** NETWORTH_HOME of a session logged in to it (bench@example.com). */
  readonly home: string;
}

const ITEMS = 100;
const LATENCY_MS = 200;

export async function benchSync(context: SyncBenchContext): Promise<BenchRow[]> {
  const keysDir = mkdtempSync(join(tmpdir(), "networth-bench-keys-"));
  const fake = await startFakePlaid();
  const db = await openDatabase(
    resolveTarget({ flag: context.databaseUrl, dataDir: join(context.home, "data") }),
    { migrations: "require" },
  );
  try {
    const client = await createPlaidClient(
      plaidSettings(
        { PLAID_CLIENT_ID: fake.clientId, PLAID_SECRET: fake.secret, PLAID_BASE_URL: fake.url },
        {},
      ),
    );
    const keyring = loadKeyring({ env: {}, keysDir, create: true });
    const today = todayIn();
    const [user] = await db.sql<
      { id: string }[]
    >`INSERT INTO users (email) VALUES ('bench-sync@example.com') RETURNING id`;
    const userId = user?.id as string;
    progress(`sync: linking ${ITEMS} items at the fake Plaid`);
    for (let i = 0; i < ITEMS; i++) {
      const { publicToken } = fake.createItem({
        accounts: [
          {
            name: `Checking ${i}`,
            type: "depository",
            subtype: "checking",
            current: 100 + i,
            mask: `c${i}`,
          },
          {
            name: `Card ${i}`,
            type: "credit",
            subtype: "credit card",
            current: 50 + i,
            mask: `k${i}`,
          },
        ],
      });
      await completeLink({ db, userId, client, keyring, today }, publicToken);
    }
    fake.setLatency("/accounts/get", LATENCY_MS);
    const deps = { db, client, keyring, today };
    const run = async (concurrency: number) => {
      const { ms, value } = await timed(() =>
        syncItems(deps, { userId, refreshType: "manual", concurrency }),
      );
      const failed = value.filter((r) => r.status !== "success").length;
      if (failed > 0) throw new Error(`bench sync: ${failed} item(s) failed`);
      return ms;
    };
    progress("sync: 4 at a time");
    const parallel = [await run(4), await run(4), await run(4)];
    progress("sync: one at a time");
    const sequential = await run(1);
    const row = newRow("7", "sync", `sync ${ITEMS} items, ${LATENCY_MS} ms each`, "server", {
      kind: "report",
      text: "a few seconds",
    });
    measured(row, parallel, sequential / (parallel.sort((a, b) => a - b)[1] as number));
    row.notes.push(
      `4 in flight; one at a time took ${Math.round(sequential)} ms (ratio = sequential / parallel)`,
    );
    row.details.sequentialMs = Math.round(sequential);
    return [row];
  } finally {
    await db.close();
    await fake.close();
    rmSync(keysDir, { recursive: true, force: true });
  }
}
