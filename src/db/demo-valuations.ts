/**
 * The demo's valuation methods (issue 11): its car depreciates, its home appreciates from its
 * purchase and re-anchors on two appraisals, its mortgage and car loan follow their
 * amortization schedules. The accounts keep only the values a person would have typed in
 * (the first, and the home's appraisals); the rules write the rest, back to the first day.
 */

import type { TransactionSql } from "postgres";
import { centsFromDecimal } from "../core/money.js";
import { addMonths } from "../core/valuation/months.js";
import { levelPayment, type ValuationRule } from "../core/valuation/rules.js";
import { revalue } from "./revalue.js";
import { upsertValuation } from "./valuations.js";

type Plan = (first: string, basis: bigint) => ValuationRule;

const PLANS: Record<string, Plan> = {
  Car: (start, basis) => ({ method: "depreciation", start, basis, rate: "15", floor: 2_000_00n }),
  Home: (start, basis) => ({ method: "appreciation", start, basis, rate: "4" }),
  Mortgage: (start, basis) => ({
    method: "amortization",
    start,
    basis,
    apr: "6.5",
    term: 360,
    firstPayment: addMonths(start, 1),
    payment: levelPayment(basis, "6.5", 360),
    extra: 0n,
  }),
  // Two years at 7%: paid off a little before today.
  "Car loan": (start, basis) => ({
    method: "amortization",
    start,
    basis,
    apr: "7",
    term: 24,
    firstPayment: addMonths(start, 1),
    payment: levelPayment(basis, "7", 24),
    extra: 0n,
  }),
};

/** Gives the demo user's accounts their methods and writes their values (user transaction). */
export async function seedDemoValuations(
  tx: TransactionSql,
  userId: string,
  today: string,
  first: string,
  /** Dates of values of the home's own (its appraisals) to keep as anchors. */
  appraisals: readonly string[],
): Promise<void> {
  const accounts = await tx<{ id: string; name: string; balance: string }[]>`
    SELECT a.id, a.name, b.balance::text AS balance FROM accounts a
    JOIN account_balances b ON b.account_id = a.id AND b.date = ${first}
    WHERE a.name IN ${tx(Object.keys(PLANS))}`;
  for (const account of accounts) {
    const plan = PLANS[account.name];
    if (!plan) continue;
    const keep = account.name === "Home" ? [...appraisals] : [];
    await tx`DELETE FROM account_balances WHERE account_id = ${account.id}
             AND date > ${first} AND NOT (date = ANY(${tx.array(keep)}::date[]))`;
    const cents = centsFromDecimal(account.balance);
    await upsertValuation(tx, account.id, userId, plan(first, cents));
  }
  await revalue(tx, { all: true }, { today });
}
