import { Box, Text } from "ink";
import { escapeForTerminal } from "../core/text.js";
import type { SyncProgress } from "./loaders.js";
import type { Theme } from "./theme.js";
import type { DashboardData } from "./use-dashboard-data.js";

/** A line of the status area. */
export interface StatusLine {
  readonly key: string;
  readonly text: string;
  readonly tone: "error" | "info" | "progress" | "muted";
}

const PROGRESS_MARK: Record<SyncProgress["status"], string> = {
  waiting: "·",
  syncing: "⟳",
  done: "✓",
  failed: "✗",
};

/**
 * What the status area says, most important last: a sync's line per item, every error, then
 * the latest notice or what is loading. Never empty, so the layout does not jump.
 */
export function statusLines(
  data: Pick<DashboardData, "busy" | "progress" | "errors" | "notice" | "loading">,
): StatusLine[] {
  const lines: StatusLine[] = data.progress.map((p) => ({
    key: `sync:${p.itemId}`,
    text: `${PROGRESS_MARK[p.status]} ${p.label}: ${p.status}${p.detail ? ` · ${p.detail}` : ""}`,
    tone: p.status === "failed" ? "error" : "progress",
  }));
  if (data.busy === "sync" && lines.length === 0)
    lines.push({ key: "busy", text: "⟳ syncing…", tone: "progress" });
  if (data.busy === "snapshot")
    lines.push({ key: "busy", text: "⟳ taking today's snapshot…", tone: "progress" });
  for (const [i, error] of data.errors.entries())
    lines.push({ key: `error:${i}`, text: `✗ ${error}`, tone: "error" });
  if (data.notice) lines.push({ key: "notice", text: data.notice, tone: "info" });
  else if (data.loading && !data.busy)
    lines.push({ key: "loading", text: "loading…", tone: "muted" });
  return lines.length > 0 ? lines : [{ key: "empty", text: "", tone: "muted" }];
}

export interface StatusProps {
  readonly lines: readonly StatusLine[];
  readonly theme: Theme;
}

export function Status({ lines, theme }: StatusProps) {
  const color = {
    error: theme.error,
    info: theme.accent,
    progress: theme.warning,
    muted: theme.muted,
  };
  return (
    <Box flexDirection="column" height={lines.length}>
      {lines.map((line) => (
        <Text key={line.key} wrap="truncate" color={color[line.tone]}>
          {escapeForTerminal(line.text) || " "}
        </Text>
      ))}
    </Box>
  );
}

export interface FooterProps {
  readonly view: "dashboard" | "history" | "help";
  readonly theme: Theme;
}

const KEYS: Record<FooterProps["view"], readonly (readonly [string, string])[]> = {
  dashboard: [
    ["1-6←→", "range"],
    ["a", "chart"],
    ["tab", "panel"],
    ["⏎", "open"],
    ["r", "sync"],
    ["s", "snapshot"],
    ["?", "help"],
    ["q", "quit"],
  ],
  history: [
    ["esc", "back"],
    ["1-6←→", "range"],
    ["↑↓", "scroll"],
    ["r", "sync"],
    ["s", "snapshot"],
    ["?", "help"],
    ["q", "quit"],
  ],
  help: [
    ["?/esc", "close help"],
    ["q", "quit"],
  ],
};

/** The keys of the current view, on one line that fits 80 columns (? has the rest). */
export function Footer({ view, theme }: FooterProps) {
  return (
    <Text wrap="truncate">
      {KEYS[view].map(([key, what], i) => (
        <Text key={key}>
          {i > 0 ? "  " : ""}
          <Text bold={theme.color} color={theme.accent}>
            {key}
          </Text>
          <Text color={theme.muted}> {what}</Text>
        </Text>
      ))}
    </Text>
  );
}
