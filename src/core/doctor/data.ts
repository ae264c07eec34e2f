import type { DateFormat } from "../../config.js";
import { daysBetween, formatDate } from "../dates.js";
import { type MissingRate, missingRateLine } from "../incomplete.js";
import { type ItemState, itemAdvice, itemNeedsUser } from "../item-advice.js";
import { shellWord } from "../shell.js";
import {
  BUDGET_WARN_PERCENT,
  type Finding,
  fail,
  MANUAL_STALE_DAYS,
  ok,
  plural,
  ref,
  SYNC_STALE_HOURS,
  warn,
} from "./finding.js";

/** The checks of the user's data: items, their syncs, manual values, today's snapshot. */

const HOUR_MS = 3_600_000;

/** A linked item as the checks need it. */
export interface DoctorItem extends ItemState {
  readonly institutionName: string;
  readonly lastSuccessfulUpdate: Date | null;
}

/**
 * Items that need the user (itemNeedsUser: in error, or disconnected by Plaid). An item the
 * user unlinked is the end of a deliberate act, not a problem: it is named in the message but
 * never fails the check, or a cron job would alert for ever after a `networth unlink`.
 */
export function itemsFinding(items: readonly DoctorItem[]): Finding {
  const failing = items.filter(itemNeedsUser);
  const unlinked = items.filter((i) => i.status === "disconnected" && i.errorCode === null);
  const fixOf = (i: DoctorItem) =>
    i.status === "disconnected"
      ? `${itemAdvice(i)}, then networth unlink ${ref(i)} to retire this connection`
      : (itemAdvice(i) ?? `networth link --update ${ref(i)}`);
  if (failing.length === 0) {
    const active = items.length - unlinked.length;
    const note = unlinked.length
      ? `; unlinked by you, history kept: ${unlinked.map((i) => i.institutionName).join(", ")}`
      : "";
    return ok(
      "items",
      items.length === 0
        ? "no linked institutions"
        : `${plural(active, "connection")} working${note}`,
    );
  }
  const details = failing.map((i) => ({
    id: i.id,
    institutionName: i.institutionName,
    status: i.status,
    errorCode: i.errorCode,
    fix: fixOf(i),
  }));
  const lines = failing.map((i) =>
    `- ${i.institutionName} (${ref(i)}): ${i.status} ${i.errorCode ?? ""}`.trimEnd(),
  );
  const [only] = failing;
  const message =
    only && failing.length === 1
      ? `${only.institutionName} (${ref(only)}) needs you: ${only.status === "error" ? "in error" : "disconnected by Plaid"}${only.errorCode ? ` (${only.errorCode})` : ""}`
      : `${failing.length} connections need you: ${failing.map((i) => i.institutionName).join(", ")}`;
  const fixes = [...new Set(failing.map(fixOf))];
  return fail("items", message, fixes.join("; "), details, failing.length > 1 ? lines : []);
}

/** Active items whose last successful update is older than SYNC_STALE_HOURS, or never. */
export function syncFinding(items: readonly DoctorItem[], now: Date): Finding {
  const active = items.filter((i) => i.status === "active");
  const msSince = (i: DoctorItem) =>
    i.lastSuccessfulUpdate === null ? null : now.getTime() - i.lastSuccessfulUpdate.getTime();
  const hoursSince = (i: DoctorItem) => {
    const ms = msSince(i);
    return ms === null ? null : Math.floor(ms / HOUR_MS);
  };
  const stale = active.filter((i) => {
    const ms = msSince(i);
    return ms === null || ms > SYNC_STALE_HOURS * HOUR_MS;
  });
  if (stale.length === 0)
    return ok(
      "sync",
      active.length === 0
        ? "no active connection to sync"
        : `every active connection synced in the last ${SYNC_STALE_HOURS} hours`,
    );
  const age = (i: DoctorItem) => {
    const hours = hoursSince(i);
    return hours === null ? "never synced" : `last synced ${Math.floor(hours / 24)} days ago`;
  };
  const details = stale.map((i) => ({
    id: i.id,
    institutionName: i.institutionName,
    lastSuccessfulUpdate: i.lastSuccessfulUpdate,
    hoursSinceUpdate: hoursSince(i),
  }));
  const [only] = stale;
  const days = SYNC_STALE_HOURS / 24;
  const message =
    only && stale.length === 1
      ? `${only.institutionName} (${ref(only)}) has not synced for more than ${days} days (${age(only)})`
      : `${stale.length} connections have not synced for more than ${days} days: ${stale.map((i) => `${i.institutionName} (${age(i)})`).join(", ")}`;
  return fail(
    "sync",
    message,
    "networth sync (networth cron --install runs it every day)",
    details,
  );
}

/** An active manual account without a value from the last MANUAL_STALE_DAYS days. */
export interface StaleManualValue {
  readonly id: string;
  readonly name: string;
  /** The date of its current value, or null when it has none. */
  readonly balanceDate: string | null;
}

export function manualFinding(
  stale: readonly StaleManualValue[],
  today: string,
  dateFormat: DateFormat,
): Finding {
  if (stale.length === 0)
    return ok(
      "manual-values",
      `every manual account has a value from the last ${MANUAL_STALE_DAYS} days`,
    );
  const ageOf = (a: StaleManualValue) =>
    a.balanceDate === null ? null : daysBetween(a.balanceDate, today);
  const describe = (a: StaleManualValue) =>
    a.balanceDate === null
      ? "no value at all"
      : `last valued ${formatDate(a.balanceDate, dateFormat)}, ${ageOf(a)} days ago`;
  const details = stale.map((a) => ({
    id: a.id,
    name: a.name,
    balanceDate: a.balanceDate,
    ageDays: ageOf(a),
  }));
  const [only] = stale;
  if (only && stale.length === 1)
    return fail(
      "manual-values",
      `${only.name} has no value from the last ${MANUAL_STALE_DAYS} days (${describe(only)})`,
      `networth set-balance ${shellWord(only.name)} <amount> (the same amount again if it has not changed)`,
      details,
    );
  return fail(
    "manual-values",
    `${stale.length} manual accounts have no value from the last ${MANUAL_STALE_DAYS} days`,
    "networth set-balance <account> <amount> for each (the same amount again if it has not changed)",
    details,
    stale.map((a) => `- ${a.name}: ${describe(a)}`),
  );
}

/** Whether today's snapshot should exist (an account has a value by then), and whether it does. */
export interface SnapshotFacts {
  readonly expected: boolean;
  readonly exists: boolean;
}

export function snapshotFinding(
  presence: SnapshotFacts,
  today: string,
  dateFormat: DateFormat,
): Finding {
  const shown = formatDate(today, dateFormat);
  const details = [{ date: today, expected: presence.expected, exists: presence.exists }];
  if (presence.exists)
    return ok("snapshot", `today's net worth snapshot (${shown}) exists`, details);
  if (!presence.expected)
    return ok("snapshot", "no account has a value yet: there is nothing to snapshot", details);
  return fail(
    "snapshot",
    `no net worth snapshot for today (${shown})`,
    "networth snapshot (networth cron --install takes one every day)",
    details,
  );
}

/** A market method (holdings, avm, vehicle) that could not value today. */
export interface StaleMarketValue {
  readonly id: string;
  readonly name: string;
  readonly method: string;
  readonly reason: string;
  readonly since: string;
  readonly lastGood: string | null;
}

/** Every market value current, or the stale ones with why and since when. */
export function marketFinding(stale: readonly StaleMarketValue[], dateFormat: DateFormat): Finding {
  if (stale.length === 0) return ok("market-values", "every market value is current");
  const lines = stale.map(
    (a) =>
      `${a.name}: stale since ${formatDate(a.since, dateFormat)}, last good value ${a.lastGood === null ? "none" : formatDate(a.lastGood, dateFormat)}: ${a.reason}`,
  );
  return fail(
    "market-values",
    `${plural(stale.length, "account")} stale: ${stale.map((a) => a.name).join(", ")}`,
    "networth revalue (it says what failed); networth prices import <file.csv> for a price a provider cannot give",
    stale.map((a) => ({ ...a })),
    lines,
  );
}

/** A provider's request budget this month. */
export interface BudgetUse {
  readonly provider: string;
  readonly limit: number;
  readonly used: number;
}

/**
 * Warns when a provider has used 80 % or more of its monthly budget (requests are still left);
 * fails when one has none left (its values go stale until next month or a larger budget).
 */
export function budgetFinding(budgets: readonly BudgetUse[]): Finding {
  const high = budgets.filter((b) => b.used * 100 >= b.limit * BUDGET_WARN_PERCENT);
  const spent = high.filter((b) => b.used >= b.limit);
  const details = budgets.map((b) => ({ ...b, left: Math.max(0, b.limit - b.used) }));
  const lines = budgets.map((b) => `${b.provider}: ${b.used} of ${b.limit} requests this month`);
  if (high.length === 0)
    return ok(
      "budgets",
      `every provider is under ${BUDGET_WARN_PERCENT}% of its monthly budget`,
      details,
      lines,
    );
  const message = high
    .map(
      (b) =>
        `${b.provider} has used ${b.used} of ${b.limit} requests this month (${b.used >= b.limit ? "none left" : `${BUDGET_WARN_PERCENT}% or more`})`,
    )
    .join("; ");
  const fix = `networth config set budget.${(spent[0] ?? high[0])?.provider} <n> to allow more, or wait for next month`;
  return spent.length > 0
    ? fail("budgets", message, fix, details, lines)
    : warn("budgets", message, fix, details, lines);
}

/**
 * Missing exchange rates over the stored snapshots: one line per pair. Fails when today's
 * snapshot leaves an account out (a rate update or an own rate fixes it); older gaps (days
 * before a currency's first published rate) are reported, and pass.
 */
export function ratesFinding(
  missing: readonly MissingRate[],
  today: string,
  dateFormat: DateFormat,
): Finding {
  const details = missing.map(({ line: _line, ...rest }) => rest);
  if (missing.length === 0) {
    return ok("rates", "every account is converted at a rate of its day (or needs none)");
  }
  const message = missing
    .map((m) => missingRateLine(m, (iso) => formatDate(iso, dateFormat)))
    .join("; ");
  if (missing.some((m) => m.last === today)) {
    return fail(
      "rates",
      message,
      "networth rates update (or rates import, or rates set for your own rate)",
      details,
    );
  }
  return ok("rates", message, details);
}
