import { Box, Text } from "ink";
import { cell, rule } from "./format.js";
import type { Theme } from "./theme.js";

const HELP: readonly (readonly [string, string])[] = [
  ["1 … 6", "range: 1M 3M 6M YTD 1Y ALL"],
  ["← →", "previous / next range"],
  ["a", "chart: net worth, or assets vs liabilities"],
  ["tab", "next panel (shift-tab: previous)"],
  ["↑ ↓", "move in the focused panel"],
  ["enter", "the selected account's history"],
  ["esc", "back"],
  ["r", "sync linked accounts, then refresh"],
  ["s", "take today's snapshot, then refresh"],
  ["?", "this help"],
  ["q, ctrl-c", "quit"],
];

export interface HelpOverlayProps {
  readonly width: number;
  readonly height: number;
  readonly theme: Theme;
}

/** The keys and the marks, in place of the panels until ? or esc. */
export function HelpOverlay({ width, height, theme }: HelpOverlayProps) {
  return (
    <Box flexDirection="column" height={height}>
      <Text color={theme.accent}>{rule("Help", width, true)}</Text>
      {HELP.map(([key, what]) => (
        <Text key={key} wrap="truncate">
          {"  "}
          <Text bold={theme.color} color={theme.accent}>
            {cell(key, 11)}
          </Text>
          {what}
        </Text>
      ))}
      <Text> </Text>
      <Text wrap="truncate" color={theme.muted}>
        {"  › the selected account   ! a linked account that needs you (networth link)"}
      </Text>
      <Text wrap="truncate" color={theme.muted}>
        {"  ▲ ▼ net worth up / down over the range   Nd: days since the balance's date"}
      </Text>
    </Box>
  );
}
