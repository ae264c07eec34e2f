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
import { insertHolding } from "./holdings.js";
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
  await seedDemoHoldings(tx, userId, first, today);
  await revalue(tx, { all: true }, { today });
}

/**
 * The demo's Bitcoin (0.2 BTC) and gold coins (4 troy ounces) are holdings (issue 12), valued
 * from a price history shipped with the demo (no network): deterministic daily prices from
 * the first day through today, source 'demo'. Written only where the shared table has no
 * price yet; a real fetch treats a 'demo' price as missing and replaces it (src/db/prices.ts).
 */
const DEMO_HOLDINGS = [
  {
    account: "Bitcoin",
    kind: "coin",
    asset: "bitcoin",
    quantity: "0.2",
    unit: null,
    purity: null,
    price: "32000 + 22 * n + 9000 * sin(n / 33.0)",
  },
  {
    account: "Gold coins",
    kind: "metal",
    asset: "XAU",
    quantity: "4",
    unit: "oz",
    purity: "1",
    price: "1950 + 0.75 * n + 70 * sin(n / 20.0)",
  },
] as const;

async function seedDemoHoldings(tx: TransactionSql, userId: string, first: string, today: string) {
  for (const h of DEMO_HOLDINGS) {
    const [account] = await tx<{ id: string }[]>`SELECT id FROM accounts WHERE name = ${h.account}`;
    if (!account) continue;
    await tx.unsafe(
      `INSERT INTO prices (asset, currency, date, price, source)
       SELECT $1, 'USD', $2::date + n, round((${h.price})::numeric, 2), 'demo'
       FROM generate_series(0, $3::date - $2::date) AS n
       ON CONFLICT (asset, currency, date) DO NOTHING`,
      [h.asset, first, today],
    );
    // What the account held is its holding now: its own typed-in values go.
    await tx`DELETE FROM account_balances WHERE account_id = ${account.id}`;
    await insertHolding(tx, account.id, userId, {
      kind: h.kind,
      asset: h.asset,
      quantity: h.quantity,
      unit: h.unit,
      purity: h.purity,
      start: first,
    });
    await upsertValuation(tx, account.id, userId, { method: "holdings", start: first, basis: 0n });
  }
}
