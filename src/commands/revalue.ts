import { readFileSync } from "node:fs";
import { Command } from "commander";
import { z } from "zod";
import type { DateFormat } from "../config.js";
import { resolveAccountRef } from "../core/account-ref.js";
import { addDays, formatDate, todayIn } from "../core/dates.js";
import { centsFromDecimal } from "../core/money.js";
import { parseIndexCsv } from "../core/valuation/inputs.js";
import { listAccounts } from "../db/accounts.js";
import { writeBalances } from "../db/balances.js";
import { heldAssets } from "../db/holdings.js";
import { type DueLookup, dueLookups, lookupsFor, recordLookups } from "../db/lookups.js";
import { upsertPrices } from "../db/prices.js";
import type { RevalueResult } from "../db/revalue.js";
import { revalue } from "../db/revalue.js";
import { refreshSnapshots } from "../db/snapshots.js";
import { replaceIndex, type ValuationScope } from "../db/valuations.js";
import { UsageError, UserError } from "../errors.js";
import type { Output } from "../output/output.js";
import { type App, examples, parseOptions, userRun } from "./app.js";
import { refreshFrom } from "./effects.js";
import {
  type AssetNeed,
  budgets,
  coingeckoHistoryDays,
  describeCall,
  fetchMarket,
  LOOKUP_EVERY_DAYS,
  type LookupResult,
  lookupCalls,
  lookupCars,
  lookupHomes,
  type MarketResult,
  marketcheckKey,
  type PlannedCall,
  type ProviderBudget,
  planMarket,
} from "./market.js";
import { updateRatesIfDue } from "./rates-update.js";

const RevalueInput = z.object({
  account: z.string().optional(),
  allUsers: z.boolean().optional(),
  dryRun: z.boolean().optional(),
  accept: z.boolean().optional(),
  json: z.boolean().optional(),
  quiet: z.boolean().optional(),
});

/** What the market part of a run did (or, dry, would do). */
interface MarketReport {
  calls: PlannedCall[];
  budgets: ProviderBudget[];
  market: MarketResult | null;
  homes: LookupResult | null;
  cars: LookupResult | null;
}

/** What the market step needs to know from the database, read before any call. */
interface MarketNeeds {
  assets: AssetNeed[];
  homes: DueLookup[];
  /** Each due home's last looked-up value, for the 100× check. */
  previous: Map<string, bigint>;
}

async function readNeeds(
  tx: Parameters<typeof heldAssets>[0],
  ids: readonly string[] | null,
  today: string,
): Promise<MarketNeeds> {
  const assets = await heldAssets(tx, ids);
  const homes = await dueLookups(tx, ids, addDays(today, -LOOKUP_EVERY_DAYS));
  const last = await lookupsFor(
    tx,
    homes.map((h) => h.accountId),
  );
  const previous = new Map(
    [...last].flatMap(([id, list]) => {
      const l = list.at(-1);
      return l ? [[id, l.cents] as const] : [];
    }),
  );
  return { assets, homes, previous };
}

/** The reasons of both kinds (assets, and `account:<id>`), for revalue. */
function reasonsOf(report: MarketReport): Map<string, string> {
  return new Map([
    ...(report.market?.reasons ?? []),
    ...(report.homes?.reasons ?? []),
    ...(report.cars?.reasons ?? []),
  ]);
}

/** The lookups of homes and cars to record; the cars' prices are also their own values. */
async function writeLookups(tx: Parameters<typeof recordLookups>[0], report: MarketReport) {
  const cars = report.cars?.lookups ?? [];
  await recordLookups(tx, [...(report.homes?.lookups ?? []), ...cars]);
  await writeBalances(
    tx,
    cars.map((l) => ({
      accountId: l.accountId,
      date: l.date,
      balance: centsFromDecimal(l.value),
      available: null,
      limit: null,
      source: "kbb_api" as const,
    })),
  );
}

/** `format`: the user's date format; ISO for --all-users, which has no user. */
function render(
  out: Output,
  result: RevalueResult,
  names: Map<string, string>,
  dryRun: boolean,
  market: MarketReport,
  format: DateFormat,
) {
  const date = (iso: string) => formatDate(iso, format);
  const failed = [
    ...(market.market?.failed ?? []),
    ...(market.homes?.failed ?? []),
    ...(market.cars?.failed ?? []),
  ];
  const heldBack = market.market?.heldBack ?? [];
  const sum = (key: "inserted" | "updated" | "deleted") =>
    result.accounts.reduce((n, a) => n + a[key], 0);
  if (out.json) {
    out.result({
      dryRun,
      accounts: result.accounts.map((a) => ({
        accountId: a.accountId,
        name: names.get(a.accountId) ?? null,
        method: a.method,
        inserted: a.inserted,
        updated: a.updated,
        deleted: a.deleted,
        earliestChange: a.earliestChange,
      })),
      inserted: sum("inserted"),
      updated: sum("updated"),
      deleted: sum("deleted"),
      problems: result.problems,
      calls: (dryRun
        ? market.calls
        : [
            ...(market.market?.calls ?? []),
            ...(market.homes?.calls ?? []),
            ...(market.cars?.calls ?? []),
          ]
      ).map(callJson),
      failedCalls: failed.map((f) => ({ ...callJson(f.call), reason: f.reason })),
      pricesFetched: market.market?.prices.length ?? 0,
      heldBack,
      budgets: market.budgets,
      stale: result.stale.map((s) => ({
        accountId: s.accountId,
        name: names.get(s.accountId) ?? null,
        reason: s.reason,
        lastGood: s.lastGood,
      })),
    });
  } else {
    if (dryRun) {
      for (const call of market.calls) out.line(`would call ${describeCall(call)}`);
    }
    if (market.calls.length > 0 || dryRun) {
      for (const b of market.budgets.filter((b) => b.used > 0 || market.calls.length > 0))
        out.info(`${b.provider}: ${b.used} of ${b.limit} requests used this month, ${b.left} left`);
    }
    const verb = dryRun ? "would write" : "wrote";
    for (const a of result.accounts) {
      if (a.inserted + a.updated + a.deleted === 0) continue;
      out.line(
        `${names.get(a.accountId) ?? a.accountId}: ${a.method}, ${verb} ${a.inserted} new, ${a.updated} changed, ${a.deleted} removed (from ${a.earliestChange === null ? "?" : date(a.earliestChange)})`,
      );
    }
    out.info(
      `${result.accounts.length} account${result.accounts.length === 1 ? "" : "s"} with a method: ` +
        `${sum("inserted")} new, ${sum("updated")} changed, ${sum("deleted")} removed` +
        (dryRun ? " (dry run: nothing written)." : "."),
    );
  }
  for (const p of result.problems)
    out.warn(`${names.get(p.accountId) ?? p.accountId}: ${p.message}`);
  for (const f of failed) out.warn(`${describeCall(f.call)} failed: ${f.reason}`);
  for (const h of heldBack) out.warn(`${h.asset} on ${date(h.date)}: ${h.reason}`);
  for (const s of result.stale)
    out.warn(
      `${names.get(s.accountId) ?? s.accountId} is stale: ${s.reason}; last good value ${s.lastGood === null ? "none yet" : date(s.lastGood)}`,
    );
  const troubles = [
    result.problems.length > 0 ? `${result.problems.length} method(s) could not run` : "",
    result.stale.length > 0 && !dryRun ? `${result.stale.length} account(s) stale` : "",
    failed.length > 0 ? `${failed.length} provider call(s) failed` : "",
    heldBack.length > 0 ? `${heldBack.length} price(s) held back` : "",
  ].filter(Boolean);
  if (troubles.length > 0) throw new UserError(`${troubles.join(", ")} (see above)`);
}

function callJson(call: PlannedCall) {
  return {
    provider: call.provider,
    call: call.call,
    assets: call.assets,
    from: call.from ?? null,
    to: call.to ?? null,
  };
}

/** The market part: plan the calls the held assets need, and (unless dry) make them. */
async function marketStep(
  ctx: Parameters<typeof fetchMarket>[0],
  db: Parameters<typeof fetchMarket>[1],
  needs: MarketNeeds,
  today: string,
  options: { dryRun: boolean; accept: boolean },
): Promise<MarketReport> {
  const plan = await planMarket(db, needs.assets, today, coingeckoHistoryDays(ctx));
  const homeDue = needs.homes.filter((d) => d.method !== "vehicle");
  // Without a MarketCheck key a car follows its depreciation rule alone: nothing to call.
  const carDue = marketcheckKey(ctx) ? needs.homes.filter((d) => d.method === "vehicle") : [];
  const calls = [...plan.calls, ...lookupCalls(homeDue), ...lookupCalls(carDue)];
  if (options.dryRun)
    return { calls, budgets: await budgets(ctx, db, today), market: null, homes: null, cars: null };
  const market = await fetchMarket(ctx, db, plan, { today, accept: options.accept });
  const lookupOptions = { today, accept: options.accept, previous: needs.previous };
  const homes = await lookupHomes(ctx, db, homeDue, lookupOptions);
  const cars = await lookupCars(ctx, db, carDue, lookupOptions);
  return { calls, budgets: await budgets(ctx, db, today), market, homes, cars };
}

export function revalueCommand(app: App): Command {
  const command = new Command("revalue")
    .description("extend every valuation method to today (idempotent: a second run writes nothing)")
    .option("--account <account>", "only this account")
    .option("--all-users", "every user's methods (for cron; explicit, cross-user)")
    .option(
      "--dry-run",
      "count what would be written and list the provider calls; send and write nothing",
    )
    .option("--accept", "apply prices held back as 100x away from the one before")
    .option("--json", "print what was (or would be) written as JSON")
    .option("--quiet", "no summary line")
    .action(async (raw: Record<string, unknown>, cmd: Command) => {
      const input = parseOptions(RevalueInput, raw);
      const out = app.output(input);
      const dryRun = Boolean(input.dryRun);
      const accept = Boolean(input.accept);
      if (input.allUsers) {
        if (input.account) throw new UsageError("--account and --all-users do not go together");
        const ctx = app.context(cmd);
        const db = await ctx.database();
        const today = todayIn(undefined, ctx.now());
        // Exchange rates first, once a day (issue 13): a warning when the provider fails.
        if (!dryRun) await updateRatesIfDue(db, { allUsers: true }, today, ctx.now(), ctx.env, out);
        const needs = await db.sql.begin((tx) => readNeeds(tx, null, today));
        if (needs.assets.length + needs.homes.length > 0) out.progress("Fetching prices...\n");
        const market = await marketStep(ctx, db, needs, today, { dryRun, accept });
        const result = await db.sql.begin(async (tx) => {
          if (market.market) await upsertPrices(tx, market.market.prices);
          await writeLookups(tx, market);
          const done = await revalue(
            tx,
            { all: true },
            { today, dryRun, reasons: reasonsOf(market) },
          );
          if (!dryRun) {
            for (const [userId, from] of done.earliestByUser) {
              await refreshSnapshots(tx, { userId }, from, today);
            }
          }
          return done;
        });
        render(out, result, new Map(), dryRun, market, "YYYY-MM-DD");
        return;
      }
      const run = await userRun(app, cmd);
      // Exchange rates first, once a day (issue 13): a warning when the provider fails.
      if (!dryRun) {
        await updateRatesIfDue(
          run.db,
          { userId: run.user.id },
          run.today,
          run.ctx.now(),
          run.ctx.env,
          out,
        );
      }
      const { scope, needs } = await run.db.asUser(run.user.id, async (tx) => {
        const accounts = await listAccounts(tx, { includeArchived: true });
        const ids = input.account ? [resolveAccountRef(input.account, accounts).id] : null;
        const scope: ValuationScope = ids ? { accountIds: ids } : { all: true };
        const needs = await readNeeds(tx, ids, run.today);
        return { scope, needs };
      });
      if (needs.assets.length + needs.homes.length > 0) out.progress("Fetching prices...\n");
      const market = await marketStep(run.ctx, run.db, needs, run.today, { dryRun, accept });
      const { result, names } = await run.db.asUser(run.user.id, async (tx) => {
        const accounts = await listAccounts(tx, { includeArchived: true });
        const names = new Map(accounts.map((a) => [a.id, a.name]));
        if (market.market) await upsertPrices(tx, market.market.prices);
        await writeLookups(tx, market);
        const result = await revalue(tx, scope, {
          today: run.today,
          dryRun,
          reasons: reasonsOf(market),
        });
        if (!dryRun) await refreshFrom(tx, run, result.earliestByUser.get(run.user.id) ?? null);
        return { result, names };
      });
      render(out, result, names, dryRun, market, run.dateFormat);
    });
  return examples(command, [
    "networth revalue",
    "networth revalue --account Car --dry-run",
    "networth revalue --all-users --quiet   # what cron runs",
  ]);
}

const IndexInput = z.object({ name: z.string(), file: z.string(), json: z.boolean().optional() });
const INDEX_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/;

export function indexCommand(app: App): Command {
  const group = new Command("index").description("price indexes that valuation methods follow");
  const importIndex = new Command("import")
    .description("import (replace) an index: CSV date,value, one positive value per month, no gap")
    .argument("<name>", "the index's name, e.g. case-shiller")
    .argument("<file>", "CSV with lines date,value (- for stdin)")
    .option("--json", "print what changed as JSON")
    .action(async (name: string, file: string, raw: { json?: boolean }, cmd: Command) => {
      const input = parseOptions(IndexInput, { ...raw, name, file });
      if (!INDEX_NAME.test(input.name)) {
        throw new UsageError(
          `invalid index name ${JSON.stringify(input.name)}: letters, digits, '.', '_' and '-', up to 100`,
        );
      }
      let text: string;
      try {
        text = readFileSync(input.file === "-" ? 0 : input.file, "utf8");
      } catch (error) {
        throw new UserError(`cannot read ${input.file}: ${(error as NodeJS.ErrnoException).code}`);
      }
      const points = parseIndexCsv(text);
      const run = await userRun(app, cmd);
      const out = app.output(input);
      const result = await run.db.asUser(run.user.id, async (tx) => {
        const counts = await replaceIndex(tx, input.name, points);
        // The user's methods that follow it move now; other users' on their next revalue.
        const done = await revalue(tx, { all: true }, { today: run.today });
        if (done.problems[0]) throw new UserError(done.problems[0].message);
        await refreshFrom(tx, run, done.earliestByUser.get(run.user.id) ?? null);
        return counts;
      });
      if (out.json) {
        out.result({
          name: input.name,
          values: points.length,
          first: points[0]?.date,
          last: points.at(-1)?.date,
          ...result,
        });
        return;
      }
      const shown = (iso: string | undefined) =>
        iso === undefined ? "" : formatDate(iso, run.dateFormat);
      out.line(
        `Index ${input.name}: ${points.length} values, ${shown(points[0]?.date)} to ${shown(points.at(-1)?.date)} ` +
          `(${result.added} new, ${result.changed} changed, ${result.removed} removed).`,
      );
    });
  group.addCommand(examples(importIndex, ["networth index import case-shiller hpi.csv"]));
  return group;
}
