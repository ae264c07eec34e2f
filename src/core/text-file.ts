import { UserError } from "../errors.js";

const UTF16_BOMS = [
  [0xff, 0xfe],
  [0xfe, 0xff],
] as const;

/** The 1-based line of a byte offset: one more than the line feeds before it. */
function lineAt(bytes: Uint8Array, offset: number): number {
  let line = 1;
  for (let i = 0; i < offset; i++) if (bytes[i] === 0x0a) line++;
  return line;
}

/**
 * The text of a file that must be UTF-8 (a UTF-8 byte order mark is allowed and kept for the
 * CSV reader to strip). Anything else is refused with the line where it shows, instead of
 * importing U+FFFD in place of each bad byte: a UTF-16 file (its byte order mark, or the NUL
 * bytes of its ASCII characters), a NUL byte, or a byte sequence that is not UTF-8 (Latin-1).
 */
export function decodeUtf8File(bytes: Uint8Array, name: string): string {
  const refuse = (line: number, why: string): never => {
    throw new UserError(`cannot read ${name}: not UTF-8: line ${line} (${why}; save it as UTF-8)`);
  };
  for (const [a, b] of UTF16_BOMS) {
    if (bytes[0] === a && bytes[1] === b) refuse(1, "it is UTF-16");
  }
  const nul = bytes.indexOf(0);
  if (nul !== -1) refuse(lineAt(bytes, nul), "a NUL byte: UTF-16, or not a text file");
  try {
    return new TextDecoder("utf-8", { fatal: true, ignoreBOM: true }).decode(bytes);
  } catch {
    // Find the first bad sequence: decode line by line (a line feed never starts or continues
    // a multi-byte sequence, so each line decodes on its own).
    let start = 0;
    let line = 1;
    const decoder = new TextDecoder("utf-8", { fatal: true });
    while (start <= bytes.length) {
      let end = bytes.indexOf(0x0a, start);
      if (end === -1) end = bytes.length;
      try {
        decoder.decode(bytes.subarray(start, end));
      } catch {
        return refuse(line, "a byte sequence that is not UTF-8, as in Latin-1");
      }
      start = end + 1;
      line++;
    }
    return refuse(line, "a byte sequence that is not UTF-8");
  }
}
