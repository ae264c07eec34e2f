import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  CsvSyntaxError,
  formulaText,
  neutralizeFormula,
  parseCsv,
  toCsv,
} from "../../src/core/csv.js";

function fieldsOf(text: string): string[][] {
  return parseCsv(text).rows.map((row) => row.fields);
}

function errorOf(run: () => unknown): unknown {
  try {
    run();
  } catch (error) {
    return error;
  }
  throw new Error("expected an error");
}

describe("parseCsv", () => {
  it("reads plain records with LF or CRLF, with or without a final newline", () => {
    const expected = [
      ["date", "amount"],
      ["2024-01-05", "12.50"],
    ];
    expect(fieldsOf("date,amount\n2024-01-05,12.50\n")).toEqual(expected);
    expect(fieldsOf("date,amount\r\n2024-01-05,12.50\r\n")).toEqual(expected);
    expect(fieldsOf("date,amount\n2024-01-05,12.50")).toEqual(expected);
    expect(fieldsOf("date,amount\r\n2024-01-05,12.50")).toEqual(expected);
  });

  it("treats a lone CR as a line break", () => {
    expect(parseCsv("a\rb\r\nc").rows).toEqual([
      { line: 1, fields: ["a"] },
      { line: 2, fields: ["b"] },
      { line: 3, fields: ["c"] },
    ]);
  });

  it("strips a UTF-8 BOM, only at the start", () => {
    expect(fieldsOf("\uFEFFa,b\n")).toEqual([["a", "b"]]);
    expect(fieldsOf("a,\uFEFFb\n")).toEqual([["a", "\uFEFFb"]]);
  });

  it("keeps empty fields and whitespace", () => {
    expect(fieldsOf("a,,c\n,\n x , y\n")).toEqual([
      ["a", "", "c"],
      ["", ""],
      [" x ", " y"],
    ]);
    expect(fieldsOf("a,\n")).toEqual([["a", ""]]);
  });

  it("reads quoted fields with commas, doubled quotes and line breaks", () => {
    expect(fieldsOf('"a,b","say ""hi""",""\n')).toEqual([["a,b", 'say "hi"', ""]]);
    expect(fieldsOf('"line 1\nline 2","x\r\ny"\n')).toEqual([["line 1\nline 2", "x\r\ny"]]);
    expect(fieldsOf('""""\n')).toEqual([['"']]);
    expect(fieldsOf('"a"')).toEqual([["a"]]);
  });

  it("keeps a quote inside an unquoted field as text", () => {
    expect(fieldsOf('5" pipe,a"b"\n')).toEqual([['5" pipe', 'a"b"']]);
    expect(fieldsOf(' "a",b\n')).toEqual([[' "a"', "b"]]);
  });

  it("skips completely empty lines but keeps a quoted empty field", () => {
    expect(parseCsv("\n\na\n\r\n\nb\n\n").rows).toEqual([
      { line: 3, fields: ["a"] },
      { line: 6, fields: ["b"] },
    ]);
    expect(parseCsv('a\n""\nb').rows).toEqual([
      { line: 1, fields: ["a"] },
      { line: 2, fields: [""] },
      { line: 3, fields: ["b"] },
    ]);
    expect(parseCsv("").rows).toEqual([]);
    expect(parseCsv("\uFEFF").rows).toEqual([]);
    expect(parseCsv("\r\n\n").rows).toEqual([]);
  });

  it("numbers records by the physical line where they start", () => {
    const text = 'h1,h2\n"multi\nline\r\nfield",x\n\nlast,"a\rb"\nend\n';
    expect(parseCsv(text).rows).toEqual([
      { line: 1, fields: ["h1", "h2"] },
      { line: 2, fields: ["multi\nline\r\nfield", "x"] },
      { line: 6, fields: ["last", "a\rb"] },
      { line: 8, fields: ["end"] },
    ]);
  });

  it.each([
    ['a,"unterminated\n', 1, "line 1: unterminated quoted field"],
    ['a\nb\n"x\n\n\nmore', 3, "line 3: unterminated quoted field"],
    ['"', 1, "line 1: unterminated quoted field"],
    ['"a""', 1, "line 1: unterminated quoted field"],
    ['"a"b\n', 1, "line 1: unexpected text after a closing quote"],
    ['x\n"a" ,b\n', 2, "line 2: unexpected text after a closing quote"],
    ['x\n"multi\nline"z', 3, "line 3: unexpected text after a closing quote"],
    ['a,"b""c"d', 1, "line 1: unexpected text after a closing quote"],
  ])("rejects %j at line %i", (text, line, message) => {
    const error = errorOf(() => parseCsv(text));
    expect(error).toBeInstanceOf(CsvSyntaxError);
    expect(error).toBeInstanceOf(Error);
    expect((error as CsvSyntaxError).line).toBe(line);
    expect((error as CsvSyntaxError).message).toBe(message);
    expect((error as CsvSyntaxError).name).toBe("CsvSyntaxError");
  });
});

describe("toCsv", () => {
  it("quotes only fields that need it", () => {
    expect(toCsv([["a", "b c", "1,5", 'say "hi"', "x\ny", "x\ry", " lead", "trail ", "\t"]])).toBe(
      'a,b c,"1,5","say ""hi""","x\ny","x\ry"," lead","trail ","\t"\n',
    );
  });

  it("writes LF line endings with a final newline", () => {
    expect(toCsv([["a", "b"], ["c"]])).toBe("a,b\nc\n");
    expect(toCsv([])).toBe("");
  });

  it("writes a record of one empty field as a quoted empty field", () => {
    expect(toCsv([["a"], [""], ["b"]])).toBe('a\n""\nb\n');
    expect(toCsv([["", ""]])).toBe(",\n");
  });

  it("quotes a leading BOM so it survives", () => {
    expect(toCsv([["\uFEFFa"]])).toBe('"\uFEFFa"\n');
    expect(fieldsOf(toCsv([["\uFEFFa"]]))).toEqual([["\uFEFFa"]]);
  });

  it("refuses a record with no fields", () => {
    expect(() => toCsv([["a"], []])).toThrow(RangeError);
  });
});

// Biased towards the characters that matter to CSV, plus anything at all.
const csvField = fc.oneof(
  fc.string({ unit: fc.constantFrom(",", '"', "\r", "\n", " ", "a", "\uFEFF"), maxLength: 8 }),
  fc.string({ unit: "binary", maxLength: 12 }),
);
const csvRows = fc.array(fc.array(csvField, { minLength: 1, maxLength: 6 }), { maxLength: 8 });

describe("CSV properties", () => {
  it("parseCsv(toCsv(rows)) returns rows", () => {
    fc.assert(
      fc.property(csvRows, (rows) => {
        expect(fieldsOf(toCsv(rows))).toEqual(rows);
      }),
      { numRuns: 3000 },
    );
  });

  it("parses arbitrary text or throws only CsvSyntaxError", () => {
    const nearlyCsv = fc.string({
      unit: fc.constantFrom(",", '"', "\r", "\n", "a", " ", "\uFEFF"),
      maxLength: 40,
    });
    fc.assert(
      fc.property(fc.oneof(nearlyCsv, fc.string({ unit: "binary" })), (text) => {
        let rows: ReturnType<typeof parseCsv>["rows"];
        try {
          rows = parseCsv(text).rows;
        } catch (error) {
          expect(error).toBeInstanceOf(CsvSyntaxError);
          const { line, message } = error as CsvSyntaxError;
          expect(line).toBeGreaterThanOrEqual(1);
          expect(message).toMatch(new RegExp(`^line ${line}: `));
          return;
        }
        let previous = 0;
        for (const row of rows) {
          expect(row.line).toBeGreaterThan(previous);
          expect(row.fields.length).toBeGreaterThan(0);
          previous = row.line;
        }
        // Whatever parses, writing and reading again gives the same records.
        expect(fieldsOf(toCsv(rows.map((row) => row.fields)))).toEqual(rows.map((r) => r.fields));
      }),
      { numRuns: 5000 },
    );
  });
});

describe("maxFields", () => {
  it("stops at the first record wider than the limit, naming the header", () => {
    const header = errorOf(() => parseCsv(`${"a,".repeat(100)}a\n`, { maxFields: 64 }));
    expect(header).toBeInstanceOf(CsvSyntaxError);
    expect((header as Error).message).toBe("line 1: the header has more than 64 columns");
    const body = errorOf(() => parseCsv("a,b\n1,2,3\n", { maxFields: 2 }));
    expect((body as Error).message).toBe("line 2: more than 2 fields");
    expect(fieldsOf("a,b\n1,2\n")).toEqual([
      ["a", "b"],
      ["1", "2"],
    ]);
  });
});

describe("formula neutralizing (OWASP CSV injection)", () => {
  it("prefixes a quote to cells a spreadsheet would run", () => {
    expect(["=1+1", "+1", "-1", "@SUM(A1)", "\tx", "\rx"].map(neutralizeFormula)).toEqual([
      "'=1+1",
      "'+1",
      "'-1",
      "'@SUM(A1)",
      "'\tx",
      "'\rx",
    ]);
    expect(["Home", "'quoted", "a=b", ""].map(neutralizeFormula)).toEqual([
      "Home",
      "'quoted",
      "a=b",
      "",
    ]);
    expect(neutralizeFormula("'=x")).toBe("''=x");
  });

  it("is undone exactly, and never leaves a formula", () => {
    fc.assert(
      fc.property(
        fc.string({ unit: fc.constantFrom("=", "+", "-", "@", "'", "\t", "a", " ") }),
        (s) => {
          const cell = neutralizeFormula(s);
          expect(cell).not.toMatch(/^[=+\-@\t\r]/);
          expect(formulaText(cell)).toBe(s);
        },
      ),
      { numRuns: 2000 },
    );
  });
});
