/**
 * Market prices for revalue and the holdings commands: which calls the held assets need
 * (today's prices, batched: one CoinGecko call for every coin, one for both metals; a coin's
 * missing history, one range call each), the calls made within each provider's durable
 * monthly budget, and every answer judged before it is kept: a missing id, a price that is
 * not a positive number, or one 100× away from the one before it (held back unless
 * --accept) is refused, and the asset keeps its last price with the reason. Calls are made
 * outside any database transaction; the caller writes the prices and revalues in one.
 */

import type { Context } from "../context.js";
import { addDays, daysBetween } from "../core/dates.js";
import { DEFAULT_RETRY, type RetryPolicy } from "../core/retry.js";
import { type DatedPrice, judgePrice, METALS, type Metal } from "../core/valuation/holdings.js";
import { judgeValue } from "../core/valuation/lookups.js";
import type { Database } from "../db/connection.js";
import type { DueLookup, LookupRow } from "../db/lookups.js";
import { latestPrices, missingDays, type PriceRow, requestsIn, takeRequest } from "../db/prices.js";
import { loadKeyring } from "../plaid/crypto.js";
import {
  COINGECKO,
  COINGECKO_DEFAULT_BUDGET,
  COINGECKO_DEMO_HISTORY_DAYS,
  CoinGecko,
  type PriceProvider,
} from "../providers/coingecko.js";
import { type Budget, ProviderError } from "../providers/http.js";
import { MARKETCHECK, MARKETCHECK_DEFAULT_BUDGET, MarketCheck } from "../providers/marketcheck.js";
import { RENTCAST, RENTCAST_DEFAULT_BUDGET, RentCast } from "../providers/rentcast.js";

/** An asset held, with the earliest day a holding of it counts. */
export interface AssetNeed {
  readonly asset: string;
  readonly kind: "coin" | "metal";
  readonly start: string;
}

/** One request revalue makes (or, dry, would make). */
export interface PlannedCall {
  readonly provider: string;
  /** "simple/price", "exchange_rates", "market_chart/range". */
  readonly call: string;
  readonly assets: readonly string[];
  /** A range call's dates. */
  readonly from?: string;
  readonly to?: string;
}

export interface MarketPlan {
  readonly calls: PlannedCall[];
}

export interface ProviderBudget {
  readonly provider: string;
  readonly limit: number;
  readonly used: number;
  readonly left: number;
}

export interface HeldBack {
  readonly asset: string;
  readonly date: string;
  readonly reason: string;
}

export interface MarketResult {
  /** The prices to keep (judged good). */
  readonly prices: PriceRow[];
  /** Why an asset has no good price today, by asset. */
  readonly reasons: Map<string, string>;
  readonly heldBack: HeldBack[];
  /** The calls made (each may have taken several requests: retries). */
  readonly calls: PlannedCall[];
  /** Calls that failed, with the reason. */
  readonly failed: { call: PlannedCall; reason: string }[];
}

/** The settings of the price providers: env over config, the base URL overridable. */
export function coingeckoOf(ctx: Context, retry: RetryPolicy = retryPolicyOf(ctx)) {
  const plan = ctx.config.get("prices.coingeckoPlan") === "pro" ? "pro" : "demo";
  return {
    settings: {
      baseUrl: ctx.env.NETWORTH_COINGECKO_URL || undefined,
      key: ctx.env.COINGECKO_API_KEY || ctx.config.get("prices.coingeckoKey") || undefined,
      plan,
    } as const,
    retry,
  };
}

/**
 * The shared retry policy; NETWORTH_PROVIDER_RETRY_MS replaces its base delays (a test's fake,
 * or a mirror on the same machine, need not be waited for in seconds).
 */
export function retryPolicyOf(ctx: Context): RetryPolicy {
  const ms = Number(ctx.env.NETWORTH_PROVIDER_RETRY_MS);
  if (!ctx.env.NETWORTH_PROVIDER_RETRY_MS || !Number.isFinite(ms) || ms < 0) return DEFAULT_RETRY;
  return { ...DEFAULT_RETRY, baseMs: ms, rateLimitBaseMs: ms, maxDelayMs: Math.max(ms, 1) * 16 };
}

const DEFAULT_BUDGETS = {
  [COINGECKO]: COINGECKO_DEFAULT_BUDGET,
  [RENTCAST]: RENTCAST_DEFAULT_BUDGET,
  [MARKETCHECK]: MARKETCHECK_DEFAULT_BUDGET,
};
type ProviderName = keyof typeof DEFAULT_BUDGETS;

/** Each provider's monthly budget (config budget.<provider>, or its default). */
export function budgetLimit(ctx: Context, provider: ProviderName): number {
  const configured = ctx.config.get(`budget.${provider}`);
  return configured === undefined ? DEFAULT_BUDGETS[provider] : Number(configured);
}

/** A provider's durable budget for this month. */
function budgetOf(ctx: Context, db: Database, provider: ProviderName, today: string): Budget {
  const limit = budgetLimit(ctx, provider);
  return { limit, take: () => takeRequest(db.sql, provider, monthOf(today), limit) };
}

/** The month a request counts in: the calendar month of `today` (YYYY-MM). */
export const monthOf = (today: string) => today.slice(0, 7);

/** The budgets of the providers, as counted this month. */
export async function budgets(
  ctx: Context,
  db: Database,
  today: string,
): Promise<ProviderBudget[]> {
  const used = await requestsIn(db.sql, monthOf(today));
  return ([COINGECKO, RENTCAST, MARKETCHECK] as const).map((provider) => {
    const limit = budgetLimit(ctx, provider);
    const n = used.get(provider) ?? 0;
    return { provider, limit, used: n, left: Math.max(0, limit - n) };
  });
}

/**
 * How many days back the CoinGecko plan answers a range for: `prices.coingeckoHistoryDays`,
 * else 365 on the demo plan (an older `from` is refused whole: 401, error 10012) and no limit
 * on pro. null: no limit.
 */
export function coingeckoHistoryDays(ctx: Context): number | null {
  const set = ctx.config.get("prices.coingeckoHistoryDays");
  if (set !== undefined && set !== "") {
    const days = Number(set);
    return days > 0 ? days : null;
  }
  return ctx.config.get("prices.coingeckoPlan") === "pro" ? null : COINGECKO_DEMO_HISTORY_DAYS;
}

/**
 * The first day a plan with `historyDays` of history is asked for (null: no limit): a day's
 * margin inside the window, which the provider counts from its own clock, not the user's day.
 */
export function historyWindowStart(today: string, historyDays: number | null): string | null {
  return historyDays === null ? null : addDays(today, -Math.max(0, historyDays - 2));
}

/**
 * The calls the needs take: one simple/price call for every coin without today's price,
 * one exchange_rates call when a metal has none, and one range call per coin for the days
 * from its start through yesterday that have no price (a provider's missed day is filled on
 * the next run). Only days within the plan's history window (`historyDays` back from today,
 * with a day's margin for time zones) are asked for: a range reaching further is refused
 * whole by the provider, so asking would fetch nothing, every day. Older days come by
 * `prices import`, as metals' past does.
 */
export async function planMarket(
  db: Database,
  needs: readonly AssetNeed[],
  today: string,
  historyDays: number | null,
): Promise<MarketPlan> {
  const earliest = historyWindowStart(today, historyDays);
  const asked =
    earliest === null
      ? needs
      : needs.map((n) => (n.start < earliest ? { ...n, start: earliest } : n));
  const missing = await missingDays(db.sql, asked, today);
  const calls: PlannedCall[] = [];
  const todayCoins = needs.filter((n) => n.kind === "coin" && missing.get(n.asset)?.to === today);
  if (todayCoins.length > 0)
    calls.push({
      provider: COINGECKO,
      call: "simple/price",
      assets: todayCoins.map((n) => n.asset),
    });
  const todayMetals = needs.filter((n) => n.kind === "metal" && missing.get(n.asset)?.to === today);
  if (todayMetals.length > 0)
    calls.push({
      provider: COINGECKO,
      call: "exchange_rates",
      assets: todayMetals.map((n) => n.asset),
    });
  const yesterday = addDays(today, -1);
  for (const n of needs) {
    const gap = missing.get(n.asset);
    if (n.kind !== "coin" || !gap || gap.from > yesterday) continue;
    const to = [gap.to, yesterday].sort()[0] as string;
    calls.push({
      provider: COINGECKO,
      call: "market_chart/range",
      assets: [n.asset],
      from: gap.from,
      to,
    });
  }
  return { calls };
}

/** What a test (or a mirror) may replace: the fetch and the retry waits. */
export interface MarketDeps {
  readonly fetch?: typeof fetch;
  readonly sleep?: (ms: number) => Promise<void>;
}

/**
 * Makes the planned calls, each within its provider's budget (a spent budget sends nothing
 * more), and judges every answer. Never throws for a provider's failure: it is a reason.
 */
export async function fetchMarket(
  ctx: Context,
  db: Database,
  plan: MarketPlan,
  options: { today: string; accept?: boolean; deps?: MarketDeps },
): Promise<MarketResult> {
  const result: MarketResult = {
    prices: [],
    reasons: new Map(),
    heldBack: [],
    calls: [],
    failed: [],
  };
  if (plan.calls.length === 0) return result;
  const { today } = options;
  const budget = budgetOf(ctx, db, COINGECKO, today);
  const { settings, retry } = coingeckoOf(ctx);
  const client = new CoinGecko(settings, {
    budget,
    retry,
    ...(options.deps?.fetch ? { fetch: options.deps.fetch } : {}),
    ...(options.deps?.sleep ? { hooks: { sleep: options.deps.sleep } } : {}),
  });
  const assets = [...new Set(plan.calls.flatMap((c) => c.assets))];
  // The price before each judged one: the stored one, then each accepted in turn.
  const before = new Map<string, DatedPrice>();
  const stored = await latestPrices(db.sql, assets, addDays(today, -1));
  for (const [asset, p] of stored) before.set(asset, p);

  const keep = (asset: string, date: string, raw: unknown) => {
    const prior = before.get(asset);
    const verdict = judgePrice(
      raw,
      prior && prior.date < date ? prior.price : null,
      options.accept,
    );
    if (verdict.ok) {
      result.prices.push({ asset, date, price: verdict.price, source: COINGECKO });
      before.set(asset, { date, price: verdict.price });
      return;
    }
    if (verdict.heldBack) result.heldBack.push({ asset, date, reason: verdict.reason });
    if (date === today) result.reasons.set(asset, `${COINGECKO}: ${verdict.reason}`);
  };
  // Ranges first (oldest to newest), so today's price is judged against yesterday's.
  const ordered = [
    ...plan.calls.filter((c) => c.call === "market_chart/range"),
    ...plan.calls.filter((c) => c.call !== "market_chart/range"),
  ];
  for (const call of ordered) {
    try {
      if (call.call === "market_chart/range") {
        const asset = call.assets[0] as string;
        const points = await client.marketChartRange(asset, call.from ?? today, call.to ?? today);
        result.calls.push(call);
        for (const p of points) keep(asset, p.date, p.price);
        continue;
      }
      const provider: PriceProvider =
        call.call === "simple/price" ? client.coins() : client.metals();
      const answer = await provider.today(
        call.call === "exchange_rates"
          ? call.assets.filter((a): a is Metal => (METALS as readonly string[]).includes(a))
          : call.assets,
      );
      result.calls.push(call);
      for (const asset of call.assets) {
        if (!answer.has(asset)) {
          result.reasons.set(asset, `${COINGECKO}: the answer has no price for ${asset}`);
          continue;
        }
        keep(asset, today, answer.get(asset));
      }
    } catch (error) {
      if (!(error instanceof ProviderError)) throw error;
      result.failed.push({ call, reason: error.message });
      for (const asset of call.assets)
        if (call.call !== "market_chart/range") result.reasons.set(asset, error.message);
    }
  }
  return result;
}

/** "coingecko simple/price (3 coins)", "coingecko market_chart/range bitcoin 2024-01-01..2024-06-30". */
export function describeCall(call: PlannedCall): string {
  if (call.call === "market_chart/range")
    return `${call.provider} ${call.call} ${call.assets[0]} ${call.from}..${call.to}`;
  return `${call.provider} ${call.call} (${call.assets.join(", ")})`;
}

/** A home is looked up at most once in this many days. */
export const LOOKUP_EVERY_DAYS = 30;

/** What the home lookups did: the lookups to record, and why an account got none. */
export interface LookupResult {
  readonly lookups: LookupRow[];
  /** Keyed `account:<id>` (the revalue reasons' key for an account). */
  readonly reasons: Map<string, string>;
  readonly calls: PlannedCall[];
  readonly failed: { call: PlannedCall; reason: string }[];
}

/** The RentCast calls the due homes take (never naming the address). */
export function lookupCalls(due: readonly DueLookup[]): PlannedCall[] {
  return due.map((d) =>
    d.method === "vehicle"
      ? {
          provider: MARKETCHECK,
          call: "predict/marketcheck_price",
          assets: [`account ${d.accountId.slice(0, 8)}`],
        }
      : { provider: RENTCAST, call: "avm/value", assets: [`account ${d.accountId.slice(0, 8)}`] },
  );
}

/** The MarketCheck key, if any (without one, cars follow their depreciation rule alone). */
export function marketcheckKey(ctx: Context): string | undefined {
  return ctx.env.MARKETCHECK_API_KEY || ctx.config.get("prices.marketcheckKey") || undefined;
}

/** A car's mileage on `today`: its mileage then, grown by the yearly figure since. */
export function milesOn(d: DueLookup, today: string): number {
  const days = d.startDate ? Math.max(0, daysBetween(d.startDate, today)) : 0;
  return (d.mileage ?? 0) + Math.round(((d.milesPerYear ?? 0) * days) / 365);
}

/**
 * Asks MarketCheck for the due cars' prices, stalest first, within its budget. A price kept
 * is both a lookup and a value of the car's own (source kbb_api), which the depreciation
 * rule starts again from; a failure leaves the rule going from the last one, marked stale.
 */
export async function lookupCars(
  ctx: Context,
  db: Database,
  due: readonly DueLookup[],
  options: { today: string; accept?: boolean; previous: ReadonlyMap<string, bigint> },
): Promise<LookupResult> {
  const result: LookupResult = { lookups: [], reasons: new Map(), calls: [], failed: [] };
  const key = marketcheckKey(ctx);
  if (due.length === 0 || !key) return result;
  const client = new MarketCheck(
    { baseUrl: ctx.env.NETWORTH_MARKETCHECK_URL || undefined, key },
    { budget: budgetOf(ctx, db, MARKETCHECK, options.today), retry: retryPolicyOf(ctx) },
  );
  const keyring = loadKeyring({ env: ctx.env, keysDir: ctx.paths.keysDir, create: false });
  const calls = lookupCalls(due);
  for (const [i, d] of due.entries()) {
    const call = calls[i] as PlannedCall;
    const fail = (reason: string) => {
      result.reasons.set(`account:${d.accountId}`, reason);
      result.failed.push({ call, reason });
    };
    let vin: string;
    let zip: string | null;
    try {
      if (!d.vinEncrypted) throw new Error("no VIN");
      vin = keyring.decrypt(d.vinEncrypted, d.accountId);
      zip = d.zipEncrypted ? keyring.decrypt(d.zipEncrypted, d.accountId) : null;
    } catch {
      fail("the car's VIN cannot be read (set it again with valuation set --method vehicle --vin)");
      continue;
    }
    try {
      const raw = await client.price(vin, milesOn(d, options.today), zip);
      result.calls.push(call);
      const verdict = judgeValue(
        { price: raw, low: null, high: null },
        options.previous.get(d.accountId) ?? null,
        options.accept,
      );
      if (!verdict.ok) {
        fail(`${MARKETCHECK}: ${verdict.reason}`);
        continue;
      }
      result.lookups.push({
        accountId: d.accountId,
        userId: d.userId,
        date: options.today,
        value: verdict.value,
        low: null,
        high: null,
        source: MARKETCHECK,
      });
    } catch (error) {
      if (!(error instanceof ProviderError)) throw error;
      fail(error.message);
    }
  }
  return result;
}

/**
 * Looks the due homes up, stalest first, each within RentCast's budget: a spent budget, a
 * missing key, a failed call or a value that is not a positive number leaves the home's last
 * value, with the reason. The address is decrypted only to be sent.
 */
export async function lookupHomes(
  ctx: Context,
  db: Database,
  due: readonly DueLookup[],
  options: { today: string; accept?: boolean; previous: ReadonlyMap<string, bigint> },
): Promise<LookupResult> {
  const result: LookupResult = { lookups: [], reasons: new Map(), calls: [], failed: [] };
  due = due.filter((d) => d.method !== "vehicle");
  if (due.length === 0) return result;
  const key = ctx.env.RENTCAST_API_KEY || ctx.config.get("prices.rentcastKey");
  const calls = lookupCalls(due);
  if (!key) {
    for (const [i, d] of due.entries()) {
      const reason = `${RENTCAST}: no API key (set prices.rentcastKey or RENTCAST_API_KEY)`;
      result.reasons.set(`account:${d.accountId}`, reason);
      result.failed.push({ call: calls[i] as PlannedCall, reason });
    }
    return result;
  }
  const client = new RentCast(
    { baseUrl: ctx.env.NETWORTH_RENTCAST_URL || undefined, key },
    { budget: budgetOf(ctx, db, RENTCAST, options.today), retry: retryPolicyOf(ctx) },
  );
  const keyring = loadKeyring({ env: ctx.env, keysDir: ctx.paths.keysDir, create: false });
  for (const [i, d] of due.entries()) {
    const call = calls[i] as PlannedCall;
    const fail = (reason: string) => {
      result.reasons.set(`account:${d.accountId}`, reason);
      result.failed.push({ call, reason });
    };
    let address: string;
    try {
      if (d.addressEncrypted === null) throw new Error("no address");
      address = keyring.decrypt(d.addressEncrypted, d.accountId);
    } catch {
      fail(
        "the home's address cannot be read (set it again with valuation set --method avm --address)",
      );
      continue;
    }
    try {
      const answer = await client.value(address);
      result.calls.push(call);
      const verdict = judgeValue(answer, options.previous.get(d.accountId) ?? null, options.accept);
      if (!verdict.ok) {
        fail(`${RENTCAST}: ${verdict.reason}`);
        continue;
      }
      result.lookups.push({
        accountId: d.accountId,
        userId: d.userId,
        date: options.today,
        value: verdict.value,
        low: verdict.low,
        high: verdict.high,
        source: RENTCAST,
      });
    } catch (error) {
      if (!(error instanceof ProviderError)) throw error;
      fail(error.message);
    }
  }
  return result;
}
