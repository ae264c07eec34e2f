import { fileURLToPath } from "node:url";
import { execa } from "execa";
import postgres from "postgres";
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

  it("serves on 127.0.0.1 behind a random password printed once, and refuses a connection without it", async () => {
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
    const url = /Serving the embedded database at (\S+)/.exec(stdout)?.[1] ?? "";
    expect(url).toMatch(/^postgres:\/\/postgres:[A-Za-z0-9_-]{20,}@127\.0\.0\.1:\d+\/postgres$/);
    const parsed = new URL(url);
    try {
      // With the password: served.
      const good = postgres({
        host: "127.0.0.1",
        port: Number(parsed.port),
        username: "postgres",
        password: parsed.password,
        database: "postgres",
        max: 1,
      });
      const [row] = await good`SELECT 1 AS one`;
      expect(row?.one).toBe(1);
      await good.end();
      // Without it, or with another: refused, nothing served.
      for (const password of [undefined, "wrong"]) {
        const bad = postgres({
          host: "127.0.0.1",
          port: Number(parsed.port),
          username: "postgres",
          ...(password ? { password } : {}),
          database: "postgres",
          max: 1,
          connect_timeout: 5,
        });
        const error = await bad`SELECT 1`.then(
          () => null,
          (e: unknown) => e as { code?: string; message?: string },
        );
        expect(error, `connected with password ${password}`).not.toBeNull();
        await bad.end({ timeout: 0 }).catch(() => {});
      }
    } finally {
      child.kill("SIGINT");
      await child;
    }
    const lines = stderr.split("\n").filter(Boolean);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(
      /^warning: the URL holds a password made for this run and shown only here/,
    );
    expect(stderr).not.toContain(parsed.password);
  });
});
