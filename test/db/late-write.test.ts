import { describe, expect, it } from "vitest";
import { isLateWriteOnLostConnection } from "../../src/db/connection.js";

function typeError(stack: string): TypeError {
  const error = new TypeError("Cannot read properties of null (reading 'write')");
  error.stack = `${error.name}: ${error.message}\n${stack}`;
  return error;
}

describe("postgres.js's late write on a lost connection", () => {
  it("is known in the bundle's chunks as in postgres's own file", () => {
    expect(
      isLateWriteOnLostConnection(
        typeError(
          "    at Immediate.nextWrite (file:///app/dist/bundle/chunk-6KDHUUHX.js:801:22)\n" +
            "    at process.processImmediate (node:internal/timers:483:21)",
        ),
      ),
    ).toBe(true);
    expect(
      isLateWriteOnLostConnection(
        typeError(
          "    at nextWrite (file:///app/node_modules/postgres/src/connection.js:255:21)\n" +
            "    at process.processImmediate (node:internal/timers:483:21)",
        ),
      ),
    ).toBe(true);
  });

  it("is not any other error", () => {
    expect(
      isLateWriteOnLostConnection(
        typeError("    at render (file:///app/dist/bundle/chunk-1.js:1:1)\n    at nextWrite2 (x)"),
      ),
    ).toBe(false);
    const other = new TypeError("x is not a function");
    expect(isLateWriteOnLostConnection(other)).toBe(false);
    expect(
      isLateWriteOnLostConnection(new Error("Cannot read properties of null (reading 'write')")),
    ).toBe(false);
    expect(isLateWriteOnLostConnection("nextWrite")).toBe(false);
  });
});
