import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { checkText, escapeForTerminal, escapeLines, textProblem } from "../../src/core/text.js";
import { UsageError } from "../../src/errors.js";

describe("textProblem", () => {
  it.each([
    ["Evil\u001b[2J", "name: control character U+001B at position 5"],
    ["\u001b]0;title\u0007", "name: control character U+001B at position 1"],
    ["Line\nbreak", "name: control character U+000A at position 5"],
    ["$100\r$999", "name: control character U+000D at position 5"],
    ["nul\u0000", "name: control character U+0000 at position 4"],
    ["del\u007f", "name: control character U+007F at position 4"],
    ["csi\u009b2J", "name: control character U+009B at position 4"],
    // Positions count characters, not UTF-16 units: the emoji is one.
    ["🏠\u001b", "name: control character U+001B at position 2"],
  ])("refuses %j", (text, problem) => {
    expect(textProblem("name", text)).toBe(problem);
  });

  it.each(["Home", "Maison à Paris", "tab\tseparated", "🏠 Cabin", ""])("accepts %j", (text) => {
    expect(textProblem("name", text)).toBeNull();
  });

  it("refuses text longer than the limit, counting characters", () => {
    expect(textProblem("account", "é".repeat(255), { maxLength: 255 })).toBeNull();
    expect(textProblem("account", "é".repeat(256), { maxLength: 255 })).toBe(
      "account: 256 characters, at most 255 allowed",
    );
  });

  it("throws a usage error through checkText", () => {
    expect(() => checkText("notes", "a\rb")).toThrow(UsageError);
    expect(() => checkText("notes", "a\rb")).toThrow(
      "notes: control character U+000D at position 2",
    );
    expect(checkText("notes", "fine")).toBe("fine");
  });
});

describe("escapeForTerminal", () => {
  it.each([
    ["Evil\u001b[2J", "Evil\\x1b[2J"],
    ["\u001b]0;title\u0007", "\\x1b]0;title\\x07"],
    ["a\nb\rc\td", "a\\nb\\rc\\td"],
    ["csi\u009b", "csi\\x9b"],
    ["rtl\u202eevil", "rtl\\u{202e}evil"],
    ["Maison à Paris 🏠", "Maison à Paris 🏠"],
  ])("escapes %j", (text, escaped) => {
    expect(escapeForTerminal(text)).toBe(escaped);
  });

  it("leaves no control character, is idempotent, and keeps line breaks in escapeLines", () => {
    fc.assert(
      fc.property(fc.string({ unit: "binary" }), (text) => {
        const escaped = escapeForTerminal(text);
        expect(escaped).not.toMatch(/\p{Cc}/u);
        expect(escapeForTerminal(escaped)).toBe(escaped);
      }),
      { numRuns: 2000 },
    );
    expect(escapeLines("one\u001b[2J\ntwo\r")).toBe("one\\x1b[2J\ntwo\\r");
  });
});
