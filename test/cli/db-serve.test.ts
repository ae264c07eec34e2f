import { fileURLToPath } from "node:url";
import { execa } from "execa";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DATABASE_KINDS, type TestTarget } from "../support/databases.js";

const BIN = fileURLToPath(new URL("../../bin/networth", import.meta.url));
const embedded = DATABASE_KINDS.find((k) => k.name === "embedded");

describe.skipIf(!embedded?.available)("networth db serve", () => {
  let t: TestTarget;
  beforeAll(async () => {
    t = await (embedded as NonNullable<typeof embedded>).create();
  });
  afterAll(async () => {
    await t?.dispose();
  });

  it("warns on stderr, in one line, that it serves without a password", async () => {
    const child = execa(BIN, ["db", "serve"], {
      env: { ...t.env, PATH: process.env.PATH ?? "", NO_COLOR: "1" },
      extendEnv: false,
      reject: false,
      timeout: 60_000,
    });
    let stdout = "";
    let stderr = "";
    child.stderr?.on("data", (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    await new Promise<void>((resolve, reject) => {
      child.stdout?.on("data", (chunk: Buffer) => {
        stdout += chunk.toString();
        if (stdout.includes("Serving the embedded database")) resolve();
      });
      child.then(() => reject(new Error(`db serve exited early: ${stderr}`)), reject);
    });
    // stderr is another pipe: its line may arrive a moment after stdout's.
    const deadline = Date.now() + 10_000;
    while (!stderr.includes("\n") && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    child.kill("SIGINT");
    await child;
    const url = /Serving the embedded database at (\S+)/.exec(stdout)?.[1];
    expect(url).toMatch(/^postgres:\/\/postgres@127\.0\.0\.1:\d+\/postgres$/);
    const lines = stderr.split("\n").filter(Boolean);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toBe(
      `warning: ${url} has no password: anyone on this machine can connect and read or change every user's data until you stop it (Ctrl-C); do not leave it running`,
    );
    expect(stdout).not.toContain("no password");
  });
});
