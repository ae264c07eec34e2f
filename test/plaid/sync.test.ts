import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { PlaidApi } from "plaid";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { addDays, todayIn } from "../../src/core/dates.js";
import type { Database } from "../../src/db/connection.js";
import { revalue } from "../../src/db/revalue.js";
import { refreshSnapshots } from "../../src/db/snapshots.js";
import { createPlaidClient, plaidSettings } from "../../src/plaid/client.js";
import { type Keyring, loadKeyring } from "../../src/plaid/crypto.js";
import { completeLink, completeUpdate } from "../../src/plaid/link-flow.js";
import { type SyncDeps, syncItems } from "../../src/plaid/sync.js";
import { DATABASE_KINDS, type TestTarget } from "../support/databases.js";
import {
  type FakeAccountInput,
  type FakeItem,
  type FakePlaid,
  startFakePlaid,
} from "../support/fake-plaid.js";

const today = todayIn();

/** q × p rounded half-up to the cent, from the decimal texts, as decimal text ("6172.85"). */
function halfUpCents(quantity: string, price: string): string {
  const parse = (t: string) => {
    const [whole = "0", part = ""] = t.split(".");
    return { n: BigInt(whole + part), places: part.length };
  };
  const q = parse(quantity);
  const p = parse(price);
  const unit = 10n ** BigInt(q.places + p.places - 2);
  const cents = (q.n * p.n * 2n + unit) / (2n * unit);
  return `${cents / 100n}.${String(cents % 100n).padStart(2, "0")}`;
}
/** The sum of two cent amounts given as decimal text ("100.00" + "563.95"). */
function plusCents(a: string, b: string): string {
  const cents = BigInt(a.replace(".", "")) + BigInt(b.replace(".", ""));
  return `${cents / 100n}.${String(cents % 100n).padStart(2, "0")}`;
}
const bank = (prefix: string) => [
  {
    name: `${prefix} Checking`,
    type: "depository",
    subtype: "checking",
    current: 110,
    available: 100,
    mask: `${prefix}01`,
  },
  {
    name: `${prefix} Card`,
    type: "credit",
    subtype: "credit card",
    current: 410,
    limit: 2000,
    mask: `${prefix}02`,
  },
];

for (const kind of DATABASE_KINDS) {
  describe.skipIf(!kind.available)(`sync on the ${kind.name} database`, () => {
    let t: TestTarget;
    let db: Database;
    let fake: FakePlaid;
    let client: PlaidApi;
    let keyring: Keyring;
    let keysDir: string;
    let userId: string;
    const plaidIds: string[] = [];
    const sleeps: number[] = [];
    let deps: SyncDeps;

    beforeAll(async () => {
      t = await kind.create();
      db = await t.open("auto");
      fake = await startFakePlaid();
      client = await createPlaidClient(
        plaidSettings(
          { PLAID_CLIENT_ID: fake.clientId, PLAID_SECRET: fake.secret, PLAID_BASE_URL: fake.url },
          {},
        ),
      );
      keysDir = mkdtempSync(join(tmpdir(), "networth-keys-"));
      keyring = loadKeyring({ env: {}, keysDir, create: true });
      const [user] = await db.sql<
        { id: string }[]
      >`INSERT INTO users (email) VALUES ('sync@example.com') RETURNING id`;
      userId = user?.id as string;
      deps = {
        db,
        client,
        keyring,
        today,
        sleep: async (ms) => void sleeps.push(ms),
        random: () => 0.5,
      };
      for (const prefix of ["A", "B", "C"]) {
        const { item, publicToken } = fake.createItem({ accounts: bank(prefix) });
        plaidIds.push(item.itemId);
        await completeLink({ db, userId, client, keyring, today }, publicToken);
      }
    });
    afterAll(async () => {
      await fake?.close();
      await t?.dispose();
      rmSync(keysDir, { recursive: true, force: true });
    });
    beforeEach(() => {
      sleeps.length = 0;
    });

    async function balancesToday(): Promise<number> {
      const [row] = await db.sql<
        { n: number }[]
      >`SELECT count(*)::int AS n FROM account_balances WHERE date = ${today}`;
      return row?.n as number;
    }

    it("syncs every item, and a second sync the same day adds no rows", async () => {
      fake.setBalance(plaidIds[0] as string, "A Checking", { current: 150.25, available: 140 });
      const results = await syncItems(deps, { userId, refreshType: "manual" });
      expect(results.map((r) => r.message ?? r.status)).toEqual(["success", "success", "success"]);
      const [balance] =
        await db.sql`SELECT b.balance::text AS balance, b.available_balance::text AS available
        FROM account_balances b JOIN accounts a ON a.id = b.account_id WHERE a.name = 'A Checking' AND b.date = ${today}`;
      expect(balance).toEqual({ balance: "150.25", available: "140.00" });
      const rows = await balancesToday();
      expect(rows).toBe(6);
      await syncItems(deps, { userId, refreshType: "scheduled" });
      expect(await balancesToday()).toBe(rows);
      const [log] =
        await db.sql`SELECT refresh_type::text AS type, status::text AS status, accounts_updated
        FROM data_refresh_logs ORDER BY started_at DESC LIMIT 1`;
      expect(log).toEqual({ type: "scheduled", status: "success", accountsUpdated: 2 });
      const [snapshot] =
        await db.sql`SELECT net_worth::text AS nw FROM net_worth_snapshots WHERE date = ${today}`;
      // 150.25 + 110 + 110 - 3 * 410
      expect(snapshot?.nw).toBe("-859.75");
    });

    it("adds accounts Plaid now returns and archives those it no longer does", async () => {
      fake.addAccount(plaidIds[1] as string, {
        name: "B Savings",
        type: "depository",
        subtype: "savings",
        current: 5,
        mask: "B03",
      });
      fake.removeAccount(plaidIds[1] as string, "B Card");
      const [b] = (await syncItems(deps, { userId, refreshType: "manual" })).filter(
        (r) => r.institutionName && r.accountsAdded + r.accountsDeactivated > 0,
      );
      expect(b).toMatchObject({ status: "success", accountsAdded: 1, accountsDeactivated: 1 });
      const accounts =
        await db.sql`SELECT name, is_active, archived_on FROM accounts WHERE name IN ('B Savings', 'B Card') ORDER BY name`;
      expect(accounts).toEqual([
        { name: "B Card", isActive: false, archivedOn: today },
        { name: "B Savings", isActive: true, archivedOn: null },
      ]);
    });

    it("marks one item that needs a login, syncs the others, and says what to do", async () => {
      fake.setItemError(plaidIds[2] as string, "ITEM_LOGIN_REQUIRED");
      const results = await syncItems(deps, { userId, refreshType: "manual" });
      expect(results.map((r) => r.status)).toEqual(["success", "success", "failed"]);
      expect(results[2]).toMatchObject({
        errorCode: "ITEM_LOGIN_REQUIRED",
        advice: expect.stringMatching(/networth link --update [0-9a-f]{8}/),
      });
      const [item] =
        await db.sql`SELECT status::text AS status, error_code FROM plaid_items WHERE item_id = ${plaidIds[2] as string}`;
      expect(item).toEqual({ status: "error", errorCode: "ITEM_LOGIN_REQUIRED" });
      const [log] =
        await db.sql`SELECT l.status::text AS status, l.error_message FROM data_refresh_logs l
        JOIN plaid_items i ON i.id = l.plaid_item_id WHERE i.item_id = ${plaidIds[2] as string} ORDER BY started_at DESC LIMIT 1`;
      expect(log?.status).toBe("failed");
      expect(log?.errorMessage).toMatch(/ITEM_LOGIN_REQUIRED/);
      expect(sleeps).toEqual([]); // never retried
      fake.setItemError(plaidIds[2] as string, null);
    });

    it("retries rate limits and server errors with a bounded backoff", async () => {
      fake.failNext("/accounts/get", "RATE_LIMIT_EXCEEDED", 1);
      fake.failNext("/accounts/get", "API_ERROR", 1);
      const [first] = await syncItems(deps, { userId, refreshType: "manual", concurrency: 1 });
      expect(first?.status).toBe("success");
      // random() is 0.5: each wait is 3/4 of its ceiling. The rate limit backs off from 2 s
      // (ceiling 2000), the server error is a second attempt from 0.5 s (ceiling 1000).
      expect(sleeps).toEqual([1500, 750]);
      sleeps.length = 0;
      fake.failNext("/accounts/get", "API_ERROR", 50);
      const results = await syncItems(deps, { userId, refreshType: "manual", concurrency: 1 });
      expect(results.every((r) => r.status === "failed")).toBe(true);
      expect(results[0]?.errorCode).toBe("INTERNAL_SERVER_ERROR");
      // 5 attempts, so 4 waits per item, doubling from a ceiling of 500 ms: 3/4 of each.
      expect(sleeps).toEqual([375, 750, 1500, 3000, 375, 750, 1500, 3000, 375, 750, 1500, 3000]);
      fake.failNext("/accounts/get", "API_ERROR", 0);
      (fake as unknown as { failures: Map<string, unknown[]> }).failures.clear();
    });

    it("asks for real-time balances with --live", async () => {
      const before = fake.calls("/accounts/balance/get").length;
      await syncItems(deps, { userId, refreshType: "manual", live: true });
      expect(fake.calls("/accounts/balance/get").length).toBe(before + 3);
    });

    it("closes a refresh left pending by a killed process as interrupted", async () => {
      const [item] = await db.sql<
        { id: string }[]
      >`SELECT id FROM plaid_items WHERE item_id = ${plaidIds[0] as string}`;
      await db.sql`INSERT INTO data_refresh_logs (user_id, plaid_item_id, refresh_type, status)
        VALUES (${userId}, ${item?.id as string}, 'manual', 'pending')`;
      await syncItems(deps, { userId, itemIds: [item?.id as string], refreshType: "manual" });
      const pending = await db.sql`SELECT 1 FROM data_refresh_logs WHERE status = 'pending'`;
      expect(pending).toHaveLength(0);
      const interrupted =
        await db.sql`SELECT 1 FROM data_refresh_logs WHERE error_message = 'interrupted'`;
      expect(interrupted).toHaveLength(1);
    });

    // The lock itself, not the unique index behind it: while one sync holds the items, a
    // second waits its lockWaitMs, then skips each item and says so. (The embedded database
    // belongs to one process, so there is no lock to test there.)
    it.skipIf(kind.name !== "server")(
      "a second sync waits for the lock, then skips the held items and says so",
      async () => {
        const other = await t.open("none");
        fake.setLatency("/accounts/get", 2_000);
        try {
          const calls = fake.calls("/accounts/get").length;
          const first = syncItems(deps, { userId, refreshType: "manual" });
          // Poll until the first sync holds every item (it is inside Plaid's slow answer).
          const deadline = Date.now() + 10_000;
          while (fake.calls("/accounts/get").length < calls + 3) {
            if (Date.now() > deadline) throw new Error("the first sync never reached Plaid");
            await new Promise((resolve) => setTimeout(resolve, 20));
          }
          const started = Date.now();
          const second = await syncItems(
            { ...deps, db: other },
            { userId, refreshType: "manual", lockWaitMs: 500 },
          );
          const waited = Date.now() - started;
          expect(second.map((r) => [r.status, r.message])).toEqual(
            Array(3).fill(["skipped", "another sync is updating this item; skipped it"]),
          );
          expect(waited).toBeGreaterThanOrEqual(500);
          // Skipped items never reached Plaid.
          expect(fake.calls("/accounts/get").length).toBe(calls + 3);
          expect((await first).map((r) => r.status)).toEqual(["success", "success", "success"]);

          // Given long enough, the second waits for the first and then syncs each item itself.
          const third = syncItems(deps, { userId, refreshType: "manual" });
          const fourth = syncItems(
            { ...deps, db: other },
            { userId, refreshType: "manual", lockWaitMs: 20_000 },
          );
          const [a, b] = await Promise.all([third, fourth]);
          expect([...a, ...b].map((r) => r.status)).toEqual(Array(6).fill("success"));
          expect(fake.calls("/accounts/get").length).toBe(calls + 9);
        } finally {
          fake.setLatency("/accounts/get", 0);
          await other.close();
        }
      },
    );

    it("never writes twice when two syncs start together", async () => {
      // The embedded database belongs to one process: two syncs there share its connection.
      const other = kind.name === "server" ? await t.open("none") : db;
      const rows = await balancesToday();
      const [a, b] = await Promise.all([
        syncItems(deps, { userId, refreshType: "manual", lockWaitMs: 0 }),
        syncItems({ ...deps, db: other }, { userId, refreshType: "manual", lockWaitMs: 0 }),
      ]);
      expect(await balancesToday()).toBe(rows);
      for (let i = 0; i < 3; i++) {
        const statuses = [a[i]?.status, b[i]?.status];
        expect(statuses).toContain("success");
      }
      const pending = await db.sql`SELECT 1 FROM data_refresh_logs WHERE status = 'pending'`;
      expect(pending).toHaveLength(0);
      if (other !== db) await other.close();
    });

    it("keeps a webhook's warning (login expiring soon) through a successful sync", async () => {
      await db.sql`UPDATE plaid_items SET status = 'error', error_code = 'PENDING_EXPIRATION' WHERE item_id = ${plaidIds[0] as string}`;
      const [first] = await syncItems(deps, { userId, refreshType: "manual" });
      expect(first?.status).toBe("success");
      const [item] =
        await db.sql`SELECT status::text AS status, error_code, last_successful_update IS NOT NULL AS synced
        FROM plaid_items WHERE item_id = ${plaidIds[0] as string}`;
      expect(item).toEqual({ status: "error", errorCode: "PENDING_EXPIRATION", synced: true });
      await db.sql`UPDATE plaid_items SET status = 'active', error_code = NULL WHERE item_id = ${plaidIds[0] as string}`;
    });

    it("marks an item Plaid no longer knows as disconnected", async () => {
      fake.setItemError(plaidIds[1] as string, "INVALID_ACCESS_TOKEN");
      const results = await syncItems(deps, { userId, refreshType: "manual" });
      expect(results[1]).toMatchObject({ status: "failed", errorCode: "INVALID_ACCESS_TOKEN" });
      const [item] =
        await db.sql`SELECT status::text AS status FROM plaid_items WHERE item_id = ${plaidIds[1] as string}`;
      expect(item?.status).toBe("disconnected");
    });

    it("keeps an account in CAD, with its balance in CAD, at link and at every sync", async () => {
      const { item, publicToken } = fake.createItem({
        accounts: [
          {
            name: "Maple Chequing",
            type: "depository",
            subtype: "checking",
            current: 1234.5,
            available: 1200,
            mask: "CA01",
            isoCurrencyCode: "CAD",
          },
        ],
      });
      await completeLink({ db, userId, client, keyring, today }, publicToken);
      const stored = () =>
        db.sql<{ currency: string; balance: string }[]>`
          SELECT a.currency, b.balance::text AS balance FROM accounts a
          JOIN account_balances b ON b.account_id = a.id AND b.is_current
          WHERE a.name = 'Maple Chequing'`;
      expect(await stored()).toEqual([{ currency: "CAD", balance: "1234.50" }]);
      fake.setBalance(item.itemId, "Maple Chequing", { current: 1300.01, available: 1250 });
      const [row] = await db.sql<{ id: string }[]>`
        SELECT id FROM plaid_items WHERE item_id = ${item.itemId}`;
      const results = await syncItems(deps, {
        userId,
        itemIds: [row?.id as string],
        refreshType: "manual",
      });
      expect(results.map((r) => r.status)).toEqual(["success"]);
      expect(await stored()).toEqual([{ currency: "CAD", balance: "1300.01" }]);
    });

    it("a balance beyond what networth keeps fails no sync: that figure is left out, said, the rest kept", async () => {
      const { item, publicToken } = fake.createItem({
        accounts: [
          {
            name: "Vast Checking",
            type: "depository",
            subtype: "checking",
            current: 500,
            available: 450,
            mask: "V01",
          },
          {
            name: "Vast Savings",
            type: "depository",
            subtype: "savings",
            current: 700,
            mask: "V02",
          },
        ],
      });
      await completeLink({ db, userId, client, keyring, today }, publicToken);
      // 10^13 and more do not fit a balance (migration 0005's bound, core/amount.ts).
      fake.setBalance(item.itemId, "Vast Checking", {
        current: 10_000_000_000_000,
        available: 450,
      });
      fake.setBalance(item.itemId, "Vast Savings", { current: 725.5 });
      const [row] = await db.sql<{ id: string }[]>`
        SELECT id FROM plaid_items WHERE item_id = ${item.itemId}`;
      const results = await syncItems(deps, {
        userId,
        itemIds: [row?.id as string],
        refreshType: "manual",
      });
      expect(results.map((r) => r.status)).toEqual(["partial_success"]);
      const current = await db.sql<{ name: string; balance: string; active: boolean }[]>`
        SELECT a.name, b.balance::text AS balance, a.is_active AS active FROM accounts a
        JOIN account_balances b ON b.account_id = a.id AND b.is_current
        WHERE a.name LIKE 'Vast %' ORDER BY a.name`;
      expect(current).toEqual([
        { name: "Vast Checking", balance: "500.00", active: true },
        { name: "Vast Savings", balance: "725.50", active: true },
      ]);
      const [log] = await db.sql<{ message: string }[]>`
        SELECT error_message AS message FROM data_refresh_logs
        WHERE plaid_item_id = ${row?.id as string} ORDER BY started_at DESC LIMIT 1`;
      expect(log?.message).toMatch(/Vast Checking/);
      expect(log?.message).toMatch(/9,999,999,999,999\.99/);
    });

    describe("a crypto wallet (only an unofficial currency code)", () => {
      const [d1, d2, d3] = [addDays(today, -2), addDays(today, -1), today];
      const [p1, p2, p3] = ["67187.33911", "68000.5", "12345.69"];
      let coinUser: string;
      let coinItem: string;
      let itemRow: string;

      beforeAll(async () => {
        const [user] = await db.sql<{ id: string }[]>`
          INSERT INTO users (email) VALUES ('coins@example.com') RETURNING id`;
        coinUser = user?.id as string;
      });

      const price = (date: string, value: string) =>
        db.sql`INSERT INTO prices (asset, currency, date, price, source)
               VALUES ('bitcoin', 'USD', ${date}, ${value}, 'import')`;
      const values = () =>
        db.sql<{ date: string; balance: string; source: string }[]>`
          SELECT b.date, b.balance::text AS balance, b.source::text AS source
          FROM account_balances b JOIN accounts a ON a.id = b.account_id
          WHERE a.name = 'Coin Wallet' ORDER BY b.date`;
      const holding = async () =>
        (
          await db.sql<{ quantity: string; start: string }[]>`
            SELECT h.quantity::text AS quantity, h.start_date AS start FROM account_holdings h
            JOIN accounts a ON a.id = h.account_id WHERE a.name = 'Coin Wallet'`
        )[0];
      const netWorth = async (date: string) =>
        (
          await db.sql<{ nw: string; crypto: string }[]>`
            SELECT net_worth::text AS nw, asset_breakdown->>'digitalAssets' AS crypto
            FROM net_worth_snapshots WHERE user_id = ${coinUser} AND date = ${date}`
        )[0];
      const lastLog = async () =>
        (
          await db.sql<{ status: string; message: string | null }[]>`
            SELECT status::text AS status, error_message AS message FROM data_refresh_logs
            WHERE plaid_item_id = ${itemRow} ORDER BY started_at DESC LIMIT 1`
        )[0];
      const syncOn = (date: string) =>
        syncItems(
          { ...deps, today: date },
          { userId: coinUser, itemIds: [itemRow], refreshType: "manual" },
        );

      it("keeps it, holding Plaid's exact quantity, valued at the day's price at link", async () => {
        await price(d1, p1);
        const { item, publicToken } = fake.createItem({
          accounts: [
            {
              name: "Coin Wallet",
              type: "other",
              subtype: "other",
              current: 0.12345678,
              available: 0.12345678,
              mask: "BT01",
              unofficialCurrencyCode: "BTC",
            },
          ],
        });
        coinItem = item.itemId;
        const outcome = await completeLink(
          { db, userId: coinUser, client, keyring, today: d1 },
          publicToken,
        );
        expect(outcome.skipped).toEqual([]);
        expect(outcome.accounts.map((a) => a.name)).toEqual(["Coin Wallet"]);
        itemRow = outcome.itemId;
        const [account] = await db.sql`
          SELECT currency, category::text AS category FROM accounts WHERE name = 'Coin Wallet'`;
        expect(account).toEqual({ currency: "USD", category: "digital_asset" });
        // Exact: never rounded to two decimals of a coin.
        expect(await holding()).toEqual({ quantity: "0.123456780000000000", start: d1 });
        const v1 = halfUpCents("0.12345678", p1);
        expect(await values()).toEqual([{ date: d1, balance: v1, source: "rule" }]);
        expect(await netWorth(d1)).toEqual({ nw: v1, crypto: v1 });
        expect(await lastLog()).toEqual({ status: "success", message: null });
      });

      it("a sync before the day's price says so, and revalue values the day", async () => {
        const [result] = await syncOn(d2);
        expect(result?.status).toBe("success");
        expect(result?.message).toBe(
          `not valued today yet (networth revalue fetches the price): Coin Wallet (bitcoin: no price since ${d1})`,
        );
        expect((await values()).map((v) => v.date)).toEqual([d1]);
        await price(d2, p2);
        // As the revalue command does: the values, then the snapshots from the first change.
        await db.asUser(coinUser, async (tx) => {
          const done = await revalue(tx, { all: true }, { today: d2 });
          expect(done.earliestByUser.get(coinUser)).toBe(d2);
          await refreshSnapshots(tx, { userId: coinUser }, d2, d2);
        });
        expect((await values()).at(-1)).toEqual({
          date: d2,
          balance: halfUpCents("0.12345678", p2),
          source: "rule",
        });
      });

      it("a new quantity counts from its day; the days before keep the old one", async () => {
        await price(d3, p3);
        fake.setBalance(coinItem, "Coin Wallet", { current: 0.5, available: 0.5 });
        const [result] = await syncOn(d3);
        expect(result).toMatchObject({ status: "success", message: null, accountsUpdated: 1 });
        expect(await holding()).toEqual({ quantity: "0.500000000000000000", start: d3 });
        const before = [
          { date: d1, balance: halfUpCents("0.12345678", p1), source: "plaid" },
          { date: d2, balance: halfUpCents("0.12345678", p2), source: "plaid" },
        ];
        // 0.5 × 12345.69 = 6172.845: half-up, 6172.85.
        expect(halfUpCents("0.5", p3)).toBe("6172.85");
        expect(await values()).toEqual([
          ...before,
          { date: d3, balance: "6172.85", source: "rule" },
        ]);
        expect(await netWorth(d3)).toEqual({ nw: "6172.85", crypto: "6172.85" });
        expect((await netWorth(d2))?.nw).toBe(halfUpCents("0.12345678", p2));
        // A revalue afterwards rewrites nothing, and a second sync the same day adds nothing.
        const done = await db.asUser(coinUser, (tx) => revalue(tx, { all: true }, { today: d3 }));
        expect(done.accounts.map((a) => a.inserted + a.updated + a.deleted)).toEqual([0]);
        await syncOn(d3);
        expect(await values()).toEqual([
          ...before,
          { date: d3, balance: "6172.85", source: "rule" },
        ]);
      });

      it("skips a coin with no price stored, with the note, writing nothing for it", async () => {
        fake.addAccount(coinItem, {
          name: "Ether Wallet",
          type: "other",
          subtype: "other",
          current: 1.5,
          mask: "ET01",
          unofficialCurrencyCode: "ETH",
        });
        const note =
          "skipped accounts networth cannot keep exactly: Ether Wallet (ETH: no price of ethereum stored yet)";
        const [result] = await syncOn(d3);
        expect(result).toMatchObject({ status: "success", accountsAdded: 0, message: note });
        expect(await lastLog()).toEqual({ status: "success", message: note });
        const rows = await db.sql`
          SELECT 1 FROM accounts WHERE name = 'Ether Wallet'
          UNION ALL SELECT 1 FROM account_holdings h JOIN prices p ON p.asset = h.asset
            WHERE h.asset = 'ethereum'`;
        expect(rows).toHaveLength(0);
        expect(await netWorth(d3)).toEqual({ nw: "6172.85", crypto: "6172.85" });
      });

      it("an emptied wallet is worth exactly 0 and keeps its past", async () => {
        fake.setBalance(coinItem, "Coin Wallet", { current: 0, available: 0 });
        const [result] = await syncOn(d3);
        expect(result?.status).toBe("success");
        expect(await holding()).toBeUndefined();
        const [method] = await db.sql`
          SELECT count(*)::int AS n FROM account_valuations v
          JOIN accounts a ON a.id = v.account_id WHERE a.name = 'Coin Wallet'`;
        expect(method).toEqual({ n: 0 });
        expect(await values()).toEqual([
          { date: d1, balance: halfUpCents("0.12345678", p1), source: "plaid" },
          { date: d2, balance: halfUpCents("0.12345678", p2), source: "plaid" },
          { date: d3, balance: "0.00", source: "plaid" },
        ]);
        expect(await netWorth(d3)).toEqual({ nw: "0.00", crypto: "0.00" });
      });
    });

    /** A user of one's own, items and accounts apart from the others'. */
    async function newUser(email: string): Promise<string> {
      const [user] = await db.sql<{ id: string }[]>`
        INSERT INTO users (email) VALUES (${email}) RETURNING id`;
      return user?.id as string;
    }
    const storePrice = (asset: string, date: string, value: string) =>
      db.sql`INSERT INTO prices (asset, currency, date, price, source)
             VALUES (${asset}, 'USD', ${date}, ${value}, 'import')`;
    const accountValues = (name: string) =>
      db.sql<{ date: string; balance: string; source: string }[]>`
        SELECT b.date, b.balance::text AS balance, b.source::text AS source
        FROM account_balances b JOIN accounts a ON a.id = b.account_id
        WHERE a.name = ${name} ORDER BY b.date`;
    const coinState = async (name: string) =>
      db.sql<
        {
          id: string;
          currency: string;
          category: string;
          quantity: string | null;
          start: string | null;
          method: string | null;
          methodStart: string | null;
        }[]
      >`
        SELECT a.id, a.currency, a.category::text AS category, h.quantity::text AS quantity,
               h.start_date AS start, v.method::text AS method, v.start_date AS method_start
        FROM accounts a
        LEFT JOIN account_holdings h ON h.account_id = a.id
        LEFT JOIN account_valuations v ON v.account_id = a.id
        WHERE a.name = ${name} ORDER BY a.created_at`;

    describe("update-mode Link of an item with a crypto wallet", () => {
      const [d1, d2, d3] = [addDays(today, -2), addDays(today, -1), today];
      const [p2, p3] = ["0.456789", "0.5"];
      let user: string;
      let item: FakeItem;
      let itemRow: string;
      beforeAll(async () => {
        user = await newUser("update-coins@example.com");
      });
      const update = (date: string) =>
        completeUpdate(
          { db, userId: user, client, keyring, today: date },
          itemRow,
          item.accessToken,
        );
      const snapshot = async (date: string) =>
        (
          await db.sql<{ nw: string; crypto: string }[]>`
            SELECT net_worth::text AS nw, asset_breakdown->>'digitalAssets' AS crypto
            FROM net_worth_snapshots WHERE user_id = ${user} AND date = ${date}`
        )[0];

      it("creates the coin account a first link skipped, holding Plaid's exact quantity, as a first link does", async () => {
        const created = fake.createItem({
          accounts: [
            {
              name: "Update Cash",
              type: "depository",
              subtype: "checking",
              current: 100,
              mask: "AD01",
            },
            {
              name: "ADA Wallet",
              type: "other",
              subtype: "other",
              current: 1234.567891,
              mask: "AD02",
              unofficialCurrencyCode: "ADA",
            },
          ],
        });
        item = created.item;
        // The first link knows no price of cardano (as an item linked before coin accounts
        // existed): the wallet is skipped and stored nowhere.
        const first = await completeLink(
          { db, userId: user, client, keyring, today: d1 },
          created.publicToken,
        );
        expect(first.skipped).toEqual([
          { name: "ADA Wallet", currency: "ADA", reason: "no price of cardano stored yet" },
        ]);
        itemRow = first.itemId;
        expect(await coinState("ADA Wallet")).toEqual([]);
        await db.sql`UPDATE plaid_items SET status = 'error', error_code = 'ITEM_LOGIN_REQUIRED'
                     WHERE id = ${itemRow}`;
        await storePrice("cardano", d2, p2);

        const outcome = await update(d2);
        expect(outcome.skipped).toEqual([]);
        expect(outcome.accounts.map((a) => a.name)).toEqual(["Update Cash", "ADA Wallet"]);
        expect(await coinState("ADA Wallet")).toEqual([
          {
            id: expect.any(String),
            currency: "USD",
            category: "digital_asset",
            quantity: "1234.567891000000000000",
            start: d2,
            method: "holdings",
            methodStart: d2,
          },
        ]);
        const v2 = halfUpCents("1234.567891", p2);
        expect(await accountValues("ADA Wallet")).toEqual([
          { date: d2, balance: v2, source: "rule" },
        ]);
        expect(await snapshot(d2)).toEqual({ nw: plusCents("100.00", v2), crypto: v2 });
        const [state] = await db.sql`
          SELECT status::text AS status, error_code FROM plaid_items WHERE id = ${itemRow}`;
        expect(state).toEqual({ status: "active", errorCode: null });
        const [log] = await db.sql`
          SELECT status::text AS status, error_message FROM data_refresh_logs
          WHERE plaid_item_id = ${itemRow} ORDER BY started_at DESC LIMIT 1`;
        expect(log).toEqual({ status: "success", errorMessage: null });
      });

      it("keeps it on the next update: the same quantity rewrites nothing, a new one counts from its day", async () => {
        const [stored] = await coinState("ADA Wallet");
        const v2 = halfUpCents("1234.567891", p2);
        await update(d2);
        expect(await coinState("ADA Wallet")).toEqual([stored]);
        expect(await accountValues("ADA Wallet")).toEqual([
          { date: d2, balance: v2, source: "rule" },
        ]);

        await storePrice("cardano", d3, p3);
        fake.setBalance(item.itemId, "ADA Wallet", { current: 2000.000000001 });
        const outcome = await update(d3);
        expect(outcome.skipped).toEqual([]);
        expect(await coinState("ADA Wallet")).toEqual([
          { ...stored, quantity: "2000.000000001000000000", start: d3, methodStart: d3 },
        ]);
        const v3 = halfUpCents("2000.000000001", p3);
        expect(await accountValues("ADA Wallet")).toEqual([
          { date: d2, balance: v2, source: "plaid" },
          { date: d3, balance: v3, source: "rule" },
        ]);
        expect(await snapshot(d3)).toEqual({ nw: plusCents("100.00", v3), crypto: v3 });
      });
    });

    describe("the duplicate check with a crypto wallet", () => {
      const d = today;
      let user: string;
      let itemRow: string;
      let firstItem: FakeItem;
      const cash = {
        name: "Dup Cash",
        type: "depository",
        subtype: "checking",
        current: 50,
        mask: "XL01",
      };
      const wallet = (current: number, mask = "XL02") => ({
        name: "XLM Wallet",
        type: "other",
        subtype: "other",
        current,
        mask,
        unofficialCurrencyCode: "XLM",
      });
      beforeAll(async () => {
        user = await newUser("duplicate-coins@example.com");
      });
      const link = (publicToken: string) =>
        completeLink({ db, userId: user, client, keyring, today: d }, publicToken);
      const counts = async () =>
        (
          await db.sql<{ items: number; accounts: number }[]>`
            SELECT (SELECT count(*) FROM plaid_items WHERE user_id = ${user})::int AS items,
                   (SELECT count(*) FROM accounts WHERE user_id = ${user})::int AS accounts`
        )[0];
      /** Links the same login again and expects the refusal, nothing stored, the new item removed. */
      async function refusedAgain(accounts: readonly FakeAccountInput[]) {
        const before = await counts();
        const again = fake.createItem({ accounts });
        await expect(link(again.publicToken)).rejects.toThrow(
          /already linked .*networth link --update [0-9a-f]{8}/,
        );
        expect(await counts()).toEqual(before);
        expect(again.item.removed).toBe(true);
      }

      it("refuses a second link of the same login whose first link skipped the wallet", async () => {
        const created = fake.createItem({ accounts: [cash, wallet(15000.25)] });
        firstItem = created.item;
        const first = await link(created.publicToken);
        expect(first.skipped.map((s) => s.name)).toEqual(["XLM Wallet"]);
        itemRow = first.itemId;
        // Since then a price of stellar is stored: the same login's wallet would be kept now.
        await storePrice("stellar", d, "0.1");
        await refusedAgain([cash, wallet(15000.25)]);
      });

      it("refuses it too once the wallet is stored and a new link would skip it", async () => {
        await completeUpdate(
          { db, userId: user, client, keyring, today: d },
          itemRow,
          firstItem.accessToken,
        );
        expect((await coinState("XLM Wallet")).map((a) => a.quantity)).toEqual([
          "15000.250000000000000000",
        ]);
        // More than 18 decimals: this link would skip the wallet the item holds.
        await refusedAgain([cash, wallet(1e-19)]);
      });

      it("still links another login at the same bank", async () => {
        const other = fake.createItem({
          accounts: [{ ...cash, name: "Other Cash", mask: "XL91" }, wallet(3, "XL92")],
        });
        const outcome = await link(other.publicToken);
        expect(outcome.accounts.map((a) => a.mask)).toEqual(["XL91", "XL92"]);
        expect((await counts())?.items).toBe(2);
      });
    });
  });
}
