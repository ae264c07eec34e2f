import type { Sql, TransactionSql } from "postgres";
import { addDays } from "../core/dates.js";
import { writeBalances } from "./balances.js";
import { seedDemoValuations } from "./demo-valuations.js";

/** The demo user's email: `networth demo` resets this user and no other. */
export const DEMO_EMAIL = "demo@networth.local";

/**
 * Removes the demo user and everything of theirs (the foreign keys cascade), nobody else: the
 * reset before `networth demo` seeds again. Cross-user (the system connection).
 */
export async function deleteDemoUser(sql: Sql): Promise<void> {
  await sql`DELETE FROM users WHERE email = ${DEMO_EMAIL}`;
}

/** How far back the demo history goes. */
export const DEMO_DAYS = 800;

interface DemoAccount {
  name: string;
  type: string;
  subtype: string;
  institution: string | null;
  /**
   * The balance on day n (0 = the first day, DEMO_DAYS = today) as a SQL expression over `n`,
   * and which days have a value (SQL predicate over `n` and `d`, the date).
   */
  value: string;
  on: string;
}

// Plain numbers shaped by sin() give a lively but deterministic history; each value is rounded
// to the cent in SQL and stored as NUMERIC, so no float ever reaches a total.
const ACCOUNTS: DemoAccount[] = [
  // Pay on the 1st, spending through the month; overdrawn once (see the fix-up below).
  {
    name: "Everyday Checking",
    type: "depository",
    subtype: "checking",
    institution: "Demo Bank",
    value: "2400 + 1800 * cos(2 * pi() * extract(day FROM d) / 31) + 15 * sin(n)",
    on: "true",
  },
  {
    name: "High-Yield Savings",
    type: "depository",
    subtype: "savings",
    institution: "Demo Bank",
    value: "12000 + 18 * n",
    on: "extract(day FROM d) = 1 OR n = 0 OR n = :last",
  },
  {
    name: "Brokerage",
    type: "investment",
    subtype: "brokerage",
    institution: "Demo Invest",
    value: "48000 + 32 * n + 3500 * sin(n / 45.0) + 600 * sin(n / 7.0)",
    on: "extract(isodow FROM d) < 6 OR n = :last",
  },
  {
    name: "401(k)",
    type: "investment",
    subtype: "401k",
    institution: "Demo Invest",
    value: "86000 + 70 * n + 4000 * sin(n / 60.0)",
    on: "extract(day FROM d) IN (1, 15) OR n = 0 OR n = :last",
  },
  {
    name: "Home",
    type: "manual_asset",
    subtype: "real_estate",
    institution: null,
    value: "420000 + 55 * n",
    on: "n % 90 = 0 OR n = :last",
  },
  {
    name: "Car",
    type: "manual_asset",
    subtype: "vehicle",
    institution: null,
    value: "31000 - 9.5 * n",
    on: "n % 30 = 0 OR n = :last",
  },
  {
    name: "Gold coins",
    type: "manual_asset",
    subtype: "precious_metal",
    institution: null,
    value: "8200 + 3.1 * n + 300 * sin(n / 20.0)",
    on: "n % 7 = 0 OR n = :last",
  },
  {
    name: "Bitcoin",
    type: "manual_asset",
    subtype: "crypto",
    institution: null,
    value: "6500 + 4 * n + 2500 * sin(n / 33.0)",
    on: "n % 3 = 0 OR n = :last",
  },
  {
    name: "Art",
    type: "manual_asset",
    subtype: "other",
    institution: null,
    value: "5000",
    on: "n = 0",
  },
  {
    name: "Visa",
    type: "manual_liability",
    subtype: "credit_card",
    institution: null,
    value: "900 + 700 * sin(2 * pi() * extract(day FROM d) / 31)",
    on: "true",
  },
  {
    name: "Mortgage",
    type: "manual_liability",
    subtype: "mortgage",
    institution: null,
    value: "352000 - 40 * n",
    on: "extract(day FROM d) = 1 OR n = 0 OR n = :last",
  },
  // Paid off a year ago: zero from then on.
  {
    name: "Car loan",
    type: "manual_liability",
    subtype: "auto",
    institution: null,
    value: "greatest(0, 9000 - 20 * n)",
    on: "n % 30 = 0 OR n = :last",
  },
  {
    name: "Student loan",
    type: "manual_liability",
    subtype: "student",
    institution: null,
    value: "24000 - 12 * n",
    on: "extract(day FROM d) = 1 OR n = 0 OR n = :last",
  },
  {
    name: "Tax bill",
    type: "manual_liability",
    subtype: "other",
    institution: null,
    value: "3200",
    on: "n = 400",
  },
];

/**
 * Fills a fresh demo user's accounts and history (user-scoped transaction): every asset and
 * liability bucket, an overdrawn day, a card in credit, a loan paid off, and back-dated
 * revaluations of the home written after the fact. Set-based: one INSERT per account.
 * Returns the first day of the history.
 */
export async function seedDemo(tx: TransactionSql, userId: string, today: string): Promise<string> {
  const first = addDays(today, -DEMO_DAYS);
  for (const account of ACCOUNTS) {
    const [row] = await tx<{ id: string }[]>`
      INSERT INTO accounts (user_id, name, type, subtype, category, is_manual, institution_name)
      SELECT ${userId}, ${account.name}, ${account.type}::account_type, ${account.subtype},
             c.category, TRUE, ${account.institution}
      FROM account_type_config c WHERE c.type = ${account.type} AND c.subtype = ${account.subtype}
      RETURNING id`;
    if (!row)
      throw new Error(`demo: no account_type_config row for ${account.type}/${account.subtype}`);
    await tx`INSERT INTO manual_assets (account_id, user_id, description)
      VALUES (${row.id}, ${userId}, ${`Demo: ${account.name}`})`;
    const on = account.on.replaceAll(":last", String(DEMO_DAYS));
    await tx.unsafe(
      `INSERT INTO account_balances (account_id, balance, date, source)
       SELECT $1::uuid, round((${account.value})::numeric, 2), d, 'manual'
       FROM generate_series(0, ${DEMO_DAYS}) AS n, LATERAL (SELECT $2::date + n AS d) AS day
       WHERE ${on}`,
      [row.id, first],
    );
  }
  // An overdrawn day, and a card paid down past zero into credit.
  await tx`UPDATE account_balances b SET balance = -182.45 FROM accounts a
    WHERE a.id = b.account_id AND a.name = 'Everyday Checking' AND b.date = ${addDays(today, -200)}`;
  await tx`UPDATE account_balances b SET balance = -35.10 FROM accounts a
    WHERE a.id = b.account_id AND a.name = 'Visa' AND b.date = ${addDays(today, -120)}`;
  // Back-dated revaluations: an appraisal found later, entered into the past.
  const [home] = await tx<{ id: string }[]>`SELECT id FROM accounts WHERE name = 'Home'`;
  if (home) {
    await writeBalances(tx, [
      {
        accountId: home.id,
        date: addDays(today, -500),
        balance: 431_500_00n,
        available: null,
        limit: null,
        source: "manual",
      },
      {
        accountId: home.id,
        date: addDays(today, -45),
        balance: 468_250_00n,
        available: null,
        limit: null,
        source: "manual",
      },
    ]);
  }
  // Valuation methods for the car, home, mortgage and car loan (issue 11).
  await seedDemoValuations(tx, userId, today, first, [addDays(today, -500), addDays(today, -45)]);
  return first;
}
