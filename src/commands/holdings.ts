import { Command } from "commander";
import { z } from "zod";
import { refuseLinked, resolveAccountRef } from "../core/account-ref.js";
import { formatAmount } from "../core/amount.js";
import { addDays, formatDate, parseDate } from "../core/dates.js";
import { Money } from "../core/money.js";
import { multiply, parseFraction, roundScaled } from "../core/valuation/fraction.js";
import {
  describeHolding,
  type Holding,
  METAL_NAMES,
  type Metal,
  parseCoinId,
  parseMetal,
  parsePurity,
  parseQuantity,
  parseUnit,
  pricedUnits,
} from "../core/valuation/holdings.js";
import { type AccountRow, listAccounts } from "../db/accounts.js";
import {
  deleteHolding,
  heldAssets,
  holdingsByAccount,
  insertHolding,
  updateHolding,
} from "../db/holdings.js";
import { latestPrices, missingDays, upsertPrices } from "../db/prices.js";
import { revalue, type StaleAccount } from "../db/revalue.js";
import {
  deleteGenerated,
  deleteValuation,
  upsertValuation,
  valuationsByAccount,
} from "../db/valuations.js";
import { UsageError, UserError } from "../errors.js";
import type { Output } from "../output/output.js";
import { renderTable } from "../output/table.js";
import { type App, examples, parseOptions, type UserRun, userRun } from "./app.js";
import { refreshFrom } from "./effects.js";
import {
  type AssetNeed,
  coingeckoHistoryDays,
  fetchMarket,
  historyWindowStart,
  type MarketResult,
  planMarket,
} from "./market.js";

const Target = z.object({
  coin: z.string().optional(),
  metal: z.string().optional(),
  quantity: z.string().optional(),
  weight: z.string().optional(),
  unit: z.string().optional(),
  purity: z.string().optional(),
  start: z.string().optional(),
  json: z.boolean().optional(),
});
type TargetInput = z.infer<typeof Target>;

/** The asset an option set names: --coin or --metal, exactly one. */
function assetOf(input: TargetInput): { kind: "coin" | "metal"; asset: string } {
  if ((input.coin === undefined) === (input.metal === undefined))
    throw new UsageError("give one of --coin <coingecko id> or --metal <XAU|XAG>");
  return input.coin !== undefined
    ? { kind: "coin", asset: parseCoinId(input.coin) }
    : { kind: "metal", asset: parseMetal(input.metal as string) };
}

/** A holding from the options (for add, and for set over the stored one). */
function holdingOf(input: TargetInput, start: string, stored?: Holding): Holding {
  const { kind, asset } = assetOf(input);
  if (kind === "coin") {
    for (const key of ["weight", "unit", "purity"] as const)
      if (input[key] !== undefined) throw new UsageError(`--${key} is for metals (--metal)`);
    if (input.quantity === undefined && !stored) throw new UsageError("--coin needs --quantity");
    return {
      kind,
      asset,
      quantity:
        input.quantity !== undefined
          ? parseQuantity(input.quantity, "--quantity")
          : (stored?.quantity as string),
      unit: null,
      purity: null,
      start,
    };
  }
  if (input.quantity !== undefined) throw new UsageError("--quantity is for coins: give --weight");
  if (!stored && (input.weight === undefined || input.unit === undefined))
    throw new UsageError("--metal needs --weight and --unit oz|g|kg");
  return {
    kind,
    asset,
    quantity:
      input.weight !== undefined
        ? parseQuantity(input.weight, "--weight")
        : (stored?.quantity as string),
    unit: input.unit !== undefined ? parseUnit(input.unit) : (stored?.unit ?? "oz"),
    purity: input.purity !== undefined ? parsePurity(input.purity) : (stored?.purity ?? "1"),
    start,
  };
}

function checkAccount(target: AccountRow, method: string | undefined): void {
  refuseLinked(target);
  if (!target.isActive) throw new UserError(`${target.name} is archived`);
  if (target.side !== "asset")
    throw new UserError(`${target.name} is a liability: holdings are assets`);
  if (method !== undefined && method !== "holdings")
    throw new UserError(
      `${target.name} is valued by ${method}: clear it first (networth valuation clear ${JSON.stringify(target.name)})`,
    );
}

/** Needs merged: the earliest start of each asset. */
function mergeNeeds(needs: readonly AssetNeed[]): AssetNeed[] {
  const by = new Map<string, AssetNeed>();
  for (const n of needs) {
    const seen = by.get(n.asset);
    if (!seen || n.start < seen.start) by.set(n.asset, n);
  }
  return [...by.values()];
}

/** Fetches what these needs lack (outside any transaction): today's price and history. */
export async function marketFor(
  run: UserRun,
  needs: readonly AssetNeed[],
  options: { accept?: boolean } = {},
): Promise<MarketResult> {
  const plan = await planMarket(
    run.db,
    mergeNeeds(needs),
    run.today,
    coingeckoHistoryDays(run.ctx),
  );
  return fetchMarket(run.ctx, run.db, plan, { today: run.today, accept: options.accept ?? false });
}

/** Writes the fetched prices and revalues the account, in the open transaction. */
async function writeAndRevalue(
  tx: Parameters<Parameters<UserRun["db"]["asUser"]>[1]>[0],
  run: UserRun,
  accountId: string,
  market: MarketResult,
): Promise<{ stale: StaleAccount | undefined; written: number }> {
  await upsertPrices(tx, market.prices);
  const done = await revalue(
    tx,
    { accountIds: [accountId] },
    { today: run.today, reasons: market.reasons },
  );
  await refreshFrom(tx, run, done.earliestByUser.get(run.user.id) ?? null);
  const a = done.accounts[0];
  return { stale: done.stale[0], written: (a?.inserted ?? 0) + (a?.updated ?? 0) };
}

/**
 * A coin started before the plan's history window: the days before it that have no price are
 * not valued (the provider refuses them), and the user is told how to give them.
 */
async function reportBeyondWindow(
  out: Output,
  run: UserRun,
  holding: { kind: string; asset: string },
  start: string,
): Promise<void> {
  const historyDays = coingeckoHistoryDays(run.ctx);
  const earliest = historyWindowStart(run.today, historyDays);
  if (holding.kind !== "coin" || earliest === null || start >= earliest) return;
  const gap = (
    await missingDays(run.db.sql, [{ asset: holding.asset, start }], addDays(earliest, -1))
  ).get(holding.asset);
  if (!gap) return;
  out.warn(
    `CoinGecko's plan gives ${holding.asset}'s history for the past ${historyDays} days only: ` +
      `${gap.days} days from ${formatDate(gap.from, run.dateFormat)} have no price and no value ` +
      "(give them with networth prices import, or set prices.coingeckoHistoryDays for a plan with more)",
  );
}

function reportStale(
  out: Output,
  run: UserRun,
  name: string,
  stale: StaleAccount | undefined,
): void {
  if (!stale) return;
  const lastGood =
    stale.lastGood === null ? "none yet" : formatDate(stale.lastGood, run.dateFormat);
  out.warn(
    `${name} is stale: ${stale.reason}; last good value ${lastGood} (networth revalue retries)`,
  );
}

function addCommand(app: App): Command {
  const command = new Command("add")
    .description("add a coin or a metal that an asset account holds; its value follows the price")
    .argument("<account>", "id, id prefix (4+ characters) or exact name")
    .option("--coin <id>", "a CoinGecko coin id: bitcoin, ethereum, ...")
    .option("--quantity <q>", "how many coins (exact, up to 18 decimals)")
    .option("--metal <metal>", "XAU (gold) or XAG (silver)")
    .option("--weight <w>", "the metal's weight, in --unit")
    .option("--unit <unit>", "oz (troy ounces), g or kg")
    .option("--purity <p>", "fine fraction, 0 to 1 (default 1)")
    .option("--start <date>", "the first day it counts (default today; history is back-filled)")
    .option("--json", "print the holding and what was written as JSON")
    .action(async (account: string, raw: Record<string, unknown>, cmd: Command) => {
      const input = parseOptions(Target, raw);
      const run = await userRun(app, cmd);
      const out = app.output(input);
      const start =
        input.start === undefined
          ? run.today
          : parseDate(input.start, { format: run.dateFormat, today: run.today });
      if (start > run.today) throw new UsageError(`--start ${start} is after today`);
      const holding = holdingOf(input, start);
      const { target, needs } = await run.db.asUser(run.user.id, async (tx) => {
        const target = resolveAccountRef(
          account,
          await listAccounts(tx, { includeArchived: true }),
        );
        checkAccount(target, (await valuationsByAccount(tx)).get(target.id)?.rule.method);
        const held = (await holdingsByAccount(tx, [target.id])).get(target.id) ?? [];
        if (held.some((h) => h.asset === holding.asset))
          throw new UserError(
            `${target.name} already holds ${holding.asset}: change it with networth holdings set`,
          );
        return { target, needs: await heldAssets(tx, [target.id]) };
      });
      out.progress("Fetching prices...\n");
      const market = await marketFor(run, [
        ...needs,
        { asset: holding.asset, kind: holding.kind, start },
      ]);
      const result = await run.db.asUser(run.user.id, async (tx) => {
        if (!(await insertHolding(tx, target.id, run.user.id, holding)))
          throw new UserError(`${target.name} already holds ${holding.asset}`);
        await setMethod(tx, target.id, run.user.id);
        return writeAndRevalue(tx, run, target.id, market);
      });
      if (out.json) {
        out.result({
          account: { id: target.id, name: target.name },
          holding: holdingJson(holding),
          pricesFetched: market.prices.length,
          valuesWritten: result.written,
          stale: result.stale
            ? { reason: result.stale.reason, lastGood: result.stale.lastGood }
            : null,
        });
      } else {
        out.line(
          `${target.name}: holds ${describeHolding(holding)} from ${formatDate(start, run.dateFormat)}; ${market.prices.length} prices fetched, ${result.written} values written.`,
        );
      }
      reportStale(out, run, target.name, result.stale);
      await reportBeyondWindow(out, run, holding, start);
    });
  return examples(command, [
    "networth holdings add Crypto --coin bitcoin --quantity 0.5",
    "networth holdings add Crypto --coin ethereum --quantity 2.25 --start 2023-01-01",
    "networth holdings add Vault --metal XAU --weight 10 --unit oz",
    "networth holdings add Vault --metal XAG --weight 500 --unit g --purity 0.999",
  ]);
}

/** The account's method becomes (or stays) holdings, starting at its earliest holding. */
async function setMethod(
  tx: Parameters<Parameters<UserRun["db"]["asUser"]>[1]>[0],
  accountId: string,
  userId: string,
): Promise<void> {
  const held = (await holdingsByAccount(tx, [accountId])).get(accountId) ?? [];
  const start = held.map((h) => h.start).sort()[0];
  if (start === undefined) return;
  await upsertValuation(tx, accountId, userId, { method: "holdings", start, basis: 0n });
}

function setCommand(app: App): Command {
  const command = new Command("set")
    .description("change a holding's quantity (or weight, unit, purity, start); history follows")
    .argument("<account>", "id, id prefix (4+ characters) or exact name")
    .option("--coin <id>", "the coin to change")
    .option("--quantity <q>", "the new quantity")
    .option("--metal <metal>", "the metal to change: XAU or XAG")
    .option("--weight <w>", "the new weight")
    .option("--unit <unit>", "oz, g or kg")
    .option("--purity <p>", "fine fraction, 0 to 1")
    .option("--start <date>", "the first day it counts")
    .option("--json", "print the holding as JSON")
    .action(async (account: string, raw: Record<string, unknown>, cmd: Command) => {
      const input = parseOptions(Target, raw);
      const run = await userRun(app, cmd);
      const out = app.output(input);
      const { asset } = assetOf(input);
      const { target, stored } = await run.db.asUser(run.user.id, async (tx) => {
        const target = resolveAccountRef(
          account,
          await listAccounts(tx, { includeArchived: true }),
        );
        refuseLinked(target);
        const stored = ((await holdingsByAccount(tx, [target.id])).get(target.id) ?? []).find(
          (h) => h.asset === asset,
        );
        if (!stored)
          throw new UserError(
            `${target.name} holds no ${asset}: add it with networth holdings add`,
          );
        return { target, stored };
      });
      const start =
        input.start === undefined
          ? stored.start
          : parseDate(input.start, { format: run.dateFormat, today: run.today });
      if (start > run.today) throw new UsageError(`--start ${start} is after today`);
      const holding = holdingOf(input, start, stored);
      const market = await marketFor(run, [{ asset, kind: holding.kind, start }]);
      const result = await run.db.asUser(run.user.id, async (tx) => {
        if (!(await updateHolding(tx, target.id, holding)))
          throw new UserError(`${target.name} holds no ${asset}`);
        await setMethod(tx, target.id, run.user.id);
        return writeAndRevalue(tx, run, target.id, market);
      });
      if (out.json) {
        out.result({
          account: { id: target.id, name: target.name },
          holding: holdingJson(holding),
          valuesWritten: result.written,
          stale: result.stale
            ? { reason: result.stale.reason, lastGood: result.stale.lastGood }
            : null,
        });
      } else {
        out.line(
          `${target.name}: now holds ${describeHolding(holding)}; ${result.written} values rewritten.`,
        );
      }
      reportStale(out, run, target.name, result.stale);
    });
  return examples(command, [
    "networth holdings set Crypto --coin bitcoin --quantity 0.75",
    "networth holdings set Vault --metal XAU --weight 12",
  ]);
}

function removeCommand(app: App): Command {
  const command = new Command("remove")
    .description("remove a holding; with the last one, the account's holdings method goes too")
    .argument("<account>", "id, id prefix (4+ characters) or exact name")
    .option("--coin <id>", "the coin to remove")
    .option("--metal <metal>", "the metal to remove: XAU or XAG")
    .option("--json", "print what was removed as JSON")
    .action(async (account: string, raw: Record<string, unknown>, cmd: Command) => {
      const input = parseOptions(Target, raw);
      const run = await userRun(app, cmd);
      const out = app.output(input);
      const { asset } = assetOf(input);
      const result = await run.db.asUser(run.user.id, async (tx) => {
        const target = resolveAccountRef(
          account,
          await listAccounts(tx, { includeArchived: true }),
        );
        refuseLinked(target);
        if (!(await deleteHolding(tx, target.id, asset)))
          throw new UserError(`${target.name} holds no ${asset}`);
        const left = (await holdingsByAccount(tx, [target.id])).get(target.id) ?? [];
        if (left.length === 0) {
          await deleteValuation(tx, target.id);
          const gone = await deleteGenerated(tx, target.id);
          await refreshFrom(tx, run, gone.earliest);
          return { target, left: 0, methodRemoved: true };
        }
        await setMethod(tx, target.id, run.user.id);
        const done = await revalue(tx, { accountIds: [target.id] }, { today: run.today });
        await refreshFrom(tx, run, done.earliestByUser.get(run.user.id) ?? null);
        return { target, left: left.length, methodRemoved: false };
      });
      if (out.json) {
        out.result({
          account: { id: result.target.id, name: result.target.name },
          removed: asset,
          holdingsLeft: result.left,
          methodRemoved: result.methodRemoved,
        });
        return;
      }
      out.line(
        `${result.target.name}: ${asset} removed` +
          (result.methodRemoved
            ? "; no holdings left, so its holdings method and generated values went too."
            : "."),
      );
    });
  return examples(command, [
    "networth holdings remove Crypto --coin ethereum",
    "networth holdings remove Vault --metal XAG",
  ]);
}

function holdingJson(h: Holding) {
  return {
    kind: h.kind,
    asset: h.asset,
    quantity: h.quantity,
    unit: h.unit,
    purity: h.purity,
    start: h.start,
  };
}

function listCommand(app: App): Command {
  const command = new Command("list")
    .description("what your accounts hold, with the latest price and value of each holding")
    .argument("[account]", "only this account")
    .option("--json", "print as JSON (quantities and prices as exact decimal strings)")
    .action(async (account: string | undefined, raw: { json?: boolean }, cmd: Command) => {
      const run = await userRun(app, cmd);
      const out = app.output(raw);
      const data = await run.db.asUser(run.user.id, async (tx) => {
        const accounts = await listAccounts(tx, { includeArchived: true });
        const ids = account === undefined ? null : [resolveAccountRef(account, accounts).id];
        const held = await holdingsByAccount(tx, ids);
        const assets = [...new Set([...held.values()].flat().map((h) => h.asset))];
        const prices = await latestPrices(tx, assets, run.today);
        const stale = await valuationsByAccount(tx);
        return { accounts, held, prices, stale };
      });
      const names = new Map(data.accounts.map((a) => [a.id, a.name]));
      const rows = [...data.held].flatMap(([accountId, list]) =>
        list.map((h) => {
          const p = data.prices.get(h.asset);
          const price = p ? parseFraction(p.price) : null;
          const value = price ? roundScaled(multiply(pricedUnits(h), price), 2) : null;
          return { accountId, h, price: p ?? null, value };
        }),
      );
      if (out.json) {
        out.result({
          holdings: rows.map((r) => ({
            account: { id: r.accountId, name: names.get(r.accountId) ?? null },
            ...holdingJson(r.h),
            price: r.price?.price ?? null,
            priceDate: r.price?.date ?? null,
            value: r.value === null ? null : new Money(r.value),
            stale: data.stale.get(r.accountId)?.stale ?? null,
          })),
        });
        return;
      }
      if (rows.length === 0) {
        out.line(
          "No holdings yet. Add one with networth holdings add <account> --coin bitcoin --quantity 0.5.",
        );
        return;
      }
      out.line(
        renderTable(
          ["Account", "Holding", "Since", "Price (USD)", "Priced on", "Value"],
          rows.map((r) => [
            names.get(r.accountId) ?? r.accountId,
            r.h.kind === "metal"
              ? `${describeHolding(r.h)} (${METAL_NAMES[r.h.asset as Metal]})`
              : describeHolding(r.h),
            formatDate(r.h.start, run.dateFormat),
            r.price?.price ?? "none",
            r.price ? formatDate(r.price.date, run.dateFormat) : "",
            r.value === null ? "" : formatAmount(r.value),
          ]),
          ["left", "left", "left", "right", "left", "right"],
        ),
      );
      for (const [id, v] of data.stale) {
        if (v.stale && data.held.has(id))
          out.warn(
            `${names.get(id) ?? id} is stale since ${v.stale.since ? formatDate(v.stale.since, run.dateFormat) : "?"}: ${v.stale.reason}`,
          );
      }
    });
  return examples(command, ["networth holdings list", "networth holdings list Crypto --json"]);
}

export function holdingsCommand(app: App): Command {
  return new Command("holdings")
    .description("coins and metals held by quantity: valued every day at market prices")
    .addCommand(addCommand(app))
    .addCommand(setCommand(app))
    .addCommand(removeCommand(app))
    .addCommand(listCommand(app));
}
