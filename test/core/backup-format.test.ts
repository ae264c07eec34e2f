import { describe, expect, it } from "vitest";
import {
  backupFileName,
  dependencyOrder,
  expiredBackups,
  ownBackup,
  planTable,
  type UpgradeStep,
} from "../../src/core/backup-format.js";

describe("backup file names", () => {
  it("are named by UTC date and time, and only those are networth's", () => {
    const at = new Date("2026-03-04T05:06:07.890Z");
    expect(backupFileName("user", at)).toBe("networth-2026-03-04-050607.backup.gz");
    expect(backupFileName("allUsers", at)).toBe("networth-all-users-2026-03-04-050607.backup.gz");
    expect(ownBackup("networth-2026-03-04-050607.backup.gz")).toEqual({
      kind: "user",
      at: new Date("2026-03-04T05:06:07Z"),
    });
    for (const other of [
      "networth-2026-03-04-050607.backup.gz.bak",
      "my-networth-2026-03-04-050607.backup.gz",
      "networth-2026-13-04-050607.backup.gz",
      "notes.txt",
    ])
      expect(ownBackup(other)).toBeNull();
  });
});

describe("retention", () => {
  const now = new Date("2026-06-30T12:00:00Z");
  const day = (d: number) => backupFileName("user", new Date(now.getTime() - d * 86_400_000));

  it("removes networth's files older than keepDays, never the newest 4, never others", () => {
    const names = [day(1), day(10), day(31), day(40), day(41), day(60), "mine.backup.gz"];
    expect(expiredBackups(names, now, 30)).toEqual([day(60), day(41)].sort());
  });

  it("keeps the newest 4 even when all are old, per kind", () => {
    const old = [100, 101, 102, 103, 104].map(day);
    const all = backupFileName("allUsers", new Date("2020-01-01T00:00:00Z"));
    expect(expiredBackups([...old, all], now, 30)).toEqual([day(104)]);
    expect(expiredBackups(old.slice(0, 4), now, 0)).toEqual([]);
  });
});

describe("mapping an older backup onto the current schema", () => {
  it("applies renames and drops of the steps after the backup's version only", () => {
    const steps: UpgradeStep[] = [
      { version: 5, renameColumns: { accounts: { nick: "nickname" } } },
      { version: 6, renameTables: { accounts: "ledgers" }, dropColumns: { ledgers: ["junk"] } },
      { version: 9, renameColumns: { ledgers: { nickname: "label" } } },
    ];
    const table = { name: "accounts", columns: ["id", "nick", "junk"] };
    expect(planTable(table, 4, 8, steps)).toEqual({
      from: "accounts",
      to: "ledgers",
      columns: [
        ["id", "id"],
        ["nick", "nickname"],
      ],
    });
    expect(planTable(table, 5, 8, steps).columns).toEqual([
      ["id", "id"],
      ["nick", "nick"],
    ]);
  });
});

describe("table order", () => {
  it("puts referenced tables first and refuses a cycle", () => {
    expect(
      dependencyOrder(
        ["account_balances", "accounts", "users", "audit_log"],
        [
          { child: "account_balances", parent: "accounts" },
          { child: "accounts", parent: "users" },
          { child: "users", parent: "users" },
        ],
      ),
    ).toEqual(["users", "accounts", "account_balances", "audit_log"]);
    expect(() =>
      dependencyOrder(
        ["a", "b"],
        [
          { child: "a", parent: "b" },
          { child: "b", parent: "a" },
        ],
      ),
    ).toThrow(/cycle/);
  });
});
