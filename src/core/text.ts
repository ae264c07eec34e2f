/**
 * Names and free text against terminal injection (issue 15, item 6). On the way in, a name,
 * description or note with a control character is refused, naming the character and where
 * it is. On the way out, text that reaches a terminal from the database or from Plaid (which
 * cannot be refused) is escaped so that an ESC, CR or newline shows as visible text and can
 * neither clear the screen, retitle the window, overwrite an amount nor fake a line.
 */

import { UsageError } from "../errors.js";

/** The longest name the schema stores (accounts.name VARCHAR(255)), in characters. */
export const MAX_NAME_LENGTH = 255;

/**
 * C0 controls but tab, DEL, and C1 controls: refused on input. Tab is allowed (a CSV cell or
 * a pasted note may hold one); it moves the cursor forward only.
 */
const isRefused = (code: number) =>
  (code < 0x20 && code !== 0x09) || (code >= 0x7f && code <= 0x9f);

/**
 * Escaped on output: every C0 control (tab too: it breaks a table's columns), DEL, C1, the
 * line and paragraph separators, and the bidirectional overrides and isolates that can make
 * a terminal show text in another order than stored.
 */
const isEscaped = (code: number) =>
  code < 0x20 ||
  (code >= 0x7f && code <= 0x9f) ||
  code === 0x2028 ||
  code === 0x2029 ||
  (code >= 0x202a && code <= 0x202e) ||
  (code >= 0x2066 && code <= 0x2069);

const hex = (code: number, width: number) => code.toString(16).toUpperCase().padStart(width, "0");

/**
 * The problem with a name or free text, or null when it has none: "name: control character
 * U+001B at position 5" (positions count characters from 1). `maxLength` (characters) also
 * refuses longer text.
 */
export function textProblem(
  field: string,
  text: string,
  options: { maxLength?: number } = {},
): string | null {
  let position = 0;
  for (const char of text) {
    position += 1;
    const code = char.codePointAt(0) ?? 0;
    if (isRefused(code)) {
      return `${field}: control character U+${hex(code, 4)} at position ${position}`;
    }
  }
  if (options.maxLength !== undefined && position > options.maxLength) {
    return `${field}: ${position.toLocaleString("en-US")} characters, at most ${options.maxLength} allowed`;
  }
  return null;
}

/** textProblem as a usage error (exit 2, nothing written); returns the text when it is fine. */
export function checkText(field: string, text: string, options: { maxLength?: number } = {}) {
  const problem = textProblem(field, text, options);
  if (problem !== null) throw new UsageError(problem);
  return text;
}

/**
 * Text made safe for a terminal: each control character becomes visible text ("\n", "\r",
 * "\t", "\x1b", "\u{202e}"); everything else is kept. Idempotent: escaped text has no
 * control character left. JSON output needs none of this (JSON.stringify escapes them).
 */
export function escapeForTerminal(text: string): string {
  let clean = true;
  for (let i = 0; i < text.length && clean; i++) clean = !isEscaped(text.charCodeAt(i));
  if (clean) return text;
  let out = "";
  for (const char of text) {
    const code = char.codePointAt(0) ?? 0;
    if (!isEscaped(code)) out += char;
    else if (char === "\n") out += "\\n";
    else if (char === "\r") out += "\\r";
    else if (char === "\t") out += "\\t";
    else if (code <= 0xff) out += `\\x${hex(code, 2).toLowerCase()}`;
    else out += `\\u{${hex(code, 4).toLowerCase()}}`;
  }
  return out;
}

/** escapeForTerminal on each line of a multi-line text: the line breaks themselves stay. */
export function escapeLines(text: string): string {
  return text.split("\n").map(escapeForTerminal).join("\n");
}
