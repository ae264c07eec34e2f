import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { cli, json } from "../support/cli.js";
import { DATABASE_KINDS, type TestTarget } from "../support/databases.js";
import { type FakePlaid, startFakePlaid } from "../support/fake-plaid.js";

interface LinkJson {
  item: { id: string; institutionId: string; institutionName: string };
  accounts: {
    id: string;
    name: string;
    type: string;
    subtype: string | null;
    mask: string | null;
  }[];
}

for (const kind of DATABASE_KINDS) {
  describe.skipIf(!kind.available)(
    `Plaid linking through the CLI on the ${kind.name} database`,
    () => {
      let t: TestTarget;
      let fake: FakePlaid;
      let env: Record<string, string>;
      const run = (...args: string[]) => cli(args, env);

      beforeAll(async () => {
        t = await kind.create();
        if (kind.name === "server") await (await t.open("auto")).close();
        fake = await startFakePlaid();
        env = {
          ...t.env,
          PLAID_CLIENT_ID: fake.clientId,
          PLAID_SECRET: fake.secret,
          PLAID_ENV: "sandbox",
          PLAID_BASE_URL: fake.url,
        };
        expect((await run("login", "me@example.com")).exitCode).toBe(0);
      });
      afterAll(async () => {
        await fake?.close();
        await t?.dispose();
      });

      async function dump(): Promise<string> {
        const db = await t.open("none");
        try {
          const rows = await db.sql`
          SELECT (SELECT json_agg(p) FROM plaid_items p)::text AS items,
                 (SELECT json_agg(l) FROM audit_log l)::text AS audit,
                 (SELECT json_agg(a) FROM accounts a)::text AS accounts`;
          return JSON.stringify(rows);
        } finally {
          await db.close();
        }
      }

      it("says in one line what to set when Plaid is not configured", async () => {
        const result = await cli(["link", "--sandbox"], t.env);
        expect(result.exitCode).toBe(1);
        expect(result.stderr.trim()).toBe(
          "networth: Plaid is not configured: set PLAID_CLIENT_ID and PLAID_SECRET, or networth config set plaid.clientId / plaid.secret",
        );
      });

      it("links a sandbox bank in one command and stores its token encrypted", async () => {
        const linked = json<LinkJson>(await run("link", "--sandbox", "--json"));
        expect(linked.item).toMatchObject({
          institutionId: "ins_109508",
          institutionName: "First Platypus Bank",
        });
        expect(linked.accounts.map((a) => a.name)).toEqual(
          expect.arrayContaining(["Plaid Checking", "Plaid Credit Card", "Plaid Mortgage"]),
        );
        const [item] = [...fake.items.values()];
        expect(item).toBeDefined();
        const accounts = json<{
          assets: {
            name: string;
            category: string;
            currentBalance: { balance: number; source: string };
          }[];
          liabilities: { name: string; category: string; currentBalance: { balance: number } }[];
        }>(await run("accounts", "--json"));
        expect(accounts.assets.find((a) => a.name === "Plaid Checking")).toMatchObject({
          category: "cash",
          currentBalance: { balance: 110, source: "plaid" },
        });
        expect(accounts.liabilities.find((a) => a.name === "Plaid Credit Card")).toMatchObject({
          category: "credit_card",
          currentBalance: { balance: 410 },
        });
        expect(accounts.liabilities.find((a) => a.name === "Plaid Mortgage")).toMatchObject({
          category: "mortgage",
          currentBalance: { balance: 56302.06 },
        });

        const items = json<{
          items: {
            institutionName: string;
            status: string;
            accountCount: number;
            advice: string | null;
          }[];
        }>(await run("items", "--json"));
        expect(items.items).toEqual([
          expect.objectContaining({
            institutionName: "First Platypus Bank",
            status: "active",
            accountCount: linked.accounts.length,
            advice: null,
          }),
        ]);
        const logs = json<{ logs: { status: string; accountsUpdated: number }[] }>(
          await run("logs", "--json"),
        );
        expect(logs.logs[0]).toMatchObject({
          status: "success",
          accountsUpdated: linked.accounts.length,
        });

        // The text of items and logs: the institution, and times in the user's zone.
        const east = { TZ: "Pacific/Kiritimati" };
        const itemsText = await cli(["items"], { ...env, ...east });
        expect(itemsText.stdout).toMatch(
          /^First Platypus Bank +active +\d+ +\d{4}-\d\d-\d\d \d\d:\d\d \+14:00 +[0-9a-f]{8}/m,
        );
        const logsText = await cli(["logs"], { ...env, ...east });
        expect(logsText.stdout).toMatch(
          /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d \+14:00 +First Platypus Bank +\w+ +success +\d+/m,
        );

        const everything = await dump();
        expect(everything).not.toContain(item?.accessToken as string);
        expect(everything).toContain("nw1:");
      });

      it("refuses to link the same accounts twice, and removes the new item at Plaid", async () => {
        const removesBefore = fake.calls("/item/remove").length;
        const again = await run("link", "--sandbox");
        expect(again.exitCode).toBe(1);
        expect(again.stderr).toMatch(/already linked .*networth link --update [0-9a-f]{8}/);
        expect(fake.calls("/item/remove").length).toBe(removesBefore + 1);
        expect(json<{ items: unknown[] }>(await run("items", "--json")).items).toHaveLength(1);
      });

      it("rotates the encryption key: tokens re-encrypted, still usable", async () => {
        const before = await dump();
        const rotated = json<{ reencrypted: number; keyId: string }>(
          await run("keys", "rotate", "--json"),
        );
        expect(rotated.reencrypted).toBe(1);
        const again = await run("keys", "rotate");
        expect(again.stdout).toMatch(/^Re-encrypted 1 access token\(s\) under the new key \S+\.$/);
        const after = await dump();
        const cipher = (text: string) => /nw1:[A-Za-z0-9_-]+/.exec(text)?.[0];
        expect(cipher(after)).toBeDefined();
        expect(cipher(after)).not.toBe(cipher(before));
      });

      it("unlinks keeping history; purges only with --yes", async () => {
        const removes = fake.calls("/item/remove").length;
        const unlinked = await run("unlink", "First Platypus Bank");
        expect(unlinked.exitCode).toBe(0);
        expect(unlinked.stdout).toMatch(
          /^Unlinked First Platypus Bank; its \d+ account\(s\) are archived with their history kept\.$/,
        );
        // The stored token still decrypts after rotation: Plaid was told to remove the item.
        expect(fake.calls("/item/remove").length).toBe(removes + 1);
        const items = json<{ items: { status: string; advice: string }[] }>(
          await run("items", "--json"),
        );
        expect(items.items[0]?.status).toBe("disconnected");
        const all = json<{ assets: { isActive: boolean }[] }>(
          await run("accounts", "--all", "--json"),
        );
        expect(all.assets.length).toBeGreaterThan(0);
        expect(all.assets.every((a) => !a.isActive)).toBe(true);
        expect(json<{ assets: unknown[] }>(await run("accounts", "--json")).assets).toHaveLength(0);
        expect(await dump()).not.toContain("nw1:");

        const refused = await run("unlink", "First Platypus Bank", "--purge");
        expect(refused.exitCode).toBe(1);
        expect(refused.stderr).toMatch(/not purged/);
        const purged = await run("unlink", "First Platypus Bank", "--purge", "--yes");
        expect(purged.exitCode).toBe(0);
        expect(purged.stdout).toMatch(/^Removed First Platypus Bank with its \d+ account\(s\)/);
        expect(json<{ items: unknown[] }>(await run("items", "--json")).items).toHaveLength(0);
        expect(
          json<{ assets: unknown[]; liabilities: unknown[] }>(
            await run("accounts", "--all", "--json"),
          ),
        ).toMatchObject({ assets: [], liabilities: [] });
      });
    },
  );
}
