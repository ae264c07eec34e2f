import { ageInDays } from "../core/dates.js";
import { Money } from "../core/money.js";
import type { AccountRow } from "../db/accounts.js";
import type { BalanceRow } from "../db/balances.js";

/** The seed's AccountBalance model (`limit` is the credit_limit column). */
export function balanceJson(row: BalanceRow) {
  return {
    id: row.id,
    accountId: row.accountId,
    balance: Money.fromDecimal(row.balance),
    availableBalance: Money.nullable(row.availableBalance),
    limit: Money.nullable(row.creditLimit),
    date: row.date,
    isCurrent: row.isCurrent,
    source: row.source,
    createdAt: row.createdAt,
  };
}

/** The seed's Account model, with its type's display name, side and the balance's age. */
export function accountJson(row: AccountRow, today: string) {
  const current =
    row.balanceId && row.balance !== null && row.balanceDate !== null
      ? balanceJson({
          id: row.balanceId,
          accountId: row.id,
          balance: row.balance,
          availableBalance: row.availableBalance,
          creditLimit: row.creditLimit,
          date: row.balanceDate,
          isCurrent: true,
          source: row.balanceSource ?? "manual",
          createdAt: row.balanceCreatedAt ?? row.createdAt,
        })
      : null;
  return {
    id: row.id,
    userId: row.userId,
    plaidItemId: row.plaidItemId,
    plaidAccountId: row.plaidAccountId,
    name: row.name,
    officialName: row.officialName,
    type: row.type,
    subtype: row.subtype,
    category: row.category,
    displayName: row.displayName,
    side: row.side,
    isManual: row.isManual,
    isActive: row.isActive,
    institutionName: row.institutionName,
    mask: row.mask,
    currency: row.currency,
    createdAt: row.createdAt,
    updatedAt: row.updatedAt,
    currentBalance: current,
    balanceAgeDays: row.balanceDate ? ageInDays(row.balanceDate, today) : null,
    balanceCount: row.balanceCount,
    manualAssetDetails: row.isManual ? { description: row.description, notes: row.notes } : null,
  };
}
