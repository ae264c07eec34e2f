/**
 * `networth report`'s text, read as a person reads it, through the built CLI: the breakdown
 * names each bucket as the dashboard does (one label table, core/buckets.ts), never by its
 * JSON key.
 */

import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ASSET_BUCKETS, BUCKET_LABELS, LIABILITY_BUCKETS } from "../../src/core/buckets.js";
import { cli } from "../support/cli.js";

describe("networth report's text", () => {
  let home = "";
  const run = (...args: string[]) => cli(args, { NETWORTH_HOME: home });
  beforeAll(async () => {
    home = mkdtempSync(join(tmpdir(), "networth-report-text-"));
    for (const args of [
      ["login", "me@example.com"],
      ["add-asset", "--type", "precious_metal", "--name", "Gold", "--value", "1,000"],
      ["add-asset", "--type", "crypto", "--name", "Coins", "--value", "500"],
      ["add-liability", "--type", "credit_card", "--name", "Visa", "--balance", "250"],
    ]) {
      const result = await run(...args);
      expect(result.exitCode, result.stderr).toBe(0);
    }
  }, 120_000);
  afterAll(() => {
    if (home) rmSync(home, { recursive: true, force: true });
  });

  it("names the breakdown's buckets as the dashboard does, not by their JSON keys", async () => {
    const result = await run("report");
    expect(result.exitCode, result.stderr).toBe(0);
    const rows = result.stdout.split("\n");
    const row = (side: string, label: string) =>
      rows.find((line) => new RegExp(`^${side} +${label} +\\$`).test(line));
    expect(row("asset", "Metals")).toMatch(/\$1,000\.00 +66\.7%$/);
    expect(row("asset", "Crypto")).toMatch(/\$500\.00 +33\.3%$/);
    expect(row("liability", "Credit cards")).toMatch(/\$250\.00 +100\.0%$/);
    // Every bucket has its row, under its label; no key leaks through.
    for (const bucket of ASSET_BUCKETS)
      expect(row("asset", BUCKET_LABELS.asset[bucket])).toBeDefined();
    for (const bucket of LIABILITY_BUCKETS) {
      expect(row("liability", BUCKET_LABELS.liability[bucket])).toBeDefined();
    }
    expect(result.stdout).not.toMatch(/preciousMetals|digitalAssets|creditCards/);
  }, 60_000);
});
