/**
 * `valuation set <car> --method vehicle --vin <vin> --mileage <miles> [--miles-per-year 12000]
 * [--zip <zip>] [--rate 15] [--floor 0]`: the seed's `kbb_api` source (Kelley Blue Book has no
 * public API). The VIN is decoded by NHTSA vPIC (year, make, model); with a MarketCheck key
 * the car's price is predicted from the VIN, the mileage (grown by the yearly figure since)
 * and the ZIP, now and then at most once every 30 days, each prediction a value of its own
 * (source kbb_api); between predictions, and without a key, the depreciation rule of
 * Valuations I runs from the last value. VIN and ZIP are stored encrypted and go only to the
 * providers.
 */

import { refuseLinked, resolveAccountRef } from "../core/account-ref.js";
import { formatAmount, parseAmount } from "../core/amount.js";
import { formatDate } from "../core/dates.js";
import { centsFromDecimal } from "../core/money.js";
import { parsePercent } from "../core/valuation/inputs.js";
import { listAccounts } from "../db/accounts.js";
import { writeBalances } from "../db/balances.js";
import { holdingsByAccount } from "../db/holdings.js";
import { recordLookups, setVehicleInputs } from "../db/lookups.js";
import { revalue } from "../db/revalue.js";
import { ownValues, upsertValuation } from "../db/valuations.js";
import { UsageError, UserError } from "../errors.js";
import type { Output } from "../output/output.js";
import { loadKeyring } from "../plaid/crypto.js";
import { ProviderError } from "../providers/http.js";
import { VIN, Vpic } from "../providers/vpic.js";
import type { UserRun } from "./app.js";
import { refreshFrom } from "./effects.js";
import { lookupCars, marketcheckKey, retryPolicyOf } from "./market.js";

export interface VehicleOptions {
  vin?: string | undefined;
  mileage?: string | undefined;
  milesPerYear?: string | undefined;
  zip?: string | undefined;
  rate?: string | undefined;
  floor?: string | undefined;
}

const whole = (text: string, option: string, max: number) => {
  if (!/^\d+$/.test(text.trim()) || Number(text) > max)
    throw new UsageError(`${option} ${JSON.stringify(text)}: expected a whole number up to ${max}`);
  return Number(text);
};

export async function setVehicle(
  run: UserRun,
  out: Output,
  ref: string,
  options: VehicleOptions,
): Promise<void> {
  if (options.vin === undefined || options.mileage === undefined)
    throw new UsageError("--method vehicle needs --vin and --mileage");
  const vin = options.vin.trim().toUpperCase();
  if (!VIN.test(vin))
    throw new UsageError(
      "--vin: expected 17 letters and digits (no I, O or Q); it is not repeated here",
    );
  const mileage = whole(options.mileage, "--mileage", 2_000_000);
  const milesPerYear = whole(options.milesPerYear ?? "12000", "--miles-per-year", 200_000);
  const zip = options.zip?.trim();
  if (zip !== undefined && !/^\d{5}$/.test(zip)) throw new UsageError("--zip: expected 5 digits");
  const rate = parsePercent(options.rate ?? "15", "--rate");
  const floor = options.floor === undefined ? 0n : parseAmount(options.floor);

  const { target, basis } = await run.db.asUser(run.user.id, async (tx) => {
    const target = resolveAccountRef(ref, await listAccounts(tx, { includeArchived: true }));
    refuseLinked(target);
    if (!target.isActive) throw new UserError(`${target.name} is archived`);
    if (target.side !== "asset")
      throw new UserError(`vehicle is for cars: ${target.name} is a liability`);
    if (((await holdingsByAccount(tx, [target.id])).get(target.id) ?? []).length > 0)
      throw new UserError(
        `${target.name} has holdings: remove them first (networth holdings remove)`,
      );
    const own = (await ownValues(tx, [target.id])).get(target.id) ?? [];
    const last = own.filter((v) => v.date <= run.today).at(-1);
    if (!last)
      throw new UserError(`${target.name} has no value yet: set one with networth set-balance`);
    return { target, basis: last };
  });
  out.progress("Decoding the VIN...\n");
  let decoded: Awaited<ReturnType<Vpic["decode"]>>;
  try {
    decoded = await new Vpic(run.ctx.env.NETWORTH_VPIC_URL || undefined, {
      retry: retryPolicyOf(run.ctx),
    }).decode(vin);
  } catch (error) {
    if (error instanceof ProviderError)
      throw new UserError(`${error.message}; nothing was changed`);
    throw error;
  }
  const keyring = loadKeyring({ env: run.ctx.env, keysDir: run.ctx.paths.keysDir, create: true });
  const vinEncrypted = keyring.encrypt(vin, target.id);
  const zipEncrypted = zip ? keyring.encrypt(zip, target.id) : null;
  const priced = await lookupCars(
    run.ctx,
    run.db,
    [
      {
        accountId: target.id,
        userId: run.user.id,
        addressEncrypted: null,
        lookedUpOn: null,
        method: "vehicle",
        vinEncrypted,
        zipEncrypted,
        mileage,
        milesPerYear,
        startDate: run.today,
      },
    ],
    { today: run.today, previous: new Map([[target.id, basis.cents]]) },
  );
  const result = await run.db.asUser(run.user.id, async (tx) => {
    await upsertValuation(tx, target.id, run.user.id, {
      method: "vehicle",
      start: basis.date,
      basis: basis.cents,
      rate,
      floor,
    });
    await setVehicleInputs(tx, target.id, {
      vinEncrypted,
      zipEncrypted,
      mileage,
      mileageOn: run.today,
      milesPerYear,
      year: decoded.year,
      make: decoded.make,
      model: decoded.model,
    });
    await recordLookups(tx, priced.lookups);
    const wrote = await writeBalances(
      tx,
      priced.lookups.map((l) => ({
        accountId: l.accountId,
        date: l.date,
        balance: centsFromDecimal(l.value),
        available: null,
        limit: null,
        source: "kbb_api" as const,
      })),
    );
    const done = await revalue(
      tx,
      { accountIds: [target.id] },
      { today: run.today, reasons: priced.reasons },
    );
    const from = [wrote.earliestChange, done.earliestByUser.get(run.user.id) ?? null]
      .filter((d): d is string => d !== null)
      .sort()[0];
    await refreshFrom(tx, run, from ?? null);
    return { stale: done.stale[0] };
  });
  const lookup = priced.lookups[0];
  const vehicle = `${decoded.year} ${decoded.make} ${decoded.model}`.trim();
  if (out.json) {
    out.result({
      account: { id: target.id, name: target.name },
      valuation: { method: "vehicle", start: basis.date, rate: Number(rate) },
      vehicle: {
        year: decoded.year,
        make: decoded.make,
        model: decoded.model,
        mileage,
        milesPerYear,
      },
      priced: lookup
        ? { date: lookup.date, value: Number(lookup.value), source: lookup.source }
        : null,
      depreciationOnly: !marketcheckKey(run.ctx),
      stale: result.stale ? { reason: result.stale.reason, lastGood: result.stale.lastGood } : null,
    });
  } else {
    out.line(
      lookup
        ? `${target.name} (${vehicle}): priced by MarketCheck at ${formatAmount(centsFromDecimal(lookup.value))} on ${formatDate(lookup.date, run.dateFormat)}; again every 30 days, depreciating ${rate}%/yr between.`
        : `${target.name} (${vehicle}): depreciating ${rate}%/yr from ${formatAmount(basis.cents)} (${formatDate(basis.date, run.dateFormat)})${marketcheckKey(run.ctx) ? "" : "; set prices.marketcheckKey for price predictions"}.`,
    );
  }
  if (result.stale)
    out.warn(`${target.name} is stale: ${result.stale.reason} (networth revalue retries)`);
}
