import { fileURLToPath } from "node:url";
import { execa } from "execa";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { cli } from "../support/cli.js";
import { DATABASE_KINDS, type TestTarget } from "../support/databases.js";

const BIN = fileURLToPath(new URL("../../bin/networth", import.meta.url));

/**
 * Runs `networth ARGS | READER` in bash and returns networth's own exit status (PIPESTATUS)
 * and its stderr. `false` exits before reading anything, so every write meets a closed pipe.
 */
async function piped(args: string[], reader: string, env: Record<string, string>) {
  const result = await execa(
    "bash",
    ["-c", `"$0" "$@" | ${reader} >/dev/null; echo "\${PIPESTATUS[0]}"`, BIN, ...args],
    {
      env: {
        PATH: process.env.PATH ?? "",
        NO_COLOR: "1",
        ...env,
      },
      extendEnv: false,
      reject: false,
      timeout: 60_000,
    },
  );
  return { status: Number(result.stdout.trim().split("\n").pop()), stderr: result.stderr };
}

const READS: string[][] = [
  ["accounts"],
  ["accounts", "--json"],
  ["history", "Gold"],
  ["history", "Gold", "--json"],
  ["report"],
  ["report", "--json"],
  ["logs"],
  ["logs", "--json"],
  ["whoami"],
  ["whoami", "--json"],
  ["export", "balances"],
  ["holdings", "list"],
  ["holdings", "list", "--json"],
  ["prices", "--json"],
  ["rates"],
  ["rates", "--json"],
  ["--help"],
  ["report", "--help"],
  ["--version"],
];

const embedded = DATABASE_KINDS[0];
describe.skipIf(!embedded?.available)("output into a closed pipe", () => {
  let t: TestTarget;
  beforeAll(async () => {
    t = await (embedded as NonNullable<typeof embedded>).create();
    expect((await cli(["login", "me@example.com"], t.env)).exitCode).toBe(0);
    const added = await cli(
      ["add-asset", "--type", "other", "--name", "Gold", "--value", "100", "--date", "2026-01-01"],
      t.env,
    );
    expect(added.exitCode, added.stderr).toBe(0);
    expect((await cli(["snapshot", "--from", "2026-01-01"], t.env)).exitCode).toBe(0);
  });
  afterAll(async () => {
    await t?.dispose();
  });

  for (const args of READS) {
    for (const reader of ["head -1", "false"]) {
      it(`networth ${args.join(" ")} | ${reader}: quiet, status 0 or 141`, async () => {
        const { status, stderr } = await piped(args, reader, t.env);
        expect(stderr).not.toMatch(/EPIPE|Error|at .*\.js/);
        expect([0, 141]).toContain(status);
      });
    }
  }
});
