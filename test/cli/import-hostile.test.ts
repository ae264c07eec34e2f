import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { cli, json } from "../support/cli.js";
import { DATABASE_KINDS, type TestTarget } from "../support/databases.js";

// Each test runs the CLI several times: on a loaded two-core machine that takes minutes.
vi.setConfig({ testTimeout: 240_000 });

const TODAY = "2026-03-15";

for (const kind of DATABASE_KINDS) {
  describe.skipIf(!kind.available)(`hostile import files on the ${kind.name} database`, () => {
    let t: TestTarget;
    let run: (...args: string[]) => ReturnType<typeof cli>;
    let n = 0;
    const file = (content: string | Buffer) => {
      const path = join(t.home, `f${n++}.csv`);
      writeFileSync(path, content);
      return path;
    };
    const importOf = (content: string | Buffer, ...flags: string[]) =>
      run("import", "balances", file(content), "--create-missing", "--type", "other", ...flags);
    const accountCount = async () =>
      json<{ assets: unknown[]; liabilities: unknown[] }>(await run("accounts", "--json")).assets
        .length;

    beforeAll(async () => {
      t = await kind.create();
      if (kind.name === "server") await (await t.open("auto")).close();
      run = (...args) => cli(args, { ...t.env, NETWORTH_TODAY: TODAY });
      expect((await run("login", "me@example.com")).exitCode).toBe(0);
    });
    afterAll(async () => {
      await t?.dispose();
    });

    it("a name over 255 characters gets its line number", async () => {
      const long = "x".repeat(256);
      const result = await importOf(
        `account,date,balance\nFine,2026-01-01,1.00\n${long},2026-01-01,2.00\n`,
      );
      expect(result.exitCode).toBe(1);
      expect(result.stderr).toMatch(/^line 3: account: [0-9,]+ characters, at most 255 allowed$/m);
      expect(result.stderr).not.toMatch(/unexpected error/);
      expect(await accountCount()).toBe(0);
    });

    it("a NUL byte gets its line number", async () => {
      const result = await importOf(
        "account,date,balance\nOk,2026-01-01,1.00\nA\0B,2026-01-01,2.00\n",
      );
      expect(result.exitCode).toBe(1);
      expect(result.stderr).toMatch(/line 3\b.*NUL/);
      expect(result.stderr).not.toMatch(/unexpected error/);
      expect(await accountCount()).toBe(0);
    });

    it("a Latin-1 file is refused: not UTF-8, with the line", async () => {
      const latin1 = Buffer.from(
        "account,date,balance\nOk,2026-01-01,1.00\nCaf\xe9,2026-01-01,2.00\n",
        "latin1",
      );
      const result = await importOf(latin1);
      expect(result.exitCode).toBe(1);
      expect(result.stderr).toMatch(/not UTF-8: line 3\b/);
      expect(await accountCount()).toBe(0);
    });

    it("a UTF-16 file is refused, with or without its byte order mark", async () => {
      const text = "account,date,balance\nOk,2026-01-01,1.00\n";
      for (const bytes of [
        Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(text, "utf16le")]),
        Buffer.from(text, "utf16le"),
      ]) {
        const result = await importOf(bytes);
        expect(result.exitCode).toBe(1);
        expect(result.stderr).toMatch(/not UTF-8: line 1\b/);
        expect(result.stderr).not.toMatch(/\0/);
        expect(result.stderr.trim().split("\n")).toHaveLength(1);
      }
      expect(await accountCount()).toBe(0);
    });

    it("a UTF-8 file with a BOM imports", async () => {
      const result = await importOf("\uFEFFaccount,date,balance\nCafé,2026-01-01,1.00\n", "--json");
      expect(result.exitCode).toBe(0);
      expect(json(result)).toMatchObject({ inserted: 1, accountsCreated: ["Café"] });
    });

    it("a header of a million columns is one bounded error, quickly", async () => {
      const started = Date.now();
      const result = await importOf(`${"c,".repeat(999_999)}c\n`);
      expect(result.exitCode).toBe(1);
      expect(result.stderr.length).toBeLessThan(2_000);
      expect(result.stderr).toMatch(/^line 1: the header has more than \d+ columns/m);
      expect(Date.now() - started).toBeLessThan(20_000);
    });

    it("many bad rows: the first ten are listed, then how many more", async () => {
      const rows = Array.from({ length: 1000 }, (_, i) => `Row${i},not-a-date,1.00`).join("\n");
      const result = await importOf(`account,date,balance\n${rows}\n`);
      expect(result.exitCode).toBe(1);
      const lines = result.stderr.trim().split("\n");
      expect(lines.filter((l) => /^line \d+: /.test(l))).toHaveLength(10);
      expect(result.stderr).toMatch(/^… and 990 more$/m);
      expect(result.stderr).toMatch(/networth: import refused: 1,000 problem\(s\)/);
      const asJson = json<{ problems: unknown[]; problemCount: number }>(
        await importOf(`account,date,balance\n${rows}\n`, "--json"),
      );
      expect(asJson.problems).toHaveLength(10);
      expect(asJson.problemCount).toBe(1000);
    });
  });
}
