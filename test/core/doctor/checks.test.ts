import { describe, expect, it } from "vitest";
import {
  budgetFinding,
  type DoctorItem,
  itemsFinding,
  manualFinding,
  snapshotFinding,
  syncFinding,
} from "../../../src/core/doctor/data.js";
import type { Finding } from "../../../src/core/doctor/finding.js";
import {
  databaseFinding,
  type KeyFileFacts,
  keyFileFinding,
  loginFinding,
} from "../../../src/core/doctor/setup.js";

const now = new Date("2026-03-10T12:00:00Z");
const today = "2026-03-10";
const path = "/home/me/.local/share/networth/keys/token-keys.json";

const keyFile = (
  over: Partial<Extract<KeyFileFacts, { kind: "inspected" }>> = {},
): KeyFileFacts => ({
  kind: "inspected",
  path,
  shown: "~/.local/share/networth/keys/token-keys.json",
  exists: true,
  mode: 0o600,
  secure: true,
  fromEnv: false,
  envKeyValid: false,
  damage: null,
  ...over,
});

const item = (over: Partial<DoctorItem> = {}): DoctorItem => ({
  id: "3f2a1b9c-0000-4000-8000-000000000001",
  institutionName: "First Platypus Bank",
  status: "active",
  errorCode: null,
  lastSuccessfulUpdate: new Date(now.getTime() - 3_600_000),
  ...over,
});

const failed = (findings: readonly Finding[]) =>
  findings.filter((f) => f.check.status === "fail").map((f) => f.check.name);

const ISO = "YYYY-MM-DD" as const;

describe("doctor's login check", () => {
  it("fails an expired session, with a login for that email as the fix", () => {
    const expiresAt = new Date("2026-03-10T11:59:59Z");
    const finding = loginFinding({ email: "me+x@example.com", expiresAt }, "the db", now, ISO);
    expect(finding.check).toEqual({
      name: "login",
      status: "fail",
      // The instant in the zone of the run, with its offset (core/instant.ts).
      message: expect.stringMatching(
        /^the session of me\+x@example\.com expired at 2026-03-1[01] \d\d:\d\d:59 [+-]\d\d:\d\d$/,
      ),
      fix: "networth login me+x@example.com",
      details: [{ email: "me+x@example.com", expiresAt }],
    });
    // Expiring exactly now is expired; a second later is not.
    expect(loginFinding({ email: "a@b.c", expiresAt: now }, "db", now, ISO).check.status).toBe(
      "fail",
    );
    const later = new Date(now.getTime() + 1000);
    expect(loginFinding({ email: "a@b.c", expiresAt: later }, "db", now, ISO).check).toMatchObject({
      status: "ok",
      message: "logged in as a@b.c (session until 2026-03-10)",
    });
    // The day the session ends, in the user's date format.
    expect(
      loginFinding({ email: "a@b.c", expiresAt: later }, "db", now, "DD.MM.YYYY").check,
    ).toMatchObject({
      message: "logged in as a@b.c (session until 10.03.2026)",
    });
    // An email a shell would split is quoted in the fix.
    const odd = loginFinding({ email: "o'neil@example.com", expiresAt }, "db", now, ISO);
    expect(odd.check.fix).toBe("networth login 'o'\\''neil@example.com'");
  });

  it("fails without a session", () => {
    expect(loginFinding(null, "~/data", now, ISO).check).toMatchObject({
      status: "fail",
      message: "not logged in to ~/data",
      fix: "networth login <email>",
    });
  });
});

describe("doctor's key-file check", () => {
  it("fails a damaged key file, with restoring it as the fix", () => {
    const damage =
      "the key file ~/k/token-keys.json is damaged (not JSON); restore it from a backup";
    const finding = keyFileFinding(keyFile({ damage }), []);
    expect(finding.check).toMatchObject({
      status: "fail",
      message: damage,
      fix: "restore ~/.local/share/networth/keys/token-keys.json from a backup",
      details: [{ path, exists: true, mode: "0600", keySource: "file" }],
    });
  });

  it("fails an invalid NETWORTH_ENCRYPTION_KEY before anything about the file", () => {
    // Even with a file that is itself at fault: the key in use is the one to fix first.
    const finding = keyFileFinding(
      keyFile({ fromEnv: true, envKeyValid: false, mode: 0o644, secure: false }),
      [],
    );
    expect(finding.check).toMatchObject({
      status: "fail",
      message: "NETWORTH_ENCRYPTION_KEY is set but is not the base64 encoding of 32 bytes",
      fix: "set NETWORTH_ENCRYPTION_KEY to the key your tokens were encrypted with (base64 of 32 bytes)",
      details: [{ keySource: "environment", mode: "0644" }],
    });
    const valid = keyFileFinding(keyFile({ fromEnv: true, envKeyValid: true }), []);
    expect(valid.check).toMatchObject({
      status: "ok",
      message:
        "the token key comes from NETWORTH_ENCRYPTION_KEY; the key file ~/.local/share/networth/keys/token-keys.json (older keys) is private (mode 0600)",
    });
  });

  it("fails a file others can read, and a missing file that linked items need", () => {
    const open = keyFileFinding(keyFile({ mode: 0o644, secure: false }), null);
    expect(open.check).toMatchObject({
      status: "fail",
      message: expect.stringContaining("can be read by group or others (mode 0644)"),
      fix: "chmod 600 ~/.local/share/networth/keys/token-keys.json",
    });
    const notFile = keyFileFinding(keyFile({ mode: null, secure: false }), null);
    expect(notFile.check.message).toMatch(/is not a file$/);
    const missing = keyFile({ exists: false, mode: null });
    expect(keyFileFinding(missing, null).check.status).toBe("ok");
    expect(keyFileFinding(missing, [{ status: "disconnected" }]).check.status).toBe("ok");
    expect(
      keyFileFinding(missing, [{ status: "active" }, { status: "error" }]).check,
    ).toMatchObject({
      status: "fail",
      message: expect.stringContaining("2 linked institutions have an encrypted token"),
    });
  });

  it("fails a keys directory it cannot look into, quoting the path for the shell", () => {
    const finding = keyFileFinding(
      { kind: "uninspectable", keysDirShown: "~/My Keys", error: "EACCES: permission denied" },
      null,
    );
    expect(finding.check).toMatchObject({
      status: "fail",
      message: "cannot inspect the token key file in ~/My Keys: EACCES: permission denied",
      fix: "make ~/'My Keys' readable by you (chmod 700)",
    });
  });
});

describe("doctor's database check", () => {
  const opened = { kind: "opened", display: "db", applied: 3 } as const;
  it("passes when every migration is applied, and names what is not", () => {
    const none = { pending: [], modified: [], unknown: [] };
    expect(databaseFinding({ ...opened, ...none }).check).toMatchObject({
      status: "ok",
      message: "db: migrations up to date (3 applied)",
    });
    const pending = databaseFinding({ ...opened, ...none, pending: ["0004_x", "0005_y"] });
    expect(pending.check).toMatchObject({
      status: "fail",
      message: expect.stringContaining("not up to date: 2 pending migrations (0004_x, 0005_y)"),
      fix: "networth db migrate",
      details: [
        { migration: "0004_x", state: "pending" },
        { migration: "0005_y", state: "pending" },
      ],
    });
    // A newer schema wins over anything else: this networth cannot judge it.
    const unknown = databaseFinding({
      ...opened,
      pending: ["0004_x"],
      modified: [],
      unknown: ["0009_z"],
    });
    expect(unknown.check.fix).toBe("upgrade networth");
    expect(databaseFinding({ kind: "unavailable", message: "cannot reach it" }).check).toEqual({
      name: "database",
      status: "fail",
      message: "cannot reach it",
      fix: null,
      details: [],
    });
  });
});

describe("doctor's checks of the user's data", () => {
  it("reports several failing items at once, each check with its own fix", () => {
    const login = item({
      id: "aaaaaaaa-0000-4000-8000-000000000002",
      institutionName: "Bank A",
      status: "error",
      errorCode: "ITEM_LOGIN_REQUIRED",
    });
    const gone = item({
      id: "bbbbbbbb-0000-4000-8000-000000000003",
      institutionName: "Bank B",
      status: "disconnected",
      errorCode: "ITEM_NOT_FOUND",
    });
    const unlinked = item({ institutionName: "Bank C", status: "disconnected" });
    const stale = item({
      id: "cccccccc-0000-4000-8000-000000000004",
      institutionName: "Bank D",
      lastSuccessfulUpdate: new Date(now.getTime() - 49 * 3_600_000),
    });
    const items = [login, gone, unlinked, stale];
    const findings = [
      keyFileFinding(keyFile({ damage: "the key file is damaged (no keys)" }), items),
      itemsFinding(items),
      syncFinding(items, now),
      manualFinding(
        [
          { id: "m1", name: "Old car", balanceDate: "2025-11-01" },
          { id: "m2", name: "Art", balanceDate: null },
        ],
        today,
        "YYYY-MM-DD",
      ),
      snapshotFinding({ expected: true, exists: false }, today, "DD/MM/YYYY"),
    ];
    expect(failed(findings)).toEqual(["key-file", "items", "sync", "manual-values", "snapshot"]);
    const [, itemsCheck, sync, manual, snapshot] = findings as [
      Finding,
      Finding,
      Finding,
      Finding,
      Finding,
    ];
    expect(itemsCheck.check.message).toBe("2 connections need you: Bank A, Bank B");
    expect(itemsCheck.check.fix).toBe(
      "the bank needs you to log in again: networth link --update aaaaaaaa; " +
        "Plaid no longer knows this item: networth link to connect the bank again, then networth unlink bbbbbbbb to retire this connection",
    );
    expect(itemsCheck.lines).toEqual([
      "- Bank A (aaaaaaaa): error ITEM_LOGIN_REQUIRED",
      "- Bank B (bbbbbbbb): disconnected ITEM_NOT_FOUND",
    ]);
    // Only active items are expected to sync: Bank D, not the one in error.
    expect(sync.check.message).toBe(
      "Bank D (cccccccc) has not synced for more than 2 days (last synced 2 days ago)",
    );
    expect(sync.check.details).toEqual([expect.objectContaining({ hoursSinceUpdate: 49 })]);
    expect(manual.check.message).toBe("2 manual accounts have no value from the last 90 days");
    expect(manual.lines).toEqual([
      "- Old car: last valued 2025-11-01, 129 days ago",
      "- Art: no value at all",
    ]);
    expect(snapshot.check.message).toBe("no net worth snapshot for today (10/03/2026)");
  });

  it("passes a working item, and names the ones the user unlinked without failing", () => {
    const unlinked = item({ institutionName: "Old Bank", status: "disconnected" });
    expect(itemsFinding([item(), unlinked]).check).toMatchObject({
      status: "ok",
      message: "1 connection working; unlinked by you, history kept: Old Bank",
    });
    expect(syncFinding([item({ lastSuccessfulUpdate: null })], now).check.message).toMatch(
      /\(never synced\)$/,
    );
    expect(
      snapshotFinding({ expected: false, exists: false }, today, "YYYY-MM-DD").check.status,
    ).toBe("ok");
  });
});

describe("doctor's budgets check", () => {
  const use = (used: number, limit = 50) => ({ provider: "rentcast", limit, used });

  it("warns at 80 % of a budget and under 100 % (requests are still left), passes under", () => {
    expect(budgetFinding([use(39), use(7999, 10000)]).check).toMatchObject({
      status: "ok",
      fix: null,
    });
    for (const used of [40, 49]) {
      expect(budgetFinding([use(used)]).check).toMatchObject({
        status: "warn",
        message: `rentcast has used ${used} of 50 requests this month (80% or more)`,
        fix: "networth config set budget.rentcast <n> to allow more, or wait for next month",
        details: [{ provider: "rentcast", limit: 50, used, left: 50 - used }],
      });
    }
  });

  it("fails a spent budget (no request left), and names it first in the fix", () => {
    const coins = { provider: "coingecko", limit: 10000, used: 8500 };
    expect(budgetFinding([coins, use(50)]).check).toMatchObject({
      status: "fail",
      message:
        "coingecko has used 8500 of 10000 requests this month (80% or more); rentcast has used 50 of 50 requests this month (none left)",
      fix: "networth config set budget.rentcast <n> to allow more, or wait for next month",
    });
    expect(budgetFinding([use(60)]).check.status).toBe("fail");
  });
});
