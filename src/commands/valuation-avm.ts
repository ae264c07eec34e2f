/**
 * `valuation set <home> --method avm --address "<street, city, state, zip>"`: the home's value
 * from RentCast's automated valuation, looked up now and then at most once every 30 days by
 * revalue. The address is encrypted with the token key before it is stored (nw1:, the
 * account id as associated data) and decrypted only to be sent to RentCast: it never
 * appears in output, logs or errors.
 */

import { refuseLinked, resolveAccountRef } from "../core/account-ref.js";
import { formatAmount } from "../core/amount.js";
import { formatDate } from "../core/dates.js";
import { centsFromDecimal, Money } from "../core/money.js";
import { listAccounts } from "../db/accounts.js";
import { holdingsByAccount } from "../db/holdings.js";
import { recordLookups, setEncryptedAddress } from "../db/lookups.js";
import { revalue } from "../db/revalue.js";
import { upsertValuation } from "../db/valuations.js";
import { UsageError, UserError } from "../errors.js";
import type { Output } from "../output/output.js";
import { loadKeyring } from "../plaid/crypto.js";
import type { UserRun } from "./app.js";
import { refreshFrom } from "./effects.js";
import { lookupHomes } from "./market.js";

/** An address as RentCast takes it: "street, city, state, zip", one line, 300 characters at most. */
export function checkAddress(text: string | undefined): string {
  if (text === undefined)
    throw new UsageError('--method avm needs --address "street, city, state, zip"');
  const address = text.trim().replace(/\s+/g, " ");
  if (
    [...text].some((c) => c.charCodeAt(0) < 32 || c.charCodeAt(0) === 127) ||
    address.length > 300 ||
    (address.match(/,/g) ?? []).length < 2
  )
    throw new UsageError(
      '--address: expected one line, "street, city, state, zip" (the address itself is not repeated here)',
    );
  return address;
}

export async function setAvm(
  run: UserRun,
  out: Output,
  ref: string,
  address: string,
): Promise<void> {
  const target = await run.db.asUser(run.user.id, async (tx) => {
    const target = resolveAccountRef(ref, await listAccounts(tx, { includeArchived: true }));
    refuseLinked(target);
    if (!target.isActive) throw new UserError(`${target.name} is archived`);
    if (target.side !== "asset")
      throw new UserError(`avm is for homes: ${target.name} is a liability`);
    const held = (await holdingsByAccount(tx, [target.id])).get(target.id) ?? [];
    if (held.length > 0)
      throw new UserError(
        `${target.name} has holdings: remove them first (networth holdings remove)`,
      );
    return target;
  });
  const keyring = loadKeyring({ env: run.ctx.env, keysDir: run.ctx.paths.keysDir, create: true });
  const encrypted = keyring.encrypt(address, target.id);
  out.progress("Looking the home up...\n");
  const looked = await lookupHomes(
    run.ctx,
    run.db,
    [{ accountId: target.id, userId: run.user.id, addressEncrypted: encrypted, lookedUpOn: null }],
    { today: run.today, previous: new Map() },
  );
  const result = await run.db.asUser(run.user.id, async (tx) => {
    const basis = target.balance === null ? 0n : centsFromDecimal(target.balance);
    await upsertValuation(tx, target.id, run.user.id, { method: "avm", start: run.today, basis });
    await setEncryptedAddress(tx, target.id, encrypted);
    await recordLookups(tx, looked.lookups);
    const done = await revalue(
      tx,
      { accountIds: [target.id] },
      { today: run.today, reasons: looked.reasons },
    );
    await refreshFrom(tx, run, done.earliestByUser.get(run.user.id) ?? null);
    return { stale: done.stale[0] };
  });
  const lookup = looked.lookups[0];
  if (out.json) {
    out.result({
      account: { id: target.id, name: target.name },
      valuation: { method: "avm", start: run.today },
      lookup: lookup
        ? {
            date: lookup.date,
            value: Money.fromDecimal(lookup.value),
            low: Money.nullable(lookup.low),
            high: Money.nullable(lookup.high),
            source: lookup.source,
          }
        : null,
      stale: result.stale ? { reason: result.stale.reason, lastGood: result.stale.lastGood } : null,
    });
  } else if (lookup) {
    const range =
      lookup.low && lookup.high
        ? ` (range ${formatAmount(centsFromDecimal(lookup.low))} to ${formatAmount(centsFromDecimal(lookup.high))})`
        : "";
    out.line(
      `${target.name}: valued by RentCast at ${formatAmount(centsFromDecimal(lookup.value))}${range} on ${formatDate(lookup.date, run.dateFormat)}; looked up again every 30 days by revalue.`,
    );
  } else {
    out.line(`${target.name}: home value method set; no value yet.`);
  }
  if (result.stale)
    out.warn(`${target.name} is stale: ${result.stale.reason} (networth revalue retries)`);
}
