import { Box, Text } from "ink";
import type { AccountRow } from "../db/accounts.js";
import { ageInDays, cell, decimalAmount, rule } from "./format.js";
import type { Theme } from "./theme.js";

/** The accounts in the panel's order: assets, then liabilities, each as listed. */
export function accountOrder(accounts: readonly AccountRow[]): AccountRow[] {
  return [
    ...accounts.filter((a) => a.side === "asset"),
    ...accounts.filter((a) => a.side === "liability"),
  ];
}

/** A manual account's institution cell: "manual", or how its value moves (issue 11). */
const METHOD_WORDS: Record<string, string> = {
  depreciation: "depreciating",
  appreciation: "appreciating",
  index: "indexed",
  amortization: "amortizing",
  holdings: "market prices",
  avm: "home value",
  vehicle: "vehicle value",
};
const manualLabel = (row: AccountRow, describeDate: (iso: string) => string) =>
  row.valuationStaleSince
    ? `stale since ${describeDate(row.valuationStaleSince)}`
    : row.valuationMethod
      ? (METHOD_WORDS[row.valuationMethod] ?? "manual")
      : "manual";

type Line =
  | { readonly kind: "side"; readonly title: string }
  | { readonly kind: "account"; readonly row: AccountRow; readonly index: number };

export interface AccountsPanelProps {
  /** In accountOrder. */
  readonly accounts: readonly AccountRow[] | null;
  readonly selected: number;
  readonly focused: boolean;
  readonly width: number;
  readonly height: number;
  readonly theme: Theme;
  readonly currency: string;
  readonly today: string;
  /** Marks an account whose linked item needs the user (a new login, say). */
  readonly needsAttention: (row: AccountRow) => boolean;
  /** A date as the user writes it (preferences.dateFormat). */
  readonly describeDate: (iso: string) => string;
}

/**
 * Assets and liabilities with balance, institution (or "manual") and the balance's age in
 * days; "!" marks an account that needs attention, "›" the selected one. The list scrolls to
 * keep the selection in view.
 */
export function AccountsPanel(props: AccountsPanelProps) {
  const { accounts, theme, width, height, currency, describeDate } = props;
  const rows = accounts ?? [];
  const lines: Line[] = [];
  for (const [side, title] of [
    ["asset", "Assets"],
    ["liability", "Liabilities"],
  ] as const) {
    const group = rows.filter((r) => r.side === side);
    if (group.length > 0) lines.push({ kind: "side", title });
    for (const row of group) lines.push({ kind: "account", row, index: rows.indexOf(row) });
  }
  const at = lines.findIndex((l) => l.kind === "account" && l.index === props.selected);
  const first = Math.max(0, Math.min(at - Math.floor(height / 2), lines.length - height));
  const shown = lines.slice(first, first + height);

  // Each balance in its account's own currency (issue 13), not relabelled as the user's.
  const balances = rows.map(
    (r) => decimalAmount(r.balance, r.currency || currency) || "no balance",
  );
  const balanceWidth = Math.max(10, ...balances.map((b) => b.length));
  const ageWidth = 5;
  const room = width - 3 - balanceWidth - ageWidth - 3;
  const longest = Math.max(
    6,
    ...rows.map((r) => (r.institutionName ?? manualLabel(r, describeDate)).length),
  );
  const institutionWidth = Math.max(6, Math.min(longest, Math.floor(room / 3)));
  const nameWidth = Math.max(4, room - institutionWidth);

  return (
    <Box flexDirection="column" width={width}>
      <Text wrap="truncate" color={props.focused ? theme.accent : theme.muted}>
        {rule(`Accounts${rows.length ? ` (${rows.length})` : ""}`, width, props.focused)}
      </Text>
      <Box flexDirection="column" height={height}>
        {accounts === null ? <Text color={theme.muted}> Loading…</Text> : null}
        {accounts?.length === 0 ? (
          <Text color={theme.muted}> No accounts yet: networth add-asset, networth link.</Text>
        ) : null}
        {shown.map((line) => {
          if (line.kind === "side") {
            return (
              <Text key={line.title} bold={theme.color} wrap="truncate">
                {` ${line.title}`}
              </Text>
            );
          }
          const { row, index } = line;
          const chosen = index === props.selected;
          // A market value its provider could not give today is marked too (issue 12).
          const attention = props.needsAttention(row) || Boolean(row.valuationStaleSince);
          return (
            <Text
              key={row.id}
              wrap="truncate"
              inverse={theme.color && chosen && props.focused}
              bold={theme.color && chosen}
            >
              {chosen ? "›" : " "}
              <Text color={theme.warning}>{attention ? "!" : " "}</Text> {cell(row.name, nameWidth)}{" "}
              {cell(balances[index] ?? "", balanceWidth, "right")}{" "}
              <Text color={chosen && props.focused ? undefined : theme.muted}>
                {cell(row.institutionName ?? manualLabel(row, describeDate), institutionWidth)}{" "}
                {cell(
                  row.balanceDate ? ageInDays(row.balanceDate, props.today) : "",
                  ageWidth,
                  "right",
                )}
              </Text>
            </Text>
          );
        })}
      </Box>
    </Box>
  );
}
