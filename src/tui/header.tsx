import { Box, Text } from "ink";
import { formatAmount } from "../core/amount.js";
import type { Report } from "../core/build-report.js";
import { missingRateLine } from "../core/incomplete.js";
import { signedAmount, signedPercent } from "../output/format.js";
import { RANGES, type RangeKey } from "./ranges.js";
import type { Theme } from "./theme.js";

export interface HeaderProps {
  readonly email: string;
  readonly report: Report | null;
  readonly range: RangeKey;
  readonly loading: boolean;
  readonly theme: Theme;
  readonly currency: string;
  readonly describeDate: (iso: string) => string;
}

/** Who, the range tabs, then net worth and its change over the range (green up, red down). */
export function Header(props: HeaderProps) {
  const { report, theme, currency } = props;
  const money = (cents: bigint) => formatAmount(cents, currency);
  const current = report?.current;
  const change = report?.changes.range;
  const direction = change ? (change.amount.cents > 0n ? 1 : change.amount.cents < 0n ? -1 : 0) : 0;
  return (
    <Box flexDirection="column">
      <Box justifyContent="space-between">
        <Text wrap="truncate">
          <Text bold={theme.color} color={theme.accent}>
            networth
          </Text>
          <Text color={theme.muted}> · {props.email}</Text>
        </Text>
        <Text>
          {RANGES.map((range) =>
            range === props.range ? (
              <Text key={range} bold={theme.color} color={theme.accent}>
                [{range}]
              </Text>
            ) : (
              <Text key={range} color={theme.muted}>
                {` ${range} `}
              </Text>
            ),
          )}
        </Text>
      </Box>
      {current ? (
        <Text wrap="truncate">
          <Text bold={theme.color}>Net worth {money(current.netWorth.cents)}</Text>
          {change ? (
            <Text color={direction > 0 ? theme.up : direction < 0 ? theme.down : theme.muted}>
              {`  ${direction > 0 ? "▲" : direction < 0 ? "▼" : "="} ${signedAmount(change.amount.cents, currency)}`}
              {change.percent === null ? "" : ` (${signedPercent(change.percent)})`}
            </Text>
          ) : null}
          <Text color={theme.muted}>
            {change ? ` since ${props.describeDate(change.from)}` : ""}
            {`   assets ${money(current.totalAssets.cents)} · liabilities ${money(current.totalLiabilities.cents)}`}
          </Text>
          {report?.missingRates[0] ? (
            <Text color={theme.down}>
              {`   incomplete: ${report.missingRates.map((m) => missingRateLine(m, props.describeDate)).join("; ")}`}
            </Text>
          ) : null}
        </Text>
      ) : (
        <Text wrap="truncate" color={theme.muted}>
          {report === null
            ? props.loading
              ? "Loading…"
              : "No report"
            : "No snapshots yet: add accounts (networth add-asset, networth link) or press s."}
        </Text>
      )}
    </Box>
  );
}
