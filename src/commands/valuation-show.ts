import { resolveAccountRef } from "../core/account-ref.js";
import { formatAmount } from "../core/amount.js";
import { formatDate } from "../core/dates.js";
import { Money } from "../core/money.js";
import { describeValuation, loanOutlook } from "../core/valuation/describe.js";
import { parseRatio, ratioText } from "../core/valuation/exact.js";
import { addMonths, monthsBetween } from "../core/valuation/months.js";
import {
  type DatedCents,
  type GeneratedValue,
  generate,
  indexOn,
  type ValuationRule,
} from "../core/valuation/rules.js";
import { listAccounts } from "../db/accounts.js";
import { indexPoints, ownValues, valuationsByAccount } from "../db/valuations.js";
import { UserError } from "../errors.js";
import type { Output } from "../output/output.js";
import { renderTable } from "../output/table.js";
import type { UserRun } from "./app.js";

const NEXT = 12;

/** A method's inputs as JSON (amounts exact numbers). */
export function ruleJson(rule: ValuationRule) {
  const base = { method: rule.method, start: rule.start };
  switch (rule.method) {
    case "depreciation":
      return {
        ...base,
        basis: new Money(rule.basis),
        rate: Number(rule.rate),
        floor: new Money(rule.floor),
      };
    case "appreciation":
      return { ...base, basis: new Money(rule.basis), rate: Number(rule.rate) };
    case "index":
      return { ...base, basis: new Money(rule.basis), index: rule.index };
    case "amortization":
      return {
        ...base,
        principal: new Money(rule.basis),
        apr: Number(rule.apr),
        term: rule.term,
        firstPayment: rule.firstPayment,
        payment: new Money(rule.payment),
        extra: new Money(rule.extra),
      };
    case "holdings":
    case "avm":
      return base;
    case "vehicle":
      return {
        ...base,
        basis: new Money(rule.basis),
        rate: Number(rule.rate),
        floor: new Money(rule.floor),
      };
  }
}

/** 1 − rate/100 (or 1 + ...) as exact decimal text: "0.85". */
function factor(rule: ValuationRule & { rate: string }, sign: 1 | -1): string {
  const r = parseRatio(rule.rate) ?? { n: 0n, d: 1n };
  const d = r.d * 100n;
  return ratioText({ n: d + BigInt(sign) * r.n, d });
}

/** The formula from the anchor, in words a pocket calculator follows. */
function formula(rule: ValuationRule): string {
  switch (rule.method) {
    case "depreciation":
      return `anchor × ${factor(rule, -1)}^(m/12), m = whole months since the anchor, rounded half-up to the cent, never below ${formatAmount(rule.floor)}`;
    case "appreciation":
      return `anchor × ${factor(rule, 1)}^(m/12), m = whole months since the anchor, rounded half-up to the cent`;
    case "index":
      return `anchor × index(date) / index(anchor date), each the index's value on or before that date, rounded half-up to the cent`;
    case "vehicle":
      return `anchor × ${factor(rule, -1)}^(m/12) from each value of its own (the price predictions among them), rounded half-up to the cent, never below ${formatAmount(rule.floor)}`;
    case "avm":
      return "the provider's valuation on each lookup (at most one every 30 days), as it answered";
    case "holdings":
      return "Σ quantity × the day's price (troy ounces × purity for metals), rounded half-up to the cent; see networth holdings list";
    case "amortization":
      return `each payment: interest = balance × ${ratioText(parseRatio(rule.apr) ?? { n: 0n, d: 1n })} / 1200 rounded half-up to the cent; balance − (${formatAmount(rule.payment)} − interest + ${formatAmount(rule.extra)}); payment ${rule.term}, or one that covers the balance, clears it to 0.00`;
  }
}

/** The value a rule works from on `today`: the latest of its start and the account's own values after it. */
function anchorOn(rule: ValuationRule, own: readonly DatedCents[], today: string) {
  const later = own.filter((v) => v.date > rule.start && v.date <= today).at(-1);
  if (later) return { date: later.date, balance: later.cents, kind: "own" as const };
  const onStart = own.find((v) => v.date === rule.start);
  return {
    date: rule.start,
    balance: onStart?.cents ?? rule.basis,
    kind: onStart ? ("own" as const) : ("basis" as const),
  };
}

export async function showValuation(run: UserRun, out: Output, ref: string): Promise<void> {
  const data = await run.db.asUser(run.user.id, async (tx) => {
    const target = resolveAccountRef(ref, await listAccounts(tx, { includeArchived: true }));
    const stored = (await valuationsByAccount(tx)).get(target.id);
    if (!stored) {
      throw new UserError(
        `${target.name} has no valuation method: set one with networth valuation set ${JSON.stringify(target.name)} --method ...`,
      );
    }
    const own = (await ownValues(tx, [target.id])).get(target.id) ?? [];
    const rule = stored.rule;
    const points =
      rule.method === "index" ? ((await indexPoints(tx, [rule.index])).get(rule.index) ?? []) : [];
    return { target, rule, own, points };
  });
  const { target, rule, own, points } = data;
  const anchor = anchorOn(rule, own, run.today);
  const next: GeneratedValue[] = [];
  const horizon = addMonths(run.today, 1200);
  for (const row of generate(rule, own, horizon, points)) {
    if (row.date <= run.today) continue;
    next.push(row);
    if (next.length === NEXT) break;
  }
  const current = [...own, ...[...generate(rule, own, run.today, points)]]
    .sort((a, b) => (a.date < b.date ? -1 : 1))
    .at(-1);
  const outlook = rule.method === "amortization" && current ? loanOutlook(rule, current) : null;
  const description = (format: UserRun["dateFormat"]) =>
    describeValuation(rule, current ?? null, format);
  const index =
    rule.method === "index"
      ? { base: indexOn(points, anchor.date), latest: points.at(-1) ?? null }
      : null;
  if (out.json) {
    out.result({
      account: { id: target.id, name: target.name },
      valuation: ruleJson(rule),
      description: description("YYYY-MM-DD"),
      formula: formula(rule),
      anchor: { date: anchor.date, balance: new Money(anchor.balance), source: anchor.kind },
      index: index && {
        name: rule.method === "index" ? rule.index : null,
        anchorValue: index.base,
        latest: index.latest,
      },
      next: next.map((row) => ({
        date: row.date,
        balance: new Money(row.cents),
        ...(row.payment === undefined
          ? rule.method === "index"
            ? { indexValue: Number(indexOn(points, row.date)?.value) }
            : { months: monthsBetween(anchor.date, row.date) }
          : {
              payment: row.payment,
              interest: new Money(row.interest ?? 0n),
              principal: new Money(row.principal ?? 0n),
            }),
      })),
      paymentsLeft: outlook?.paymentsLeft ?? null,
      paidOff: outlook?.paidOff ?? null,
    });
    return;
  }
  const date = (iso: string) => formatDate(iso, run.dateFormat);
  out.line(`${target.name}: ${description(run.dateFormat)}`);
  for (const [key, value] of Object.entries(ruleJson(rule))) {
    if (key === "method") continue;
    const shown =
      value instanceof Money
        ? formatAmount(value.cents)
        : key === "start" || key === "firstPayment"
          ? date(String(value))
          : String(value);
    out.line(`  ${key.padEnd(13)}${shown}`);
  }
  out.line(
    `  anchor       ${formatAmount(anchor.balance)} on ${date(anchor.date)} (${anchor.kind === "own" ? "a value of yours" : "the basis"})`,
  );
  if (index?.base) out.line(`  index then   ${index.base.value} (${date(index.base.date)})`);
  out.line(`  rule         ${formula(rule)}`);
  if (next.length === 0) {
    out.line("  No further values.");
    return;
  }
  out.line("");
  const loan = rule.method === "amortization";
  const step = (row: GeneratedValue) =>
    rule.method === "index"
      ? (indexOn(points, row.date)?.value ?? "")
      : String(monthsBetween(anchor.date, row.date));
  out.line(
    renderTable(
      loan
        ? ["Date", "Payment", "Interest", "Principal", "Balance"]
        : ["Date", rule.method === "index" ? "Index" : "m", "Value"],
      next.map((row) =>
        loan
          ? [
              date(row.date),
              String(row.payment),
              formatAmount(row.interest ?? 0n),
              formatAmount(row.principal ?? 0n),
              formatAmount(row.cents),
            ]
          : [date(row.date), step(row), formatAmount(row.cents)],
      ),
      loan ? ["left", "right", "right", "right", "right"] : ["left", "right", "right"],
    ),
  );
}
