import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { cli, json } from "../support/cli.js";
import { DATABASE_KINDS, type TestTarget } from "../support/databases.js";
import { DEFAULT_ACCOUNTS, FIRST_PLATYPUS, startFakePlaid } from "../support/fake-plaid.js";

/**
 * Issue 15, items 6 and 8: names with terminal controls are refused on the way in (add, edit,
 * import) and printed as visible text on the way out (names already stored, Plaid's names);
 * an amount that would overflow the snapshot totals is refused at input.
 */

/** Control characters other than the line break: none may reach the terminal. */
function controls(text: string): string[] {
  return [...text].filter((char) => {
    const code = char.codePointAt(0) ?? 0;
    return code !== 0x0a && (code < 0x20 || (code >= 0x7f && code <= 0x9f));
  });
}

const EVIL = "Evil\u001b[2J\rX";

// Each test runs the CLI several times; on a loaded two-core machine that takes a while.
vi.setConfig({ testTimeout: 240_000 });

for (const kind of DATABASE_KINDS) {
  describe.skipIf(!kind.available)(
    `hostile input through the CLI on the ${kind.name} database`,
    () => {
      let t: TestTarget;
      let run: (...args: string[]) => ReturnType<typeof cli>;

      beforeAll(async () => {
        t = await kind.create();
        if (kind.name === "server") await (await t.open("auto")).close();
        run = (...args) => cli(args, t.env);
        expect((await run("login", "me@example.com")).exitCode).toBe(0);
      });
      afterAll(async () => {
        await t?.dispose();
      });

      async function accountCount(): Promise<number> {
        const all = json<{ assets: unknown[]; liabilities: unknown[] }>(
          await run("accounts", "--all", "--json"),
        );
        return all.assets.length + all.liabilities.length;
      }

      it("refuses control characters in names, descriptions and notes, naming the position", async () => {
        for (const [args, problem] of [
          [["--name", EVIL], "name: control character U+001B at position 5"],
          [["--name", "Home\nFake line"], "name: control character U+000A at position 5"],
          [["--name", "Home", "--notes", "a\rb"], "notes: control character U+000D at position 2"],
          [
            ["--name", "Home", "--description", "\u001b]0;title\u0007"],
            "description: control character U+001B at position 1",
          ],
        ] as const) {
          const refused = await run("add-asset", "--type", "other", "--value", "1", ...args);
          expect(refused.exitCode, problem).toBe(2);
          expect(refused.stderr).toBe(`networth: ${problem}`);
        }
        expect(await accountCount()).toBe(0);

        expect(
          (await run("add-asset", "--type", "other", "--name", "Plain", "--value", "1")).exitCode,
        ).toBe(0);
        const edit = await run("edit", "Plain", "--name", "Plain\u009b2J");
        expect(edit.exitCode).toBe(2);
        expect(edit.stderr).toBe("networth: name: control character U+009B at position 6");
        const [plain] = json<{ assets: { name: string }[] }>(
          await run("accounts", "--json"),
        ).assets;
        expect(plain?.name).toBe("Plain");
      });

      it("refuses hostile and overlong names in an import with their line, importing nothing", async () => {
        const file = join(t.home, "hostile.csv");
        writeFileSync(
          file,
          [
            "account,date,balance",
            "Fine,2026-01-01,1",
            `"Evil\u001b[2J",2026-01-01,1`,
            `"Two\nlines",2026-01-01,1`,
            `${"x".repeat(300)},2026-01-01,1`,
            "Fine,2026-01-02,99999999999999999.99",
            "",
          ].join("\n"),
        );
        const before = await accountCount();
        const refused = await run(
          "import",
          "balances",
          file,
          "--create-missing",
          "--type",
          "other",
        );
        expect(refused.exitCode).toBe(1);
        expect(refused.stderr.split("\n")).toEqual([
          "line 3: account: control character U+001B at position 5",
          "line 4: account: control character U+000A at position 4",
          "line 6: account: 300 characters, at most 255 allowed",
          'line 7: invalid amount "99999999999999999.99": larger than 9,999,999,999,999.99, the largest amount allowed',
          `networth: import refused: 4 problem(s) in ${file}; nothing was imported`,
        ]);
        expect(await accountCount()).toBe(before);
      });

      it("refuses an amount whose snapshot totals would overflow; every later write still works", async () => {
        const huge = await run(
          "add-asset",
          "--type",
          "other",
          "--name",
          "Huge",
          "--value",
          "99999999999999999.99",
        );
        expect(huge.exitCode).toBe(2);
        expect(huge.stderr).toBe(
          'networth: invalid amount "99999999999999999.99": larger than 9,999,999,999,999.99, the largest amount allowed',
        );
        expect((await run("accounts", "--json")).stdout).not.toContain("Huge");
        // The largest amounts allowed, twice, for a user of their own: the totals still fit.
        expect((await run("login", "max@example.com")).exitCode).toBe(0);
        for (const name of ["Max one", "Max two"]) {
          const added = await run(
            "add-asset",
            "--type",
            "other",
            "--name",
            name,
            "--value",
            "9,999,999,999,999.99",
          );
          expect(added.exitCode, added.stderr).toBe(0);
        }
        expect((await run("accounts", "--json")).stdout).toMatch(
          /"totalAssets": ?19999999999999\.98\b/,
        );
        const written = await run("set-balance", "Max one", "2.00");
        expect(written.exitCode, written.stderr).toBe(0);
        expect((await run("snapshot")).exitCode).toBe(0);
        expect((await run("login", "me@example.com")).exitCode).toBe(0);
      });

      it("prints names already stored with control characters as visible text", async () => {
        const db = await t.open("none");
        const [row] = await db.sql<{ id: string }[]>`
        INSERT INTO accounts (user_id, name, type, subtype, category, is_manual)
        SELECT id, ${EVIL}, 'manual_asset', 'other', 'other', true FROM users
        WHERE email = 'me@example.com' RETURNING id`;
        const id = row?.id as string;
        await db.sql`INSERT INTO account_balances (account_id, balance, date, source)
        VALUES (${id}, 5, '2026-01-01', 'manual')`;
        await db.close();
        const prefix = id.slice(0, 8);
        for (const args of [
          ["accounts"],
          ["history", prefix],
          ["set-balance", prefix, "6"],
          ["delete", prefix],
        ]) {
          const result = await run(...args);
          const all = result.stdout + result.stderr;
          expect(controls(all), args.join(" ")).toEqual([]);
          expect(all, args.join(" ")).toContain("Evil\\x1b[2J\\rX");
        }
      });
    },
  );
}

describe("Plaid names through the CLI (embedded database)", () => {
  it("prints hostile account and institution names from Plaid escaped", {
    timeout: 240_000,
  }, async () => {
    const t = await (DATABASE_KINDS[0] as (typeof DATABASE_KINDS)[number]).create();
    const fake = await startFakePlaid({
      accounts: [
        { ...(DEFAULT_ACCOUNTS[0] as (typeof DEFAULT_ACCOUNTS)[number]), name: EVIL },
        {
          ...(DEFAULT_ACCOUNTS[1] as (typeof DEFAULT_ACCOUNTS)[number]),
          name: "Saving\u001b]0;pwned\u0007\nfake: $0.00",
        },
      ],
    });
    fake.institutions.set(FIRST_PLATYPUS.institution_id, {
      ...FIRST_PLATYPUS,
      name: "Bank\u001b[31m\r",
    });
    const env = {
      ...t.env,
      PLAID_CLIENT_ID: fake.clientId,
      PLAID_SECRET: fake.secret,
      PLAID_ENV: "sandbox",
      PLAID_BASE_URL: fake.url,
    };
    try {
      expect((await cli(["login", "me@example.com"], env)).exitCode).toBe(0);
      const link = await cli(["link", "--sandbox"], env);
      expect(link.exitCode, link.stderr).toBe(0);
      const listed = json<{ assets: { id: string; name: string }[] }>(
        await cli(["accounts", "--json"], env),
      ).assets;
      // Stored as Plaid sent them (JSON escapes them itself).
      expect(listed.map((a) => a.name).sort()).toEqual(
        [EVIL, "Saving\u001b]0;pwned\u0007\nfake: $0.00"].sort(),
      );
      const evil = listed.find((a) => a.name === EVIL)?.id.slice(0, 8) as string;
      for (const args of [["accounts"], ["history", evil], ["items"], ["sync"]]) {
        const result = await cli(args, env);
        const all = result.stdout + result.stderr;
        expect(controls(all), args.join(" ")).toEqual([]);
        expect(all, args.join(" ")).not.toMatch(/^fake: \$0\.00/m);
      }
      const accounts = (await cli(["accounts"], env)).stdout;
      expect(accounts).toContain("Evil\\x1b[2J\\rX");
      expect(accounts).toContain("Saving\\x1b]0;pwned\\x07\\nfake: $0.00");
      expect((await cli(["history", evil], env)).stdout).toContain("Bank\\x1b[31m\\r");
    } finally {
      await fake.close();
      await t.dispose();
    }
  });
});
