import { describe, expect, it } from "vitest";
import { octalMode, shellPath, shellWord } from "../../src/core/shell.js";

describe("shell words", () => {
  it("leaves safe words alone and single-quotes the rest", () => {
    expect(shellWord("me@example.com")).toBe("me@example.com");
    expect(shellWord("/usr/bin/node")).toBe("/usr/bin/node");
    expect(shellWord("Old car")).toBe("'Old car'");
    expect(shellWord("it's")).toBe("'it'\\''s'");
    expect(shellWord("")).toBe("''");
    expect(shellWord("$(rm -rf ~)")).toBe("'$(rm -rf ~)'");
  });

  it("keeps a leading ~/ outside the quotes so the shell still expands it", () => {
    expect(shellPath("~/My Keys/token-keys.json")).toBe("~/'My Keys/token-keys.json'");
    expect(shellPath("~/keys/token-keys.json")).toBe("~/keys/token-keys.json");
    expect(shellPath("/tmp/a b")).toBe("'/tmp/a b'");
  });

  it("prints permission bits as chmod takes them", () => {
    expect(octalMode(0o600)).toBe("0600");
    expect(octalMode(0o644)).toBe("0644");
    expect(octalMode(0o7)).toBe("0007");
    expect(octalMode(0o100644)).toBe("0644");
  });
});
