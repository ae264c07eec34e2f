import { Box, Text } from "ink";
import { formatAmount } from "../core/amount.js";
import { type AssetBucket, bucketLabel, type LiabilityBucket } from "../core/buckets.js";
import type { BreakdownShares, BucketShare } from "../core/report.js";
import { cell, rule } from "./format.js";
import type { Theme } from "./theme.js";

/** A line of the breakdown: a side's heading with its total, or one bucket. */
export type BreakdownLine =
  | { readonly kind: "side"; readonly side: "asset" | "liability"; readonly total: bigint }
  | {
      readonly kind: "bucket";
      readonly side: "asset" | "liability";
      readonly share: BucketShare<AssetBucket | LiabilityBucket>;
    };

/**
 * The breakdown's lines: each side's total, then its buckets that hold something (all of
 * them zero says nothing a panel this small has room for).
 */
export function breakdownLines(breakdown: BreakdownShares | null): BreakdownLine[] {
  if (!breakdown) return [];
  const side = (name: "asset" | "liability", shares: readonly BucketShare<string>[]) => [
    { kind: "side", side: name, total: shares.reduce((sum, s) => sum + s.amount.cents, 0n) },
    ...shares
      .filter((s) => s.amount.cents !== 0n)
      .map((share) => ({ kind: "bucket", side: name, share })),
  ];
  return [
    ...side("asset", breakdown.assets),
    ...side("liability", breakdown.liabilities),
  ] as BreakdownLine[];
}

const EIGHTHS = ["", "▏", "▎", "▍", "▌", "▋", "▊", "▉"];

/** A bar of `share` percent of `width` characters, to an eighth of a character. */
export function bar(share: string | null, width: number): string {
  const eighths = Math.round((Math.min(100, Math.max(0, Number(share ?? 0))) / 100) * width * 8);
  return "█".repeat(Math.floor(eighths / 8)) + (EIGHTHS[eighths % 8] ?? "");
}

export interface BreakdownPanelProps {
  readonly lines: readonly BreakdownLine[];
  readonly focused: boolean;
  readonly width: number;
  readonly height: number;
  /** The first line shown, when there are more lines than height. */
  readonly scroll: number;
  readonly theme: Theme;
  readonly currency: string;
}

/** Assets and liabilities by bucket: a bar of each bucket's share of its side, amount, share. */
export function BreakdownPanel(props: BreakdownPanelProps) {
  const { lines, theme, width, height } = props;
  const money = (cents: bigint) => formatAmount(cents, props.currency);
  const amountWidth = Math.max(
    0,
    ...lines.map((l) => money(l.kind === "side" ? l.total : l.share.amount.cents).length),
  );
  const labelWidth = 12;
  const shareWidth = 6;
  const barWidth = Math.max(1, width - 2 - labelWidth - amountWidth - shareWidth - 3);
  const scroll = Math.max(0, Math.min(props.scroll, lines.length - height));
  const shown = lines.slice(scroll, scroll + height);
  const more =
    lines.length > height
      ? ` ${scroll > 0 ? "↑" : " "}${scroll + height < lines.length ? "↓" : " "}`
      : "";
  return (
    <Box flexDirection="column" width={width}>
      <Text wrap="truncate" color={props.focused ? theme.accent : theme.muted}>
        {rule(`Breakdown${more}`, width, props.focused)}
      </Text>
      <Box flexDirection="column" height={height}>
        {lines.length === 0 ? <Text color={theme.muted}> No snapshot yet.</Text> : null}
        {shown.map((line) =>
          line.kind === "side" ? (
            <Text key={line.side} wrap="truncate" bold={theme.color}>
              {cell(
                line.side === "asset" ? " Assets" : " Liabilities",
                width - amountWidth - shareWidth - 2,
              )}
              {cell(money(line.total), amountWidth, "right")}
            </Text>
          ) : (
            <Text key={`${line.side}:${line.share.bucket}`} wrap="truncate">
              {"  "}
              {cell(bucketLabel(line.side, line.share.bucket), labelWidth)}{" "}
              <Text color={line.side === "asset" ? theme.assets : theme.liabilities}>
                {cell(bar(line.share.share, barWidth), barWidth)}
              </Text>{" "}
              {cell(money(line.share.amount.cents), amountWidth, "right")}{" "}
              <Text color={theme.muted}>
                {cell(line.share.share === null ? "" : `${line.share.share}%`, shareWidth, "right")}
              </Text>
            </Text>
          ),
        )}
      </Box>
    </Box>
  );
}
