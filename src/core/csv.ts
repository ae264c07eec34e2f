/**
 * A small RFC 4180 CSV reader and writer. Fields are plain strings; what they mean (amounts,
 * dates) is for the caller, which can cite a record's line number in its own errors.
 */

/** Malformed CSV, found on a 1-based physical line. */
export class CsvSyntaxError extends Error {
  readonly line: number;
  constructor(line: number, problem: string) {
    super(`line ${line}: ${problem}`);
    this.name = "CsvSyntaxError";
    this.line = line;
  }
}

/** One record: its fields, and the physical line (1-based) where it starts. */
export interface CsvRow {
  line: number;
  fields: string[];
}

const LINE_BREAK = /\r\n|\r|\n/g;
const FIELD_END = /[,\r\n]/g;

function countLineBreaks(text: string): number {
  return text.match(LINE_BREAK)?.length ?? 0;
}

/**
 * Records from CSV text. Strips a UTF-8 BOM; a line ends at CRLF, LF or a lone CR; the last
 * line needs no line break. Quoted fields may hold commas, line breaks and `""` for a quote.
 * Completely empty lines are skipped (a record of one empty field is written `""`). A quote
 * inside an unquoted field is kept as text. Throws CsvSyntaxError for an unterminated quoted
 * field, text after a closing quote, or a record of more than maxFields fields (so a hostile
 * header of a million columns stops at once, in bounded memory).
 */
export function parseCsv(text: string, options: { maxFields?: number } = {}): { rows: CsvRow[] } {
  const maxFields = options.maxFields ?? Number.POSITIVE_INFINITY;
  const input = text.startsWith("\uFEFF") ? text.slice(1) : text;
  const rows: CsvRow[] = [];
  let line = 1;
  let at = 0;

  while (at < input.length) {
    const start = line;
    const fields: string[] = [];
    let quoted = false;

    for (;;) {
      if (input[at] === '"') {
        quoted = true;
        const opened = line;
        let value = "";
        let from = at + 1;
        for (;;) {
          const quote = input.indexOf('"', from);
          if (quote === -1) throw new CsvSyntaxError(opened, "unterminated quoted field");
          const chunk = input.slice(from, quote);
          value += chunk;
          line += countLineBreaks(chunk);
          if (input[quote + 1] === '"') {
            value += '"';
            from = quote + 2;
          } else {
            at = quote + 1;
            break;
          }
        }
        const next = input[at];
        if (next !== undefined && next !== "," && next !== "\r" && next !== "\n") {
          throw new CsvSyntaxError(line, "unexpected text after a closing quote");
        }
        fields.push(value);
      } else {
        FIELD_END.lastIndex = at;
        const end = FIELD_END.exec(input)?.index ?? input.length;
        fields.push(input.slice(at, end));
        at = end;
      }

      const next = input[at];
      if (next === "," && fields.length >= maxFields) {
        throw new CsvSyntaxError(
          start,
          rows.length === 0
            ? `the header has more than ${maxFields} columns`
            : `more than ${maxFields} fields`,
        );
      }
      if (next === ",") {
        at += 1;
        continue;
      }
      if (next === "\r") at += input[at + 1] === "\n" ? 2 : 1;
      else if (next === "\n") at += 1;
      if (next !== undefined) line += 1;
      break;
    }

    if (quoted || fields.length > 1 || fields[0] !== "") rows.push({ line: start, fields });
  }
  return { rows };
}

// Leading or trailing whitespace is quoted so tools that trim unquoted fields keep it; \s also
// covers U+FEFF, which parseCsv would otherwise strip as a BOM at the start of the text.
const NEEDS_QUOTES = /[",\r\n]|^\s|\s$/;

function quoteField(field: string): string {
  return NEEDS_QUOTES.test(field) ? `"${field.replaceAll('"', '""')}"` : field;
}

/**
 * CSV text for records: fields quoted only when needed, quotes doubled, LF line endings and a
 * final newline. A record of one empty field is written `""` (an empty line would be skipped),
 * so parseCsv(toCsv(rows)) returns rows. A record with no fields cannot be written: RangeError.
 */
export function toCsv(rows: readonly (readonly string[])[]): string {
  let out = "";
  for (const [index, fields] of rows.entries()) {
    if (fields.length === 0) throw new RangeError(`toCsv: record ${index + 1} has no fields`);
    out += fields.length === 1 && fields[0] === "" ? '""' : fields.map(quoteField).join(",");
    out += "\n";
  }
  return out;
}

// OWASP's CSV injection rule: a cell starting with one of these is run by a spreadsheet.
const FORMULA_START = /^'*[=+\-@\t\r]/;

/**
 * A text cell that a spreadsheet will not run as a formula: a cell starting with =, +, -, @,
 * tab or CR gets a single quote in front (OWASP). So that formulaText undoes it exactly, a
 * cell already starting with quotes before such a character gets one more.
 */
export function neutralizeFormula(cell: string): string {
  return FORMULA_START.test(cell) ? `'${cell}` : cell;
}

/** The text neutralizeFormula was given: one leading quote removed where it added one. */
export function formulaText(cell: string): string {
  return cell.startsWith("'") && FORMULA_START.test(cell.slice(1)) ? cell.slice(1) : cell;
}
