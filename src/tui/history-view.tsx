import { Box, Text } from "ink";
import { formatAmount } from "../core/amount.js";
import { centsFromDecimal } from "../core/money.js";
import { periodEnds } from "../core/report.js";
import type { AccountRow } from "../db/accounts.js";
import type { BalanceRow } from "../db/balances.js";
import { chartLines } from "../output/chart.js";
import { signedAmount } from "../output/format.js";
import { ChartBody } from "./chart-panel.js";
import { ageInDays, cell, rule } from "./format.js";
import type { RangeKey } from "./ranges.js";
import type { Theme } from "./theme.js";

/**
 * An account's value on each day from `from` (or its first balance, when later) to `to`: the
 * latest balance dated on or before the day. `rows` newest first, as balanceHistory gives them.
 */
export function dailyBalances(
  rows: readonly BalanceRow[],
  from: string | undefined,
  to: string,
): { dates: string[]; cents: bigint[] } {
  const ascending = [...rows].reverse();
  const first = ascending[0]?.date;
  if (first === undefined || first > to) return { dates: [], cents: [] };
  const dates = periodEnds(from !== undefined && from > first ? from : first, to, "day");
  const cents: bigint[] = [];
  let next = 0;
  let value = 0n;
  for (const date of dates) {
    while (next < ascending.length && (ascending[next] as BalanceRow).date <= date) {
      value = centsFromDecimal((ascending[next] as BalanceRow).balance);
      next += 1;
    }
    cents.push(value);
  }
  return { dates, cents };
}

export interface HistoryViewProps {
  readonly account: AccountRow | undefined;
  /** Newest first; null while loading. */
  readonly rows: readonly BalanceRow[] | null;
  /** Where the chart starts (the range's first day), undefined for all of it. */
  readonly from: string | undefined;
  readonly range: RangeKey;
  readonly today: string;
  readonly width: number;
  readonly chartHeight: number;
  readonly listHeight: number;
  /** The first row of the table shown. */
  readonly scroll: number;
  readonly theme: Theme;
  readonly currency: string;
  readonly describeDate: (iso: string) => string;
}

/** One account: its balance over the range as a chart, then every dated value, newest first. */
export function HistoryView(props: HistoryViewProps) {
  const { account, rows, theme, width, currency } = props;
  const money = (cents: bigint) => formatAmount(cents, currency);
  const series = dailyBalances(rows ?? [], props.from, props.today);
  const chart = chartLines([{ cents: series.cents, color: theme.chartLine }], {
    width,
    height: props.chartHeight,
    currency,
  });
  const title = account
    ? `${account.name} · ${account.displayName} · ${account.institutionName ?? "manual"}${account.balanceDate ? ` · ${ageInDays(account.balanceDate, props.today)} old` : ""} · ${props.range}`
    : "Account not found";
  const table = (rows ?? []).map((row, i) => {
    const older = rows?.[i + 1];
    const change = older ? centsFromDecimal(row.balance) - centsFromDecimal(older.balance) : null;
    return { row, change };
  });
  const shown = table.slice(props.scroll, props.scroll + props.listHeight);
  const amountWidth = Math.max(
    12,
    ...table.map((t) => money(centsFromDecimal(t.row.balance)).length + 1),
  );
  return (
    <Box flexDirection="column">
      <Text wrap="truncate" color={theme.accent}>
        {rule(title, width, true)}
      </Text>
      <ChartBody
        chart={series.cents.length < 2 ? null : chart}
        height={props.chartHeight}
        empty={rows === null ? "  Loading…" : "  Not enough history in this range for a chart."}
        theme={theme}
      />
      <Text wrap="truncate" color={theme.muted}>
        {" ".repeat(chart.gutter)}
        {series.dates[0] ? props.describeDate(series.dates[0]) : ""}
        {series.dates.length > 1 ? ` … ${props.describeDate(props.today)}` : ""}
      </Text>
      <Text wrap="truncate" color={theme.muted}>
        {rule(
          `${cell("Date", 12)}${cell("Balance", amountWidth, "right")} ${cell("Change", amountWidth, "right")}  Source${table.length > props.listHeight ? "  ↑↓" : ""}`,
          width,
          false,
        )}
      </Text>
      <Box flexDirection="column" height={props.listHeight}>
        {rows !== null && rows.length === 0 ? (
          <Text color={theme.muted}> No balances yet.</Text>
        ) : null}
        {shown.map(({ row, change }) => (
          <Text key={row.id} wrap="truncate">
            {"  "}
            {cell(`${props.describeDate(row.date)}${row.isCurrent ? " *" : ""}`, 12)}
            {cell(money(centsFromDecimal(row.balance)), amountWidth, "right")}{" "}
            <Text
              color={
                change === null || change === 0n
                  ? theme.muted
                  : // Green when the move helped net worth: a debt going down, an asset up.
                    change > 0n === (account?.side !== "liability")
                    ? theme.up
                    : theme.down
              }
            >
              {cell(change === null ? "" : signedAmount(change, currency), amountWidth, "right")}
            </Text>
            {"  "}
            <Text color={theme.muted}>{row.source}</Text>
          </Text>
        ))}
      </Box>
    </Box>
  );
}
