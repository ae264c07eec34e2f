import Table from "cli-table3";
import { escapeForTerminal } from "../core/text.js";

export type Align = "left" | "right";

/**
 * A plain table (no colour codes: NO_COLOR and pipes get the same text). Every cell is
 * escaped for the terminal: a name from the database or Plaid cannot move the cursor, clear
 * the screen or break a row in two.
 */
export function renderTable(
  head: readonly string[],
  rows: readonly (readonly string[])[],
  align: readonly Align[] = [],
): string {
  const table = new Table({
    head: head.map(escapeForTerminal),
    style: { head: [], border: [], compact: true },
    colAligns: head.map((_, i) => align[i] ?? "left"),
    chars: {
      top: "",
      "top-mid": "",
      "top-left": "",
      "top-right": "",
      bottom: "",
      "bottom-mid": "",
      "bottom-left": "",
      "bottom-right": "",
      left: "",
      "left-mid": "",
      mid: "",
      "mid-mid": "",
      right: "",
      "right-mid": "",
      middle: "  ",
    },
  });
  for (const row of rows) table.push(row.map(escapeForTerminal));
  return table
    .toString()
    .split("\n")
    .map((line) => line.replace(/^ /, "").trimEnd())
    .join("\n");
}
