/** Text helpers shared by the panels: stored amounts, ages, fitting, rules. */

import { formatAmount } from "../core/amount.js";
import { daysBetween } from "../core/dates.js";
import { centsFromDecimal } from "../core/money.js";
import { escapeForTerminal } from "../core/text.js";

/** A stored decimal balance for display; "" for none. */
export function decimalAmount(decimal: string | null, currency: string): string {
  return decimal === null ? "" : formatAmount(centsFromDecimal(decimal), currency);
}

/** How old a balance dated `date` is on `today`, in days: "0d", "12d". */
export function ageInDays(date: string, today: string): string {
  return `${Math.max(0, daysBetween(date, today))}d`;
}

/**
 * Cuts text to `width` characters, ending in "…" when cut. Escapes control characters first
 * (core/text.ts): every name the dashboard shows passes here, and a name from Plaid or the
 * database must not drive the terminal.
 */
export function truncate(text: string, width: number): string {
  if (width <= 0) return "";
  const safe = escapeForTerminal(text);
  const chars = [...safe];
  return chars.length <= width ? safe : `${chars.slice(0, width - 1).join("")}…`;
}

/** Text cut or padded to exactly `width` characters (right-aligned with align "right"). */
export function cell(text: string, width: number, align: "left" | "right" = "left"): string {
  const fitted = truncate(text, width);
  const room = Math.max(0, width - [...fitted].length);
  return align === "right" ? " ".repeat(room) + fitted : fitted + " ".repeat(room);
}

/** A panel's title line: "▸ Title ──────" (the arrow marks the focused panel). */
export function rule(title: string, width: number, focused: boolean): string {
  const head = `${focused ? "▸" : " "} ${title} `;
  return truncate(head, width) + "─".repeat(Math.max(0, width - [...head].length));
}
