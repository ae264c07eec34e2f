/**
 * The provider methods' inputs and lookups (migrations/0009_holdings_prices.up.sql): a home's
 * encrypted address on its account_valuations row, and valuation_lookups, what the provider
 * said it was worth on each date. User data (RLS). The address is ciphertext here: it is
 * decrypted only to be sent to the provider.
 */

import type { Sql, TransactionSql } from "postgres";
import { centsFromDecimal } from "../core/money.js";

/** Stores the method's encrypted address (the row exists: upsertValuation came first). */
export async function setEncryptedAddress(
  tx: TransactionSql,
  accountId: string,
  encrypted: string,
): Promise<void> {
  await tx`UPDATE account_valuations SET address_encrypted = ${encrypted}
           WHERE account_id = ${accountId}
             AND address_encrypted IS DISTINCT FROM ${encrypted}`;
}

export interface DueLookup {
  readonly accountId: string;
  readonly userId: string;
  readonly addressEncrypted: string | null;
  readonly lookedUpOn: string | null;
  /** avm (a home) or vehicle (a car). */
  readonly method?: "avm" | "vehicle";
  readonly vinEncrypted?: string | null;
  readonly zipEncrypted?: string | null;
  /** The car's mileage on `startDate` (the day it was read), and how much it grows a year. */
  readonly mileage?: number | null;
  readonly milesPerYear?: number | null;
  readonly startDate?: string;
}

/** Stores a car's inputs: the encrypted VIN and ZIP, the mileage, and the decoded vehicle. */
export async function setVehicleInputs(
  tx: TransactionSql,
  accountId: string,
  inputs: {
    vinEncrypted: string;
    zipEncrypted: string | null;
    mileage: number;
    /** The day the mileage was read. */
    mileageOn: string;
    milesPerYear: number;
    year: number;
    make: string;
    model: string;
  },
): Promise<void> {
  await tx`UPDATE account_valuations SET vin_encrypted = ${inputs.vinEncrypted},
             zip_encrypted = ${inputs.zipEncrypted}, mileage = ${inputs.mileage},
             mileage_on = ${inputs.mileageOn}::date,
             miles_per_year = ${inputs.milesPerYear}, vehicle_year = ${inputs.year},
             vehicle_make = ${inputs.make}, vehicle_model = ${inputs.model}, looked_up_on = NULL
           WHERE account_id = ${accountId}`;
}

/** A car's decoded year, make and model, by account (for accounts and history). */
export async function vehiclesByAccount(
  tx: TransactionSql | Sql,
): Promise<
  Map<
    string,
    { year: number | null; make: string | null; model: string | null; mileage: number | null }
  >
> {
  const rows = await tx<
    {
      accountId: string;
      year: number | null;
      make: string | null;
      model: string | null;
      mileage: number | null;
    }[]
  >`SELECT account_id, vehicle_year AS year, vehicle_make AS make, vehicle_model AS model, mileage
    FROM account_valuations WHERE method::text = 'vehicle'`;
  return new Map(rows.map(({ accountId, ...rest }) => [accountId, rest]));
}

/**
 * The avm and vehicle methods in scope (these accounts, or every visible one) not looked up since
 * `since` (exclusive) or never: stalest first.
 */
export async function dueLookups(
  tx: TransactionSql | Sql,
  accountIds: readonly string[] | null,
  since: string,
): Promise<DueLookup[]> {
  return tx<DueLookup[]>`
    SELECT v.account_id, v.user_id, v.address_encrypted, v.looked_up_on, v.method::text AS method,
           v.vin_encrypted, v.zip_encrypted, v.mileage, v.miles_per_year,
           coalesce(v.mileage_on, v.start_date) AS start_date
    FROM account_valuations v JOIN accounts a ON a.id = v.account_id
    WHERE v.method::text IN ('avm', 'vehicle') AND a.is_active
      AND (v.looked_up_on IS NULL OR v.looked_up_on <= ${since}::date)
      AND (${accountIds === null} OR v.account_id = ANY(${tx.array([...(accountIds ?? [])])}::uuid[]))
    ORDER BY v.looked_up_on NULLS FIRST, v.account_id`;
}

export interface LookupRow {
  readonly accountId: string;
  readonly userId: string;
  readonly date: string;
  readonly value: string;
  readonly low: string | null;
  readonly high: string | null;
  readonly source: string;
}

/** Records lookups (one per account and date: a second replaces the first) and their date. */
export async function recordLookups(tx: TransactionSql, rows: readonly LookupRow[]): Promise<void> {
  if (rows.length === 0) return;
  await tx`
    INSERT INTO valuation_lookups (account_id, user_id, date, value, low, high, source)
    SELECT * FROM unnest(${tx.array(rows.map((r) => r.accountId))}::uuid[],
                         ${tx.array(rows.map((r) => r.userId))}::uuid[],
                         ${tx.array(rows.map((r) => r.date))}::date[],
                         ${tx.array(rows.map((r) => r.value))}::numeric[],
                         ${tx.array(rows.map((r) => r.low))}::numeric[],
                         ${tx.array(rows.map((r) => r.high))}::numeric[],
                         ${tx.array(rows.map((r) => r.source))}::text[])
    ON CONFLICT (account_id, date) DO UPDATE SET value = EXCLUDED.value, low = EXCLUDED.low,
      high = EXCLUDED.high, source = EXCLUDED.source, fetched_at = NOW()`;
  await tx`
    UPDATE account_valuations v SET looked_up_on = l.date
    FROM unnest(${tx.array(rows.map((r) => r.accountId))}::uuid[],
                ${tx.array(rows.map((r) => r.date))}::date[]) AS l(account_id, date)
    WHERE v.account_id = l.account_id`;
}

export interface StoredLookup {
  readonly date: string;
  readonly cents: bigint;
  readonly low: bigint | null;
  readonly high: bigint | null;
  readonly source: string;
}

/** The lookups of these accounts, by account, in date order. */
export async function lookupsFor(
  tx: TransactionSql | Sql,
  accountIds: readonly string[],
): Promise<Map<string, StoredLookup[]>> {
  const map = new Map<string, StoredLookup[]>();
  if (accountIds.length === 0) return map;
  const rows = await tx<
    {
      accountId: string;
      date: string;
      value: string;
      low: string | null;
      high: string | null;
      source: string;
    }[]
  >`
    SELECT account_id, date, value::text AS value, low::text AS low, high::text AS high, source
    FROM valuation_lookups WHERE account_id = ANY(${tx.array([...accountIds])}::uuid[])
    ORDER BY account_id, date`;
  for (const r of rows) {
    const list = map.get(r.accountId) ?? [];
    list.push({
      date: r.date,
      cents: centsFromDecimal(r.value),
      low: r.low === null ? null : centsFromDecimal(r.low),
      high: r.high === null ? null : centsFromDecimal(r.high),
      source: r.source,
    });
    map.set(r.accountId, list);
  }
  return map;
}

/** A valuation method's encrypted inputs (the associated data of each is the account id). */
export interface SealedInputs {
  readonly accountId: string;
  readonly addressEncrypted: string | null;
  readonly vinEncrypted: string | null;
  readonly zipEncrypted: string | null;
}

/** Every user's encrypted valuation inputs, locked: for key rotation (system scope). */
export async function allSealedInputs(sql: Sql | TransactionSql): Promise<SealedInputs[]> {
  return sql<SealedInputs[]>`
    SELECT account_id, address_encrypted, vin_encrypted, zip_encrypted FROM account_valuations
    WHERE address_encrypted IS NOT NULL OR vin_encrypted IS NOT NULL OR zip_encrypted IS NOT NULL
    ORDER BY account_id FOR UPDATE`;
}

/** Replaces one method's encrypted inputs (re-encrypted under another key). */
export async function setSealedInputs(tx: TransactionSql, inputs: SealedInputs): Promise<void> {
  await tx`UPDATE account_valuations SET address_encrypted = ${inputs.addressEncrypted},
             vin_encrypted = ${inputs.vinEncrypted}, zip_encrypted = ${inputs.zipEncrypted}
           WHERE account_id = ${inputs.accountId}`;
}
