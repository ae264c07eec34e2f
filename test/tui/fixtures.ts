/**
 * Fake data and loaders for the dashboard's tests: reports built from in-memory snapshots by
 * the same core functions buildReport uses, accounts as listAccounts returns them, and loaders
 * that count their calls.
 */

import type { AccountCategory } from "../../src/core/buckets.js";
import {
  ASSET_BUCKETS,
  LIABILITY_BUCKETS,
  type SnapshotRow,
  snapshotModel,
} from "../../src/core/buckets.js";
import type { Report } from "../../src/core/build-report.js";
import { addDays } from "../../src/core/dates.js";
import { fixedFromCents } from "../../src/core/money.js";
import {
  breakdownShares,
  CHANGE_WINDOWS,
  changeBetween,
  periodEnds,
  pointsAt,
  windowStart,
} from "../../src/core/report.js";
import type { AccountRow } from "../../src/db/accounts.js";
import type { BalanceRow } from "../../src/db/balances.js";
import type { DashboardLoaders } from "../../src/tui/loaders.js";
import { type RangeKey, rangeStart } from "../../src/tui/ranges.js";

export const TODAY = "2026-06-30";
export const FIRST_DAY = "2024-06-30";
const DAYS = 730;

const zeroes = <B extends string>(buckets: readonly B[]) =>
  Object.fromEntries(buckets.map((b) => [b, "0.00"])) as Record<B, string>;

/**
 * Day n (0 = FIRST_DAY, 730 = TODAY): cash 20,000 + 10n, investments 80,000 + 50n, property
 * 300,000 + 50n; mortgage 250,000 - 20n, card 1,000. Net worth 149,000 + 130n: $243,900.00
 * today, up $4,030.00 over 1M (31 days), $47,450.00 over 1Y, $94,900.00 over ALL.
 */
export function snapshotOn(n: number): SnapshotRow {
  const cents = (dollars: number) => BigInt(dollars) * 100n;
  const cash = cents(20_000 + 10 * n);
  const investments = cents(80_000 + 50 * n);
  const property = cents(300_000 + 50 * n);
  const mortgages = cents(250_000 - 20 * n);
  const creditCards = cents(1_000);
  const assets = cash + investments + property;
  const liabilities = mortgages + creditCards;
  return {
    id: `snapshot-${n}`,
    userId: "user-1",
    date: addDays(FIRST_DAY, n),
    totalAssets: fixedFromCents(assets),
    totalLiabilities: fixedFromCents(liabilities),
    netWorth: fixedFromCents(assets - liabilities),
    assetBreakdown: {
      ...zeroes(ASSET_BUCKETS),
      cash: fixedFromCents(cash),
      investments: fixedFromCents(investments),
      property: fixedFromCents(property),
    },
    liabilityBreakdown: {
      ...zeroes(LIABILITY_BUCKETS),
      mortgages: fixedFromCents(mortgages),
      creditCards: fixedFromCents(creditCards),
    },
    createdAt: new Date(0),
  };
}

export const SNAPSHOTS: readonly SnapshotRow[] = Array.from({ length: DAYS + 1 }, (_, n) =>
  snapshotOn(n),
);

/** The report buildReport would give for these snapshots, from..to, one point a day. */
export function reportOf(
  snapshots: readonly SnapshotRow[],
  from: string | undefined,
  to: string = TODAY,
): Report {
  const start = from ?? snapshots[0]?.date ?? to;
  const upTo = snapshots.filter((s) => s.date <= to);
  const current = upTo.at(-1);
  const inRange = upTo.filter((s) => s.date >= start);
  const at = (date: string) => pointsAt(upTo, [date])[0];
  return {
    from: start,
    to,
    interval: "day",
    currency: "USD",
    missingRates: [],
    current: current ? snapshotModel(current) : null,
    changes: {
      range: changeBetween(at(start) ?? inRange[0], current),
      ...Object.fromEntries(
        CHANGE_WINDOWS.map((w) => [w, changeBetween(at(windowStart(to, w)), current)]),
      ),
    } as Report["changes"],
    series: pointsAt(inRange, periodEnds(start, to, "day")),
    breakdown: current ? breakdownShares(current) : null,
    movers: [],
  };
}

/** The report of a range over SNAPSHOTS, as the dashboard's loader gives it. */
export const rangeReport = (range: RangeKey) => reportOf(SNAPSHOTS, rangeStart(TODAY, range));

/** An account row as listAccounts returns it; the rest defaulted. */
export function account(
  fields: Pick<AccountRow, "id" | "name"> & {
    category: AccountCategory;
    side: "asset" | "liability";
  } & Partial<AccountRow>,
): AccountRow {
  return {
    userId: "user-1",
    plaidItemId: null,
    plaidAccountId: null,
    officialName: null,
    type: "manual_asset",
    subtype: "other",
    isManual: true,
    isActive: true,
    institutionName: null,
    mask: null,
    currency: "USD",
    createdAt: new Date(0),
    updatedAt: new Date(0),
    displayName: "Account",
    description: null,
    notes: null,
    balanceId: `balance-${fields.id}`,
    balance: "0.00",
    availableBalance: null,
    creditLimit: null,
    balanceDate: TODAY,
    balanceSource: "manual",
    balanceCreatedAt: new Date(0),
    balanceCount: 1,
    ...fields,
  };
}

export const ACCOUNTS: readonly AccountRow[] = [
  account({
    id: "acc-checking",
    name: "Checking",
    category: "cash",
    side: "asset",
    displayName: "Checking Account",
    institutionName: "Test Bank",
    plaidItemId: "item-1",
    isManual: false,
    balance: "27300.00",
  }),
  account({
    id: "acc-house",
    name: "House",
    category: "property",
    side: "asset",
    displayName: "Real Estate",
    balance: "336000.00",
    balanceDate: "2026-03-01",
  }),
  account({
    id: "acc-mortgage",
    name: "Mortgage",
    category: "mortgage",
    side: "liability",
    displayName: "Mortgage",
    balance: "235400.00",
  }),
  account({
    id: "acc-visa",
    name: "Visa",
    category: "credit_card",
    side: "liability",
    displayName: "Credit Card",
    institutionName: "Test Bank",
    plaidItemId: "item-2",
    isManual: false,
    balance: "1000.00",
    balanceDate: "2026-06-25",
  }),
];

/** The House's balances, newest first. */
export const HOUSE_HISTORY: readonly BalanceRow[] = [
  ["2026-03-01", "336000.00"],
  ["2025-12-01", "330000.00"],
  ["2025-06-01", "320000.00"],
].map(([date, balance], i) => ({
  id: `house-${i}`,
  accountId: "acc-house",
  balance: balance as string,
  availableBalance: null,
  creditLimit: null,
  date: date as string,
  isCurrent: i === 0,
  source: "manual",
  createdAt: new Date(0),
}));

/** Loaders over the fixtures that count their calls; any of them can be replaced. */
export function fakeLoaders(overrides: Partial<DashboardLoaders> = {}) {
  const calls = { report: [] as RangeKey[], accounts: 0, history: [] as string[], snapshot: 0 };
  const loaders: DashboardLoaders = {
    async report(range) {
      calls.report.push(range);
      return rangeReport(range);
    },
    async accounts() {
      calls.accounts += 1;
      return ACCOUNTS;
    },
    async history(accountId) {
      calls.history.push(accountId);
      return accountId === "acc-house" ? HOUSE_HISTORY : [];
    },
    async snapshot() {
      calls.snapshot += 1;
      return TODAY;
    },
    ...overrides,
  };
  return { loaders, calls };
}

/** A promise and the functions that settle it, for loaders that answer when a test says. */
export function deferred<T>() {
  let resolve!: (value: T) => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

/** Lets pending promises, effects and Ink's input handling run. */
export const tick = (ms = 15) => new Promise((resolve) => setTimeout(resolve, ms));

/** Waits until the frame satisfies `ok` (a loader answering, a render), or fails saying why. */
export async function frameWhere(
  lastFrame: () => string | undefined,
  ok: (frame: string) => boolean,
  what: string,
  timeoutMs = 3000,
): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const frame = lastFrame() ?? "";
    if (ok(frame)) return frame;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; frame:\n${frame}`);
    await tick(10);
  }
}

/** Polls until `ok()` holds, or fails saying what never happened: never a fixed sleep. */
export async function eventually(ok: () => boolean, what: string, timeoutMs = 3000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!ok()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await tick(10);
  }
}

/** Keys as a terminal sends them. */
export const KEY = {
  left: "\u001B[D",
  right: "\u001B[C",
  up: "\u001B[A",
  down: "\u001B[B",
  tab: "\t",
  shiftTab: "\u001B[Z",
  enter: "\r",
  escape: "\u001B",
  ctrlC: "\u0003",
} as const;
