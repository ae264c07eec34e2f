import { describe, expect, it } from "vitest";
import { decodeUtf8File } from "../../src/core/text-file.js";

function messageOf(bytes: Uint8Array): string {
  try {
    decodeUtf8File(bytes, "f.csv");
  } catch (error) {
    return (error as Error).message;
  }
  throw new Error("expected a refusal");
}

describe("decodeUtf8File", () => {
  it("reads UTF-8, keeping a BOM for the CSV reader", () => {
    expect(decodeUtf8File(Buffer.from("a,b\nCafé,1\n"), "f.csv")).toBe("a,b\nCafé,1\n");
    expect(decodeUtf8File(Buffer.from("\uFEFFa\n"), "f.csv")).toBe("\uFEFFa\n");
  });
  it("refuses Latin-1, UTF-16 and NUL bytes with the line", () => {
    expect(messageOf(Buffer.from("a\nb\nCaf\xe9\n", "latin1"))).toMatch(
      /^cannot read f\.csv: not UTF-8: line 3 \(/,
    );
    expect(messageOf(Buffer.from("\uFEFFa\nb\n", "utf16le"))).toMatch(
      /not UTF-8: line 1 \(it is UTF-16/,
    );
    expect(messageOf(Buffer.from("a\nb\n", "utf16le"))).toMatch(/not UTF-8: line 1 \(a NUL byte/);
    expect(messageOf(Buffer.from("a\nb\0\n"))).toMatch(/not UTF-8: line 2 \(a NUL byte/);
    // A truncated multi-byte sequence at the very end.
    expect(messageOf(Buffer.from([0x61, 0x0a, 0xe2, 0x82]))).toMatch(/not UTF-8: line 2 /);
  });
});
